"""`backup` of a cache: how long snapshots are kept and when they are taken."""

from __future__ import annotations

from components import aws_rules
from components.spec import Backup
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_BACKUP_WINDOW
from elasticache_facts.workloads import default_retention_days


def resolve_backup(ctx: CacheContext) -> Backup | None:
    config = ctx.config
    window = config.backup.window or DEFAULT_BACKUP_WINDOW
    if (why := aws_rules.check_snapshot_window(window)) is not None:
        hint = " (serverless caches snapshot daily at its start time)" if ctx.serverless else ""
        ctx.problem("backup.window", window, why + hint)
        return None
    retention = config.backup.retention_days
    if retention is None:
        retention = default_retention_days(config.workload, ctx.stack.production)
    return Backup(retention_days=retention, window=window)
