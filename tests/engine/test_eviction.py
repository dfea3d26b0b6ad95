"""Each workload's eviction policy keeps its promise under memory pressure, with its recipe (bounded loops).

The cache's `maxmemory` is set just above what it holds; each loop stops at its first refusal or after a fixed
count, and every wait has a deadline.
"""

from __future__ import annotations

import time

import pytest
import redis

from cacheclient.agent_memory import AgentMemory
from cacheclient.cache_aside import CacheAside
from cacheclient.locks import Locks
from cacheclient.rate_limit import TokenBucket
from cacheclient.sessions import SessionStore
from components import observability

MOST = 20_000
"""No loop runs longer: with under a megabyte of room, every loop below ends far sooner."""


def squeeze(cache, headroom: int = 600_000) -> redis.Redis:
    harness = cache.harness()
    assert harness.config_get("maxmemory-policy")["maxmemory-policy"] == cache.planned.parameters["maxmemory-policy"]
    harness.config_set("maxmemory", harness.info("memory")["used_memory"] + headroom)
    return harness


def evicted(harness: redis.Redis) -> int:
    return int(harness.info("stats")["evicted_keys"])


def expired(harness: redis.Redis) -> int:
    return int(harness.info("stats")["expired_keys"])


def until_refused(write) -> int:
    """Call `write(i)` until the cache refuses it with OOM; how many it accepted (at most `MOST`)."""
    for index in range(MOST):
        try:
            write(index)
        except redis.exceptions.OutOfMemoryError:
            return index
    pytest.fail(f"{MOST} writes and no OOM refusal")


def until(condition, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_full_sessions_cache_refuses_new_sessions_evicts_none_and_frees_expired_ones(caches) -> None:
    cache = caches["sessions"]
    store = SessionStore(cache.client(), ttl_seconds=2)
    harness = squeeze(cache)
    created: list[str] = []
    until_refused(lambda _: created.append(store.create({"blob": "x" * 2000})))
    assert len(created) > 50
    assert evicted(harness) == 0
    assert harness.dbsize() + expired(harness) == len(created), "every session is there until its TTL ends"
    assert store.load(created[-1]) is not None, "a full cache still reads sessions"
    # Every session had a TTL: once they expire the cache has room again, without anyone deleting anything.
    assert until(lambda: harness.dbsize() == 0)
    assert store.create({"blob": "fresh"})


def test_a_full_locks_cache_refuses_new_locks_and_crashed_holders_locks_expire(caches) -> None:
    cache = caches["locks"]
    locks = Locks(cache.client())
    harness = squeeze(cache)
    # Holders that crash: nobody releases, and the long names fill memory fast.
    held = until_refused(lambda index: locks.acquire(f"job-{index}-{'x' * 1000}", ttl_ms=700))
    assert held > 50
    assert evicted(harness) == 0, "a lock is never evicted from under its holder"
    assert harness.dbsize() + expired(harness) == held
    assert until(lambda: harness.dbsize() == 0)
    assert locks.acquire("job-after", ttl_ms=1_000) is not None


def test_rate_limit_buckets_are_evicted_nearest_full_first_and_never_fail_with_oom(caches) -> None:
    cache = caches["ratelimit"]
    client = cache.client()
    limiter = TokenBucket(client, capacity=10, refill_per_second=0.1)
    assert all(limiter.hit("abuser").allowed for _ in range(10))
    assert not limiter.hit("abuser").allowed  # emptied: its TTL is the longest (100 s)
    harness = squeeze(cache)
    for index in range(MOST):
        limiter.hit(f"caller-{index}-{'x' * 200}")  # one token short of full: TTL 10 s
        if index % 100 == 99 and evicted(harness) >= 300:
            break
    assert evicted(harness) >= 300, "the cache made room by evicting, not by refusing"
    decision = limiter.hit("abuser")
    assert not decision.allowed, "the limited caller's bucket survived: its window did not silently reset"
    assert harness.exists("ratelimit:abuser") == 1


def test_counters_without_a_ttl_fill_a_volatile_ttl_cache_until_writes_fail(caches) -> None:
    """Why the recipe sets a TTL on every key: `INCR` counters alone cannot be evicted under `volatile-ttl`."""
    cache = caches["ratelimit"]
    client = cache.client()
    squeeze(cache)
    assert until_refused(lambda index: client.incr(f"window:{index}:{'x' * 200}")) > 0


def test_a_full_hot_cache_evicts_and_keeps_serving(caches) -> None:
    cache = caches["hot"]
    aside = CacheAside(cache.client(), ttl_seconds=300)
    harness = squeeze(cache)
    for index in range(MOST):
        aside.get(f"item-{index}", lambda: "v" * 2000)
        if index % 100 == 99 and evicted(harness) >= 300:
            break
    assert evicted(harness) >= 300
    # Why the memory alarm of an allkeys-* cache defaults to 100% (components/observability.py): evicting holds
    # DatabaseMemoryUsagePercentage (used_memory / maxmemory) at the limit, where an 85% alarm would never clear.
    memory = harness.info("memory")
    percent = 100 * memory["used_memory"] / memory["maxmemory"]
    assert observability.MEMORY_PERCENT < percent <= observability.ALL_KEYS_MEMORY_PERCENT, percent
    assert aside.get("item-recent", lambda: "fresh") == "fresh"
    assert aside.get("item-recent", lambda: "reloaded") == b"fresh", "the latest fill is still cached"


def test_a_full_agent_memory_cache_evicts_old_conversations_and_never_fails_writes(caches) -> None:
    cache = caches["memory"]
    memory = AgentMemory(cache.client(), ttl_seconds=3_600)
    harness = squeeze(cache)
    for index in range(MOST):
        memory.remember(f"conversation-{index}", "m" * 2000)
        memory.remember("active", "still here")  # the conversation in use, read and written all along
        if index % 100 == 99 and evicted(harness) >= 300:
            break
    assert evicted(harness) >= 300
    assert memory.recall("active"), "the conversation in use is the last to go (LRU)"


def test_agent_memory_written_without_a_ttl_fills_a_volatile_lru_cache(caches) -> None:
    """Why every agent-memory write sets a TTL: keys without one are never evicted under `volatile-lru`."""
    cache = caches["memory"]
    client = cache.client()
    squeeze(cache)
    assert until_refused(lambda index: client.rpush(f"agent:{{c{index}}}:messages", "m" * 2000)) > 0
