"""Backup storage: automatic snapshots kept, priced per GB-month (node-based caches store one free)."""

from __future__ import annotations

from pricing.estimate import (
    GB_PER_GIB,
    NO_TERMS,
    Line,
    Load,
    ServerlessLimits,
    ServerlessTerms,
    cited,
    lacking,
    num,
    plural,
)
from pricing.table import PriceTable, node_family


def node_backups(
    table: PriceTable, region: str, engine: str, node_type: str, retention_days: int, load: Load, shards: int
) -> Line:
    if engine == "memcached":
        return Line("backups", 0.0, "Memcached node-based caches take no snapshots")
    if retention_days == 0:
        return Line("backups", 0.0, "no automatic snapshots (retention 0 days)")
    free = table.free_snapshots
    billed = max(0, retention_days - int(free.value))
    if billed == 0:
        return Line(
            "backups",
            0.0,
            f"{plural(retention_days, 'daily snapshot')} kept; one snapshot per node-based cache is stored free "
            f"{cited(free)}",
            (free,),
        )
    price = table.backup_per_gb_month(region)
    if price is None:
        return Line("backups", None, table.why_no_backup_price(region), (free,))
    size = load.backup_gb
    at_most = False
    spec = table.node_spec(node_type)
    family = node_family(node_type)
    # A snapshot holds what the nodes hold: at most the memory of one node per shard (not on data tiering, whose
    # nodes keep data on SSD too).
    bound = None if spec is None or family in table.data_tiering_families else shards * spec.memory_gib * GB_PER_GIB
    if size is None:
        if bound is None:
            why = "no snapshot or data size given"
            if family in table.data_tiering_families:
                why += f" ({node_type} keeps data on SSD too, so its memory does not bound a snapshot)"
            return Line("backups", None, f"{plural(billed, 'billed snapshot')}: {why}", (free, price))
        size = bound
        at_most = True
        size_text = f"at most {num(size)} GB ({plural(shards, 'shard')} x {num(spec.memory_gib)} GiB of {node_type})"
    elif bound is not None and spec is not None and size > bound:
        size_text = (
            f"{num(bound)} GB ({num(size)} GB expected, held to {plural(shards, 'shard')} x {num(spec.memory_gib)} "
            f"GiB of {node_type}: a snapshot holds no more than the nodes)"
        )
        size = bound
    else:
        size_text = f"{num(size)} GB"
    return Line(
        "backups",
        billed * size * price.value,
        f"{plural(billed, 'snapshot')} beyond the free one x {size_text} x {num(price.value)} $/GB-month "
        f"({retention_days} days kept; one snapshot per node-based cache is stored free) {cited(price)}",
        (price, free),
        at_most,
    )


def serverless_backups(
    table: PriceTable,
    region: str,
    load: Load,
    limits: ServerlessLimits,
    retention_days: int,
    terms: ServerlessTerms = NO_TERMS,
) -> Line:
    if retention_days == 0:
        return Line("backups", 0.0, "no automatic snapshots (retention 0 days)")
    price = table.backup_per_gb_month(region)
    if price is None:
        return Line("backups", None, table.why_no_backup_price(region))
    at_most = False
    size = load.backup_gb
    if size is None and limits.max_data_gb is not None:
        size = limits.max_data_gb
        at_most = True
    if size is None:
        why = lacking("snapshot or data size", terms.snapshot_gb, terms.data_gb, terms.max_data_gb)
        return Line("backups", None, f"{plural(retention_days, 'snapshot')} kept: {why}", (price,))
    size_text = f"at most {num(size)} GB (the data limit)" if at_most else f"{num(size)} GB"
    if limits.max_data_gb is not None and size > limits.max_data_gb:
        # AWS evicts beyond the data limit (the storage line holds the data to it), so no snapshot is larger.
        size_text = f"{num(limits.max_data_gb)} GB ({num(size)} GB expected, held to the data limit)"
        size = limits.max_data_gb
    return Line(
        "backups",
        retention_days * size * price.value,
        f"{plural(retention_days, 'snapshot')} x {size_text} x {num(price.value)} $/GB-month "
        f"(serverless caches have no free snapshot) {cited(price)}",
        (price,),
        at_most,
    )
