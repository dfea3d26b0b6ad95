"""Session store for a `sessions` cache (`noeviction`): every session has a TTL, so none is ever an orphan.

A session is one string key written with `SET ... EX` and read with `GETEX ... EX` (sliding expiry): there is
no write without a TTL. Under `noeviction` a full cache refuses new sessions with an error the app sees
(`redis.exceptions.OutOfMemoryError`) and never drops a live one, which can still be read; expired sessions
free their memory.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import redis


class SessionStore:
    def __init__(self, client: redis.Redis | redis.RedisCluster, *, ttl_seconds: int, prefix: str = "session:") -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive: a session without a TTL fills a noeviction cache")
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.prefix = prefix

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}{session_id}"

    def create(self, data: dict[str, Any]) -> str:
        """A new session id (256 random bits) holding `data`."""
        session_id = secrets.token_urlsafe(32)
        self.client.set(self._key(session_id), json.dumps(data), ex=self.ttl_seconds, nx=True)
        return session_id

    def save(self, session_id: str, data: dict[str, Any]) -> None:
        self.client.set(self._key(session_id), json.dumps(data), ex=self.ttl_seconds)

    def load(self, session_id: str) -> dict[str, Any] | None:
        """The session's data, its TTL renewed; None once it expired or was deleted.

        A full `noeviction` cache refuses `GETEX` (it may write); the session is then read without renewal.
        """
        key = self._key(session_id)
        try:
            raw = self.client.getex(key, ex=self.ttl_seconds)
        except redis.exceptions.OutOfMemoryError:
            raw = self.client.get(key)
        return None if raw is None else json.loads(raw)

    def delete(self, session_id: str) -> None:
        self.client.delete(self._key(session_id))
