"""Workload profiles: the defaults that a cache's correctness depends on.

Explicit settings in config override a profile, but a setting that contradicts it (a `locks` cache with
`allkeys-lru`) is refused by the stack config loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.spec import EvictionPolicy, Workload


@dataclass(frozen=True)
class WorkloadProfile:
    eviction_policy: EvictionPolicy
    data_loss_hurts: bool
    """Sessions and agent memory are user-visible state: they get longer backup retention by default."""
    purpose: str


PROFILES: dict[Workload, WorkloadProfile] = {
    Workload.CACHE: WorkloadProfile(
        EvictionPolicy.ALLKEYS_LRU, False, "hot cache of data that can be rebuilt from its source"
    ),
    Workload.SESSIONS: WorkloadProfile(EvictionPolicy.NOEVICTION, True, "user session state"),
    Workload.RATE_LIMIT: WorkloadProfile(EvictionPolicy.VOLATILE_TTL, False, "rate-limit counters"),
    Workload.LOCKS: WorkloadProfile(EvictionPolicy.NOEVICTION, False, "distributed locks and idempotency keys"),
    Workload.AGENT_MEMORY: WorkloadProfile(EvictionPolicy.VOLATILE_LRU, True, "short-lived agent memory"),
}

# A serverless cache evicts keys with a TTL (LRU) once it reaches its data limit, and its eviction cannot be
# configured: only workloads that tolerate that eviction may run serverless.
SERVERLESS_WORKLOADS = frozenset({Workload.CACHE, Workload.AGENT_MEMORY})

# Backup retention in days. Production keeps a week (two for state users would miss), other environments
# keep a day so that a restore can still be rehearsed.
RETENTION_DAYS = {
    (True, False): 7,
    (True, True): 14,
    (False, False): 1,
    (False, True): 3,
}


def default_retention_days(workload: Workload, production: bool) -> int:
    return RETENTION_DAYS[(production, PROFILES[workload].data_loss_hurts)]
