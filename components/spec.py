"""The validated cache spec: the only thing the `Cache` component accepts.

Everything here has passed every rule that can be known at preview (see `stack_config.py`), all defaults are
resolved, and every value is immutable. A program that builds these by hand instead of from stack config gets
the same guarantees only by calling `stack_config.load_stack`; the component itself re-checks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from pydantic import SecretStr


class Engine(str, Enum):
    """Cache engines the component provisions. Memcached is out of scope: no TLS-required mode, no RBAC."""

    VALKEY = "valkey"
    REDIS = "redis"


class Workload(str, Enum):
    """What the cache is for. It decides the eviction policy and how much backup the data deserves."""

    CACHE = "cache"
    SESSIONS = "sessions"
    RATE_LIMIT = "rate-limit"
    LOCKS = "locks"
    AGENT_MEMORY = "agent-memory"


class EvictionPolicy(str, Enum):
    """`maxmemory-policy` values accepted by Valkey and Redis OSS."""

    ALLKEYS_LRU = "allkeys-lru"
    ALLKEYS_LFU = "allkeys-lfu"
    ALLKEYS_RANDOM = "allkeys-random"
    VOLATILE_LRU = "volatile-lru"
    VOLATILE_LFU = "volatile-lfu"
    VOLATILE_RANDOM = "volatile-random"
    VOLATILE_TTL = "volatile-ttl"
    NOEVICTION = "noeviction"


class AuthMode(str, Enum):
    """How clients authenticate. There is no "none": authentication is always on."""

    IAM = "iam"
    PASSWORD = "password"
    TOKEN = "token"


class KmsKeyChoice(str, Enum):
    """Which key encrypts the cache at rest (it is always encrypted)."""

    AWS_OWNED = "aws-owned"
    CREATE = "create"
    ARN = "arn"


@dataclass(frozen=True)
class Network:
    """Where the caches live and who may reach them."""

    vpc_id: str
    """The VPC of the cache subnets and security groups."""
    subnet_ids: tuple[str, ...]
    """Private subnets for the cache (all of them go into the subnet group)."""
    app_security_group_ids: tuple[str, ...]
    """Security groups of the application: the only sources admitted to the cache port."""
    app_availability_zones: tuple[str, ...]
    """AZs the application runs in, in order: the first holds the primary."""
    subnet_azs: Mapping[str, str]
    """Availability zone of each cache subnet, as looked up from AWS."""

    def subnets_in_app_azs(self) -> tuple[str, ...]:
        return tuple(s for s in self.subnet_ids if self.subnet_azs.get(s) in self.app_availability_zones)


@dataclass(frozen=True)
class Auth:
    """Authentication of one cache."""

    mode: AuthMode
    users: tuple[str, ...] = ()
    """Short user names (IAM or password mode); the component prefixes them with the cache id."""
    access_string: str = "on ~* &* +@all -@dangerous"
    """What the application users may do; `-@dangerous` keeps FLUSHALL, CONFIG, KEYS and friends out."""
    passwords: Mapping[str, SecretStr] = field(default_factory=dict)
    """Password per user (password mode), from secret config; never printed."""
    password_version: int = 1
    """Bump to push changed passwords (they are write-only, so a change is otherwise invisible)."""
    token: SecretStr | None = None
    """AUTH token (token mode), from secret config; sent write-only."""
    token_version: int = 1
    """Bump to rotate the AUTH token."""


@dataclass(frozen=True)
class Backup:
    retention_days: int
    """Days of automatic snapshots kept (0..35)."""
    window: str
    """`hh24:mi-hh24:mi` UTC for node-based caches; serverless caches take its start as the daily time."""


@dataclass(frozen=True)
class KmsKey:
    choice: KmsKeyChoice = KmsKeyChoice.AWS_OWNED
    arn: str | None = None
    """The key ARN when `choice` is ARN."""


@dataclass(frozen=True)
class NodeBased:
    """A replication group: cluster mode disabled (one shard) or enabled (`shards` set)."""

    node_type: str
    replicas: int
    """Replicas per shard (0..5)."""
    shards: int | None
    """Shards (node groups) for cluster mode enabled; None for cluster mode disabled."""
    eviction_policy: EvictionPolicy
    parameters: tuple[tuple[str, str], ...]
    """Extra parameter group settings, sorted by name."""
    port: int
    data_tiering: bool

    @property
    def cluster_mode_enabled(self) -> bool:
        return self.shards is not None

    @property
    def nodes_per_shard(self) -> int:
        return self.replicas + 1

    @property
    def node_count(self) -> int:
        return (self.shards or 1) * self.nodes_per_shard


@dataclass(frozen=True)
class Serverless:
    """A serverless cache: AWS scales it within these usage limits."""

    max_data_gb: int
    max_ecpu_per_second: int
    min_data_gb: int | None = None
    min_ecpu_per_second: int | None = None


@dataclass(frozen=True)
class CacheArgs:
    """Everything the `Cache` component needs, validated and with every default resolved."""

    name: str
    """The cache's key in config (`sessions`); names its resources."""
    cache_id: str
    """Physical id: replication group id, serverless cache name, prefix of every AWS name."""
    engine: Engine
    engine_version: str
    """`M.m` for node-based caches, the major version alone for serverless ones."""
    workload: Workload
    network: Network
    auth: Auth
    backup: Backup
    maintenance_window: str
    """`ddd:hh24:mi-ddd:hh24:mi` UTC (node-based caches)."""
    kms_key: KmsKey
    tags: Mapping[str, str]
    """Tags on every resource the component creates."""
    node: NodeBased | None = None
    serverless: Serverless | None = None
    apply_immediately: bool = True
    description: str = ""

    @property
    def port(self) -> int:
        return self.node.port if self.node else 6379


@dataclass(frozen=True)
class StackSpec:
    """The whole stack config, validated."""

    environment: str
    production: bool
    name_prefix: str
    region: str
    network: Network
    tags: Mapping[str, str]
    caches: tuple[CacheArgs, ...]
