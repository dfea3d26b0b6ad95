"""The ElastiCache cost model: monthly estimates for node-based and serverless caches, advice, cross-AZ transfer.

Conventions, shared by every function:

- A month is the table's `hoursPerMonth` (730 h). Node memory is in GiB as AWS lists it; data, snapshots and
  transfer are in GB (1 GiB = 1.073741824 GB), as AWS bills them.
- An estimate is a list of `Line`s. A line whose price or quantity is not known has `usd=None` and says why;
  `Estimate.monthly_usd` adds up the known lines only, and `Estimate.unknown` lists the rest. Nothing is
  guessed: no region stands in for another, no price for a node type it does not belong to.
- A line marked `at_most` is a ceiling, not an expectation: a serverless cache priced at its usage limits, or
  backups of a node-based cache whose data size is not given (a snapshot is never larger than the memory of
  one node per shard).
- `Load.requests_per_second` is the average over the month, not the peak: serverless bills what is used,
  node-based caches bill the capacity they were sized for. A spiky load has a low average for its peak, which
  is why it lands below the break-even rate (serverless) and a steady one above it (node-based, then reserved).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pricing.table import ENGINE_NAMES, PAYMENTS, TERMS, Price, PriceTable, node_family, normalise_engine

GB_PER_GIB = 1.073741824
DEFAULT_HEADROOM = 0.75
"""Data may fill this share of a node's memory. ElastiCache reserves 25% of it by default
(`reserved-memory-percent`) for replication buffers, snapshots' copy-on-write and fragmentation."""
DEFAULT_READ_FRACTION = 0.8
"""Caches are read-mostly; four reads per write is a common planning figure when nothing better is known."""


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def _num(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _cited(price: Price) -> str:
    derived = f"; derived: {price.derived}" if price.derived else ""
    return f"[{price.cite()}{derived}]"


def _finite(name: str, value: float | None, *, positive: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}, not {value!r}")


def _count(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value != int(value) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Load:
    """The expected load of one cache; any part may be unknown (None)."""

    data_gb: float | None = None
    """Average data stored, GB."""
    requests_per_second: float | None = None
    """Average requests per second over the month (reads and writes)."""
    item_kb: float = 1.0
    """Average item size moved per request, KB."""
    snapshot_gb: float | None = None
    """Size of one snapshot, GB; defaults to `data_gb`."""

    def __post_init__(self) -> None:
        _finite("data_gb", self.data_gb)
        _finite("requests_per_second", self.requests_per_second)
        _finite("item_kb", self.item_kb, positive=True)
        _finite("snapshot_gb", self.snapshot_gb)

    @property
    def backup_gb(self) -> float | None:
        return self.snapshot_gb if self.snapshot_gb is not None else self.data_gb

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataGb": self.data_gb,
            "requestsPerSecond": self.requests_per_second,
            "itemKb": self.item_kb,
            "snapshotGb": self.snapshot_gb,
        }


NO_LOAD = Load()


@dataclass(frozen=True)
class ServerlessLimits:
    """A serverless cache's `cacheUsageLimits`: AWS never stores or serves more than the maxima, and bills at
    least the minima when they are set."""

    max_data_gb: float | None = None
    max_ecpu_per_second: float | None = None
    min_data_gb: float | None = None
    min_ecpu_per_second: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_data_gb", "max_ecpu_per_second", "min_data_gb", "min_ecpu_per_second"):
            _finite(name, getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "maxDataGb": self.max_data_gb,
            "maxEcpuPerSecond": self.max_ecpu_per_second,
            "minDataGb": self.min_data_gb,
            "minEcpuPerSecond": self.min_ecpu_per_second,
        }


@dataclass(frozen=True)
class Line:
    """One part of a monthly estimate."""

    label: str
    usd: float | None
    """Monthly USD; None when it could not be priced (`detail` says why)."""
    detail: str
    """The arithmetic with its short source citation, or why there is no figure."""
    sources: tuple[Price, ...] = ()
    at_most: bool = False
    """A ceiling (usage limits, node memory), not an expectation."""

    @property
    def uncertain(self) -> bool:
        return any(price.uncertain for price in self.sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "usd": None if self.usd is None else round(self.usd, 4),
            "atMost": self.at_most,
            "uncertain": self.uncertain,
            "detail": self.detail,
            "sources": [price.to_dict() for price in self.sources],
        }


@dataclass(frozen=True)
class Estimate:
    """A monthly estimate for one cache."""

    subject: str
    """What was priced, e.g. `3 x cache.r7g.large (Valkey, node-based, us-east-1)`."""
    mode: str
    """`node-based` or `serverless`."""
    region: str
    engine: str
    lines: tuple[Line, ...]

    @property
    def monthly_usd(self) -> float:
        """The sum of the lines that could be priced."""
        return sum(line.usd for line in self.lines if line.usd is not None)

    @property
    def unknown(self) -> tuple[str, ...]:
        """What could not be priced, each with why."""
        return tuple(f"{line.label}: {line.detail}" for line in self.lines if line.usd is None)

    @property
    def complete(self) -> bool:
        return not self.unknown

    @property
    def at_most(self) -> bool:
        return any(line.at_most and line.usd is not None for line in self.lines)

    @property
    def uncertain(self) -> bool:
        return any(line.uncertain for line in self.lines)

    def line(self, label: str) -> Line:
        for line in self.lines:
            if line.label == label:
                return line
        raise KeyError(label)

    def summary(self) -> str:
        """One line for a report: `about $383.69/month` (or `at most`), plus what is missing."""
        bound = "at most" if self.at_most else "about"
        text = f"{self.subject}: {bound} {_money(self.monthly_usd)}/month"
        if self.unknown:
            text += f", not priced: {'; '.join(self.unknown)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "mode": self.mode,
            "region": self.region,
            "engine": self.engine,
            "monthlyUsd": round(self.monthly_usd, 2),
            "atMost": self.at_most,
            "complete": self.complete,
            "uncertain": self.uncertain,
            "unknown": list(self.unknown),
            "lines": [line.to_dict() for line in self.lines],
        }


def _engine(engine: str) -> str:
    return normalise_engine(engine) or engine.strip().lower()


def _engine_name(engine: str) -> str:
    return ENGINE_NAMES.get(_engine(engine), engine)


# -- node-based ---------------------------------------------------------------------------------------------


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
) -> Estimate:
    """Nodes x on-demand hourly price x hours per month, plus automatic-backup storage beyond the free snapshot.

    `nodes` counts every node (`num_cache_clusters`, or shards x (replicas + 1)); `retention_days` is
    `snapshot_retention_limit` (one automatic snapshot kept per day). One snapshot per node-based cache is
    stored free, so retention of 0 or 1 day costs nothing; beyond that each extra snapshot is billed at its
    size: `load.snapshot_gb`, else `load.data_gb`, else at most the memory of one node per shard.
    """
    load = load or NO_LOAD
    nodes = _count("nodes", nodes, 0)
    shards = _count("shards", shards, 1)
    retention_days = _count("retention_days", retention_days, 0)
    name = _engine(engine)
    hours = table.hours_per_month
    hourly = table.node_hourly(region, name, node_type)
    if hourly is None:
        node_line = Line("nodes", None, table.why_no_node_price(region, name, node_type))
    else:
        node_line = Line(
            "nodes",
            nodes * hourly.value * hours.value,
            f"{nodes} x {_num(hourly.value)} $/h x {_num(hours.value)} h {_cited(hourly)}",
            (hourly, hours),
        )
    lines = [node_line, _node_backups(table, region, name, node_type, retention_days, load, shards)]
    subject = f"{nodes} x {node_type} ({_engine_name(engine)}, node-based, {region})"
    return Estimate(subject, "node-based", region, name, tuple(lines))


def _node_backups(
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
            f"{_plural(retention_days, 'daily snapshot')} kept; one snapshot per node-based cache is stored free "
            f"{_cited(free)}",
            (free,),
        )
    price = table.backup_per_gb_month(region)
    if price is None:
        return Line("backups", None, table.why_no_backup_price(region), (free,))
    size = load.backup_gb
    at_most = False
    if size is None:
        spec = table.node_spec(node_type)
        family = node_family(node_type)
        if spec is None or family in table.data_tiering_families:
            why = "no snapshot or data size given"
            if family in table.data_tiering_families:
                why += f" ({node_type} keeps data on SSD too, so its memory does not bound a snapshot)"
            return Line("backups", None, f"{_plural(billed, 'billed snapshot')}: {why}", (free, price))
        size = shards * spec.memory_gib * GB_PER_GIB
        at_most = True
        size_text = f"at most {_num(size)} GB ({_plural(shards, 'shard')} x {_num(spec.memory_gib)} GiB of {node_type})"
    else:
        size_text = f"{_num(size)} GB"
    return Line(
        "backups",
        billed * size * price.value,
        f"{_plural(billed, 'snapshot')} beyond the free one x {size_text} x {_num(price.value)} $/GB-month "
        f"({retention_days} days kept; one snapshot per node-based cache is stored free) {_cited(price)}",
        (price, free),
        at_most,
    )


# -- serverless ---------------------------------------------------------------------------------------------


def estimate_serverless(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load | None = None,
    retention_days: int = 0,
    limits: ServerlessLimits | None = None,
) -> Estimate:
    """Data stored x GB-hour price x hours, plus ECPUs x price per million, plus every snapshot kept.

    Storage is billed on max(expected data, the engine's metered minimum, the configured minimum) and ECPUs on
    requests/s x max(1, item KB) (one ECPU per KB moved, at least one per request), at least the configured
    minimum. Each part without an expected figure is priced at the usage limit instead (`at_most`) when
    `limits` gives one, and is unknown otherwise. Serverless caches have no free snapshot: `retention_days`
    daily snapshots of the data size are all billed.
    """
    load = load or NO_LOAD
    limits = limits or ServerlessLimits()
    retention_days = _count("retention_days", retention_days, 0)
    name = _engine(engine)
    hours = table.hours_per_month
    storage = table.serverless_storage(region, name)
    ecpu = table.serverless_ecpu(region, name)
    lines = [
        _serverless_storage(table, region, name, load, limits, storage, hours),
        _serverless_ecpu(table, region, name, load, limits, ecpu, hours),
        _serverless_backups(table, region, load, limits, retention_days),
    ]
    subject = f"serverless ({_engine_name(engine)}, {region})"
    return Estimate(subject, "serverless", region, name, tuple(lines))


def _serverless_storage(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load,
    limits: ServerlessLimits,
    price: Price | None,
    hours: Price,
) -> Line:
    if price is None:
        return Line("data stored", None, table.why_no_serverless_price(region, engine))
    minimum = table.serverless_minimum_gb(engine)
    if minimum is None:
        return Line("data stored", None, f"no metered minimum for {engine} in the table")
    at_most = False
    if load.data_gb is not None:
        stored = load.data_gb
        basis = f"{_num(stored)} GB expected"
        if limits.max_data_gb is not None and stored > limits.max_data_gb:
            stored = limits.max_data_gb
            basis = f"{_num(load.data_gb)} GB expected, held to the {_num(stored)} GB limit (AWS evicts beyond it)"
    elif limits.max_data_gb is not None:
        stored = limits.max_data_gb
        basis = f"at most the {_num(stored)} GB limit: no expected data size"
        at_most = True
    else:
        return Line("data stored", None, "no expected data size and no `maxDataGb` limit", (price,))
    billed = max(stored, minimum.value, limits.min_data_gb or 0.0)
    if billed > stored:
        floor = "configured minimum" if (limits.min_data_gb or 0.0) >= minimum.value else "metered minimum"
        basis += f", billed at the {_num(billed)} GB {floor} of {_engine_name(engine)}"
    return Line(
        "data stored",
        billed * price.value * hours.value,
        f"{_num(billed)} GB x {_num(price.value)} $/GB-hour x {_num(hours.value)} h ({basis}) {_cited(price)}",
        (price, minimum, hours),
        at_most,
    )


def ecpus_per_request(table: PriceTable, item_kb: float) -> float:
    """ECPUs one simple GET/SET of `item_kb` consumes: one per KB moved, at least one."""
    return max(1.0, item_kb * table.ecpu_per_kb.value)


def _serverless_ecpu(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load,
    limits: ServerlessLimits,
    price: Price | None,
    hours: Price,
) -> Line:
    if price is None:
        return Line("ECPUs", None, table.why_no_serverless_price(region, engine))
    at_most = False
    per_request = ecpus_per_request(table, load.item_kb)
    if load.requests_per_second is not None:
        rate = load.requests_per_second * per_request
        basis = f"{_num(load.requests_per_second)} req/s x {_num(per_request)} ECPU per {_num(load.item_kb)} KB item"
        if limits.max_ecpu_per_second is not None and rate > limits.max_ecpu_per_second:
            rate = limits.max_ecpu_per_second
            basis += f", held to the {_num(rate)} ECPU/s limit (AWS throttles beyond it)"
    elif limits.max_ecpu_per_second is not None:
        rate = limits.max_ecpu_per_second
        basis = f"at most the {_num(rate)} ECPU/s limit all month: no expected request rate"
        at_most = True
    else:
        return Line("ECPUs", None, "no expected request rate and no `maxEcpuPerSecond` limit", (price,))
    if limits.min_ecpu_per_second is not None and rate < limits.min_ecpu_per_second:
        rate = limits.min_ecpu_per_second
        basis += f", billed at the configured minimum of {_num(rate)} ECPU/s"
    millions = rate * 3600 * hours.value / 1e6
    return Line(
        "ECPUs",
        millions * price.value,
        f"{_num(rate)} ECPU/s x 3600 s x {_num(hours.value)} h = {_num(millions)} million x "
        f"{_num(price.value)} $/million ({basis}) {_cited(price)}",
        (price, table.ecpu_per_kb, hours),
        at_most,
    )


def _serverless_backups(
    table: PriceTable, region: str, load: Load, limits: ServerlessLimits, retention_days: int
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
        why = "no snapshot or data size given"
        return Line("backups", None, f"{_plural(retention_days, 'snapshot')} kept: {why}", (price,))
    size_text = f"at most {_num(size)} GB (the data limit)" if at_most else f"{_num(size)} GB"
    return Line(
        "backups",
        retention_days * size * price.value,
        f"{_plural(retention_days, 'snapshot')} x {size_text} x {_num(price.value)} $/GB-month "
        f"(serverless caches have no free snapshot) {_cited(price)}",
        (price,),
        at_most,
    )


# -- advice -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReservedOption:
    """Node cost of the node-based option on reserved nodes (backups are unchanged)."""

    term: str
    payment: str
    monthly_usd: float
    saving_usd: float
    """Against the same nodes on demand."""
    price: Price

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "payment": self.payment,
            "monthlyUsd": round(self.monthly_usd, 2),
            "savingUsd": round(self.saving_usd, 2),
            "price": self.price.to_dict(),
        }


@dataclass(frozen=True)
class Advice:
    """The same load priced serverless and node-based, with the break-even rate and reserved savings."""

    region: str
    engine: str
    load: Load
    serverless: Estimate
    node_based: Estimate
    node_type: str | None
    """The node type of the node-based option (the smallest that fits), None when none could be chosen."""
    current: Estimate | None
    """The cache as configured (`current`), when given."""
    break_even_requests_per_second: float | None
    """Average request rate at which both cost the same: below it serverless is cheaper."""
    reserved: tuple[ReservedOption, ...]
    recommendation: str
    """`serverless`, `node-based`, or `unknown`."""
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "engine": self.engine,
            "load": self.load.to_dict(),
            "recommendation": self.recommendation,
            "reasons": list(self.reasons),
            "nodeType": self.node_type,
            "breakEvenRequestsPerSecond": (
                None if self.break_even_requests_per_second is None else round(self.break_even_requests_per_second, 1)
            ),
            "serverless": self.serverless.to_dict(),
            "nodeBased": self.node_based.to_dict(),
            "current": None if self.current is None else self.current.to_dict(),
            "reserved": [option.to_dict() for option in self.reserved],
        }


def smallest_node_type(
    table: PriceTable, region: str, engine: str, data_gb: float, shards: int = 1, headroom: float = DEFAULT_HEADROOM
) -> str | None:
    """The cheapest node type priced in this region whose memory holds one shard's data within `headroom`.

    Data-tiering families are left out (their price buys SSD capacity, not memory). Sizing is by memory only:
    the table has no throughput figures, so check a busy cache's request rate against the node type separately.
    """
    per_shard = data_gb / shards
    fitting = []
    for node_type in table.node_types(region, engine):
        spec = table.node_spec(node_type)
        hourly = table.node_hourly(region, engine, node_type)
        if spec is None or hourly is None or node_family(node_type) in table.data_tiering_families:
            continue
        if per_shard <= headroom * spec.memory_gib * GB_PER_GIB:
            fitting.append((hourly.value, spec.memory_gib, node_type))
    return min(fitting)[2] if fitting else None


def advise(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load,
    replicas: int = 1,
    shards: int = 1,
    current: str | None = None,
    *,
    retention_days: int = 1,
    headroom: float = DEFAULT_HEADROOM,
) -> Advice:
    """Price `load` serverless and on the smallest node type that fits it (replicas and shards as configured).

    `current` is how the cache runs today: `serverless` or a node type; it is priced too. The break-even is
    the average request rate at which serverless (storage, backups, ECPUs) costs as much as the node-based
    cache (nodes, backups): below it serverless wins, which is where spiky loads land; above it node-based
    wins, and reserved nodes (listed for 1 and 3 years) cut it further, which is where steady loads land.
    """
    replicas = _count("replicas", replicas, 0)
    shards = _count("shards", shards, 1)
    _finite("headroom", headroom, positive=True)
    name = _engine(engine)
    nodes = shards * (replicas + 1)
    serverless = estimate_serverless(table, region, name, load, retention_days)
    reasons: list[str] = []

    node_type: str | None = None
    if load.data_gb is not None:
        node_type = smallest_node_type(table, region, name, load.data_gb, shards, headroom)
        if node_type is None:
            reasons.append(f"no priced {_engine_name(name)} node type in {region} holds {_num(load.data_gb)} GB")
    elif current and current != "serverless":
        node_type = current
        reasons.append(f"no expected data size: the node-based option keeps the current {current}")
    if node_type is not None:
        node_based = estimate_node_based(table, region, name, node_type, nodes, retention_days, load, shards=shards)
    else:
        why = "no node type could be chosen" if load.data_gb is not None else "no expected data size to size nodes"
        node_based = Estimate(
            f"node-based ({_engine_name(name)}, {region})", "node-based", region, name, (Line("nodes", None, why),)
        )

    current_estimate: Estimate | None = None
    if current == "serverless":
        current_estimate = serverless
    elif current:
        current_estimate = estimate_node_based(table, region, name, current, nodes, retention_days, load, shards=shards)

    break_even = _break_even(table, region, name, load, serverless, node_based)
    reserved = _reserved(table, region, name, node_type, nodes, node_based)
    recommendation = "unknown"
    if break_even is not None and break_even > 0:
        reasons.append(
            f"break-even at {_num(round(break_even, 1))} req/s average ({_num(load.item_kb)} KB items): below it "
            f"serverless costs less than {node_based.subject}"
        )
    elif break_even is not None:
        reasons.append(
            f"{node_based.subject} costs less at any request rate: serverless storage and backups alone cost "
            f"{_money(serverless.monthly_usd - (serverless.line('ECPUs').usd or 0.0))}/month"
        )
    if serverless.complete and node_based.complete:
        cheaper = serverless.monthly_usd < node_based.monthly_usd
        recommendation = "serverless" if cheaper else "node-based"
        reasons.append(
            f"at {_num(load.requests_per_second or 0)} req/s: serverless {_money(serverless.monthly_usd)}/month, "
            f"node-based {_money(node_based.monthly_usd)}/month"
        )
        reasons.append(
            "serverless bills what is used, which suits spiky or idle-at-night load; nodes bill their size all month"
            if cheaper
            else "node-based is cheaper for this load; for a steady cache that runs all year, reserved nodes cut it "
            "further"
        )
    else:
        missing = "; ".join((*serverless.unknown, *node_based.unknown))
        reasons.append(f"cannot compare: {missing}")
    if reserved and recommendation != "serverless":
        best_1yr = min((o for o in reserved if o.term == "1yr"), key=lambda o: o.monthly_usd, default=None)
        best_3yr = min((o for o in reserved if o.term == "3yr"), key=lambda o: o.monthly_usd, default=None)
        for option in (best_1yr, best_3yr):
            if option is not None:
                reasons.append(
                    f"{option.term} {option.payment} reserved nodes: {_money(option.monthly_usd)}/month for the "
                    f"nodes, {_money(option.saving_usd)} less than on demand"
                )
    if current and current_estimate is not None and current_estimate.complete:
        reasons.append(f"as configured ({current_estimate.subject}): {_money(current_estimate.monthly_usd)}/month")
    return Advice(
        region=region,
        engine=name,
        load=load,
        serverless=serverless,
        node_based=node_based,
        node_type=node_type,
        current=current_estimate,
        break_even_requests_per_second=break_even,
        reserved=reserved,
        recommendation=recommendation,
        reasons=tuple(reasons),
    )


def _break_even(
    table: PriceTable, region: str, engine: str, load: Load, serverless: Estimate, node_based: Estimate
) -> float | None:
    ecpu = table.serverless_ecpu(region, engine)
    fixed_lines = [line for line in serverless.lines if line.label != "ECPUs"]
    if ecpu is None or not node_based.complete or any(line.usd is None for line in fixed_lines):
        return None
    fixed = sum(line.usd or 0.0 for line in fixed_lines)
    per_request_per_second = ecpus_per_request(table, load.item_kb) * 3600 * table.hours_per_month.value / 1e6
    monthly_per_rps = per_request_per_second * ecpu.value
    return max(0.0, (node_based.monthly_usd - fixed) / monthly_per_rps)


def _reserved(
    table: PriceTable, region: str, engine: str, node_type: str | None, nodes: int, node_based: Estimate
) -> tuple[ReservedOption, ...]:
    on_demand = node_based.line("nodes").usd
    if node_type is None or on_demand is None:
        return ()
    hours = table.hours_per_month.value
    options = []
    for term in TERMS:
        for payment in PAYMENTS:
            price = table.reserved_hourly(region, engine, node_type, term, payment)
            if price is not None:
                monthly = nodes * price.value * hours
                options.append(ReservedOption(term, payment, monthly, on_demand - monthly, price))
    return tuple(options)


# -- cross-AZ transfer --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossAz:
    """What an application pays for cache traffic that crosses AZs, as placed and with placement left to AWS."""

    app_azs: tuple[str, ...]
    node_azs: tuple[str, ...]
    read_fraction: float
    monthly_gb: float | None
    """Payload moved per month (requests x item size), GB; None without a request rate."""
    placed: Line
    left_to_aws: Line
    assumptions: tuple[str, ...] = field(default=())

    @property
    def saving_usd(self) -> float | None:
        """What the given placement saves against placement left to AWS (negative: it costs more)."""
        if self.placed.usd is None or self.left_to_aws.usd is None:
            return None
        return self.left_to_aws.usd - self.placed.usd

    def to_dict(self) -> dict[str, Any]:
        saving = self.saving_usd
        return {
            "appAzs": list(self.app_azs),
            "nodeAzs": list(self.node_azs),
            "readFraction": self.read_fraction,
            "monthlyGb": None if self.monthly_gb is None else round(self.monthly_gb, 3),
            "placed": self.placed.to_dict(),
            "leftToAws": self.left_to_aws.to_dict(),
            "savingUsd": None if saving is None else round(saving, 4),
            "assumptions": list(self.assumptions),
        }


CROSS_AZ_ASSUMPTIONS = (
    "the application's requests come evenly from each of its AZs",
    "writes go to the primary, the first of the node AZs",
    "readers are AZ-aware: a read goes to a node in the reader's own AZ when there is one, else across AZs",
    "left to AWS, nothing ties a request to its AZ: each lands in the reader's own AZ with probability 1/n",
    "each request moves its item once (item KB, decimal GB); protocol overhead is ignored",
    "a byte crossing AZs is billed when it leaves one AZ and again when it enters the other",
)


def cross_az(
    table: PriceTable,
    app_azs: Sequence[str],
    node_azs: Sequence[str],
    load: Load,
    read_fraction: float = DEFAULT_READ_FRACTION,
) -> CrossAz:
    """Monthly cross-AZ transfer for the given node placement and for placement left to AWS.

    `node_azs` lists the AZ of each node, primary first (for a sharded cache: every shard's primary is in the
    first AZ, as this repository places them). See `CROSS_AZ_ASSUMPTIONS`.
    """
    apps = tuple(dict.fromkeys(az.strip() for az in app_azs if az.strip()))
    placed_azs = tuple(az.strip() for az in node_azs if az.strip())
    if not apps or not placed_azs:
        raise ValueError("cross_az needs at least one application AZ and one node AZ")
    _finite("read_fraction", read_fraction)
    if read_fraction > 1:
        raise ValueError(f"read_fraction must be between 0 and 1, not {read_fraction!r}")
    price = table.cross_az_per_gb_each_way
    count = len(apps)
    primary = placed_azs[0]
    writes_crossing = sum(1 for az in apps if az != primary) / count
    reads_crossing = sum(1 for az in apps if az not in placed_azs) / count
    placed_share = read_fraction * reads_crossing + (1 - read_fraction) * writes_crossing
    unplaced_share = (count - 1) / count

    if load.requests_per_second is None:
        why = "no expected request rate"
        return CrossAz(
            apps,
            placed_azs,
            read_fraction,
            None,
            Line("cross-AZ transfer as placed", None, why),
            Line("cross-AZ transfer, placement left to AWS", None, why),
            CROSS_AZ_ASSUMPTIONS,
        )
    monthly_gb = load.requests_per_second * load.item_kb * 3600 * table.hours_per_month.value / 1e6

    def line(label: str, share: float, how: str) -> Line:
        crossing = monthly_gb * share
        return Line(
            label,
            crossing * 2 * price.value,
            f"{_num(monthly_gb)} GB/month x {share:.0%} crossing AZs ({how}) x 2 x {_num(price.value)} $/GB "
            f"{_cited(price)}",
            (price, table.hours_per_month),
        )

    placed = line(
        "cross-AZ transfer as placed",
        placed_share,
        f"{read_fraction:.0%} reads, {reads_crossing:.0%} of them from an AZ without a node; "
        f"writes: {writes_crossing:.0%} from outside the primary's AZ",
    )
    unplaced = line("cross-AZ transfer, placement left to AWS", unplaced_share, f"{count - 1} of {count} AZs")
    return CrossAz(apps, placed_azs, read_fraction, monthly_gb, placed, unplaced, CROSS_AZ_ASSUMPTIONS)
