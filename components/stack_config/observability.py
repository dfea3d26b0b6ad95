"""`observability` of the stack and of each cache: log retention and alarm thresholds, the cache's own first."""

from __future__ import annotations

from dataclasses import replace

from components import aws_rules
from components.spec import AlarmThresholds, Observability, Workload
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_LOG_RETENTION_DAYS, HOT_CACHE_EVICTIONS_PER_5_MINUTES
from components.stack_config.schema import ObservabilityConfig, ThresholdsConfig


def resolve_observability(ctx: CacheContext) -> Observability | None:
    config = ctx.config
    stack = ctx.stack.observability
    own = config.observability or ObservabilityConfig()
    # 0 is a value (CloudWatch: never expire), not "unset".
    retention = next(
        (days for days in (own.log_retention_days, stack.log_retention_days) if days is not None),
        DEFAULT_LOG_RETENTION_DAYS[ctx.stack.production],
    )
    if retention not in aws_rules.LOG_RETENTION_DAYS:
        key = (
            f"{ctx.path}.observability.logRetentionDays"
            if own.log_retention_days is not None
            else "observability.logRetentionDays"
        )
        ctx.stack.problems.add(
            key,
            retention,
            f"CloudWatch keeps logs for one of {', '.join(str(d) for d in aws_rules.LOG_RETENTION_DAYS if d)} days, "
            "or 0 to keep them forever",
        )
        return None
    topic = own.alarm_topic_arn or stack.alarm_topic_arn
    # A node-based cache's topic is its replication group's notification topic too; a serverless cache's receives
    # its alarms only.
    if topic is not None and not ctx.serverless:
        why = aws_rules.check_notification_topic_owner(topic, ctx.stack.account_id)
        if why is not None:
            key = f"{ctx.path}.observability.alarmTopicArn" if own.alarm_topic_arn else "observability.alarmTopicArn"
            ctx.stack.problems.add(key, topic, why)
            return None
    defaults = AlarmThresholds(evictions=HOT_CACHE_EVICTIONS_PER_5_MINUTES if config.workload is Workload.CACHE else 0)
    merged = {
        field: getattr(own.alarms, field) if field in own.alarms.model_fields_set else getattr(stack.alarms, field)
        for field in ThresholdsConfig.model_fields
    }
    thresholds = replace(defaults, **{k: v for k, v in merged.items() if v is not None})
    return Observability(
        log_retention_days=retention,
        alarm_topic_arn=topic,
        thresholds=thresholds,
    )
