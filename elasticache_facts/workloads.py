"""Workload profiles: what a cache holds decides which eviction policies keep it correct and how much backup
its data deserves. Change a workload's default eviction policy or backup retention here, and only here: the
program's defaults and refusals and the pack's `elasticache-eviction-policy` defaults both read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Workload(str, Enum):
    """What the cache is for; programs say it with the `workload` tag (`elasticache_facts.tags.WORKLOAD`)."""

    CACHE = "cache"
    SESSIONS = "sessions"
    RATE_LIMIT = "rate-limit"
    LOCKS = "locks"
    AGENT_MEMORY = "agent-memory"


class EvictionPolicy(str, Enum):
    """`maxmemory-policy` values accepted by Valkey and Redis OSS (shared/reference/elasticache-parameters.md)."""

    ALLKEYS_LRU = "allkeys-lru"
    ALLKEYS_LFU = "allkeys-lfu"
    ALLKEYS_RANDOM = "allkeys-random"
    VOLATILE_LRU = "volatile-lru"
    VOLATILE_LFU = "volatile-lfu"
    VOLATILE_RANDOM = "volatile-random"
    VOLATILE_TTL = "volatile-ttl"
    NOEVICTION = "noeviction"


EVICTING = tuple(policy for policy in EvictionPolicy if policy is not EvictionPolicy.NOEVICTION)

DATA_TIERING_EVICTION = (EvictionPolicy.NOEVICTION, EvictionPolicy.VOLATILE_LRU, EvictionPolicy.ALLKEYS_LRU)
"""The only `maxmemory-policy` values AWS accepts on data tiering (r6gd) nodes
(shared/reference/elasticache-parameters.md, "Value conventions", from AWS "Engine specific parameters")."""

UNTAGGED_EVICTION = tuple(policy for policy in EvictionPolicy if not policy.value.endswith("-random"))
"""Fit for a cache whose workload is not known: the `*-random` policies evict hot keys as readily as cold."""


@dataclass(frozen=True)
class WorkloadProfile:
    eviction_policy: EvictionPolicy
    """The default `maxmemory-policy`."""
    allowed_eviction: tuple[EvictionPolicy, ...]
    """Every policy that keeps the workload correct; anything else is refused (program) or a violation (pack)."""
    data_loss_hurts: bool
    """Sessions and agent memory are user-visible state: they get longer backup retention by default."""
    serverless: bool
    """A serverless cache evicts keys with a TTL (LRU) once it reaches its data limit, and that eviction cannot be
    configured: only workloads that tolerate it may run serverless."""
    purpose: str
    burstable_in_production: bool = True
    """Whether a production cache of this workload may run on burstable (T) nodes: sessions and locks sit on every
    request's path, and a T node that spends its CPU credits is held to its baseline, so advice never proposes one
    for them unless the cache is configured on one already."""


# A lock or a session must never be evicted to make room (both carry TTLs, so even volatile-* policies would take
# them); a rate-limit counter may only go when its window is nearly over; agent memory may lose short-lived keys
# but never the ones without a TTL; a hot cache must evict or it fails writes when full.
PROFILES: dict[Workload, WorkloadProfile] = {
    Workload.CACHE: WorkloadProfile(
        EvictionPolicy.ALLKEYS_LRU, EVICTING, False, True, "hot cache of data that can be rebuilt from its source"
    ),
    Workload.SESSIONS: WorkloadProfile(
        EvictionPolicy.NOEVICTION,
        (EvictionPolicy.NOEVICTION,),
        True,
        False,
        "user session state",
        burstable_in_production=False,
    ),
    Workload.RATE_LIMIT: WorkloadProfile(
        EvictionPolicy.VOLATILE_TTL,
        (EvictionPolicy.VOLATILE_TTL, EvictionPolicy.NOEVICTION),
        False,
        False,
        "rate-limit counters",
    ),
    Workload.LOCKS: WorkloadProfile(
        EvictionPolicy.NOEVICTION,
        (EvictionPolicy.NOEVICTION,),
        False,
        False,
        "distributed locks and idempotency keys",
        burstable_in_production=False,
    ),
    Workload.AGENT_MEMORY: WorkloadProfile(
        EvictionPolicy.VOLATILE_LRU,
        (
            EvictionPolicy.VOLATILE_LRU,
            EvictionPolicy.VOLATILE_LFU,
            EvictionPolicy.VOLATILE_TTL,
            EvictionPolicy.NOEVICTION,
        ),
        True,
        True,
        "short-lived agent memory",
    ),
}

SERVERLESS_WORKLOADS = frozenset(workload for workload, profile in PROFILES.items() if profile.serverless)

# Backup retention in days. Production keeps a week (two for state users would miss), other environments keep a
# day so that a restore can still be rehearsed.
RETENTION_DAYS = {
    (True, False): 7,
    (True, True): 14,
    (False, False): 1,
    (False, True): 3,
}


def default_retention_days(workload: Workload, production: bool) -> int:
    return RETENTION_DAYS[(production, PROFILES[workload].data_loss_hurts)]


def allowed_eviction_policies(workload: Workload) -> frozenset[EvictionPolicy]:
    return frozenset(PROFILES[workload].allowed_eviction)
