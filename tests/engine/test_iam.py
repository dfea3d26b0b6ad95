"""IAM mode on a real engine: the signed token is the user id's password, and open connections re-authenticate.

A local engine cannot verify SigV4, so the served IAM user gets the token the provider signed as its password
(or `nopass`, where any token must be accepted); what AWS does with the token is shown only against AWS.
"""

from __future__ import annotations

import time

from botocore.credentials import Credentials

from cacheclient import IAMCredentialProvider, connect, credentials

KEYS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ROTATED = Credentials("ASIAEXAMPLE", "c2VjcmV0LXNlc3Npb24ta2V5", token="IQoJb3JpZ2luX2VjE/session+token=")


class Session:
    """botocore's session as the provider uses it: role credentials that rotate after the first token."""

    def __init__(self) -> None:
        self.calls = 0

    def get_credentials(self) -> Credentials:
        self.calls += 1
        return KEYS if self.calls == 1 else ROTATED


def auth_calls(cache) -> int:
    stats = cache.harness().info("commandstats")
    return int(stats.get("cmdstat_auth", {}).get("calls", 0))


def test_iam_mode_authenticates_the_user_id_with_the_signed_token(caches) -> None:
    cache = caches["sessions"]
    connection = cache.connection
    provider = credentials(connection, session=Session())
    assert isinstance(provider, IAMCredentialProvider)
    user, token = provider.get_credentials()
    assert user == connection.users["app"].user_id
    assert user.startswith("dev-sessions-app")
    assert token.startswith(f"{connection.cache_id.lower()}/?Action=connect&User={user}&")
    cache.harness().acl_setuser(user, enabled=True, reset_passwords=True, passwords=[f"+{token}"])
    client = connect(connection, credential_provider=provider, ca_certs=str(cache.server.certificates.ca))
    assert client.acl_whoami() in (user, user.encode())
    assert client.ping()


def test_open_connections_reauthenticate_with_a_fresh_token(caches) -> None:
    cache = caches["memory"]
    connection = cache.connection
    user = connection.users["agent"].user_id
    cache.harness().acl_setuser(user, enabled=True, nopass=True)  # any token: the engine cannot check SigV4
    provider = IAMCredentialProvider(
        connection.cache_id, user, connection.region, serverless=False, session=Session(), reauthenticate_every=None
    )
    seen: list[str] = []
    client = connect(connection, credential_provider=provider, ca_certs=str(cache.server.certificates.ca))
    provider.on_next(lambda fresh: seen.append(fresh.get_value()))
    client_id = client.client_id()
    first = provider.get_credentials()[1]
    before = auth_calls(cache)
    provider.reauthenticate()
    assert auth_calls(cache) == before + 1, "the idle connection was sent AUTH"
    assert client.client_id() == client_id, "on the same connection: nothing was dropped"
    assert client.acl_whoami() in (user, user.encode())
    [fresh] = seen
    assert fresh != first
    assert "X-Amz-Credential=ASIAEXAMPLE" in fresh, "signed with the rotated role credentials"


def test_the_provider_reauthenticates_on_its_own_schedule(caches) -> None:
    cache = caches["memory"]
    connection = cache.connection
    user = connection.users["agent"].user_id
    cache.harness().acl_setuser(user, enabled=True, nopass=True)
    provider = IAMCredentialProvider(
        connection.cache_id, user, connection.region, serverless=False, session=Session(), reauthenticate_every=0.2
    )
    try:
        client = connect(connection, credential_provider=provider, ca_certs=str(cache.server.certificates.ca))
        assert client.ping()
        before = auth_calls(cache)
        deadline = time.monotonic() + 10
        while auth_calls(cache) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert auth_calls(cache) >= before + 2
    finally:
        provider.close()
