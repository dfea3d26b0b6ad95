"""Capacity: does the expected load fit the cache as sized?

- Node-based: expected data against usable memory, which is each node's memory (`maxmemory`) less the share
  `reserved-memory-percent` keeps for replication buffers, snapshot copy-on-write and fragmentation (default 25,
  shared/reference/elasticache-parameters.md from the AWS "Engine specific parameters" page), times shards: every
  shard holds its own slice of the keyspace, replicas hold copies. Data-tiering nodes (r6gd) keep data on SSD as
  well, so their memory bounds nothing here.
- Serverless: expected data against `maxDataGb`, and the expected request rate, in ECPUs (one per KB moved, at
  least one per request), against `maxEcpuPerSecond`: AWS evicts beyond the first and throttles beyond the second.

Each check returns a `Shortfall` naming the size that would fit, or None. Node memory comes from the node-type
catalog (`elasticache_facts.node_types`), so a node type this project does not know is left unchecked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from elasticache_facts.node_types import NodeType, catalog
from pricing.estimate import GB_PER_GIB, num

DEFAULT_RESERVED_MEMORY_PERCENT = 25.0
"""ElastiCache's default `reserved-memory-percent` (elasticache-parameters.md: "default 25, 0-100")."""


@dataclass(frozen=True)
class Shortfall:
    """Expected load beyond what the cache can hold or serve."""

    key: str
    """The config key (relative to the cache) to change: `nodeType`, `shards`, `limits.maxDataGb`, ..."""
    message: str
    """What does not fit, by how much, and a size that does."""


def usable_gb(node: NodeType, shards: int, reserved_percent: float = DEFAULT_RESERVED_MEMORY_PERCENT) -> float | None:
    """GB of data `shards` shards of `node` hold; None when the catalog has no memory figure for it."""
    if node.memory_gib is None:
        return None
    return shards * node.memory_gib * (1 - reserved_percent / 100) * GB_PER_GIB


def reserved_memory_percent(parameters: Iterable[tuple[str, str]]) -> float:
    """The cache's `reserved-memory-percent` parameter, else the ElastiCache default."""
    for name, value in parameters:
        if name == "reserved-memory-percent":
            try:
                return min(100.0, max(0.0, float(value)))
            except ValueError:
                break
    return DEFAULT_RESERVED_MEMORY_PERCENT


def _bigger_in_family(node: NodeType, data_gb: float, shards: int, reserved_percent: float) -> NodeType | None:
    fitting = [
        other
        for other in catalog().values()
        if other.family == node.family
        and other.current
        and (usable_gb(other, shards, reserved_percent) or 0) >= data_gb
    ]
    return min(fitting, key=lambda other: other.memory_gib or math.inf, default=None)


def check_node_based(
    data_gb: float | None,
    node_type: str,
    shards: int,
    reserved_percent: float = DEFAULT_RESERVED_MEMORY_PERCENT,
    *,
    max_shards: int | None,
) -> Shortfall | None:
    """Expected data against the usable memory of `shards` shards of `node_type` (see the module's docstring).

    `max_shards`: how many shards the cache may have (cluster mode enabled), so that more shards are offered as
    well as a bigger node type; None for cluster mode disabled.
    """
    node = catalog().get(node_type)
    if data_gb is None or node is None or node.data_tiering:
        return None
    usable = usable_gb(node, shards, reserved_percent)
    if usable is None or data_gb <= usable:
        return None
    shard_text = f"{shards} shards x " if shards > 1 else ""
    verb = "hold" if shards > 1 else "holds"
    held = (
        f"{shard_text}{node_type} ({num(node.memory_gib or 0)} GiB, {num(100 - reserved_percent)}% usable after "
        f"reserved-memory-percent {num(reserved_percent)}) {verb} {num(round(usable, 1))} GB"
    )
    options = []
    bigger = _bigger_in_family(node, data_gb, shards, reserved_percent)
    if bigger is not None:
        options.append(
            f"nodeType {bigger.name} ({num(round(usable_gb(bigger, shards, reserved_percent) or 0, 1))} GB usable)"
        )
    per_shard = usable / shards
    # reserved-memory-percent 100 leaves no shard any room, so no shard count fits (the loader refuses 100 itself).
    needed = math.ceil(data_gb / per_shard) if per_shard > 0 else None
    if max_shards is not None and needed is not None and needed <= max_shards:
        options.append(f"shards {needed} of {node_type} ({num(round(needed * per_shard, 1))} GB usable)")
    fix = " or ".join(options) if options else "a bigger node type or cluster mode with more shards"
    return Shortfall(
        "nodeType",
        f"expectedLoad.averageDataGb {num(data_gb)} GB does not fit: {held}; use {fix}",
    )


def check_serverless(
    data_gb: float | None,
    requests_per_second: float | None,
    ecpus_per_request: float,
    max_data_gb: float,
    max_ecpu_per_second: float,
    aws_max_ecpu_per_second: float,
) -> list[Shortfall]:
    """Expected data and request rate against the serverless cache's usage limits."""
    found = []
    if data_gb is not None and data_gb > max_data_gb:
        found.append(
            Shortfall(
                "limits.maxDataGb",
                f"expectedLoad.averageDataGb {num(data_gb)} GB is more than limits.maxDataGb {num(max_data_gb)} "
                f"(AWS evicts beyond it): set limits.maxDataGb to at least {math.ceil(data_gb)}",
            )
        )
    if requests_per_second is not None:
        rate = requests_per_second * ecpus_per_request
        if rate > max_ecpu_per_second:
            needed = math.ceil(rate)
            fix = (
                f"set limits.maxEcpuPerSecond to at least {needed:,}"
                if needed <= aws_max_ecpu_per_second
                else f"no serverless cache serves it (AWS allows at most {aws_max_ecpu_per_second:,.0f} ECPU/s): "
                "use a node-based cache"
            )
            found.append(
                Shortfall(
                    "limits.maxEcpuPerSecond",
                    f"expectedLoad.requestsPerSecond {num(requests_per_second)} x {num(ecpus_per_request)} ECPU "
                    f"per request = {num(rate)} ECPU/s is more than limits.maxEcpuPerSecond "
                    f"{num(max_ecpu_per_second)} (AWS throttles beyond it): {fix}",
                )
            )
    return found
