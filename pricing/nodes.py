"""Node-based caches: nodes x on-demand hourly price x hours per month, plus their backups."""

from __future__ import annotations

import datetime

from pricing.backups import node_backups
from pricing.estimate import NO_LOAD, Estimate, Line, Load, cited, engine_key, engine_name, num, whole_number
from pricing.support import extended_support
from pricing.table import PriceTable


def estimate_node_based(
    table: PriceTable,
    region: str,
    engine: str,
    node_type: str,
    nodes: int,
    retention_days: int = 0,
    load: Load | None = None,
    *,
    shards: int = 1,
    engine_version: str | None = None,
    today: datetime.date | None = None,
) -> Estimate:
    """Nodes x on-demand hourly price x hours per month, plus automatic-backup storage beyond the free snapshot.

    `nodes` counts every node (`num_cache_clusters`, or shards x (replicas + 1)); `retention_days` is
    `snapshot_retention_limit` (one automatic snapshot kept per day). One snapshot per node-based cache is
    stored free, so retention of 0 or 1 day costs nothing; beyond that each extra snapshot is billed at its
    size: `load.snapshot_gb`, else `load.data_gb`, else at most the memory of one node per shard (which also
    holds a larger expected size: a snapshot holds no more than the nodes).

    A Redis OSS `engine_version` past its end of standard support on `today` (default: the current date) adds
    the Extended Support premium (`pricing.support`).
    """
    load = load or NO_LOAD
    nodes = whole_number("nodes", nodes, 0)
    shards = whole_number("shards", shards, 1)
    retention_days = whole_number("retention_days", retention_days, 0)
    name = engine_key(engine)
    hours = table.hours_per_month
    hourly = table.node_hourly(region, name, node_type)
    if hourly is None:
        node_line = Line("nodes", None, table.why_no_node_price(region, name, node_type))
    else:
        node_line = Line(
            "nodes",
            nodes * hourly.value * hours.value,
            f"{nodes} x {num(hourly.value)} $/h x {num(hours.value)} h {cited(hourly)}",
            (hourly, hours),
        )
    lines = [node_line, node_backups(table, region, name, node_type, retention_days, load, shards)]
    support = extended_support(table, name, engine_version, node_line.usd, today or datetime.date.today())
    if support is not None:
        lines.append(support)
    subject = f"{nodes} x {node_type} ({engine_name(engine)}, node-based, {region})"
    return Estimate(subject, "node-based", region, name, tuple(lines))
