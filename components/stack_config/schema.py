"""The shape of the stack config: one pydantic model per block, keys spelled as in the stack file (camelCase).

A cache is a discriminated union on `type`: the node-based and the serverless model each list only their own
keys, so a key of the other kind is refused by the schema itself and named as such.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Strict,
    Tag,
    TypeAdapter,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import aws_rules
from components.spec import (
    AuthMode,
    Engine,
    EvictionPolicy,
    KmsKeyChoice,
    TokenUpdateStrategy,
    TransitEncryptionMode,
    Workload,
)

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

NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
"""Cache names and user names: lowercase letters, digits and single hyphens, starting with a letter and not
ending with a hyphen (they become part of ElastiCache ids, which refuse `--` and a trailing hyphen)."""
NAME_RULE = "lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen"
_AZ = r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$"
_VPC = r"^vpc-[0-9a-f]{8,17}$"
_SUBNET = r"^subnet-[0-9a-f]{8,17}$"
_SECURITY_GROUP = r"^sg-[0-9a-f]{8,17}$"
SNS_TOPIC = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$"
PATTERN_HINTS = {
    _AZ: "an availability zone name such as us-east-1a",
    _VPC: "a VPC id: vpc- and 8 or 17 hex digits",
    _SUBNET: "a subnet id: subnet- and 8 or 17 hex digits",
    _SECURITY_GROUP: "a security group id: sg- and 8 or 17 hex digits",
    SNS_TOPIC: "an SNS topic ARN: arn:aws:sns:<region>:<account>:<name>",
}
"""What each id format looks like, in words, for the messages."""
NETWORK_FORMATS = {
    "vpc_id": _VPC,
    "subnet_ids": _SUBNET,
    "app_security_group_ids": _SECURITY_GROUP,
    "app_availability_zones": _AZ,
}
"""The format of each `spec.Network` field's ids (`args_check` holds hand-built args to them too)."""


def cli_scalar_as_text(value: Any, *, booleans: bool = False) -> Any:
    """A whole number (and, with `booleans`, true/false) as the text the user typed.

    `pulumi config set --path` stores a value of base-10 digits as a number and `true`/`false` as booleans
    (pulumi/pulumi sdk/go/common/resource/config/object.go `coerce`, applied by `Value.coerceObject` in
    value.go whenever the path has more than one segment), so `--path caches.c.majorEngineVersion 8` writes
    `majorEngineVersion: 8` and `--path tags.costCentre 1042` writes `costCentre: 1042`. Floats are never
    coerced (they stay strings), and a value with a leading zero stays a string.
    """
    if isinstance(value, bool):
        return ("true" if value else "false") if booleans else value
    if isinstance(value, int):
        return str(value)
    return value


CliNumberText = Annotated[str, BeforeValidator(cli_scalar_as_text)]
"""A string the CLI may have stored as a whole number (`majorEngineVersion: 8`)."""

# Numbers and booleans are taken only as the stack file holds them: pydantic's lax mode would read `shards: true`
# as 1 shard and `protect: "off"` as false. `pulumi config set --path caches.c.shards 2` stores a YAML number and
# `... protect true` a YAML boolean (`coerce` in pulumi/pulumi sdk/go/common/resource/config/object.go, applied
# to every path of more than one segment; pkg/cmd/pulumi/config/config_set.go has no flag to keep them as text
# short of --secret), so a quoted "2" or "true" in a block comes from a hand edit, and is refused with the
# unquoted spelling to write.
# A top-level key (`production`) is stored as text and decoded as JSON by the loader, so it arrives as a boolean
# too; the loader holds it to the same rule.
WholeNumber = Annotated[int, Strict()]
"""A whole number, never a boolean or text."""
Number = Annotated[float, Strict()]
"""A number (whole or not), never a boolean or text."""
Flag = Annotated[bool, Strict()]
"""`true` or `false`, never a number or text."""


def _unit(unit: str, **constraints: Any) -> Any:
    """A Field with its unit, which the messages name next to the range."""
    return Field(json_schema_extra={"unit": unit}, **constraints)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _no_value_is_left_out(cls, data: Any) -> Any:
        """A key of the block written with no value (`auth:` in YAML, which is null) is the key left out.

        That is what a top-level key with no value already means: the CLI hands `elasticache:tags:` to the
        program as `null` (pulumi/pulumi sdk/go/common/resource/config/object.go: `unmarshalObject` keeps YAML
        null as a nil object, `MarshalString` writes it as JSON `null`), which the loader reads as unset. A nested
        null reaches the program as a JSON null inside the object; `pulumi config set --path` cannot store one,
        so it comes from a hand edit that emptied the key. Either way the key takes its default, and a required
        key is reported as required. An unknown key stays, to be refused by name.
        """
        if not isinstance(data, dict):
            return data
        keys = {field.alias or name for name, field in cls.model_fields.items()}
        return {key: value for key, value in data.items() if value is not None or key not in keys}


class NetworkConfig(Model):
    vpc_id: Annotated[str, Field(pattern=_VPC)]
    subnet_ids: Annotated[list[Annotated[str, Field(pattern=_SUBNET)]], Field(min_length=1)]
    app_security_group_ids: Annotated[list[Annotated[str, Field(pattern=_SECURITY_GROUP)]], Field(min_length=1)]
    app_availability_zones: Annotated[list[Annotated[str, Field(pattern=_AZ)]], Field(min_length=1)]


class EncryptionConfig(Model):
    kms_key: str = KmsKeyChoice.AWS_OWNED.value


class AuthConfig(Model):
    mode: AuthMode = AuthMode.IAM
    users: list[str] | None = None
    access_string: Annotated[str, Field(min_length=1)] | None = None
    password_version: Annotated[WholeNumber, _unit("(bump it to push changed passwords)", ge=1)] = 1
    token_version: Annotated[WholeNumber, _unit("(bump it to push a changed token)", ge=1)] = 1
    token_update_strategy: TokenUpdateStrategy = TokenUpdateStrategy.ROTATE


class BackupConfig(Model):
    retention_days: (
        Annotated[WholeNumber, _unit("days (0 turns backups off)", ge=0, le=aws_rules.MAX_RETENTION_DAYS)] | None
    ) = None
    window: str | None = None


class NodeRestoreConfig(Model):
    """One of the two: an ElastiCache backup by name, or RDB files in S3."""

    snapshot: str | None = None
    rdb_files: Annotated[list[str], Field(min_length=1)] | None = None


class ServerlessRestoreConfig(Model):
    snapshot_arns: Annotated[list[str], Field(min_length=1)]


_DATA_GB = _unit("GB", ge=aws_rules.SERVERLESS_DATA_GB[0], le=aws_rules.SERVERLESS_DATA_GB[1])
_ECPU = _unit(
    "ECPUs per second", ge=aws_rules.SERVERLESS_ECPU_PER_SECOND[0], le=aws_rules.SERVERLESS_ECPU_PER_SECOND[1]
)


class LimitsConfig(Model):
    max_data_gb: Annotated[WholeNumber, _DATA_GB]
    max_ecpu_per_second: Annotated[WholeNumber, _ECPU]
    min_data_gb: Annotated[WholeNumber, _DATA_GB] | None = None
    min_ecpu_per_second: Annotated[WholeNumber, _ECPU] | None = None


class ThresholdsConfig(Model):
    engine_cpu_percent: Annotated[Number, _unit("percent", gt=0, le=100)] | None = None
    host_cpu_percent: Annotated[Number, _unit("percent", gt=0, le=100)] | None = None
    memory_percent: Annotated[Number, _unit("percent", gt=0, le=100)] | None = None
    evictions: Annotated[Number, _unit("evictions per 5 minutes", ge=0)] | None = None
    connections: Annotated[Number, _unit("connections", gt=0, le=65_000)] | None = None
    replication_lag_seconds: Annotated[Number, _unit("seconds", gt=0)] | None = None
    ecpu_percent_of_limit: Annotated[Number, _unit("percent", gt=0, le=100)] | None = None
    data_percent_of_limit: Annotated[Number, _unit("percent", gt=0, le=100)] | None = None
    throttled_commands: Annotated[Number, _unit("commands per 5 minutes", ge=0)] | None = None


class ObservabilityConfig(Model):
    log_retention_days: Annotated[WholeNumber, _unit("days")] | None = None
    alarm_topic_arn: Annotated[str, Field(pattern=SNS_TOPIC)] | None = None
    alarms: ThresholdsConfig = ThresholdsConfig()


class ExpectedLoadConfig(Model):
    average_data_gb: Annotated[Number, _unit("GB", gt=0, le=100_000)] | None = None
    requests_per_second: Annotated[Number, _unit("requests per second", ge=0, le=100_000_000)] | None = None
    average_item_kb: Annotated[Number, _unit("KB", gt=0, le=512_000)] | None = None
    snapshot_gb: Annotated[Number, _unit("GB", ge=0, le=100_000)] | None = None


class CacheBaseConfig(Model):
    """Keys every cache has, whatever its type."""

    workload: Workload
    engine: Engine = Engine.VALKEY
    description: str | None = None
    auth: AuthConfig = AuthConfig()
    backup: BackupConfig = BackupConfig()
    kms_key: str | None = None
    apply_immediately: Flag = True
    tags: dict[str, Any] | None = None
    """Judged, numbers and booleans the CLI stored included, by `tags.resolve_tags`, as the stack's `tags` are."""
    expected_load: ExpectedLoadConfig | None = None
    observability: ObservabilityConfig | None = None
    protect: Flag | None = None
    retain_on_delete: Flag = False
    allow_replacement: Flag = False


class NodeCacheConfig(CacheBaseConfig):
    """A replication group (`type: node`, the default)."""

    type: Literal["node"] = "node"
    engine_version: str | None = None
    node_type: str | None = None
    replicas: Annotated[WholeNumber, _unit("replicas per shard", ge=0, le=aws_rules.MAX_REPLICAS)] | None = None
    shards: Annotated[WholeNumber, _unit("shards", ge=1, le=aws_rules.MAX_SHARDS)] | None = None
    eviction_policy: EvictionPolicy | None = None
    parameters: dict[str, Any] | None = None
    """Judged against the family's parameter list by the node resolver (`elasticache_facts.parameters`)."""
    port: Annotated[WholeNumber, _unit("(TCP port)", ge=1024, le=65535)] | None = None
    data_tiering: Flag | None = None
    maintenance_window: str | None = None
    transit_encryption_mode: TransitEncryptionMode = TransitEncryptionMode.REQUIRED
    restore_from: NodeRestoreConfig | None = None


class ServerlessCacheConfig(CacheBaseConfig):
    """A serverless cache (`type: serverless`)."""

    type: Literal["serverless"]
    major_engine_version: CliNumberText | None = None
    limits: LimitsConfig | None = None
    restore_from: ServerlessRestoreConfig | None = None


CACHE_TYPES: dict[str, type[CacheBaseConfig]] = {"node": NodeCacheConfig, "serverless": ServerlessCacheConfig}
CACHE_KIND_NAMES = {"node": "node-based", "serverless": "serverless"}
DEFAULT_CACHE_TYPE = "node"


def cache_type_of(value: Any) -> str | None:
    """The variant a cache body selects: its `type`, node when left out (or written with no value); None when it
    is no map at all."""
    if isinstance(value, dict):
        kind = value.get("type")
        return DEFAULT_CACHE_TYPE if kind is None else kind
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


TOP_LEVEL_MODELS: dict[str, type[Model]] = {
    "network": NetworkConfig,
    "encryption": EncryptionConfig,
    "observability": ObservabilityConfig,
    "caches": NodeCacheConfig,
    SECRETS_KEY: CacheSecretsConfig,
}
"""The blocks whose keys a misplaced top-level key may belong to (a cache's keys live under `caches.<name>`)."""
TOP_LEVEL_MAPS = {"caches": "caches.<name>", SECRETS_KEY: f"{SECRETS_KEY}.<cache>"}
"""Blocks that are maps of named entries, as a key path names an entry's key."""
