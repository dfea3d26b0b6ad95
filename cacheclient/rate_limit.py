"""Token-bucket rate limiter for a `rate-limit` cache (`volatile-ttl`): one atomic script, a TTL on every key.

Each caller's bucket is one hash (`tokens`, `ts`), refilled continuously at `rate` tokens per second up to
`capacity`. The script reads the server's clock (`TIME`, so app hosts' clocks do not matter), refills, takes the
cost if it can, and sets the key's TTL to the time the bucket needs to be full again. So:

- every key has a TTL: `volatile-ttl` can always evict, and a write never fails with OOM;
- a key that expires held a full bucket anyway: expiry loses nothing;
- `volatile-ttl` evicts the keys nearest their expiry, i.e. the buckets nearest full, so an eviction can admit
  at most the few tokens that bucket was missing; an emptied bucket (a caller being limited) has the longest
  TTL and is the last to go. A fixed-window counter (`INCR` then `EXPIRE`) has neither property: without the
  `EXPIRE` it is never evictable, and evicted near its window's end it restarts the window at zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
local ttl = math.max(1, math.ceil((capacity - tokens) * 1000 / rate))
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
local retry_after = 0
if allowed == 0 then
  retry_after = math.ceil((cost - tokens) * 1000 / rate)
end
return {allowed, math.floor(tokens), retry_after}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    """Whole tokens left in the bucket."""
    retry_after_ms: int
    """When denied: how long until the cost is available."""


class TokenBucket:
    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        capacity: int,
        refill_per_second: float,
        prefix: str = "ratelimit:",
    ) -> None:
        if capacity < 1 or refill_per_second <= 0:
            raise ValueError("capacity must be >= 1 and refill_per_second > 0")
        self.capacity = capacity
        self.refill_per_second = refill_per_second
        self.prefix = prefix
        self._script = client.register_script(TOKEN_BUCKET)

    def hit(self, caller: str, cost: int = 1) -> Decision:
        if not 1 <= cost <= self.capacity:
            raise ValueError(f"cost {cost} must be between 1 and the capacity {self.capacity}")
        allowed, remaining, retry_after = self._script(
            keys=[f"{self.prefix}{caller}"], args=[self.capacity, self.refill_per_second, cost]
        )
        return Decision(bool(allowed), int(remaining), int(retry_after))
