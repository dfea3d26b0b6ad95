"""IAM authentication tokens for ElastiCache: a SigV4-presigned `connect` request, signed with botocore.

The token is the presigned URL of `GET https://<cacheId>/?Action=connect&User=<userId>` (plus
`ResourceType=ServerlessCache` for a serverless cache) for the service `elasticache`, without its scheme, valid
15 minutes. It is sent as the password of `AUTH <userId> <token>`. Source: AWS "Authenticating with IAM"
(ElastiCache user guide: the token format, the 15-minute validity, the 12-hour connection limit and that AUTH or
HELLO with a new token extends it), whose sample signs with botocore's `RequestSigner` as done here. That a
token made here is accepted can only be shown against AWS; the tests check its shape and its signature for fixed
credentials and a fixed clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlunparse

from botocore.credentials import Credentials
from botocore.hooks import HierarchicalEmitter
from botocore.model import ServiceId
from botocore.session import Session
from botocore.signers import RequestSigner
from redis.auth.token import SimpleToken
from redis.credentials import StreamingCredentialProvider

SERVICE = "elasticache"
TOKEN_LIFETIME_SECONDS = 900
"""AWS accepts a token for 15 minutes after it was signed."""
TOKEN_REUSE_SECONDS = 300
"""A token is reused for new connections for 5 minutes, so it always has 10 left (clock skew, slow handshakes).
Its age is read on the wall clock its signature's X-Amz-Date comes from: the monotonic clock stops while the host
sleeps (EC2 hibernation), and a token from before would look fresh; one signed "in the future" (the clock was
stepped back) is not reused either."""
CONNECTION_LIFETIME_SECONDS = 12 * 3600
"""AWS closes an IAM-authenticated connection 12 hours after its last AUTH (or HELLO with a token)."""
REAUTHENTICATE_EVERY_SECONDS = 3600
"""Every connection re-AUTHs this often, well within `CONNECTION_LIFETIME_SECONDS`."""

_log = logging.getLogger(__name__)
_EVENTS = HierarchicalEmitter()
"""The signer's event hooks (none registered): it keeps only a weak reference, so this one must stay alive."""


def auth_token(
    cache_id: str,
    user_id: str,
    region: str,
    credentials: Credentials,
    *,
    serverless: bool,
    expires_in: int = TOKEN_LIFETIME_SECONDS,
) -> str:
    """The IAM auth token for `user_id` on `cache_id` (replication group id or serverless cache name)."""
    query = {"Action": "connect", "User": user_id}
    if serverless:
        query["ResourceType"] = "ServerlessCache"
    url = urlunparse(("https", cache_id.lower(), "/", "", urlencode(query), ""))
    signer = RequestSigner(ServiceId(SERVICE), region, SERVICE, "v4", credentials, _EVENTS)
    signed = signer.generate_presigned_url(
        {"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}},
        operation_name="connect",
        expires_in=expires_in,
        region_name=region,
    )
    # ElastiCache takes the URL without its scheme.
    return signed.removeprefix("https://")


class IAMCredentialProvider(StreamingCredentialProvider):
    """redis-py credentials for one IAM-authenticated user: `(userId, token)`, and re-authentication.

    Credentials come from botocore's default chain (the role of the ECS task, EC2 instance or Lambda, the
    environment, a profile) and are re-read for every new token, so rotated role credentials are picked up.

    AWS closes an IAM-authenticated connection 12 hours after its last AUTH. Every `reauthenticate_every`
    seconds (1 hour: eleven chances before the limit) this provider hands a fresh token to redis-py's
    re-authentication (`StreamingCredentialProvider`), which sends `AUTH` on every idle connection of every
    client using it at once, and on each busy one as soon as it is released, so no connection reaches the
    limit and none is dropped mid-command. Use one client (one provider) per process.
    """

    def __init__(
        self,
        cache_id: str,
        user_id: str,
        region: str,
        *,
        serverless: bool,
        session: Session | None = None,
        reauthenticate_every: float | None = REAUTHENTICATE_EVERY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if reauthenticate_every is not None and not 0 < reauthenticate_every < CONNECTION_LIFETIME_SECONDS:
            raise ValueError(
                f"reauthenticate_every={reauthenticate_every!r}: AWS closes an IAM-authenticated connection "
                f"{CONNECTION_LIFETIME_SECONDS // 3600} hours after its AUTH; give fewer seconds than that, or None to "
                "not re-authenticate"
            )
        self.cache_id = cache_id
        self.user_id = user_id
        self.region = region
        self.serverless = serverless
        self.reauthenticate_every = reauthenticate_every
        self._session = session or Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._signed_at = 0.0
        self._listeners: list[Callable[[Any], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def get_credentials(self) -> tuple[str, str]:
        with self._lock:
            if self._token is None or not 0 <= self._clock() - self._signed_at < TOKEN_REUSE_SECONDS:
                self._sign()
            assert self._token is not None
            return self.user_id, self._token

    async def get_credentials_async(self) -> tuple[str, str]:
        return self.get_credentials()

    def _sign(self) -> None:
        credentials = self._session.get_credentials()
        if credentials is None:
            raise RuntimeError(
                "no AWS credentials for IAM authentication: give the app a role (ECS task role, instance "
                "profile, Lambda execution role) or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
            )
        self._token = auth_token(self.cache_id, self.user_id, self.region, credentials, serverless=self.serverless)
        self._signed_at = self._clock()

    # -- re-authentication (redis-py's StreamingCredentialProvider interface) -----------------------------

    def on_next(self, callback: Callable[[Any], None]) -> None:
        """redis-py registers each client's connection pools here."""
        with self._lock:
            self._listeners.append(callback)
            if self.reauthenticate_every and self._thread is None:
                self._thread = threading.Thread(target=self._every, name="cache-iam-reauth", daemon=True)
                self._thread.start()

    def on_error(self, callback: Callable[[Exception], None]) -> None:
        """Not used: a failed round is logged and tried again a minute later (see `_every`)."""

    def is_streaming(self) -> bool:
        return True

    def reauthenticate(self) -> None:
        """AUTH every connection of every client using this provider with a new token, now."""
        with self._lock:
            self._sign()
            token, signed_ms = self._token, time.time() * 1000
            listeners = list(self._listeners)
        assert token is not None
        claims = {"oid": self.user_id}  # redis-py's re-authentication AUTHs as the token's `oid`
        fresh = SimpleToken(token, signed_ms + TOKEN_LIFETIME_SECONDS * 1000, signed_ms, claims)
        for listener in listeners:
            listener(fresh)

    def _every(self) -> None:
        wait = self.reauthenticate_every
        while wait and not self._stop.wait(wait):
            try:
                self.reauthenticate()
                wait = self.reauthenticate_every
            except Exception:
                _log.exception(
                    "re-authentication of %s on %s failed; trying again in a minute", self.user_id, self.cache_id
                )
                wait = min(60.0, self.reauthenticate_every or 60.0)

    def close(self) -> None:
        """Stop re-authenticating (the thread is a daemon: a process may also just exit)."""
        self._stop.set()
