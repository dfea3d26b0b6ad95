"""The shape of the stack config: one pydantic model per block, keys spelled as in the stack file (camelCase).

A cache is a discriminated union on `type`: the node-based and the serverless model each list only their own
keys, so a key of the other kind is refused by the schema itself and named as such.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, SecretStr, Tag, TypeAdapter
from pydantic.alias_generators import to_camel

from components import aws_rules
from components.spec import AuthMode, Engine, EvictionPolicy, KmsKeyChoice, Workload

SECRETS_KEY = "cacheSecrets"
TOP_LEVEL_KEYS = (
    "environment",
    "production",
    "namePrefix",
    "tags",
    "network",
    "encryption",
    "observability",
    "caches",
    SECRETS_KEY,
)

NAME = re.compile(r"^[a-z][a-z0-9-]*$")
"""Cache names and user names: lowercase letters, digits and hyphens, starting with a letter."""
_AZ = r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False)


class NetworkConfig(Model):
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")]
    subnet_ids: Annotated[list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]], Field(min_length=1)]
    app_security_group_ids: Annotated[list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]], Field(min_length=1)]
    app_availability_zones: Annotated[list[Annotated[str, Field(pattern=_AZ)]], Field(min_length=1)]


class EncryptionConfig(Model):
    kms_key: str = KmsKeyChoice.AWS_OWNED.value


class AuthConfig(Model):
    mode: AuthMode = AuthMode.IAM
    users: list[str] | None = None
    access_string: Annotated[str, Field(min_length=1)] | None = None
    password_version: Annotated[int, Field(ge=1)] = 1
    token_version: Annotated[int, Field(ge=1)] = 1
    token_update_strategy: Literal["ROTATE", "SET"] = "ROTATE"


class BackupConfig(Model):
    retention_days: Annotated[int, Field(ge=0, le=aws_rules.MAX_RETENTION_DAYS)] | None = None
    window: str | None = None


_DATA_GB = Field(ge=aws_rules.SERVERLESS_DATA_GB[0], le=aws_rules.SERVERLESS_DATA_GB[1])
_ECPU = Field(ge=aws_rules.SERVERLESS_ECPU_PER_SECOND[0], le=aws_rules.SERVERLESS_ECPU_PER_SECOND[1])


class LimitsConfig(Model):
    max_data_gb: Annotated[int, _DATA_GB]
    max_ecpu_per_second: Annotated[int, _ECPU]
    min_data_gb: Annotated[int, _DATA_GB] | None = None
    min_ecpu_per_second: Annotated[int, _ECPU] | None = None


class ThresholdsConfig(Model):
    engine_cpu_percent: Annotated[float, Field(gt=0, le=100)] | None = None
    memory_percent: Annotated[float, Field(gt=0, le=100)] | None = None
    evictions: Annotated[float, Field(ge=0)] | None = None
    connections: Annotated[float, Field(gt=0, le=65_000)] | None = None
    replication_lag_seconds: Annotated[float, Field(gt=0)] | None = None
    ecpu_percent_of_limit: Annotated[float, Field(gt=0, le=100)] | None = None
    data_percent_of_limit: Annotated[float, Field(gt=0, le=100)] | None = None
    throttled_commands: Annotated[float, Field(ge=0)] | None = None


class ObservabilityConfig(Model):
    log_retention_days: int | None = None
    alarm_topic_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")] | None
    ) = None
    alarms: ThresholdsConfig = ThresholdsConfig()


class ExpectedLoadConfig(Model):
    average_data_gb: Annotated[float, Field(gt=0, le=100_000)] | None = None
    requests_per_second: Annotated[float, Field(ge=0, le=100_000_000)] | None = None
    average_item_kb: Annotated[float, Field(gt=0, le=512_000)] | None = None
    snapshot_gb: Annotated[float, Field(ge=0, le=100_000)] | None = None


class CacheBaseConfig(Model):
    """Keys every cache has, whatever its type."""

    workload: Workload
    engine: Engine = Engine.VALKEY
    description: str | None = None
    auth: AuthConfig = AuthConfig()
    backup: BackupConfig = BackupConfig()
    kms_key: str | None = None
    apply_immediately: bool = True
    tags: dict[str, str] | None = None
    expected_load: ExpectedLoadConfig | None = None
    observability: ObservabilityConfig | None = None
    protect: bool | None = None
    retain_on_delete: bool = False
    allow_replacement: bool = False


class NodeCacheConfig(CacheBaseConfig):
    """A replication group (`type: node`, the default)."""

    type: Literal["node"] = "node"
    engine_version: str | None = None
    node_type: str | None = None
    replicas: Annotated[int, Field(ge=0, le=aws_rules.MAX_REPLICAS)] | None = None
    shards: Annotated[int, Field(ge=1, le=aws_rules.MAX_SHARDS)] | None = None
    eviction_policy: EvictionPolicy | None = None
    parameters: dict[str, str | int] | None = None
    port: Annotated[int, Field(ge=1024, le=65535)] | None = None
    data_tiering: bool | None = None
    maintenance_window: str | None = None
    transit_encryption_mode: Literal["required", "preferred"] = "required"


class ServerlessCacheConfig(CacheBaseConfig):
    """A serverless cache (`type: serverless`)."""

    type: Literal["serverless"]
    major_engine_version: str | None = None
    limits: LimitsConfig | None = None


CACHE_TYPES: dict[str, type[CacheBaseConfig]] = {"node": NodeCacheConfig, "serverless": ServerlessCacheConfig}
CACHE_KIND_NAMES = {"node": "node-based", "serverless": "serverless"}
DEFAULT_CACHE_TYPE = "node"


def cache_type_of(value: Any) -> str | None:
    """The variant a cache body selects: its `type`, node when left out; None when it is no map at all."""
    if isinstance(value, dict):
        return value.get("type", DEFAULT_CACHE_TYPE)
    if isinstance(value, CacheBaseConfig):
        return value.type  # type: ignore[attr-defined]
    return None


CacheConfig = Annotated[
    Annotated[NodeCacheConfig, Tag("node")] | Annotated[ServerlessCacheConfig, Tag("serverless")],
    Discriminator(cache_type_of),
]
CACHE_CONFIG: TypeAdapter[NodeCacheConfig | ServerlessCacheConfig] = TypeAdapter(CacheConfig)


class CacheSecretsConfig(Model):
    auth_token: SecretStr | None = None
    passwords: dict[str, SecretStr] | None = None
