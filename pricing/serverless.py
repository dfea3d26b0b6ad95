"""Serverless caches: data stored x GB-hour price, ECPUs x price per million, plus every snapshot kept."""

from __future__ import annotations

from pricing.backups import serverless_backups
from pricing.estimate import (
    NO_LOAD,
    NO_TERMS,
    Estimate,
    Line,
    Load,
    ServerlessLimits,
    ServerlessTerms,
    cited,
    engine_key,
    engine_name,
    lacking,
    num,
    whole_number,
)
from pricing.table import Price, PriceTable


def estimate_serverless(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load | None = None,
    retention_days: int = 0,
    limits: ServerlessLimits | None = None,
    terms: ServerlessTerms = NO_TERMS,
) -> Estimate:
    """Data stored x GB-hour price x hours, plus ECPUs x price per million, plus every snapshot kept.

    Storage is billed on max(expected data, the engine's metered minimum, the configured minimum) and ECPUs on
    requests/s x max(1, item KB) (one ECPU per KB moved, at least one per request), at least the configured
    minimum. Each part without an expected figure is priced at the usage limit instead (`at_most`) when
    `limits` gives one, and is unknown otherwise. Serverless caches have no free snapshot: `retention_days`
    daily snapshots of the data size (at most the data limit, beyond which AWS evicts) are all billed.

    `terms` name, in the caller's words, the inputs a part that cannot be priced lacks.
    """
    load = load or NO_LOAD
    limits = limits or ServerlessLimits()
    retention_days = whole_number("retention_days", retention_days, 0)
    name = engine_key(engine)
    hours = table.hours_per_month
    storage = table.serverless_storage(region, name)
    ecpu = table.serverless_ecpu(region, name)
    lines = [
        _serverless_storage(table, region, name, load, limits, storage, hours, terms),
        _serverless_ecpu(table, region, name, load, limits, ecpu, hours, terms),
        serverless_backups(table, region, load, limits, retention_days, terms),
    ]
    subject = f"serverless ({engine_name(engine)}, {region})"
    return Estimate(subject, "serverless", region, name, tuple(lines))


def _serverless_storage(
    table: PriceTable,
    region: str,
    engine: str,
    load: Load,
    limits: ServerlessLimits,
    price: Price | None,
    hours: Price,
    terms: ServerlessTerms,
) -> Line:
    if price is None:
        return Line("data stored", None, table.why_no_serverless_price(region, engine))
    minimum = table.serverless_minimum_gb(engine)
    if minimum is None:
        return Line("data stored", None, f"no metered minimum for {engine} in the table")
    at_most = False
    if load.data_gb is not None:
        stored = load.data_gb
        basis = f"{num(stored)} GB expected"
        if limits.max_data_gb is not None and stored > limits.max_data_gb:
            stored = limits.max_data_gb
            basis = f"{num(load.data_gb)} GB expected, held to the {num(stored)} GB limit (AWS evicts beyond it)"
    elif limits.max_data_gb is not None:
        stored = limits.max_data_gb
        basis = f"at most the {num(stored)} GB limit: no expected data size"
        at_most = True
    else:
        why = f"{lacking('expected data size', terms.data_gb)} and {lacking('data storage limit', terms.max_data_gb)}"
        return Line("data stored", None, why, (price,))
    billed = max(stored, minimum.value, limits.min_data_gb or 0.0)
    if billed > stored:
        floor = "configured minimum" if (limits.min_data_gb or 0.0) >= minimum.value else "metered minimum"
        basis += f", billed at the {num(billed)} GB {floor} of {engine_name(engine)}"
    return Line(
        "data stored",
        billed * price.value * hours.value,
        f"{num(billed)} GB x {num(price.value)} $/GB-hour x {num(hours.value)} h ({basis}) {cited(price)}",
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
    terms: ServerlessTerms,
) -> Line:
    if price is None:
        return Line("ECPUs", None, table.why_no_serverless_price(region, engine))
    at_most = False
    per_request = ecpus_per_request(table, load.item_kb)
    if load.requests_per_second is not None:
        rate = load.requests_per_second * per_request
        basis = f"{num(load.requests_per_second)} req/s x {num(per_request)} ECPU per {num(load.item_kb)} KB item"
        if limits.max_ecpu_per_second is not None and rate > limits.max_ecpu_per_second:
            rate = limits.max_ecpu_per_second
            basis += f", held to the {num(rate)} ECPU/s limit (AWS throttles beyond it)"
    elif limits.max_ecpu_per_second is not None:
        rate = limits.max_ecpu_per_second
        basis = f"at most the {num(rate)} ECPU/s limit all month: no expected request rate"
        at_most = True
    else:
        why = (
            f"{lacking('expected request rate', terms.requests_per_second)} and "
            f"{lacking('ECPU/s limit', terms.max_ecpu_per_second)}"
        )
        return Line("ECPUs", None, why, (price,))
    if limits.min_ecpu_per_second is not None and rate < limits.min_ecpu_per_second:
        rate = limits.min_ecpu_per_second
        basis += f", billed at the configured minimum of {num(rate)} ECPU/s"
    millions = rate * 3600 * hours.value / 1e6
    return Line(
        "ECPUs",
        millions * price.value,
        f"{num(rate)} ECPU/s x 3600 s x {num(hours.value)} h = {num(millions)} million x "
        f"{num(price.value)} $/million ({basis}) {cited(price)}",
        (price, table.ecpu_per_kb, hours),
        at_most,
    )
