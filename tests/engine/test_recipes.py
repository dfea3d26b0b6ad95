"""Every workload recipe on its workload's cache, as the planned app user, on Valkey and Redis OSS."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from cacheclient.agent_memory import AgentMemory
from cacheclient.cache_aside import CacheAside
from cacheclient.locks import LockNotAcquired, Locks
from cacheclient.rate_limit import TokenBucket
from cacheclient.sessions import SessionStore


def pttl(cache, key: str) -> int:
    return cache.harness().pttl(key)


def test_session_store_always_writes_a_ttl_and_slides_it(caches) -> None:
    sessions = caches["sessions"]
    store = SessionStore(sessions.client(), ttl_seconds=60)
    session_id = store.create({"user": 42})
    key = f"session:{session_id}"
    assert 0 < pttl(sessions, key) <= 60_000
    sessions.harness().pexpire(key, 5_000)
    assert store.load(session_id) == {"user": 42}
    assert pttl(sessions, key) > 55_000, "reading a session renews its TTL"
    store.save(session_id, {"user": 42, "cart": [1]})
    assert 0 < pttl(sessions, key) <= 60_000
    assert store.load(session_id) == {"user": 42, "cart": [1]}
    store.delete(session_id)
    assert store.load(session_id) is None
    with pytest.raises(ValueError, match="without a TTL"):
        SessionStore(sessions.client(), ttl_seconds=0)


@pytest.mark.parametrize("cache_name", ["ratelimit", "hot"])
def test_token_bucket_admits_capacity_then_refills_and_always_sets_a_ttl(caches, cache_name) -> None:
    cache = caches[cache_name]
    limiter = TokenBucket(cache.client(), capacity=5, refill_per_second=0.1)
    decisions = [limiter.hit("client-a") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[-1].retry_after_ms > 0
    ttl = pttl(cache, "ratelimit:client-a")
    assert 40_000 < ttl <= 50_000, "the TTL is the time the bucket needs to be full again: 5 tokens at 0.1/s"
    assert limiter.hit("client-b").allowed, "buckets are per caller"
    # Twenty seconds pass for client-a's bucket (its last refill moved back): two tokens come back.
    harness = cache.harness()
    harness.hset("ratelimit:client-a", "ts", int(harness.hget("ratelimit:client-a", "ts")) - 20_000)
    assert [limiter.hit("client-a").allowed for _ in range(3)] == [True, True, False]
    with pytest.raises(ValueError, match="cost"):
        limiter.hit("client-a", cost=6)


def test_token_bucket_runs_as_one_script_under_concurrency(caches) -> None:
    cache = caches["ratelimit"]
    limiter = TokenBucket(cache.client(), capacity=50, refill_per_second=0.001)
    results: list[bool] = []

    def hammer() -> None:
        results.extend(limiter.hit("shared").allowed for _ in range(25))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 50, "exactly the capacity, never more: each hit is atomic"


@pytest.mark.parametrize("cache_name", ["locks", "hot"])
def test_lock_is_owned_expires_and_only_its_owner_releases_or_renews(caches, cache_name) -> None:
    cache = caches[cache_name]
    locks = Locks(cache.client())
    token = locks.acquire("invoice-7", ttl_ms=10_000)
    assert token is not None
    assert 0 < pttl(cache, "lock:invoice-7") <= 10_000
    assert locks.acquire("invoice-7", ttl_ms=10_000) is None
    assert locks.release("invoice-7", "not-the-owner") is False
    assert locks.renew("invoice-7", "not-the-owner", 60_000) is False
    assert locks.renew("invoice-7", token, 60_000) is True
    assert pttl(cache, "lock:invoice-7") > 10_000
    assert locks.release("invoice-7", token) is True
    assert locks.acquire("invoice-7", ttl_ms=10_000) is not None

    short = locks.acquire("job", ttl_ms=50)
    assert short is not None
    time.sleep(0.1)
    successor = locks.acquire("job", ttl_ms=10_000)
    assert successor is not None, "a crashed holder's lock expires"
    assert locks.release("job", short) is False, "the late first holder cannot release its successor's lock"
    assert cache.harness().get("lock:job").decode() == successor
    with pytest.raises(ValueError, match="without a TTL"):
        locks.acquire("x", ttl_ms=0)


def test_a_lock_is_never_renewed_to_no_time_left(caches) -> None:
    """The engine deletes a key whose PEXPIRE has no time left: such a renewal would release the lock and report
    it held."""
    cache = caches["locks"]
    locks = Locks(cache.client())
    token = locks.acquire("ledger", ttl_ms=10_000)
    assert token is not None
    for ttl_ms in (0, -1):
        with pytest.raises(ValueError, match="ttl_ms must be positive"):
            locks.renew("ledger", token, ttl_ms)
    assert cache.harness().get("lock:ledger").decode() == token
    assert locks.acquire("ledger", ttl_ms=10_000) is None, "still held by its owner"


def test_lock_hold_waits_then_gives_up(caches) -> None:
    locks = Locks(caches["locks"].client())
    with locks.hold("report", ttl_ms=5_000), pytest.raises(LockNotAcquired):
        locks.hold("report", ttl_ms=5_000, wait_ms=60).__enter__()
    with locks.hold("report", ttl_ms=5_000, wait_ms=60) as token:
        assert token


def test_lock_that_must_reach_a_replica_is_refused_without_one(caches) -> None:
    """The served cache has no replica, so `WAIT` reports 0: the lock is released and not granted."""
    cache = caches["locks"]
    locks = Locks(cache.client())
    assert locks.acquire("payout", ttl_ms=5_000, replicas=1, replica_timeout_ms=20) is None
    assert cache.harness().exists("lock:payout") == 0
    # WAIT with a timeout of 0 would block until a replica acknowledged: here never, the lock taken meanwhile.
    with pytest.raises(ValueError, match="replica_timeout_ms must be positive"):
        locks.acquire("payout", ttl_ms=5_000, replicas=1, replica_timeout_ms=0)
    assert cache.harness().exists("lock:payout") == 0
    # A WAIT that outlasts the client's socket timeout fails: the lock it took is released, not left to its TTL.
    impatient = Locks(cache.client(socket_timeout=0.2, retry=Retry(NoBackoff(), 0)))
    with pytest.raises(redis.TimeoutError):
        impatient.acquire("payout", ttl_ms=60_000, replicas=1, replica_timeout_ms=1_000)
    assert cache.harness().exists("lock:payout") == 0


@pytest.mark.parametrize("cache_name", ["hot", "memory"])
def test_cache_aside_fills_once_with_a_ttl_under_a_stampede(caches, cache_name) -> None:
    cache = caches[cache_name]
    aside = CacheAside(cache.client(), ttl_seconds=60, jitter=0.1)
    loads = []

    def load() -> str:
        loads.append(1)
        time.sleep(0.1)
        return "rendered"

    values: list[bytes | str] = []
    threads = [threading.Thread(target=lambda: values.append(aside.get("page:home", load))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1, "one caller loads, the others wait for its value"
    assert {v.decode() if isinstance(v, bytes) else v for v in values} == {"rendered"}
    assert 50_000 <= pttl(cache, "cache:{page:home}") <= 66_000, "60 s, jittered by up to 10%"
    assert cache.harness().exists("cache:{page:home}:filling") == 0, "the fill lock is released"
    aside.invalidate("page:home")
    assert aside.get("page:home", lambda: "again") == "again"


@pytest.mark.parametrize("cache_name", ["memory", "hot"])
def test_agent_memory_is_bounded_and_every_key_expires(caches, cache_name) -> None:
    cache = caches[cache_name]
    memory = AgentMemory(cache.client(), ttl_seconds=600, max_messages=3)
    for turn in range(5):
        kept = memory.remember("conv-1", f"turn {turn}")
    assert kept == 3
    assert [m.decode() for m in memory.recall("conv-1")] == ["turn 2", "turn 3", "turn 4"]
    memory.put_fact("conv-1", "name", "Ada")
    assert memory.facts("conv-1") == {b"name": b"Ada"}
    for key in ("agent:{conv-1}:messages", "agent:{conv-1}:facts"):
        assert 0 < pttl(cache, key) <= 600_000, key
    memory.forget("conv-1")
    assert memory.recall("conv-1") == []


def test_agent_memory_keys_share_a_slot_on_a_cluster_or_the_id_is_refused(caches) -> None:
    """On the cluster-mode cache: every accepted id keeps both keys in one slot; an empty tag is refused first."""
    cache = caches["hot"]
    memory = AgentMemory(cache.client(), ttl_seconds=60)
    for conversation in ("a}b", "{x", "x{y}", "c"):
        assert memory.remember(conversation, "hi") == 1, conversation
        memory.put_fact(conversation, "k", "v")
        assert memory.facts(conversation) == {b"k": b"v"}
    for conversation in ("", "}x"):
        with pytest.raises(ValueError, match="hash tag empty"):
            memory.remember(conversation, "hi")
        with pytest.raises(ValueError, match="hash tag empty"):
            memory.put_fact(conversation, "k", "v")
    with pytest.raises(ValueError, match="brace"):
        AgentMemory(cache.client(), ttl_seconds=60, prefix="agent:{}")
    # What the refusal prevents: the engine itself refuses a script whose keys are in two slots.
    with pytest.raises(redis.ResponseError, match="hash to the same slot"):
        cache.direct(cache.planned.app_users[0]).eval("return 1", 2, "agent:{}:messages", "agent:{}:facts")


def test_recipes_need_nothing_the_access_string_denies(caches) -> None:
    """The recipes ran above as app users; no NOPERM was logged for any of them."""
    for name, cache in caches.items():
        if cache.planned.token is not None:
            continue
        client = cache.client()
        SessionStore(client, ttl_seconds=5).create({"a": 1})
        TokenBucket(client, capacity=2, refill_per_second=1).hit("x")
        Locks(client).acquire("y", ttl_ms=1_000)
        CacheAside(client, ttl_seconds=5).get("z", lambda: "v")
        AgentMemory(client, ttl_seconds=5).remember("w", "m")
        denied = [entry for entry in cache.harness().acl_log() if entry.get("reason") == "command"]
        assert denied == [], (name, denied)
        assert isinstance(client, (redis.Redis, redis.RedisCluster))
