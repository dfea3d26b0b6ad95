"""IAM auth tokens: the shape AWS documents and a SigV4 signature recomputed here from the spec, not botocore.

That ElastiCache accepts such a token can only be shown against AWS; this shows that, for fixed credentials and
a fixed clock, the token is exactly the presigned `connect` request the AWS documentation describes.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import time_machine
from botocore.credentials import Credentials

from cacheclient import IAMCredentialProvider, auth_token

NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
KEYS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SESSION_KEYS = Credentials("ASIAEXAMPLE", "c2VjcmV0LXNlc3Npb24ta2V5", token="IQoJb3JpZ2luX2VjE/session+token=")


def sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def expected_signature(token: str, credentials: Credentials, region: str) -> str:
    """AWS Signature Version 4 for a presigned GET (query-string auth), straight from the spec."""
    url = urlsplit(f"https://{token}")
    params = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params))
    canonical_request = "\n".join(
        ["GET", "/", canonical_query, f"host:{url.hostname}", "", "host", hashlib.sha256(b"").hexdigest()]
    )
    amz_date = dict(params)["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{region}/elasticache/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = sign(f"AWS4{credentials.secret_key}".encode(), amz_date[:8])
    for part in (region, "elasticache", "aws4_request"):
        key = sign(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def query(token: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(f"https://{token}").query))


@pytest.mark.parametrize("serverless", [False, True])
def test_token_is_the_presigned_connect_request_for_the_cache_and_user(serverless) -> None:
    with time_machine.travel(NOW, tick=False):
        token = auth_token("dev-sessions", "dev-sessions-app", "us-east-1", KEYS, serverless=serverless)
    assert not token.startswith("https://")
    assert token.startswith("dev-sessions/?")
    params = query(token)
    expected = {
        "Action": "connect",
        "User": "dev-sessions-app",
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "AKIDEXAMPLE/20260102/us-east-1/elasticache/aws4_request",
        "X-Amz-Date": "20260102T030405Z",
        "X-Amz-Expires": "900",
        "X-Amz-SignedHeaders": "host",
    }
    if serverless:
        expected["ResourceType"] = "ServerlessCache"
    signature = params.pop("X-Amz-Signature")
    assert params == expected
    assert signature == expected_signature(token, KEYS, "us-east-1")


def test_session_credentials_carry_their_token_and_sign_with_their_own_secret() -> None:
    with time_machine.travel(NOW, tick=False):
        token = auth_token("Prod-Ratelimit", "prod-ratelimit-api", "eu-west-1", SESSION_KEYS, serverless=False)
    assert token.startswith("prod-ratelimit/?"), "the host is the cache id as AWS stores it: lowercase"
    params = query(token)
    assert params["X-Amz-Security-Token"] == SESSION_KEYS.token
    assert params["X-Amz-Credential"] == "ASIAEXAMPLE/20260102/eu-west-1/elasticache/aws4_request"
    assert params["X-Amz-Signature"] == expected_signature(token, SESSION_KEYS, "eu-west-1")
    assert params["X-Amz-Signature"] != expected_signature(token, KEYS, "eu-west-1")


class FakeSession:
    """botocore's session as far as the provider uses it: credentials that can rotate."""

    def __init__(self, *credentials: Credentials) -> None:
        self.credentials = list(credentials)
        self.calls = 0

    def get_credentials(self) -> Credentials | None:
        self.calls += 1
        return self.credentials[min(self.calls, len(self.credentials)) - 1] if self.credentials else None


def test_provider_reuses_a_token_for_five_minutes_then_signs_with_fresh_credentials() -> None:
    now = [1000.0]
    session = FakeSession(KEYS, SESSION_KEYS)
    provider = IAMCredentialProvider(
        "dev-sessions", "dev-sessions-app", "us-east-1", serverless=False, session=session, clock=lambda: now[0]
    )
    with time_machine.travel(NOW, tick=False):
        user, first = provider.get_credentials()
        now[0] += 299
        assert provider.get_credentials() == (user, first)
        now[0] += 1
        _, second = provider.get_credentials()
    assert user == "dev-sessions-app"
    assert query(first)["X-Amz-Credential"].startswith("AKIDEXAMPLE/")
    assert query(second)["X-Amz-Credential"].startswith("ASIAEXAMPLE/"), "rotated role credentials are used"
    assert session.calls == 2


def test_provider_judges_a_tokens_age_by_the_clock_it_was_signed_with() -> None:
    """A token is valid 15 minutes after its X-Amz-Date, by the wall clock. A host that slept (EC2 hibernation, a
    suspended laptop) comes back with the monotonic clock where it stopped: its token must not look fresh."""
    session = FakeSession(KEYS, SESSION_KEYS)
    provider = IAMCredentialProvider("dev-sessions", "dev-sessions-app", "us-east-1", serverless=False, session=session)
    with time_machine.travel(NOW, tick=False):
        _, first = provider.get_credentials()
    with time_machine.travel(NOW + datetime.timedelta(minutes=14), tick=False):
        _, second = provider.get_credentials()
    assert second != first, "a token signed 14 minutes ago would have 1 minute left"
    assert query(second)["X-Amz-Date"] == (NOW + datetime.timedelta(minutes=14)).strftime("%Y%m%dT%H%M%SZ")
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        _, third = provider.get_credentials()
    assert third not in (first, second), "a clock stepped back does not make an old token young"


@pytest.mark.parametrize("every", [0, -1, 12 * 3600, 13 * 3600.0])
def test_provider_refuses_to_reauthenticate_less_often_than_every_12_hours(every: float) -> None:
    with pytest.raises(ValueError, match="12 hours after its AUTH"):
        IAMCredentialProvider(
            "c", "c-app", "us-east-1", serverless=False, session=FakeSession(), reauthenticate_every=every
        )


def test_provider_without_credentials_says_what_to_do() -> None:
    provider = IAMCredentialProvider("c", "c-app", "us-east-1", serverless=False, session=FakeSession())
    with pytest.raises(RuntimeError, match="give the app a role"):
        provider.get_credentials()
