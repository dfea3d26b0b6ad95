"""Monthly cost of each cache, from the repository's one cost model (`pricing/`), for the stack's exports, and
the capacity check of its expected load (which the stack config loader runs before any resource exists).

Kept out of `Cache` itself: the component stays usable without the price table, and the figure the program
exports is the one the preflight prints and the policy pack's budget policy judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import aws_rules
from components.spec import CacheArgs, NodeBased, Serverless
from components.stack_config.defaults import default_replicas
from components.stack_config.schema import ExpectedLoadConfig
from elasticache_facts.node_types import catalog
from elasticache_facts.workloads import PROFILES, SERVERLESS_WORKLOADS
from pricing import (
    DEFAULT_HEADROOM,
    Estimate,
    Load,
    PriceTable,
    ServerlessLimits,
    ServerlessTerms,
    advise,
    capacity,
    cross_az,
    ecpus_per_request,
    estimate_node_based,
    estimate_serverless,
    load_table,
)

CONFIG_TERMS = ServerlessTerms(
    data_gb="`expectedLoad.averageDataGb`",
    requests_per_second="`expectedLoad.requestsPerSecond`",
    snapshot_gb="`expectedLoad.snapshotGb`",
    max_data_gb="`limits.maxDataGb`",
    max_ecpu_per_second="`limits.maxEcpuPerSecond`",
)
"""What a serverless estimate calls the inputs it lacks: the cache's own stack config keys, which its user writes."""


def capacity_shortfalls(
    load: ExpectedLoadConfig, node: NodeBased | None, serverless: Serverless | None
) -> list[tuple[str, Any, str]]:
    """(config key under the cache, its value, what does not fit and a size that does) for the expected load."""
    found: list[tuple[str, Any, str]] = []
    if node is not None:
        shortfall = capacity.check_node_based(
            load.average_data_gb,
            node.node_type,
            node.shards or 1,
            capacity.reserved_memory_percent(node.parameters),
            max_shards=aws_rules.MAX_SHARDS if node.cluster_mode_enabled else None,
        )
        if shortfall is not None:
            found.append((shortfall.key, node.node_type, shortfall.message))
    if serverless is not None:
        for shortfall in capacity.check_serverless(
            load.average_data_gb,
            load.requests_per_second,
            ecpus_per_request(load_table(), load.average_item_kb or 1.0),
            serverless.max_data_gb,
            serverless.max_ecpu_per_second,
            aws_rules.SERVERLESS_ECPU_PER_SECOND[1],
        ):
            value = serverless.max_data_gb if shortfall.key.endswith("maxDataGb") else serverless.max_ecpu_per_second
            found.append((shortfall.key, value, shortfall.message))
    return found


def _load(args: CacheArgs) -> Load:
    expected = args.expected_load
    return Load(
        data_gb=expected.data_gb,
        requests_per_second=expected.requests_per_second,
        item_kb=expected.item_kb or 1.0,
        snapshot_gb=expected.snapshot_gb,
    )


def _estimate(table: PriceTable, args: CacheArgs, load: Load) -> Estimate:
    if args.serverless is not None:
        limits = args.serverless
        return estimate_serverless(
            table,
            args.region,
            args.engine.value,
            load,
            args.backup.retention_days,
            ServerlessLimits(
                max_data_gb=limits.max_data_gb,
                max_ecpu_per_second=limits.max_ecpu_per_second,
                min_data_gb=limits.min_data_gb,
                min_ecpu_per_second=limits.min_ecpu_per_second,
            ),
            CONFIG_TERMS,
        )
    node = args.node
    assert node is not None
    return estimate_node_based(
        table,
        args.region,
        args.engine.value,
        node.node_type,
        node.node_count,
        args.backup.retention_days,
        load,
        shards=node.shards or 1,
        engine_version=args.engine_version,
    )


def _compact(estimate: Estimate) -> dict[str, Any]:
    """The export keeps each line's figure and arithmetic; sources stay in the preflight's JSON report."""
    return {
        "usd": round(estimate.monthly_usd, 2),
        "complete": estimate.complete,
        "atMost": estimate.at_most,
        "unknown": list(estimate.unknown),
        "lines": [{"label": line.label, "usd": _cents(line.usd), "detail": line.detail} for line in estimate.lines],
    }


@dataclass(frozen=True)
class CacheCost:
    export: dict[str, Any]
    """The cache's `monthlyCost` export."""
    monthly_usd: float
    """Unrounded, so that the stack total rounds once, as the policy pack's total does."""
    complete: bool


def _cents(usd: float | None) -> float | None:
    return None if usd is None else round(usd, 2)


def _burstable(args: CacheArgs, production: bool) -> tuple[bool, str]:
    """Whether advice may propose burstable (T) nodes for this cache, and if not, why."""
    profile = PROFILES[args.workload]
    configured = catalog().get(args.node.node_type) if args.node else None
    if not production or profile.burstable_in_production or (configured is not None and configured.burstable):
        return True, ""
    return False, (
        f"burstable (T) node types left out: a production {args.workload.value} cache sits on every request's "
        "path, and a T node out of CPU credits is held to its baseline"
    )


def cache_cost(table: PriceTable, args: CacheArgs, production: bool = False) -> CacheCost:
    """The cache's `monthlyCost` export: its estimate as configured, and advice for its expected load.

    `production`: the stack is a production one, where a workload's profile may rule burstable nodes out.
    """
    load = _load(args)
    estimate = _estimate(table, args, load)
    cost = _compact(estimate)
    node = args.node
    # A serverless cache's node-based alternative gets the replicas the loader would give it (a node in every app
    # AZ), not fewer nodes than the program allows.
    replicas = node.replicas if node else default_replicas(args.network.app_availability_zones)
    current = node.node_type if node else "serverless"
    burstable, why_not_burstable = _burstable(args, production)
    # The right size holds the data within what the cache's own `reserved-memory-percent` leaves, as the
    # capacity check judges it: with the default headroom the advice could name a node type the loader refuses.
    headroom = 1 - capacity.reserved_memory_percent(node.parameters) / 100 if node else DEFAULT_HEADROOM
    # A serverless cache is billed at least its minimums whatever its load, so its advice prices them as its
    # estimate does; its maxima stay out: without an expected load the advice says it cannot compare rather
    # than compare a ceiling (the loader refuses an expected load beyond them).
    limits = args.serverless
    floors = (
        ServerlessLimits(min_data_gb=limits.min_data_gb, min_ecpu_per_second=limits.min_ecpu_per_second)
        if limits is not None
        else None
    )
    advice = advise(
        table,
        args.region,
        args.engine.value,
        load,
        replicas,
        (node.shards or 1) if node else 1,
        current,
        retention_days=args.backup.retention_days,
        headroom=headroom,
        burstable=burstable,
        why_not_burstable=why_not_burstable,
        limits=floors,
        terms=CONFIG_TERMS,
    )
    recommendation, reasons, why = advice.recommendation, list(advice.reasons), advice.why
    if recommendation != "node-based" and args.workload not in SERVERLESS_WORKLOADS:
        # A serverless cache evicts keys with a TTL at its data limit, whatever it costs.
        must = f"a {args.workload.value} cache must not lose keys, and serverless evicts keys with a TTL at its limit"
        why = f"serverless would cost less ({why}), but {must}" if recommendation == "serverless" else must
        recommendation = "node-based"
        reasons.insert(0, f"{why}: it stays node-based")
    best = advice.best_reserved if recommendation == "node-based" else None
    cost["advice"] = {
        "recommendation": recommendation,
        "why": why,
        "reasons": reasons,
        "breakEvenRequestsPerSecond": (
            None if advice.break_even_requests_per_second is None else round(advice.break_even_requests_per_second, 1)
        ),
        "rightSize": None
        if advice.node_type is None
        else {
            "nodeType": advice.node_type,
            "subject": advice.node_based.subject,
            "usd": _cents(advice.node_based.monthly_usd) if advice.node_based.complete else None,
        },
        "bestReserved": None if best is None else best.to_dict(),
        "reserved": [option.to_dict() for option in advice.reserved],
    }
    if node is not None and load.requests_per_second is not None:
        transfer = cross_az(table, args.network.app_availability_zones, node.layouts[0].azs, load)
        cost["crossAz"] = {
            "placedUsd": _cents(transfer.placed.usd),
            "leftToAwsUsd": _cents(transfer.left_to_aws.usd),
            "savingUsd": _cents(transfer.saving_usd),
        }
    return CacheCost(cost, estimate.monthly_usd, estimate.complete)


def stack_cost(per_cache: dict[str, CacheCost]) -> dict[str, Any]:
    return {
        "usd": round(sum(cost.monthly_usd for cost in per_cache.values()), 2),
        "complete": all(cost.complete for cost in per_cache.values()),
        # A total with a ceiling in it is a ceiling too.
        "atMost": any(cost.export["atMost"] for cost in per_cache.values()),
        "caches": {name: cost.export["usd"] for name, cost in per_cache.items()},
    }
