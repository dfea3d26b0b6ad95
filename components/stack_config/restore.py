"""`restoreFrom` of a cache: the backup or RDB files AWS seeds it with when it is created."""

from __future__ import annotations

from components import aws_rules
from components.spec import RestoreFrom
from components.stack_config.context import CacheContext


def resolve_restore(ctx: CacheContext) -> RestoreFrom | None:
    """None for an empty cache, and when the block has problems (which are reported)."""
    if (serverless := ctx.serverless_config) is not None:
        if serverless.restore_from is None:
            return None
        restore = RestoreFrom(arns=tuple(serverless.restore_from.snapshot_arns))
        keys = {"arns": "restoreFrom.snapshotArns"}
    else:
        assert ctx.node_config is not None
        config = ctx.node_config.restore_from
        if config is None:
            return None
        restore = RestoreFrom(snapshot=config.snapshot, arns=tuple(config.rdb_files or ()))
        keys = {"arns": "restoreFrom.rdbFiles", "snapshot": "restoreFrom.snapshot"}
    problems = aws_rules.check_restore(restore.snapshot, restore.arns, ctx.serverless, ctx.stack.region)
    for key, value, why in problems:
        if not key and ctx.stack.problems.settled_under(f"{ctx.path}.restoreFrom"):
            continue  # the block is empty only because a refused key was taken out of it: that one problem is enough
        if not key:
            given = {"snapshot": restore.snapshot, "rdbFiles": list(restore.arns) or None}
            value = {name: shown for name, shown in given.items() if shown is not None}
            why = "allowed: exactly one of snapshot (an ElastiCache backup's name) or rdbFiles (their S3 ARNs)"
        field, _, index = key.partition("[")
        ctx.problem(keys.get(field, "restoreFrom") + (f"[{index}" if index else ""), value, why)
    return None if problems else restore
