"""Advice: the same load priced serverless and on the smallest node type that fits, the break-even request rate
and reserved-node savings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elasticache_facts.node_types import REFUSED_FAMILIES, catalog
from pricing.capacity import DEFAULT_RESERVED_MEMORY_PERCENT
from pricing.estimate import (
    GB_PER_GIB,
    NO_TERMS,
    Estimate,
    Line,
    Load,
    ServerlessLimits,
    ServerlessTerms,
    engine_key,
    engine_name,
    finite,
    money,
    num,
    whole_number,
)
from pricing.nodes import estimate_node_based
from pricing.serverless import ecpus_per_request, estimate_serverless
from pricing.table import PAYMENTS, TERMS, Price, PriceTable

DEFAULT_HEADROOM = 1 - DEFAULT_RESERVED_MEMORY_PERCENT / 100
"""Data may fill this share of a node's memory: what `reserved-memory-percent` leaves (see `pricing.capacity`)."""


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

    @property
    def best_reserved(self) -> ReservedOption | None:
        """The reserved option that saves the most against the node-based option on demand."""
        return max(self.reserved, key=lambda option: option.saving_usd, default=None)

    @property
    def why(self) -> str:
        """The recommendation in one line, with the figures behind it (or why there is none)."""
        if self.recommendation == "unknown":
            missing = [
                f"{option.mode} {option.unknown[0]}" for option in (self.serverless, self.node_based) if option.unknown
            ]
            return "cannot compare: " + "; ".join(missing) if missing else self.reasons[-1]
        rate = num(self.load.requests_per_second or 0)
        text = (
            f"at {rate} req/s serverless costs {money(self.serverless.monthly_usd)}/month, "
            f"{self.node_based.subject.split(' (')[0]} {money(self.node_based.monthly_usd)}"
        )
        even = self.break_even_requests_per_second
        if even is not None and even > 0:
            text += f"; serverless is cheaper below {num(round(even))} req/s"
        elif even is not None:
            text += "; nodes cost less at any request rate"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "engine": self.engine,
            "load": self.load.to_dict(),
            "recommendation": self.recommendation,
            "why": self.why,
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


def advisable(node_type: str, *, burstable: bool = True) -> bool:
    """A node type advice may propose: current generation and of a family the program takes (not m4 or r4, refused
    for cost), memory-sized (no data tiering, whose price buys SSD capacity), and burstable (T) only when
    `burstable`."""
    node = catalog().get(node_type)
    if node is None or not node.current or node.family in REFUSED_FAMILIES or node.data_tiering:
        return False
    return burstable or not node.burstable


def smallest_node_type(
    table: PriceTable,
    region: str,
    engine: str,
    data_gb: float,
    shards: int = 1,
    headroom: float = DEFAULT_HEADROOM,
    *,
    burstable: bool = True,
) -> str | None:
    """The cheapest `advisable` node type priced in this region whose memory holds one shard's data within
    `headroom`.

    Sizing is by memory only: the table has no throughput figures, so check a busy cache's request rate against
    the node type separately.
    """
    per_shard = data_gb / shards
    fitting = []
    for node_type in table.node_types(region, engine):
        spec = table.node_spec(node_type)
        hourly = table.node_hourly(region, engine, node_type)
        if spec is None or hourly is None or not advisable(node_type, burstable=burstable):
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
    burstable: bool = True,
    why_not_burstable: str = "",
    limits: ServerlessLimits | None = None,
    terms: ServerlessTerms = NO_TERMS,
) -> Advice:
    """Price `load` serverless and on the smallest node type that fits it (replicas and shards as configured).

    `current` is how the cache runs today: `serverless` or a node type; it is priced too. The break-even is
    the average request rate at which serverless (storage, backups, ECPUs) costs as much as the node-based
    cache (nodes, backups): below it serverless wins, which is where spiky loads land; above it node-based
    wins, and reserved nodes (listed for 1 and 3 years) cut it further, which is where steady loads land.

    `burstable` False leaves T-class node types out of the node-based option (`why_not_burstable` says why,
    among the reasons). `limits` are the usage limits the serverless option is priced with: a serverless cache's
    own, so that its minimums are billed in the comparison as they are on its bill. `terms` name the inputs a
    part that cannot be priced lacks, in the caller's words (`estimate_serverless`).
    """
    replicas = whole_number("replicas", replicas, 0)
    shards = whole_number("shards", shards, 1)
    finite("headroom", headroom)  # 0: `reserved-memory-percent` 100 leaves no memory for data
    name = engine_key(engine)
    nodes = shards * (replicas + 1)
    limits = limits or ServerlessLimits()
    serverless = estimate_serverless(table, region, name, load, retention_days, limits, terms)
    reasons: list[str] = []

    node_type: str | None = None
    if load.data_gb is not None:
        node_type = smallest_node_type(table, region, name, load.data_gb, shards, headroom, burstable=burstable)
        if not burstable and why_not_burstable:
            reasons.append(why_not_burstable)
        if node_type is None:
            reasons.append(f"no priced {engine_name(name)} node type in {region} holds {num(load.data_gb)} GB")
    elif current and current != "serverless":
        node_type = current
        reasons.append(f"no expected data size: the node-based option keeps the current {current}")
    if node_type is not None:
        node_based = estimate_node_based(table, region, name, node_type, nodes, retention_days, load, shards=shards)
    else:
        why = "no node type could be chosen" if load.data_gb is not None else "no expected data size to size nodes"
        node_based = Estimate(
            f"node-based ({engine_name(name)}, {region})", "node-based", region, name, (Line("nodes", None, why),)
        )

    current_estimate: Estimate | None = None
    if current == "serverless":
        current_estimate = serverless
    elif current:
        current_estimate = estimate_node_based(table, region, name, current, nodes, retention_days, load, shards=shards)

    break_even = _break_even(table, region, name, load, serverless, node_based, limits)
    reserved = _reserved(table, region, name, node_type, nodes, node_based)
    recommendation = "unknown"
    if break_even is not None and break_even > 0:
        reasons.append(
            f"break-even at {num(round(break_even, 1))} req/s average ({num(load.item_kb)} KB items): below it "
            f"serverless costs less than {node_based.subject}"
        )
    elif break_even is not None:
        reasons.append(
            f"{node_based.subject} costs less at any request rate: serverless storage and backups alone cost "
            f"{money(serverless.monthly_usd - (serverless.line('ECPUs').usd or 0.0))}/month"
        )
    if serverless.complete and node_based.complete:
        cheaper = serverless.monthly_usd < node_based.monthly_usd
        recommendation = "serverless" if cheaper else "node-based"
        reasons.append(
            f"at {num(load.requests_per_second or 0)} req/s: serverless {money(serverless.monthly_usd)}/month, "
            f"node-based {money(node_based.monthly_usd)}/month"
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
                    f"{option.term} {option.payment} reserved nodes: {money(option.monthly_usd)}/month for the "
                    f"nodes, {money(option.saving_usd)} less than on demand"
                )
    if current and current_estimate is not None and current_estimate.complete:
        reasons.append(f"as configured ({current_estimate.subject}): {money(current_estimate.monthly_usd)}/month")
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
    table: PriceTable,
    region: str,
    engine: str,
    load: Load,
    serverless: Estimate,
    node_based: Estimate,
    limits: ServerlessLimits,
) -> float | None:
    ecpu = table.serverless_ecpu(region, engine)
    fixed_lines = [line for line in serverless.lines if line.label != "ECPUs"]
    if ecpu is None or not node_based.complete or any(line.usd is None for line in fixed_lines):
        return None
    fixed = sum(line.usd or 0.0 for line in fixed_lines)
    per_request_per_second = ecpus_per_request(table, load.item_kb) * 3600 * table.hours_per_month.value / 1e6
    monthly_per_rps = per_request_per_second * ecpu.value
    even = max(0.0, (node_based.monthly_usd - fixed) / monthly_per_rps)
    if limits.min_ecpu_per_second and even * ecpus_per_request(table, load.item_kb) < limits.min_ecpu_per_second:
        # Below the configured minimum ECPU/s the bill stays at the minimum: serverless is cheaper at no rate.
        return 0.0
    return even


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
