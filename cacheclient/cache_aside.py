"""Cache-aside for a `cache` workload (an evicting policy): read through, fill with a TTL, one filler per key.

A miss takes a short fill lock (`SET NX PX`, owner token) so that only one caller loads the value from the
source while the others wait briefly for it to appear, instead of every caller hitting the source at once
(a stampede) when a hot key expires or is evicted. Each value's TTL is jittered so keys filled together do not
expire together. A waiter that does not see the value in time loads it itself: the cache protects the source,
never the caller's correctness.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable

import redis

from cacheclient.locks import RELEASE


class CacheAside:
    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        ttl_seconds: int,
        jitter: float = 0.1,
        fill_lock_ms: int = 5_000,
        wait_ms: int = 1_000,
        poll_ms: int = 10,
        prefix: str = "cache:",
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.jitter = jitter
        self.fill_lock_ms = fill_lock_ms
        self.wait_ms = wait_ms
        self.poll_ms = poll_ms
        self.prefix = prefix
        self._release = client.register_script(RELEASE)

    def _keys(self, key: str) -> tuple[str, str]:
        # One hash slot for a value and its fill lock (cluster mode).
        return f"{self.prefix}{{{key}}}", f"{self.prefix}{{{key}}}:filling"

    def _ttl(self) -> int:
        return max(1, round(self.ttl_seconds * (1 + random.uniform(-self.jitter, self.jitter))))

    def get(self, key: str, load: Callable[[], bytes | str]) -> bytes | str:
        value_key, lock_key = self._keys(key)
        cached = self.client.get(value_key)
        if cached is not None:
            return cached
        token = secrets.token_hex(16)
        if self.client.set(lock_key, token, nx=True, px=self.fill_lock_ms):
            try:
                # Another filler may have finished between our miss and our lock.
                cached = self.client.get(value_key)
                if cached is not None:
                    return cached
                value = load()
                self.client.set(value_key, value, ex=self._ttl())
                return value
            finally:
                self._release(keys=[lock_key], args=[token])
        deadline = time.monotonic() + self.wait_ms / 1000
        while time.monotonic() < deadline:
            time.sleep(self.poll_ms / 1000)
            cached = self.client.get(value_key)
            if cached is not None:
                return cached
        return load()

    def invalidate(self, key: str) -> None:
        self.client.delete(self._keys(key)[0])
