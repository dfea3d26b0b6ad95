"""Stack config (`Pulumi.<stack>.yaml`) to validated `StackSpec`, or one error listing every problem.

Two passes: pydantic checks shapes, types, ranges and unknown keys of each top-level key and each cache on its
own (so one broken cache does not hide the others' problems); then the rules between inputs that AWS enforces,
the workload contradictions and the placement against the subnets' real AZs. Nothing is registered until both
passes are clean. Every problem names the config key path as written in the stack file.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, Union

import pulumi
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.alias_generators import to_camel

from components import aws_rules, placement
from components.spec import (
    AlarmThresholds,
    Auth,
    AuthMode,
    Backup,
    CacheArgs,
    DeployedCache,
    Engine,
    EvictionPolicy,
    ExpectedLoad,
    KmsKey,
    KmsKeyChoice,
    Network,
    NodeBased,
    Observability,
    Protection,
    Serverless,
    StackSpec,
    Workload,
)
from elasticache_facts import engines
from elasticache_facts.ports import REDIS_PORT as DEFAULT_PORT
from elasticache_facts.tags import WORKLOAD as WORKLOAD_TAG
from elasticache_facts.workloads import (
    PROFILES,
    SERVERLESS_WORKLOADS,
    allowed_eviction_policies,
    default_retention_days,
)

PRODUCTION_ENVIRONMENTS = frozenset({"prod", "production", "prd"})
DEFAULT_MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"
DEFAULT_BACKUP_WINDOW = "03:00-04:00"
DEFAULT_USERS = ("app",)
DEFAULT_NODE_TYPE = {True: "cache.r7g.large", False: "cache.t4g.small"}
RESERVED_PARAMETERS = {
    "maxmemory-policy": "set evictionPolicy instead",
    "cluster-enabled": "set shards (cluster mode enabled) or leave it out (disabled) instead",
}
SECRETS_KEY = "cacheSecrets"

_AZ = r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$"
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/[0-9a-f-]{36}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=False)


class NetworkConfig(_Model):
    vpc_id: Annotated[str, Field(pattern=r"^vpc-[0-9a-f]{8,17}$")]
    subnet_ids: Annotated[list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]], Field(min_length=1)]
    app_security_group_ids: Annotated[list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]], Field(min_length=1)]
    app_availability_zones: Annotated[list[Annotated[str, Field(pattern=_AZ)]], Field(min_length=1)]


class EncryptionConfig(_Model):
    kms_key: str = KmsKeyChoice.AWS_OWNED.value


class AuthConfig(_Model):
    mode: AuthMode = AuthMode.IAM
    users: list[str] | None = None
    access_string: Annotated[str, Field(min_length=1)] | None = None
    password_version: Annotated[int, Field(ge=1)] = 1
    token_version: Annotated[int, Field(ge=1)] = 1
    token_update_strategy: Literal["ROTATE", "SET"] = "ROTATE"


class BackupConfig(_Model):
    retention_days: Annotated[int, Field(ge=0, le=aws_rules.MAX_RETENTION_DAYS)] | None = None
    window: str | None = None


class LimitsConfig(_Model):
    max_data_gb: Annotated[int, Field(ge=aws_rules.SERVERLESS_DATA_GB[0], le=aws_rules.SERVERLESS_DATA_GB[1])]
    max_ecpu_per_second: Annotated[
        int, Field(ge=aws_rules.SERVERLESS_ECPU_PER_SECOND[0], le=aws_rules.SERVERLESS_ECPU_PER_SECOND[1])
    ]
    min_data_gb: (
        Annotated[int, Field(ge=aws_rules.SERVERLESS_DATA_GB[0], le=aws_rules.SERVERLESS_DATA_GB[1])] | None
    ) = None
    min_ecpu_per_second: (
        Annotated[
            int,
            Field(ge=aws_rules.SERVERLESS_ECPU_PER_SECOND[0], le=aws_rules.SERVERLESS_ECPU_PER_SECOND[1]),
        ]
        | None
    ) = None


class ThresholdsConfig(_Model):
    engine_cpu_percent: Annotated[float, Field(gt=0, le=100)] | None = None
    memory_percent: Annotated[float, Field(gt=0, le=100)] | None = None
    evictions: Annotated[float, Field(ge=0)] | None = None
    connections: Annotated[float, Field(gt=0, le=65_000)] | None = None
    replication_lag_seconds: Annotated[float, Field(gt=0)] | None = None
    ecpu_percent_of_limit: Annotated[float, Field(gt=0, le=100)] | None = None
    data_percent_of_limit: Annotated[float, Field(gt=0, le=100)] | None = None
    throttled_commands: Annotated[float, Field(ge=0)] | None = None


class ObservabilityConfig(_Model):
    log_retention_days: int | None = None
    alarm_topic_arn: (
        Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")] | None
    ) = None
    alarms: ThresholdsConfig = ThresholdsConfig()


class ExpectedLoadConfig(_Model):
    average_data_gb: Annotated[float, Field(gt=0, le=100_000)] | None = None
    requests_per_second: Annotated[float, Field(ge=0, le=100_000_000)] | None = None
    average_item_kb: Annotated[float, Field(gt=0, le=512_000)] | None = None
    snapshot_gb: Annotated[float, Field(ge=0, le=100_000)] | None = None


class CacheConfig(_Model):
    workload: Workload
    type: Literal["node", "serverless"] = "node"
    engine: Engine = Engine.VALKEY
    description: str | None = None
    # node-based
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
    # serverless
    major_engine_version: str | None = None
    limits: LimitsConfig | None = None
    # both
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


class CacheSecretsConfig(_Model):
    auth_token: SecretStr | None = None
    passwords: dict[str, SecretStr] | None = None


NODE_ONLY_KEYS = (
    "transitEncryptionMode",
    "engineVersion",
    "nodeType",
    "replicas",
    "shards",
    "evictionPolicy",
    "parameters",
    "port",
    "dataTiering",
    "maintenanceWindow",
)
SERVERLESS_ONLY_KEYS = ("majorEngineVersion", "limits")
CACHE_FIELD_OF_KEY = {field.alias: name for name, field in CacheConfig.model_fields.items()}


@dataclass(frozen=True)
class Problem:
    path: str
    value: Any
    message: str
    secret: bool = False

    def __str__(self) -> str:
        if self.value is _MISSING:
            shown = "missing"
        elif self.secret:
            shown = "[secret]"
        else:
            shown = repr(self.value)
        return f"{self.path} = {shown}: {self.message}"


_MISSING: Any = type("Missing", (), {"__repr__": lambda _self: "missing"})()


class ConfigError(pulumi.RunError):
    """Raised before any resource is registered; Pulumi prints it without a traceback."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"Invalid stack config ({count} problem{'s' if count != 1 else ''}):\n{lines}")


@dataclass(frozen=True)
class SubnetInfo:
    availability_zone: str
    vpc_id: str


SubnetLookup = Callable[[Sequence[str]], Mapping[str, SubnetInfo | None]]
"""Looks subnets up in AWS; None for a subnet that does not exist."""


@dataclass(frozen=True)
class RawStackConfig:
    """The stack's config values, as read once from Pulumi config (plain values, secrets included)."""

    stack: str
    region: str | None
    values: Mapping[str, Any]


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
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_LOG_RETENTION_DAYS = {True: 30, False: 7}
HOT_CACHE_EVICTIONS_PER_5_MINUTES = 10_000


def read_pulumi_config() -> RawStackConfig:
    """Read every key of this project's config once. The only place the program touches Pulumi config."""
    project = pulumi.Config()
    values = {key: _decode(project.get(key)) for key in TOP_LEVEL_KEYS}
    return RawStackConfig(
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").get("region"),
        values={k: v for k, v in values.items() if v is not None},
    )


def _decode(raw: str | None) -> Any:
    """Structured values arrive as JSON; a value that is not JSON stays a string for the schema to judge."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_stack(
    raw: RawStackConfig,
    lookup_subnets: SubnetLookup,
    *,
    account_id: str | None = None,
    deployed: Mapping[str, DeployedCache] | None = None,
) -> StackSpec:
    """Validate everything; raise `ConfigError` with every problem found, or return the spec.

    `deployed` is what the last `pulumi up` deployed per cache: an edit that AWS can only apply by replacing
    a cache is refused unless that cache sets `allowReplacement: true`.
    """
    loader = _Loader(raw, account_id, deployed or {})
    return loader.load(lookup_subnets)


class _Loader:
    def __init__(self, raw: RawStackConfig, account_id: str | None, deployed: Mapping[str, DeployedCache]) -> None:
        self.raw = raw
        self.account_id = account_id
        self.deployed = deployed
        self.problems: list[Problem] = []

    def problem(self, path: str, value: Any, message: str, *, secret: bool = False) -> None:
        self.problems.append(Problem(path, value, message, secret))

    # -- pass 1: shapes ------------------------------------------------------------------------------------

    def parse(self, model: type[_Model], value: Any, path: str, *, secret: bool = False) -> Any:
        try:
            return model.model_validate(value)
        except ValidationError as error:
            for item in error.errors(include_url=False):
                loc = [str(part) for part in item["loc"]]
                full = ".".join([path, *loc]) if loc else path
                self.problems.append(_describe(model, item, loc, full, secret=secret))
            return None

    def load(self, lookup_subnets: SubnetLookup) -> StackSpec:
        values = self.raw.values
        region = self.raw.region
        if not region:
            self.problem("aws:region", _MISSING, "required: pulumi config set aws:region us-east-1")

        environment = str(values.get("environment") or self.raw.stack)
        production_value = values.get("production")
        if production_value is None:
            production = environment.lower() in PRODUCTION_ENVIRONMENTS
        elif isinstance(production_value, bool):
            production = production_value
        else:
            production = False
            self.problem("production", production_value, "must be true or false")
        prefix = str(values.get("namePrefix") or self.raw.stack)
        if (why := aws_rules.check_resource_id(prefix)) is not None:
            self.problem("namePrefix", prefix, f"{why} (it starts every cache id)")

        tags = self.check_tags(values.get("tags", {}), "tags")
        network_config = self.parse(NetworkConfig, values.get("network"), "network")
        encryption = self.parse(EncryptionConfig, values.get("encryption", {}), "encryption")
        stack_observability = self.parse(ObservabilityConfig, values.get("observability", {}), "observability")
        secrets = self.parse_secrets(values.get(SECRETS_KEY, {}))

        raw_caches = values.get("caches")
        caches: dict[str, CacheConfig] = {}
        if not isinstance(raw_caches, dict) or not raw_caches:
            self.problem("caches", raw_caches if raw_caches is not None else _MISSING, "a map of named caches")
        else:
            for name, body in raw_caches.items():
                path = f"caches.{name}"
                if not _NAME.match(str(name)):
                    self.problem(path, name, "cache names use lowercase letters, digits and hyphens")
                    continue
                parsed = self.parse(CacheConfig, body, path)
                if parsed is not None:
                    caches[name] = parsed
        for name in secrets:
            if isinstance(raw_caches, dict) and name not in raw_caches:
                self.problem(f"{SECRETS_KEY}.{name}", "[secret]", "no cache of that name in caches")

        network = None
        if network_config is not None:
            network = self.check_network(network_config, region or "", production, lookup_subnets)

        stack_kms = self.kms_choice(encryption.kms_key, "encryption.kmsKey", region) if encryption else None
        specs = []
        if network is not None and stack_kms is not None and tags is not None and stack_observability is not None:
            common_tags = {**tags, "environment": environment, "managedBy": "pulumi"}
            for name, cache in caches.items():
                spec = self.resolve_cache(
                    name,
                    cache,
                    prefix,
                    network,
                    production,
                    stack_kms,
                    common_tags,
                    secrets.get(name),
                    region,
                    stack_observability,
                )
                if spec is not None:
                    self.check_replacement(name, cache, spec)
                    specs.append(spec)

        if self.problems:
            raise ConfigError(self.problems)
        # No problem reported means each of these was resolved.
        assert network is not None
        assert tags is not None
        assert region
        return StackSpec(
            environment=environment,
            production=production,
            name_prefix=prefix,
            region=region,
            network=network,
            tags=tags,
            caches=tuple(specs),
        )

    def check_tags(self, value: Any, path: str) -> dict[str, str] | None:
        if not isinstance(value, dict):
            self.problem(path, value, "a map of tag keys to string values")
            return None
        ok = True
        for key, tag_value in value.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                self.problem(f"{path}.{key}", key, "tag keys are 1..128 characters and may not start with aws:")
                ok = False
            if not isinstance(tag_value, str) or len(tag_value) > 256:
                self.problem(f"{path}.{key}", tag_value, "tag values are strings of at most 256 characters")
                ok = False
        return dict(value) if ok else None

    def parse_secrets(self, value: Any) -> dict[str, CacheSecretsConfig]:
        if not isinstance(value, dict):
            self.problem(SECRETS_KEY, "[secret]", "a map of cache name to {authToken, passwords}")
            return {}
        parsed = {}
        for name, body in value.items():
            secrets = self.parse(CacheSecretsConfig, body, f"{SECRETS_KEY}.{name}", secret=True)
            if secrets is not None:
                parsed[name] = secrets
        return parsed

    # -- pass 2: rules between inputs ----------------------------------------------------------------------

    def check_network(
        self, config: NetworkConfig, region: str, production: bool, lookup_subnets: SubnetLookup
    ) -> Network | None:
        before = len(self.problems)
        app_azs = config.app_availability_zones
        for index, az in enumerate(app_azs):
            path = f"network.appAvailabilityZones[{index}]"
            if region and not az.startswith(region):
                self.problem(path, az, f"not an AZ of the stack's region {region}")
            if az in app_azs[:index]:
                self.problem(path, az, "listed twice")
        if production and len(set(app_azs)) < 2:
            self.problem(
                "network.appAvailabilityZones",
                app_azs,
                "a production stack needs at least 2 app AZs so that a zone failure leaves a replica",
            )
        for key, ids in (
            ("subnetIds", config.subnet_ids),
            ("appSecurityGroupIds", config.app_security_group_ids),
        ):
            seen = set()
            for index, item in enumerate(ids):
                if item in seen:
                    self.problem(f"network.{key}[{index}]", item, "listed twice")
                seen.add(item)
        if len(self.problems) > before:
            return None

        found = lookup_subnets(config.subnet_ids)
        subnet_azs: dict[str, str] = {}
        for index, subnet_id in enumerate(config.subnet_ids):
            info = found.get(subnet_id)
            path = f"network.subnetIds[{index}]"
            if info is None:
                self.problem(path, subnet_id, "no such subnet in this account and region")
                continue
            if info.vpc_id != config.vpc_id:
                self.problem(path, subnet_id, f"is in {info.vpc_id}, not network.vpcId {config.vpc_id}")
            subnet_azs[subnet_id] = info.availability_zone
        if len(self.problems) > before:
            return None
        for index, az in enumerate(app_azs):
            if az not in subnet_azs.values():
                in_azs = ", ".join(sorted(set(subnet_azs.values())))
                self.problem(
                    f"network.appAvailabilityZones[{index}]",
                    az,
                    f"no cache subnet in this AZ (cache subnets are in {in_azs}): add a private subnet of {az} "
                    "to network.subnetIds, or drop the AZ",
                )
        if len(self.problems) > before:
            return None
        return Network(
            vpc_id=config.vpc_id,
            subnet_ids=tuple(config.subnet_ids),
            app_security_group_ids=tuple(config.app_security_group_ids),
            app_availability_zones=tuple(app_azs),
            subnet_azs=subnet_azs,
        )

    def kms_choice(self, value: str, path: str, region: str | None) -> KmsKey | None:
        if value == KmsKeyChoice.AWS_OWNED.value:
            return KmsKey(KmsKeyChoice.AWS_OWNED)
        if value == KmsKeyChoice.CREATE.value:
            return KmsKey(KmsKeyChoice.CREATE)
        match = _KMS_KEY_ARN.match(value)
        if match is None:
            self.problem(
                path,
                value,
                "use 'create', 'aws-owned' or a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>)",
            )
            return None
        if region and match["region"] != region:
            self.problem(path, value, f"the key is in {match['region']}; a cache can only use a key of {region}")
            return None
        return KmsKey(KmsKeyChoice.ARN, value)

    def resolve_cache(
        self,
        name: str,
        config: CacheConfig,
        prefix: str,
        network: Network,
        production: bool,
        stack_kms: KmsKey,
        common_tags: Mapping[str, str],
        secrets: CacheSecretsConfig | None,
        region: str | None,
        stack_observability: ObservabilityConfig,
    ) -> CacheArgs | None:
        before = len(self.problems)
        path = f"caches.{name}"
        serverless = config.type == "serverless"
        wrong_keys = NODE_ONLY_KEYS if serverless else SERVERLESS_ONLY_KEYS
        other = "node-based" if serverless else "serverless"
        for key in wrong_keys:
            field = CACHE_FIELD_OF_KEY[key]
            if field in config.model_fields_set:
                self.problem(f"{path}.{key}", getattr(config, field), f"only for {other} caches; remove it")

        cache_id = f"{prefix}-{name}"
        if (why := aws_rules.check_resource_id(cache_id)) is not None:
            self.problem(path, name, f"the cache id {cache_id!r} {why}: shorten the cache name or namePrefix")

        kms = stack_kms
        if config.kms_key is not None:
            kms = self.kms_choice(config.kms_key, f"{path}.kmsKey", region) or stack_kms
        tags = self.check_tags(config.tags or {}, f"{path}.tags") or {}
        auth = self.resolve_auth(name, config, cache_id, serverless, secrets)
        backup = self.resolve_backup(path, config, production, serverless)

        node = server = None
        engine_version = ""
        maintenance_window = config.maintenance_window or DEFAULT_MAINTENANCE_WINDOW
        if serverless:
            engine_version = config.major_engine_version or engines.DEFAULT_SERVERLESS_MAJOR[config.engine]
            if (why := aws_rules.check_serverless_major(config.engine, engine_version)) is not None:
                self.problem(f"{path}.majorEngineVersion", engine_version, why)
            server = self.resolve_serverless(path, config, network)
        else:
            engine_version = config.engine_version or engines.DEFAULT_VERSION[config.engine]
            if (why := aws_rules.check_engine_version(config.engine, engine_version)) is not None:
                self.problem(f"{path}.engineVersion", engine_version, why)
            if (why := aws_rules.check_maintenance_window(maintenance_window)) is not None:
                self.problem(f"{path}.maintenanceWindow", maintenance_window, why)
            elif backup is not None and aws_rules.windows_overlap(maintenance_window, backup.window):
                self.problem(
                    f"{path}.backup.window",
                    backup.window,
                    f"overlaps maintenanceWindow {maintenance_window}; AWS refuses overlapping windows",
                )
            node = self.resolve_node(path, config, network, production)

        observability = self.resolve_observability(path, config, stack_observability, production)
        if len(self.problems) > before or backup is None or auth is None or observability is None:
            return None
        profile = PROFILES[config.workload]
        load = config.expected_load or ExpectedLoadConfig()
        return CacheArgs(
            name=name,
            cache_id=cache_id,
            engine=config.engine,
            engine_version=engine_version,
            workload=config.workload,
            network=network,
            auth=auth,
            backup=backup,
            maintenance_window=maintenance_window,
            kms_key=kms,
            tags={**common_tags, **tags, WORKLOAD_TAG: config.workload.value, "cache": name},
            observability=observability,
            protection=Protection(
                protect=production if config.protect is None else config.protect,
                retain_on_delete=config.retain_on_delete,
                allow_replacement=config.allow_replacement,
            ),
            node=node,
            serverless=server,
            expected_load=ExpectedLoad(
                data_gb=load.average_data_gb,
                requests_per_second=load.requests_per_second,
                item_kb=load.average_item_kb,
                snapshot_gb=load.snapshot_gb,
            ),
            apply_immediately=config.apply_immediately,
            description=config.description or f"{name}: {profile.purpose} ({config.workload.value})",
            account_id=self.account_id,
            region=region or "",
        )

    def resolve_observability(
        self, path: str, config: CacheConfig, stack: ObservabilityConfig, production: bool
    ) -> Observability | None:
        own = config.observability or ObservabilityConfig()
        retention = own.log_retention_days or stack.log_retention_days or DEFAULT_LOG_RETENTION_DAYS[production]
        if retention not in LOG_RETENTION_DAYS:
            key = (
                f"{path}.observability.logRetentionDays" if own.log_retention_days else "observability.logRetentionDays"
            )
            self.problem(
                key, retention, f"CloudWatch keeps logs for one of {', '.join(map(str, LOG_RETENTION_DAYS))} days"
            )
            return None
        defaults = AlarmThresholds(
            evictions=HOT_CACHE_EVICTIONS_PER_5_MINUTES if config.workload is Workload.CACHE else 0
        )
        merged = {
            field: getattr(own.alarms, field) if field in own.alarms.model_fields_set else getattr(stack.alarms, field)
            for field in ThresholdsConfig.model_fields
        }
        thresholds = replace(defaults, **{k: v for k, v in merged.items() if v is not None})
        return Observability(
            log_retention_days=retention,
            alarm_topic_arn=own.alarm_topic_arn or stack.alarm_topic_arn,
            thresholds=thresholds,
        )

    def check_replacement(self, name: str, config: CacheConfig, spec: CacheArgs) -> None:
        """Refuse edits that AWS can only apply by replacing the cache, unless the cache allows it."""
        before = self.deployed.get(name)
        if before is None or config.allow_replacement:
            return
        after = spec.deployed()
        path = f"caches.{name}"
        why = (
            "AWS can only apply this by replacing the cache: an outage and an empty cache. Revert it, or set "
            f"{path}.allowReplacement: true to accept that"
        )
        if before.cache_id != after.cache_id:
            self.problem(path, after.cache_id, f"changes the cache id from {before.cache_id}; {why}")
        if before.type != after.type:
            self.problem(f"{path}.type", after.type, f"was {before.type}; {why}")
            return
        if after.type == "node" and before.engine == "valkey" and after.engine == "redis":
            self.problem(f"{path}.engine", "redis", f"was valkey; moving back to Redis OSS is not in place; {why}")
        elif before.engine == after.engine and _older(after.engine_version, before.engine_version):
            key = "majorEngineVersion" if after.type == "serverless" else "engineVersion"
            self.problem(f"{path}.{key}", after.engine_version, f"downgrades {before.engine_version}; {why}")
        if before.port != after.port:
            self.problem(f"{path}.port", after.port, f"was {before.port}; {why}")
        if before.kms_key != after.kms_key:
            self.problem(f"{path}.kmsKey", after.kms_key, f"changes the at-rest key from {before.kms_key}; {why}")
        if before.sharded != after.sharded:
            self.problem(
                f"{path}.shards",
                config.shards,
                f"turns cluster mode {'on' if after.sharded else 'off'}; {why} (or migrate through cluster mode "
                "compatible by hand)",
            )
        if before.data_tiering != after.data_tiering:
            self.problem(f"{path}.nodeType", spec.node.node_type if spec.node else None, f"toggles data tiering; {why}")

    def resolve_auth(
        self,
        name: str,
        config: CacheConfig,
        cache_id: str,
        serverless: bool,
        secrets: CacheSecretsConfig | None,
    ) -> Auth | None:
        before = len(self.problems)
        auth = config.auth
        path = f"caches.{name}.auth"
        secrets_path = f"{SECRETS_KEY}.{name}"
        set_cmd = "pulumi config set --secret --path"
        passwords = (secrets.passwords if secrets else None) or {}
        token = secrets.auth_token if secrets else None

        if auth.mode is AuthMode.TOKEN:
            if serverless:
                self.problem(f"{path}.mode", "token", "serverless caches support RBAC only: use iam or password")
            if auth.users:
                self.problem(f"{path}.users", auth.users, "token mode has no users (AWS refuses a token with RBAC)")
            if token is None:
                self.problem(
                    f"{secrets_path}.authToken",
                    _MISSING,
                    f"token mode needs it: {set_cmd} '{secrets_path}.authToken'",
                )
            elif (why := aws_rules.check_secret(token.get_secret_value())) is not None:
                self.problem(f"{secrets_path}.authToken", token, why, secret=True)
            users: tuple[str, ...] = ()
        else:
            users = tuple(auth.users) if auth.users is not None else DEFAULT_USERS
            if not users:
                self.problem(f"{path}.users", [], "at least one user, or leave users out for the default ['app']")
            for index, user in enumerate(users):
                user_path = f"{path}.users[{index}]"
                if user == "default":
                    self.problem(user_path, user, "reserved: the component creates a disabled default user itself")
                elif not _NAME.match(user):
                    self.problem(user_path, user, "user names use lowercase letters, digits and hyphens")
                elif (why := aws_rules.check_resource_id(f"{cache_id}-{user}")) is not None:
                    self.problem(user_path, user, f"the user id {cache_id}-{user!s} {why}")
                if user in users[:index]:
                    self.problem(user_path, user, "listed twice")
            if auth.mode is AuthMode.PASSWORD:
                for user in users:
                    secret = passwords.get(user)
                    key = f"{secrets_path}.passwords.{user}"
                    if secret is None:
                        self.problem(key, _MISSING, f"password mode needs one per user: {set_cmd} '{key}'")
                    elif (why := aws_rules.check_secret(secret.get_secret_value())) is not None:
                        self.problem(key, secret, why, secret=True)
            if token is not None:
                self.problem(f"{secrets_path}.authToken", token, f"set but auth.mode is {auth.mode.value}", secret=True)
        for user in passwords:
            if auth.mode is not AuthMode.PASSWORD or user not in users:
                self.problem(f"{secrets_path}.passwords.{user}", "[secret]", "not a password-mode user of this cache")
        if len(self.problems) > before:
            return None
        defaults = Auth(mode=auth.mode)
        return Auth(
            mode=auth.mode,
            users=users,
            access_string=auth.access_string or defaults.access_string,
            passwords=dict(passwords) if auth.mode is AuthMode.PASSWORD else {},
            password_version=auth.password_version,
            token=token if auth.mode is AuthMode.TOKEN else None,
            token_version=auth.token_version,
            token_update_strategy=auth.token_update_strategy,
        )

    def resolve_backup(self, path: str, config: CacheConfig, production: bool, serverless: bool) -> Backup | None:
        window = config.backup.window or DEFAULT_BACKUP_WINDOW
        if (why := aws_rules.check_snapshot_window(window)) is not None:
            hint = " (serverless caches snapshot daily at its start time)" if serverless else ""
            self.problem(f"{path}.backup.window", window, why + hint)
            return None
        retention = config.backup.retention_days
        if retention is None:
            retention = default_retention_days(config.workload, production)
        return Backup(retention_days=retention, window=window)

    def resolve_serverless(self, path: str, config: CacheConfig, network: Network) -> Serverless | None:
        limits = config.limits
        if config.workload not in SERVERLESS_WORKLOADS:
            self.problem(
                f"{path}.type",
                "serverless",
                f"a {config.workload.value} cache must never lose keys to eviction, but a serverless cache evicts "
                "keys with a TTL once limits.maxDataGb is reached: use type node",
            )
        azs_with_subnets = {network.subnet_azs[s] for s in network.subnets_in_app_azs()}
        if len(azs_with_subnets) < 2:
            self.problem(
                "network.subnetIds",
                list(network.subnet_ids),
                f"serverless cache {config.workload.value!r} needs cache subnets in at least 2 app AZs",
            )
        if limits is None:
            self.problem(
                f"{path}.limits",
                _MISSING,
                "required for serverless caches: {maxDataGb, maxEcpuPerSecond} cap what AWS may scale to and bill",
            )
            return None
        if limits.min_data_gb is not None and limits.min_data_gb > limits.max_data_gb:
            self.problem(f"{path}.limits.minDataGb", limits.min_data_gb, f"above maxDataGb {limits.max_data_gb}")
        if limits.min_ecpu_per_second is not None and limits.min_ecpu_per_second > limits.max_ecpu_per_second:
            self.problem(
                f"{path}.limits.minEcpuPerSecond",
                limits.min_ecpu_per_second,
                f"above maxEcpuPerSecond {limits.max_ecpu_per_second}",
            )
        return Serverless(
            max_data_gb=limits.max_data_gb,
            max_ecpu_per_second=limits.max_ecpu_per_second,
            min_data_gb=limits.min_data_gb,
            min_ecpu_per_second=limits.min_ecpu_per_second,
        )

    def resolve_node(self, path: str, config: CacheConfig, network: Network, production: bool) -> NodeBased | None:
        before = len(self.problems)
        app_azs = network.app_availability_zones
        node_type = config.node_type or DEFAULT_NODE_TYPE[production]
        if (why := aws_rules.check_node_type(node_type)) is not None:
            self.problem(f"{path}.nodeType", node_type, why)
        tiering_capable = aws_rules.supports_data_tiering(node_type)
        data_tiering = tiering_capable if config.data_tiering is None else config.data_tiering
        if data_tiering and not tiering_capable:
            self.problem(f"{path}.dataTiering", True, "data tiering needs an r6gd node type (e.g. cache.r6gd.xlarge)")
        if tiering_capable and not data_tiering:
            self.problem(f"{path}.dataTiering", False, "r6gd node types require data tiering on; remove the key")

        replicas = config.replicas if config.replicas is not None else max(1, len(app_azs) - 1)
        shards = config.shards
        if production and replicas < 1:
            self.problem(
                f"{path}.replicas",
                replicas,
                "production caches need at least 1 replica per shard for failover",
            )
        elif shards is not None and replicas < 1:
            self.problem(f"{path}.replicas", replicas, "sharded caches need at least 1 replica per shard for failover")
        else:
            layouts = placement.shard_layouts(app_azs, shards or 1, replicas)
            missing = placement.uncovered_azs(app_azs, layouts)
            if missing:
                needed = len(app_azs) - 1 if shards is None else -(-(len(app_azs) - 1) // shards)
                self.problem(
                    f"{path}.replicas",
                    replicas,
                    f"leaves app AZ {', '.join(missing)} without a node; every app AZ must hold one: "
                    f"set replicas to at least {needed}",
                )

        eviction = config.eviction_policy or PROFILES[config.workload].eviction_policy
        allowed = allowed_eviction_policies(config.workload)
        if eviction not in allowed:
            self.problem(
                f"{path}.evictionPolicy",
                eviction.value,
                f"contradicts workload {config.workload.value!r}; allowed: "
                + ", ".join(sorted(p.value for p in allowed)),
            )

        parameters: list[tuple[str, str]] = []
        for key, value in sorted((config.parameters or {}).items()):
            if key in RESERVED_PARAMETERS:
                self.problem(f"{path}.parameters.{key}", value, RESERVED_PARAMETERS[key])
            elif not _NAME.match(key):
                self.problem(f"{path}.parameters.{key}", value, "parameter names are lowercase words and hyphens")
            else:
                parameters.append((key, str(value)))

        if len(self.problems) > before:
            return None
        return NodeBased(
            node_type=node_type,
            replicas=replicas,
            shards=shards,
            eviction_policy=eviction,
            parameters=tuple(parameters),
            port=config.port or DEFAULT_PORT,
            data_tiering=data_tiering,
            transit_encryption_mode=config.transit_encryption_mode,
        )


def _older(version: str, than: str) -> bool:
    try:
        return aws_rules.version_tuple(version) < aws_rules.version_tuple(than)
    except ValueError:
        return False


def _describe(model: type[BaseModel], item: Any, loc: list[str], path: str, *, secret: bool) -> Problem:
    kind = item["type"]
    value = item.get("input", _MISSING)
    if kind == "missing":
        return Problem(path, _MISSING, "required")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return Problem(path, value, f"unknown key; allowed here: {', '.join(allowed)}", secret)
    return Problem(path, value, item["msg"], secret)


def _allowed_keys(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Aliases of the model found by walking `loc` down from `model` (map keys and list indexes skipped)."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            break
        field = next((f for f in current.model_fields.values() if f.alias == part), None)
        if field is None:
            break
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(f.alias or name for name, f in current.model_fields.items())
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside Optional[...], list[...], dict[str, ...] or Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list, dict, Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
