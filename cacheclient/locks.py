"""Locks for a `locks` cache (`noeviction`): `SET NX PX` with an owner token, released and renewed by script.

- Every lock has a TTL (`PX`): a holder that crashes leaves a lock that expires, never an orphan that fills a
  `noeviction` cache or blocks the name for good.
- Only the owner releases or renews: the scripts compare the stored token first, so a holder whose lock expired
  (a long GC pause) cannot delete or extend the next holder's lock.
- What a failover can do: replication is asynchronous. A lock written to the primary that fails before the
  write reaches a replica is gone on the promoted replica, and a second client can take it while the first
  still believes it holds it. `replicas=1` makes `acquire` wait (`WAIT`) until a replica has the lock and
  report failure otherwise, which narrows that window but cannot close it. Where two holders would corrupt
  data, also fence the protected resource (a version column, a conditional write) rather than trusting the
  lock alone.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class LockNotAcquired(Exception):
    """The lock stayed taken for the whole wait."""


class Locks:
    def __init__(self, client: redis.Redis | redis.RedisCluster, *, prefix: str = "lock:") -> None:
        self.client = client
        self.prefix = prefix
        self._release = client.register_script(RELEASE)
        self._renew = client.register_script(RENEW)

    def _key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def acquire(self, name: str, ttl_ms: int, *, replicas: int = 0, replica_timeout_ms: int = 100) -> str | None:
        """The owner token if the lock was free (and, with `replicas`, reached that many replicas), else None."""
        if ttl_ms <= 0:
            raise ValueError("ttl_ms must be positive: a lock without a TTL outlives a crashed holder")
        if replicas and replica_timeout_ms <= 0:
            raise ValueError("replica_timeout_ms must be positive: WAIT with 0 blocks until a replica acknowledges")
        token = secrets.token_hex(16)
        if not self.client.set(self._key(name), token, nx=True, px=ttl_ms):
            return None
        if not replicas:
            return token
        try:
            replicated = self._replicated(name, replicas, replica_timeout_ms)
        except redis.RedisError:
            # A WAIT that fails (a timeout shorter than the socket's, a dropped connection) grants nothing: the
            # caller gets no token, so the lock it would never release is released now.
            self.release(name, token)
            raise
        if replicated < replicas:
            self.release(name, token)
            return None
        return token

    def _replicated(self, name: str, replicas: int, timeout_ms: int) -> int:
        if isinstance(self.client, redis.RedisCluster):
            node = self.client.get_node_from_key(self._key(name))
            return int(self.client.execute_command("WAIT", replicas, timeout_ms, target_nodes=node))
        return int(self.client.execute_command("WAIT", replicas, timeout_ms))

    def release(self, name: str, token: str) -> bool:
        """True if this owner still held the lock and released it."""
        return bool(self._release(keys=[self._key(name)], args=[token]))

    def renew(self, name: str, token: str, ttl_ms: int) -> bool:
        """True if this owner still held the lock; its TTL is now `ttl_ms`."""
        if ttl_ms <= 0:
            raise ValueError("ttl_ms must be positive: PEXPIRE with no time left deletes the lock it renews")
        return bool(self._renew(keys=[self._key(name)], args=[token, ttl_ms]))

    @contextmanager
    def hold(self, name: str, ttl_ms: int, *, wait_ms: int = 0, poll_ms: int = 20) -> Iterator[str]:
        """Hold the lock for the block, waiting up to `wait_ms` for it; released on the way out."""
        deadline = time.monotonic() + wait_ms / 1000
        while (token := self.acquire(name, ttl_ms)) is None:
            if time.monotonic() >= deadline:
                raise LockNotAcquired(name)
            time.sleep(poll_ms / 1000)
        try:
            yield token
        finally:
            self.release(name, token)
