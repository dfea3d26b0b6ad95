"""Backups: automatic snapshots kept long enough to restore from."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.engines import REDIS_PROTOCOL
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import DOCS, engine, integer, is_group_member, settings
from guardrails.props import MISSING, Props, is_unknown, state

SCHEMA = PolicyConfigSchema(
    properties={
        "minimumRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "default": 1,
            "description": "Days of automatic snapshots (`snapshotRetentionLimit`) every Redis/Valkey cache keeps.",
        },
    }
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE):
        return
    props = Props(args.props)
    if args.resource_type == CLUSTER and is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")
    kind = engine(props, args.resource_type)
    if is_unknown(kind):
        props.finish()
    if kind not in REDIS_PROTOCOL:
        args.not_applicable(f"engine {kind if kind is not MISSING else 'unset'}: ElastiCache takes no snapshots")
    minimum = integer(settings(args, SCHEMA)["minimumRetentionDays"])
    days = props.number("snapshotRetentionLimit")
    if not is_unknown(days) and not (isinstance(days, float) and days >= minimum):
        shown = f"{days:g}" if isinstance(days, float) else state(days, "unset (AWS default: 0, no backups)")
        report(
            f"`snapshotRetentionLimit` is {shown}; this environment keeps at least {minimum} day(s) of automatic "
            "snapshots. Raise it (changes in place; AWS allows up to 35)."
        )
    props.finish()


backup_retention = ResourceValidationPolicy(
    name="elasticache-backup-retention",
    description="Redis OSS/Valkey caches keep automatic snapshots for at least the configured number of days.",
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
    tags=[
        "backups",
        "CKV_AWS_134",
        "AVD-AWS-0050",
        "ElastiCache.1",
        "elasticache-automatic-backup-check-enabled",
    ],
    remediation_steps=(
        "Set `snapshotRetentionLimit` to at least `minimumRetentionDays` (and a `snapshotWindow` / "
        "`dailySnapshotTime` outside peak hours)."
    ),
    url=f"{DOCS}/backups-automatic.html",
)

POLICIES = [backup_retention]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    backup_retention.name: (
        "`snapshotRetentionLimit` >= N on Redis OSS/Valkey replication groups, standalone clusters and "
        "serverless caches; Memcached is not applicable"
    ),
}
