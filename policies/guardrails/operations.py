"""Living with a cache: logs to read, alarms that wake someone, and no data lost to a delete."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from elasticache_facts.engines import REDIS_PROTOCOL
from elasticache_facts.metrics import (
    DATA_TIERING_METRICS,
    GROUP_DIMENSION,
    GROUP_METRICS,
    NAMESPACE,
    NODE_DIMENSION,
    SERVERLESS_DIMENSION,
)
from elasticache_facts.tokens import METRIC_ALARM, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import DOCS, data_tiering, engine, planned, settings, stored_name
from guardrails.props import MISSING, Props, Unknown, finish_all, is_unknown

# -- log delivery ----------------------------------------------------------------------------------------------

LOG_SCHEMA = PolicyConfigSchema(
    properties={
        "requiredLogTypes": {
            "type": "array",
            "items": {"type": "string", "enum": ["slow-log", "engine-log"]},
            "default": ["slow-log", "engine-log"],
            "description": "Log types every replication group delivers (`logDeliveryConfigurations[].logType`).",
        },
    }
)


def _validate_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("serverless caches have no slow-log or engine-log delivery; watch their metrics")
    if args.resource_type != REPLICATION_GROUP:
        return
    props = Props(args.props)
    kind = engine(props, args.resource_type)
    if is_unknown(kind):
        props.finish()
    if kind not in REDIS_PROTOCOL:
        args.not_applicable(f"engine {kind}: no slow-log or engine-log")
    required = [str(t) for t in settings(args, LOG_SCHEMA)["requiredLogTypes"]]
    deliveries = props.items("logDeliveryConfigurations")
    if not isinstance(deliveries, Unknown):
        delivered = set()
        for index, delivery in enumerate(deliveries or []):
            if isinstance(delivery, Unknown):
                props.note(delivery)
                continue
            log_type = props.text("logDeliveryConfigurations", index, "logType")
            destination = props.get("logDeliveryConfigurations", index, "destination")
            if isinstance(log_type, str) and destination is not MISSING:
                delivered.add(log_type)
        missing = [t for t in required if t not in delivered]
        if missing and not props.unknown:
            report(
                f"No delivery of {', '.join(missing)}: slow commands and engine events (failovers, evictions "
                "storms) leave no trace to debug from. Add `logDeliveryConfigurations` entries (CloudWatch Logs or "
                "Kinesis Firehose, format json)."
            )
    props.finish()


log_delivery = ResourceValidationPolicy(
    name="elasticache-log-delivery",
    description="Replication groups deliver their slow log and engine log.",
    validate=_validate_logs,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=LOG_SCHEMA,
    severity=Severity.LOW,
    tags=["observability", "logging"],
    remediation_steps=(
        "Add `logDeliveryConfigurations` with `logType` slow-log and engine-log, `destinationType` "
        "cloudwatch-logs and `logFormat` json, to log groups with a retention."
    ),
    url=f"{DOCS}/Log_Delivery.html",
)

# -- alarms ------------------------------------------------------------------------------------------------------

ALARM_SCHEMA = PolicyConfigSchema(
    properties={
        "nodeMetrics": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage"],
            "description": (
                "Metrics each replication group needs an alarm on (dimension CacheClusterId of a node); on data "
                "tiering nodes (r6gd) a memory metric's capacity counterpart (DatabaseCapacityUsagePercentage) "
                "stands for it."
            ),
        },
        "serverlessMetrics": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["ElastiCacheProcessingUnits", "BytesUsedForCache"],
            "description": "Metrics each serverless cache needs an alarm on (dimension clusterId).",
        },
    }
)


# Replication-group members are named after the group: <id>-001, or <id>-0001-001 when sharded. A member id
# could name a node of either form (`x-0001-001` is node 001 of group `x-0001`, or of shard 0001 of `x`), so
# an alarm counts for both candidate groups.
_MEMBER = re.compile(r"^(?P<group>.+?)(?P<shard>-\d{4})?-\d{3}$")


def _candidate_groups(member: str) -> list[str]:
    match = _MEMBER.match(member)
    if match is None:
        return []
    group = match["group"]
    return [group, group + match["shard"]] if match["shard"] else [group]


def _watched_metrics(alarm: Props) -> list[tuple[Any, Any, Any]]:
    """(namespace, metric name, dimensions) of every metric the alarm reads: its own, or its metric queries'."""
    if alarm.get("metricQueries") is MISSING:
        return [(alarm.get("namespace"), alarm.get("metricName"), alarm.mapping("dimensions"))]
    queries = alarm.items("metricQueries")
    if not isinstance(queries, list):
        return []
    return [
        (
            alarm.get("metricQueries", index, "metric", "namespace"),
            alarm.get("metricQueries", index, "metric", "metricName"),
            alarm.mapping("metricQueries", index, "metric", "dimensions"),
        )
        for index in range(len(queries))
        if isinstance(alarm.get("metricQueries", index, "metric"), dict)
    ]


def _index_alarm(alarm: Props, covered: dict[tuple[bool, str], set[str]], blind: dict[str, set[str]]) -> None:
    """Adds what a notifying alarm watches to `covered`: (serverless?, cache id) -> metric names; and to `blind`
    (group id -> metric names) what it reads by `ReplicationGroupId` that CloudWatch publishes per node only."""
    actions = alarm.present("alarmActions")
    if not (actions is True or isinstance(actions, Unknown)):
        return
    for namespace, metric, dims in _watched_metrics(alarm):
        if namespace != NAMESPACE or not isinstance(metric, str) or not isinstance(dims, dict):
            continue
        serverless = dims.get(SERVERLESS_DIMENSION)
        if isinstance(serverless, str):
            covered.setdefault((True, serverless), set()).add(metric)
        group = dims.get(GROUP_DIMENSION)
        groups = [group] if isinstance(group, str) else []
        member = dims.get(NODE_DIMENSION)
        if isinstance(member, str):
            groups += _candidate_groups(member)
        # A series is named by its whole set of dimensions: with `ReplicationGroupId` among them, a metric AWS
        # publishes per node only has no series to read, whatever else the alarm names.
        if GROUP_DIMENSION in dims and metric not in GROUP_METRICS:
            for group_id in groups:
                blind.setdefault(group_id, set()).add(metric)
            continue
        for group_id in groups:
            covered.setdefault((False, group_id), set()).add(metric)


def _validate_alarms(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings(args, ALARM_SCHEMA)
    readers: list[Props] = []
    covered: dict[tuple[bool, str], set[str]] = {}
    blind: dict[str, set[str]] = {}
    caches: list[tuple[PolicyResource, str, bool, bool]] = []
    for resource in args.resources:
        if resource.resource_type == METRIC_ALARM:
            _index_alarm(planned(resource, f"alarm {resource.name}"), covered, blind)
            continue
        if resource.resource_type not in (REPLICATION_GROUP, SERVERLESS_CACHE):
            continue
        serverless = resource.resource_type == SERVERLESS_CACHE
        reader = planned(resource, f"{resource.resource_type.split(':')[-1]} {resource.name}")
        readers.append(reader)
        cache_id: Any = reader.get("name" if serverless else "replicationGroupId")
        if isinstance(cache_id, Unknown):
            continue
        if cache_id is MISSING:
            reader.cannot_check("no explicit id, so its alarms cannot be matched to it before apply")
            continue
        # A node type known only at apply may be r6gd: its capacity metrics count as well.
        tiered = not serverless and data_tiering(reader) is not False
        caches.append((resource, str(cache_id), serverless, tiered))
    # CloudWatch matches a dimension value exactly: an alarm on `Sessions-Prod-001` watches a series AWS never
    # publishes. Such near misses are named, not counted.
    by_lowered: dict[tuple[bool, str], list[str]] = {}
    for serverless, watched in covered:
        by_lowered.setdefault((serverless, watched.lower()), []).append(watched)
    for resource, cache_id, serverless, tiered in caches:
        published = stored_name(cache_id)  # as its metrics' dimensions carry it: `<id>-001`, `clusterId`
        wanted = config["serverlessMetrics" if serverless else "nodeMetrics"]
        have = covered.get((serverless, published), set())
        # On data tiering nodes the capacity counterpart of a memory metric is the one that counts the SSD too.
        alternative = DATA_TIERING_METRICS if tiered else {}
        missing = [str(metric) for metric in wanted if metric not in have and alternative.get(str(metric)) not in have]
        if missing:
            shown = cache_id if published == cache_id else f"{cache_id}, stored by AWS as {published}"
            near = [other for other in by_lowered.get((serverless, published.lower()), []) if other != published]
            hint = (
                f" Alarms name it {', '.join(f'`{other}`' for other in near)}, but CloudWatch matches dimensions "
                f"exactly and the metrics carry `{published}`."
                if near
                else ""
            )
            unpublished = [] if serverless else [metric for metric in missing if metric in blind.get(published, ())]
            if unpublished:
                hint += (
                    f" Alarms read {', '.join(unpublished)} by `{GROUP_DIMENSION}`, which CloudWatch publishes only "
                    f"for {', '.join(sorted(GROUP_METRICS))}: they never get data. Read each node's "
                    f"`{NODE_DIMENSION}` instead (`{published}-001`, ..., or `{published}-0001-001`, ... when "
                    "sharded); one metric math alarm takes the maximum over up to 10."
                )
            shown_missing = [
                f"{metric} (or {alternative[metric]}, which on data tiering nodes counts the SSD too)"
                if metric in alternative
                else metric
                for metric in missing
            ]
            report(
                f"{resource.name} ({shown}) has no alarm that notifies anyone on {', '.join(shown_missing)}: the first "
                "sign of a full or saturated cache would be the application's errors. Add CloudWatch alarms with "
                f"`alarmActions` for these metrics.{hint}",
                resource.urn,
            )
    finish_all(readers)


alarms_present = StackValidationPolicy(
    name="elasticache-alarms",
    description="Every cache has CloudWatch alarms, with actions, on its saturation metrics.",
    validate=_validate_alarms,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=ALARM_SCHEMA,
    severity=Severity.LOW,
    tags=["observability", "alarms"],
    remediation_steps=(
        "Create `aws.cloudwatch.MetricAlarm`s in namespace AWS/ElastiCache on the nodes (dimension CacheClusterId; "
        "one metric math alarm can take the maximum over up to 10 nodes' `metricQueries`) or the serverless cache "
        "(dimension clusterId), with `alarmActions` pointing at an SNS topic."
    ),
    url=f"{DOCS}/CacheMetrics.WhichShouldIMonitor.html",
)

# -- data protection -------------------------------------------------------------------------------------------


def _validate_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, SERVERLESS_CACHE):
        return
    if args.opts.protect:
        return
    if args.resource_type == SERVERLESS_CACHE:
        report(
            "The serverless cache is not protected, and serverless caches take no final snapshot: a delete or "
            "replacement loses its data. Set the `protect` resource option."
        )
        return
    props = Props(args.props)
    # An identifier not known until apply is still one that will be set.
    final_snapshot = props.peek("finalSnapshotIdentifier")
    if final_snapshot is MISSING or final_snapshot == "":
        report(
            "Neither `protect` nor `finalSnapshotIdentifier` is set: deleting or replacing this replication group "
            "loses its data. Set the `protect` resource option, or a `finalSnapshotIdentifier`."
        )
    props.finish()


data_protection = ResourceValidationPolicy(
    name="elasticache-data-protection",
    description="A cache can't be deleted without a final snapshot unless it is protected.",
    validate=_validate_protection,
    severity=Severity.HIGH,
    tags=["backups", "data-protection"],
    remediation_steps=(
        "Set the `protect` resource option on the cache (Pulumi then refuses to delete or replace it), or set "
        "`finalSnapshotIdentifier` on replication groups."
    ),
    url=f"{DOCS}/backups-manual.html",
)

POLICIES = [log_delivery, alarms_present, data_protection]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    log_delivery.name: (
        "replication groups deliver their `slow-log` and `engine-log` (`logDeliveryConfigurations` with a "
        "destination); serverless caches are not applicable (AWS offers no log delivery for them)"
    ),
    alarms_present.name: (
        "every replication group has a CloudWatch alarm with `alarmActions` on each metric in `nodeMetrics` "
        "for one of its nodes: a plain alarm or a metric math alarm whose `metricQueries` read it (dimension "
        "`CacheClusterId` = a member id, `<groupId>-NNN` or `<groupId>-NNNN-NNN`, or, for the metrics CloudWatch "
        f"publishes per group ({', '.join(f'`{metric}`' for metric in sorted(GROUP_METRICS))}), "
        "`ReplicationGroupId` = `<groupId>`, with the group id in lower case as AWS stores it and publishes the "
        "metrics; a dimension differing only in case, or `ReplicationGroupId` on a metric published per node only, "
        "watches nothing and is named; on data tiering nodes, r6gd, or a node type unknown until apply, an alarm on "
        "a memory metric's capacity counterpart, which counts the SSD too, stands for it: "
        + ", ".join(f"`{capacity}` for `{memory}`" for memory, capacity in DATA_TIERING_METRICS.items())
        + "); every serverless cache on each metric in "
        "`serverlessMetrics` (dimension `clusterId`, its name in lower case, as AWS stores it); alarms are indexed by "
        "cache, so the check is linear in the "
        "stack's size; a cache with no explicit id cannot be matched before apply (advisory line)"
    ),
    data_protection.name: (
        "a replication group is `protect`ed or has a `finalSnapshotIdentifier`; a serverless cache (which "
        "takes no final snapshot) is `protect`ed"
    ),
}
