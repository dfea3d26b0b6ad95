"""Maintenance and engine: supported engines at supported versions, patched automatically."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.engines import MEMCACHED, MINIMUM_VERSIONS, REDIS_PROTOCOL, Engine
from elasticache_facts.tokens import CLUSTER, GLOBAL_REPLICATION_GROUP, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import (
    DOCS,
    engine,
    is_global_secondary,
    is_group_member,
    parse_version,
    settings,
    version_at_least,
)
from guardrails.props import MISSING, Props, is_unknown, off, state


def _validate_minor_upgrades(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("AWS applies minor and patch versions to serverless caches itself")
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER):
        return
    props = Props(args.props)
    if args.resource_type == CLUSTER:
        if is_group_member(props):
            args.not_applicable("the cluster belongs to a replication group, which is judged instead")
        kind = engine(props, CLUSTER)
        if is_unknown(kind):
            props.finish()
        if kind not in REDIS_PROTOCOL:
            args.not_applicable("automatic minor version upgrades exist for Redis OSS and Valkey only")
    # Unset is fine: AWS turns automatic minor upgrades on by default (the provider's documented default).
    upgrades = props.boolean("autoMinorVersionUpgrade")
    if upgrades is not MISSING and off(upgrades):
        report(
            f"`autoMinorVersionUpgrade` is {state(upgrades)}: security patches wait for someone to apply "
            "them. Set it to true (in place; upgrades happen in the `maintenanceWindow`)."
        )
    props.finish()


auto_minor_version_upgrade = ResourceValidationPolicy(
    name="elasticache-auto-minor-version-upgrade",
    description="ElastiCache applies minor engine versions (security patches) automatically.",
    validate=_validate_minor_upgrades,
    severity=Severity.LOW,
    tags=["maintenance", "CKV_AWS_322", "ElastiCache.2", "elasticache-auto-minor-version-upgrade-check"],
    remediation_steps="Set `autoMinorVersionUpgrade: true` and a `maintenanceWindow` outside peak hours.",
    url=f"{DOCS}/VersionManagement.html",
)


MEMCACHED_MINIMUM_VERSION = "1.6"
"""The Memcached line ElastiCache still offers new clusters; TLS needs 1.6.12, which the in-transit policy says."""

ENGINE_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedEngines": {
            "type": "array",
            "items": {"type": "string", "enum": [*(engine.value for engine in Engine), MEMCACHED]},
            "default": [*(engine.value for engine in Engine), MEMCACHED],
            "description": (
                "Engines caches may run. Valkey and Redis OSS are judged alike everywhere; Memcached by the rules "
                "that apply to it (TLS from 1.6.12, spread over AZs, no AUTH, snapshots or replication to judge)."
            ),
        },
        "minimumEngineVersions": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {**MINIMUM_VERSIONS, MEMCACHED: MEMCACHED_MINIMUM_VERSION},
            "description": (
                "Lowest `engineVersion` per engine (`M.m`); serverless caches compare the major version only. "
                "An unset `engineVersion` means AWS's latest and passes."
            ),
        },
    }
)


def _validate_engine(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE, GLOBAL_REPLICATION_GROUP):
        return
    config = settings(args, ENGINE_SCHEMA)
    allowed = [str(name).lower() for name in config["allowedEngines"]]
    minimums = {str(k).lower(): str(v) for k, v in dict(config["minimumEngineVersions"]).items()}
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP and is_global_secondary(props):
        args.not_applicable(
            "a global datastore secondary may not set engine or version: the global datastore decides them"
        )
    if args.resource_type == CLUSTER and is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")

    kind = engine(props, args.resource_type)
    if kind is MISSING and args.resource_type == GLOBAL_REPLICATION_GROUP:
        _global_version_without_engine(args, props, report, minimums)
        return
    if kind is MISSING:
        props.finish()
        return
    if is_unknown(kind):
        props.finish()
    if kind not in allowed:
        report(f"engine {kind!r} is not allowed here; use one of: {', '.join(allowed)}.")
        props.finish()
        return

    key = "majorEngineVersion" if args.resource_type == SERVERLESS_CACHE else "engineVersion"
    text = props.text(key)
    minimum_text = minimums.get(kind)
    minimum = parse_version(minimum_text) if minimum_text else None
    if not isinstance(text, str) or minimum is None:
        props.finish()
        return
    version = parse_version(text)
    if version is None:
        report(f"`{key}` {text!r} is not an engine version (`M.m`, e.g. {minimum_text}).")
    else:
        floor = minimum[:1] if args.resource_type == SERVERLESS_CACHE else minimum
        if not version_at_least(version, floor):
            report(
                f"{kind} {text} is below the minimum {minimum_text} for this environment. Upgrade `{key}` "
                "(in place for node-based caches; downgrades are refused by AWS)."
            )
    props.finish()


def _global_version_without_engine(
    args: ResourceValidationArgs, props: Props, report: ReportViolation, minimums: dict[str, str]
) -> None:
    """A `GlobalReplicationGroup` that sets `engineVersion` and no `engine`: the version is still applied.

    pulumi-aws `GlobalReplicationGroup.engine_version`: "If a version is specified, the Global Replication Group
    and all member replication groups will be upgraded to this version"; `engine`: "Default is `redis` if
    `engine_version` is specified". The primary's engine is not on the resource, and the pack must not refuse a
    Valkey datastore for a Redis OSS minimum (or for an allow-list without `redis`), so the version is refused only
    when it is below the minimum of every Redis-protocol engine (`6.2` is below Redis OSS 7.0 and Valkey 7.2).
    """
    text = props.text("engineVersion")
    if text is MISSING or text == "":
        args.not_applicable("the global datastore keeps its primary's engine and version")
    if not isinstance(text, str):
        props.finish()
        return
    version = parse_version(text)
    if version is None:
        report(f"`engineVersion` {text!r} is not an engine version (`M.m`, e.g. 7.2).")
        props.finish()
        return
    floors = {
        name: minimums[name] for name in sorted(REDIS_PROTOCOL) if name in minimums and parse_version(minimums[name])
    }
    if floors and not any(version_at_least(version, parse_version(floor) or ()) for floor in floors.values()):
        shown = ", ".join(f"{name} {floor}" for name, floor in floors.items())
        report(
            f"`engineVersion` {text} is below the minimum for this environment ({shown}): with no `engine` the "
            "global datastore and every member are moved to it (Redis OSS by the provider's default). Set "
            "`engine` and an `engineVersion` at least the minimum, or leave `engineVersion` unset."
        )
    props.finish()


engine_version = ResourceValidationPolicy(
    name="elasticache-engine-version",
    description="ElastiCache runs an allowed engine (Valkey or Redis OSS by default) at a supported version.",
    validate=_validate_engine,
    config_schema=ENGINE_SCHEMA,
    severity=Severity.MEDIUM,
    tags=["maintenance", "engine", "elasticache-supported-engine-version"],
    remediation_steps=(
        "Set `engine` to an allowed engine and `engineVersion` (serverless: `majorEngineVersion`) to at least "
        "the configured minimum. Redis OSS -> Valkey upgrades in place when `engineVersion` and a valkey-family "
        "parameter group change in the same update."
    ),
    url=f"{DOCS}/engine-versions.html",
)

POLICIES = [auto_minor_version_upgrade, engine_version]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    auto_minor_version_upgrade.name: (
        "`autoMinorVersionUpgrade` is not false (replication groups, Redis/Valkey clusters; AWS patches "
        "serverless itself)"
    ),
    engine_version.name: (
        "engine in the allow-list; `engineVersion` (serverless: the major of `majorEngineVersion`) at least "
        "the minimum; unset = AWS's latest, passes. Also a `GlobalReplicationGroup` that sets an engine, or an "
        "`engineVersion` alone (the provider's default engine is then Redis OSS: refused only below every "
        "Redis-protocol engine's minimum, so a Valkey datastore is never judged by Redis OSS's)"
    ),
}
