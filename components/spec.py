"""The validated cache spec: the only thing the `Cache` component accepts.

Everything here has passed every rule that can be known at preview (see `stack_config/`), all defaults are
resolved, and every value is immutable. A program that builds these by hand instead of from stack config gets
the AWS rules between inputs from the component itself (`components.args_check`, run before anything is
registered); the workload and production rules come only with `stack_config.load_stack`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from pydantic import SecretStr

from components.placement import ShardLayout
from elasticache_facts.access import APP_USER_ACCESS
from elasticache_facts.engines import Engine
from elasticache_facts.ports import REDIS_PORT
from elasticache_facts.provider_sets import SET_INPUTS
from elasticache_facts.tags import EXPECTED_LOAD
from elasticache_facts.tokens import REPLICATION_GROUP, SERVERLESS_CACHE
from elasticache_facts.workloads import EvictionPolicy, Workload

__all__ = ["Engine", "EvictionPolicy", "Workload"]  # the spec's vocabulary, defined with the facts


class AuthMode(str, Enum):
    """How clients authenticate. There is no "none": authentication is always on."""

    IAM = "iam"
    PASSWORD = "password"
    TOKEN = "token"


class TokenUpdateStrategy(str, Enum):
    """How a changed AUTH token is applied (ModifyReplicationGroup `AuthTokenUpdateStrategy`)."""

    ROTATE = "ROTATE"
    """The old token stays valid beside the new one until the next SET."""
    SET = "SET"
    """Only the new token is valid."""


RBAC_TOKEN_UPDATE_STRATEGY = "DELETE"
"""What an RBAC (iam or password) replication group sends as `auth_token_update_strategy`: the token is dropped
as the user group is added. Not a choice in config: AWS allows DELETE only with no token, moving to RBAC."""


class TransitEncryptionMode(str, Enum):
    """What a TLS-enabled node-based cache accepts (CreateReplicationGroup `TransitEncryptionMode`)."""

    REQUIRED = "required"
    PREFERRED = "preferred"
    """TLS and plaintext: only the middle step of turning TLS on for a cache that had it off."""


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
    access_string: str = APP_USER_ACCESS
    """What the application users may do (`elasticache_facts.access.APP_USER_ACCESS` says why)."""
    passwords: Mapping[str, SecretStr] = field(default_factory=dict)
    """Password per user (password mode), from secret config; never printed."""
    password_version: int = 1
    """Bump to push changed passwords (they are write-only, so a change is otherwise invisible)."""
    token: SecretStr | None = None
    """AUTH token (token mode), from secret config; sent write-only."""
    token_version: int = 1
    """Bump to send a changed AUTH token (it is write-only)."""
    token_update_strategy: TokenUpdateStrategy = TokenUpdateStrategy.ROTATE
    """How a changed token is applied: ROTATE keeps the old one valid too, SET then drops it."""


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
    layouts: tuple[ShardLayout, ...]
    """Each shard's AZs, primary first, computed once from the app AZs (`placement.shard_layouts`)."""
    transit_encryption_mode: TransitEncryptionMode = TransitEncryptionMode.REQUIRED
    """`preferred` only as the middle step of turning TLS on for a cache that had it off."""

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
class ExpectedLoad:
    """What the cache is expected to carry; prices serverless caches and sizes the advice. All optional."""

    data_gb: float | None = None
    requests_per_second: float | None = None
    item_kb: float | None = None
    snapshot_gb: float | None = None

    def as_tags(self) -> dict[str, str]:
        """Tags that let any cost tool (the policy pack's budget policy among them) price the same load."""
        values = {tag: getattr(self, field) for tag, field in EXPECTED_LOAD.items()}
        return {tag: _tag_number(value) for tag, value in values.items() if value is not None}


def _tag_number(value: float) -> str:
    """`value` as text that reads back as the same float (`3000`, `0.2`, `1234.5678`), so the budget policy prices
    the figure the program exports; `:g` keeps 6 significant digits (1234567 -> `1.23457e+06`)."""
    text = repr(float(value))
    return text.removesuffix(".0")


@dataclass(frozen=True)
class AlarmThresholds:
    """CloudWatch alarm thresholds; a cache alarms when a metric stays above one for three minutes."""

    engine_cpu_percent: float = 80
    host_cpu_percent: float | None = None
    """Nodes with 2 vCPUs or fewer: the host's CPU; None is AWS's rule, 90% divided by the vCPUs."""
    memory_percent: float | None = None
    """None: 85, or 100 under an `allkeys-*` eviction policy, which holds memory at the limit by design
    (`observability.memory_threshold`)."""
    evictions: float = 0
    """Evictions per five minutes; a hot cache (workload `cache`) evicts by design and defaults to 10000."""
    connections: float = 10_000
    replication_lag_seconds: float = 30
    ecpu_percent_of_limit: float = 80
    """Serverless: ECPUs per second as a share of `limits.maxEcpuPerSecond`."""
    data_percent_of_limit: float = 80
    """Serverless: data stored as a share of `limits.maxDataGb`."""
    throttled_commands: float = 0
    """Serverless: throttled commands per five minutes."""


@dataclass(frozen=True)
class Observability:
    log_retention_days: int
    """Retention of the slow-log and engine-log groups (node-based caches)."""
    alarm_topic_arn: str | None
    """SNS topic for alarms and failover events; None: the component creates one."""
    thresholds: AlarmThresholds


@dataclass(frozen=True)
class Protection:
    protect: bool
    """Pulumi refuses to delete or replace a protected cache (production default)."""
    retain_on_delete: bool
    """Removing the cache from config leaves it running in AWS, out of Pulumi's hands."""
    allow_replacement: bool
    """Lets an edit that AWS can only apply by replacing the cache (an outage and an empty cache) through."""


@dataclass(frozen=True)
class RestoreFrom:
    """The data a new cache is created with. AWS reads it at creation only, and the provider replaces a deployed
    cache whose restore inputs change, added or removed included (terraform-provider-aws `replication_group.go`:
    `snapshot_name` and `snapshot_arns` are Optional and ForceNew; aws-elasticache-rules.md, "Which input changes
    replace the resource", for a serverless cache's restore snapshots)."""

    snapshot: str | None = None
    """A backup of this account and region, by name (node-based caches: `SnapshotName`)."""
    arns: tuple[str, ...] = ()
    """Node-based caches: RDB files in S3 (`SnapshotArns`); serverless caches: the snapshots to restore
    (`SnapshotArnsToRestore`)."""

    def shown(self, *, as_set: bool = False) -> str:
        """As the deployed record keeps it and messages name it; `as_set` when the provider keeps the ARNs as a
        set (`elasticache_facts.provider_sets`: a replication group's files), so their order changes nothing."""
        if self.snapshot:
            return f"snapshot {self.snapshot}"
        return ", ".join(sorted(self.arns) if as_set else self.arns)


NETWORK_TYPE = "ipv4"
"""The one network type the component deploys; AWS replaces a cache whose network type changes."""


@dataclass(frozen=True)
class DeployedCache:
    """What the last `pulumi up` deployed for a cache, as exported in the stack output `deployedCaches`."""

    cache_id: str
    """As exported after an update: the id AWS knows (`<readable id>-<suffix>`, see `components.naming`)."""
    type: str
    engine: str
    engine_version: str
    port: int
    kms_key: str
    """`aws-owned`, `create`, or the key ARN."""
    sharded: bool
    data_tiering: bool
    network_type: str = NETWORK_TYPE
    auth_mode: str | None = None
    """None when read back from a record written before the auth mode was recorded."""
    restored_from: str = ""
    """`RestoreFrom.shown()`, empty for a cache created empty."""

    def to_export(self) -> dict[str, object]:
        return {
            "cacheId": self.cache_id,
            "type": self.type,
            "engine": self.engine,
            "engineVersion": self.engine_version,
            "port": self.port,
            "kmsKey": self.kms_key,
            "sharded": self.sharded,
            "dataTiering": self.data_tiering,
            "networkType": self.network_type,
            "authMode": self.auth_mode,
            "restoredFrom": self.restored_from,
        }


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
    observability: Observability
    protection: Protection
    node: NodeBased | None = None
    serverless: Serverless | None = None
    expected_load: ExpectedLoad = ExpectedLoad()
    apply_immediately: bool = True
    description: str = ""
    account_id: str | None = None
    """Needed only to write the key policy of a KMS key the component creates."""
    region: str = ""
    restore_from: RestoreFrom | None = None
    """What the cache is seeded with when it is created; None for an empty cache."""

    @property
    def port(self) -> int:
        return self.node.port if self.node else REDIS_PORT

    def _restored_from(self) -> str:
        if self.restore_from is None:
            return ""
        files = "snapshotArns" if self.node else "snapshotArnsToRestores"
        token = REPLICATION_GROUP if self.node else SERVERLESS_CACHE
        return self.restore_from.shown(as_set=files in SET_INPUTS[token])

    def deployed(self) -> DeployedCache:
        kms = self.kms_key.arn if self.kms_key.choice is KmsKeyChoice.ARN else self.kms_key.choice.value
        return DeployedCache(
            cache_id=self.cache_id,
            type="serverless" if self.serverless else "node",
            engine=self.engine.value,
            engine_version=self.engine_version,
            port=self.port,
            kms_key=kms or "",
            sharded=bool(self.node and self.node.cluster_mode_enabled),
            data_tiering=bool(self.node and self.node.data_tiering),
            auth_mode=self.auth.mode.value,
            restored_from=self._restored_from(),
        )


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
    warnings: tuple[str, ...] = ()
    """What is allowed but probably not meant (an access string that denies what clients need)."""
