"""Engines, the engine versions this project provisions, and parameter-group families.

Sources: shared/reference/engine-versions.md (AWS "Supported engines and versions" and "Engine versions and
upgrading" pages, read 2026-12-01).
"""

from __future__ import annotations

from enum import Enum


class Engine(str, Enum):
    """Engines the program provisions. Memcached is out of scope: no TLS-required mode, no RBAC."""

    VALKEY = "valkey"
    REDIS = "redis"


MEMCACHED = "memcached"

REDIS_PROTOCOL = frozenset({Engine.VALKEY.value, Engine.REDIS.value})
"""Engines that speak the Redis protocol. Valkey is the Redis OSS fork ElastiCache runs side by side: every rule
that holds for one holds for the other (scanners that test `engine == "redis"` skip Valkey silently)."""

NODE_VERSIONS: dict[Engine, tuple[str, ...]] = {
    Engine.VALKEY: ("7.2", "8.0", "8.1", "8.2", "9.0"),
    Engine.REDIS: ("7.0", "7.1"),
}
"""Node-based versions, oldest first. Valkey exists from 7.2; Redis OSS 6.x has neither TLS mode `required` nor IAM
authentication, both of which the component always uses, so it starts at 7.0. Valkey 9.1 appears only in the
newest copies of the AWS page and is left out until it is in every region (engine-versions.md, UNCERTAIN)."""

SERVERLESS_MAJORS: dict[Engine, tuple[str, ...]] = {Engine.VALKEY: ("7", "8"), Engine.REDIS: ("7",)}
"""`MajorEngineVersion` values a serverless cache accepts (whether Valkey "9" is accepted is UNCERTAIN)."""

DEFAULT_VERSION: dict[Engine, str] = {Engine.VALKEY: "8.1", Engine.REDIS: "7.1"}
DEFAULT_SERVERLESS_MAJOR: dict[Engine, str] = {Engine.VALKEY: "8", Engine.REDIS: "7"}

MINIMUM_VERSIONS: dict[str, str] = {engine.value: versions[0] for engine, versions in NODE_VERSIONS.items()}
"""The oldest version of each engine this project accepts: the pack's default minimum too."""

TLS_IN_PLACE_FROM = (7, 0, 5)
"""From this Redis OSS version TLS can be turned on in place (`preferred`, then `required`)."""

FAMILY_DEFAULT_EVICTION = "volatile-lru"
"""`maxmemory-policy` of every redis*/valkey* parameter-group family unless a group sets it."""


def parameter_group_family(engine: str, version: str) -> str:
    """`valkey8`, `redis7`, ...: the family AWS requires for a parameter group of this engine and version.

    Every engine version this project provisions (Valkey 7.2+, Redis OSS 7.x) maps to `<engine><major>`
    (engine-versions.md, "Mapping cheat-sheet").
    """
    return f"{Engine(engine).value}{version.split('.')[0]}"


REDIS_OSS_SUPPORT: dict[str, tuple[str, str]] = {
    "6.2": ("2027-01-31", "2030-01-31"),
    "6.0": ("2027-01-31", "2030-01-31"),
    "5.0": ("2026-01-31", "2029-01-31"),
    "4.0": ("2026-01-31", "2029-01-31"),
}
"""Redis OSS `major.minor` -> (end of standard support, end of Extended Support), ISO dates. Redis OSS 7.x and every
Valkey version have no announced end. Source: shared/reference/engine-versions.md, from AWS "Extended Support"
(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/extended-support-versions.html) through
aws-samples/sample-elasticache-operations-review@8ece8ba5:references/engine-support-lifecycle.md ("Last verified
2026-08-11"); enrolment is automatic the day after standard support ends."""
REDIS_OSS_SUPPORT_SOURCE = (
    "https://github.com/aws-samples/sample-elasticache-operations-review/blob/8ece8ba5/references/"
    "engine-support-lifecycle.md"
)


def redis_oss_support(version: str) -> tuple[str, str] | None:
    """(end of standard support, end of Extended Support) of a Redis OSS engine version (`6.2`, `6.x`, `5.0.6`)."""
    parts = version.strip().lower().split(".")
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    if parts[1] == "x":  # `6.x`: the latest 6 minor, which is what AWS runs
        candidates = [key for key in REDIS_OSS_SUPPORT if key.split(".")[0] == parts[0]]
        return REDIS_OSS_SUPPORT[max(candidates)] if candidates else None
    return REDIS_OSS_SUPPORT.get(f"{parts[0]}.{parts[1]}")
