"""Every figure in every estimate names where a reader can check it and how far to trust it.

A citation is `<where>, <date>, <trust>`: `<where>` a public repository at a pinned commit and a path in it
(`owner/repo@commit:path`) or a page (`https://...`), several joined by ` + ` when a figure rests on more than
one; `<trust>` is `read` (taken as published), `derived` (computed from other figures, the line says how), and
either may be `uncertain` (one secondary source, or a stale one: price-sources.md says which).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pricing import (
    Estimate,
    Line,
    Load,
    Price,
    ServerlessLimits,
    advise,
    cross_az,
    estimate_node_based,
    estimate_serverless,
    load_table,
)
from pricing.table import PAYMENTS, TERMS

TABLE = load_table()
WHERE = re.compile(r"^(?:[A-Za-z0-9][\w.-]*/[\w.-]+@[0-9a-f]{7,40}:[^\s,]+|https://[^\s,]+)$")
DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}$")
TRUST = ("read", "derived", "read, uncertain", "derived, uncertain")
REGIONS = (*TABLE.regions(), "il-central-1")
LOAD = Load(data_gb=3, requests_per_second=2500, item_kb=2)


def estimates() -> Iterator[Estimate]:
    for region in REGIONS:
        for engine in ("valkey", "redis", "memcached"):
            for node_type in (*TABLE.node_types(region, engine), "cache.r8g.large", "cache.x9.large"):
                yield estimate_node_based(TABLE, region, engine, node_type, 3, 7, shards=1)
            yield estimate_serverless(TABLE, region, engine, LOAD, 3)
            yield estimate_serverless(TABLE, region, engine, None, 1, ServerlessLimits(5, 5000, 1, 1000))
            advice = advise(TABLE, region, engine, LOAD, current="cache.r6g.large")
            yield from (advice.serverless, advice.node_based)
            if advice.current is not None:
                yield advice.current


def lines() -> Iterator[Line]:
    for estimate in estimates():
        yield from estimate.lines
    for region in ("us-east-1", "eu-west-1"):
        transfer = cross_az(TABLE, [f"{region}a", f"{region}b"], [f"{region}a", f"{region}c"], LOAD)
        yield from (transfer.placed, transfer.left_to_aws)


def check(price: Price) -> None:
    assert price.references, price
    for where in price.references:
        assert WHERE.match(where), f"{where!r} is neither owner/repo@commit:path nor a page"
    assert DATE.match(price.date.split(" | ")[0]), price.date
    assert price.trust in TRUST
    assert price.cite() == f"{' + '.join(price.references)}, {price.date.split(' | ')[0]}, {price.trust}"


def test_no_estimate_cites_anything_but_a_pinned_commit_or_a_dated_page() -> None:
    seen = 0
    for line in lines():
        if line.usd:
            # A figure with no source would be a number from nowhere.
            assert line.sources, line
        for price in line.sources:
            check(price)
            seen += 1
            if line.usd is not None and price is line.sources[0]:
                assert f"[{price.cite()}" in line.detail, line.detail
    assert seen > 1000


def test_every_reserved_price_cites_its_sources_too() -> None:
    for region in REGIONS:
        for node_type in TABLE.node_types(region, "redis"):
            for term in TERMS:
                for payment in PAYMENTS:
                    price = TABLE.reserved_hourly(region, "redis", node_type, term, payment)
                    if price is not None:
                        check(price)


def test_a_derived_valkey_price_cites_the_row_it_was_derived_from() -> None:
    price = TABLE.node_hourly("us-west-2", "valkey", "cache.r6g.large")
    assert price is not None
    # CSV: us-west-2,valkey,...,cache.r6g.large,...,0.1648,"DERIVED (not read): 0.8 x redis-oss 0.206 from vantage..."
    assert price.value == 0.1648
    assert (
        price.cite()
        == "vantage-sh/ec2instances.info@3e75a5dddbf4:www/cache/instances.json, 2022-02-13, derived, uncertain"
    )
    assert price.url == (
        "https://github.com/vantage-sh/ec2instances.info/blob/3e75a5dddbf4674d74ebeb06f46e4543c3a08b92/www/cache/instances.json"
    )
