"""The price table: built from the reference CSV and facts.json, and its lookups' derivation rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pricing import PriceTable, load_table
from pricing import build_table as builder
from pricing.table import TABLE_PATH

TABLE = load_table()
HEADER = ",".join(builder.COLUMNS)


def csv_of(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


@pytest.mark.skipif(
    not builder.DEFAULT_CSV.exists(),
    reason=f"the reference price CSV is not on this machine ({builder.DEFAULT_CSV}); prices.json cannot be checked",
)
def test_prices_json_is_what_the_script_builds_from_the_reference_csv() -> None:
    assert TABLE_PATH.read_text() == builder.build_text(builder.DEFAULT_CSV)
    assert builder.main(["--check"]) == 0


def test_the_builder_renames_engines_flags_uncertain_rows_and_keeps_every_source() -> None:
    table = builder.build(
        csv_of(
            "us-east-1,redis-oss,node-ondemand,cache.r7g.large,2,13.07,0.219,,,org/repo@abc:f.go,2026-07-18,https://x/f",
            'eu-west-1,valkey,node-ondemand,cache.r7g.large,2,13.07,0.1944,,,"a note; UNCERTAIN: secondary",2026-06,u',
            "us-east-1,valkey,serverless,,,,,0.084,0.0023,pricing page,2025-11-27,https://page",
            "us-east-1,valkey,node-reserved-3yr-all-upfront-effective,cache.r7g.large,2,13.07,0.0788,,,offer,2025-06,u",
            "eu-west-2,redis-oss,node-extended-support-yr3-surcharge,cache.r7g.large,2,13.07,0.2,,,fixture,2026-09,u",
        ),
        json.loads(builder.FACTS.read_text()),
    )
    assert table["onDemand"]["us-east-1"]["redis"]["cache.r7g.large"] == {
        "value": 0.219,
        "unit": "USD/node-hour",
        "source": "org/repo@abc:f.go",
        "date": "2026-07-18",
        "url": "https://x/f",
        "uncertain": False,
    }
    assert table["onDemand"]["eu-west-1"]["valkey"]["cache.r7g.large"]["uncertain"] is True
    assert table["serverless"]["us-east-1"]["valkey"]["ecpu"]["value"] == 0.0023
    assert table["serverless"]["us-east-1"]["valkey"]["storage"]["url"] == "https://page"
    assert table["reservedEffective"]["us-east-1"]["valkey"]["cache.r7g.large"]["3yr"]["all-upfront"]["value"] == 0.0788
    assert "extended-support-yr3-surcharge" in table["nodeSurcharges"]["eu-west-2"]["redis"]["cache.r7g.large"]
    assert table["nodeTypes"]["cache.r7g.large"]["memoryGib"] == 13.07
    assert "about" not in table["facts"]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (
            (
                "us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,s,d,u",
                "us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.03,,,s,d,u",
            ),
            "a second figure",
        ),
        (("us-east-1,valkey,node-spot,cache.t4g.small,2,1.37,0.01,,,s,d,u",), "unknown kind"),
        (
            (
                "us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,s,d,u",
                "us-east-1,redis-oss,node-ondemand,cache.t4g.small,2,1.5,0.032,,,s,d,u",
            ),
            "cache.t4g.small has",
        ),
        (("us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,free,,,s,d,u",), "not a number"),
        (("us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,,d,u",), "a source, a date and a link"),
        (("us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,s,d,",), "a source, a date and a link"),
        (("us-east-1,dynamo,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,s,d,u",), "not understood"),
    ],
)
def test_the_builder_refuses_rows_it_would_otherwise_drop_or_overwrite(rows: tuple[str, ...], problem: str) -> None:
    with pytest.raises(builder.TableError, match=problem):
        builder.build(csv_of(*rows), json.loads(builder.FACTS.read_text()))


def test_every_fact_needs_its_provenance() -> None:
    facts = json.loads(builder.FACTS.read_text())
    del facts["hoursPerMonth"]["source"]
    with pytest.raises(builder.TableError, match="hoursPerMonth needs `source`"):
        builder.build(csv_of(), facts)


def test_check_mode_reports_a_stale_table_without_writing_it(tmp_path: Path) -> None:
    before = TABLE_PATH.read_text()
    other = tmp_path / "prices.csv"
    other.write_text(csv_of("us-east-1,valkey,node-ondemand,cache.t4g.small,2,1.37,0.0256,,,s,d,u"))
    assert builder.main(["--csv", str(other), "--check"]) == 1
    assert builder.main(["--csv", str(tmp_path / "missing.csv"), "--check"]) == 2
    assert TABLE_PATH.read_text() == before


def test_every_figure_in_the_table_keeps_its_source_and_date() -> None:
    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict) and "value" in node:
            assert node["source"], path
            assert node["date"], path
            assert isinstance(node["uncertain"], bool), path
            return
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}")

    for section in ("onDemand", "reservedEffective", "nodeSurcharges", "serverless", "facts"):
        walk(TABLE.data[section], section)


# -- lookups ----------------------------------------------------------------------------------------------------


def test_published_node_prices() -> None:
    # CSV: us-east-1,valkey,node-ondemand,cache.r7g.large,2,13.07,0.1752 (Netflix-Skunkworks annual_cost 1534.75 /
    # 8760 h, dated 2026) and us-east-1,redis-oss,...,cache.t4g.small,2,1.37,0.032 (DefangLabs, 2026-07-18).
    valkey = TABLE.node_hourly("us-east-1", "valkey", "cache.r7g.large")
    assert valkey is not None
    assert (valkey.value, valkey.derived, valkey.uncertain, valkey.date) == (0.1752, "", False, "2026")
    assert valkey.source.startswith("Netflix-Skunkworks/service-capacity-modeling@dfd59981afd6:")
    assert valkey.url.startswith("https://github.com/Netflix-Skunkworks/service-capacity-modeling/blob/dfd59981afd6")
    redis = TABLE.node_hourly("us-east-1", "redis-oss", "cache.t4g.small")
    assert redis is not None
    assert (redis.value, redis.date) == (0.032, "2026-07-18")
    spec = TABLE.node_spec("cache.r7g.large")
    assert spec is not None
    assert (spec.vcpu, spec.memory_gib) == (2, 13.07)


def test_valkey_rows_the_csv_derived_say_so() -> None:
    # CSV: eu-west-1 Redis OSS cache.t4g.small 0.034 (an UNCERTAIN 2022 figure) and the Valkey row
    # "DERIVED (not read): 0.8 x redis-oss 0.034 from vantage-sh/..." at 0.0272.
    price = TABLE.node_hourly("eu-west-1", "valkey", "cache.t4g.small")
    assert price is not None
    assert price.value == 0.0272
    assert price.derived == (
        "0.8 x the Redis OSS price 0.034 $/h of cache.t4g.small in eu-west-1 (Valkey nodes cost 0.8x Redis OSS)"
    )
    assert price.uncertain
    assert (
        price.cite()
        == "vantage-sh/ec2instances.info@3e75a5dddbf4:www/cache/instances.json, 2022-02-13, derived, uncertain"
    )


def derived_row(value: str, base: str = "0.034") -> str:
    return (
        f'eu-west-1,valkey,node-ondemand,cache.t4g.small,2,1.37,{value},,,"DERIVED (not read): 0.8 x redis-oss {base} '
        'from vantage; rule: FAQ",2022-02-13,u'
    )


def test_the_builder_checks_the_arithmetic_of_every_derived_valkey_row() -> None:
    facts = json.loads(builder.FACTS.read_text())
    redis = "eu-west-1,redis-oss,node-ondemand,cache.t4g.small,2,1.37,0.034,,,vantage,2022-02-13,u"
    table = builder.build(csv_of(redis, derived_row("0.0272")), facts)
    assert table["onDemand"]["eu-west-1"]["valkey"]["cache.t4g.small"]["derived"].startswith(
        "0.8 x the Redis OSS price 0.034 $/h of cache.t4g.small in eu-west-1"
    )
    assert "derived" not in table["onDemand"]["eu-west-1"]["redis"]["cache.t4g.small"]
    with pytest.raises(builder.TableError, match=re.escape("is not the Valkey factor 0.8 x 0.034")):
        builder.build(csv_of(redis, derived_row("0.03")), facts)
    with pytest.raises(
        builder.TableError, match=re.escape("derived from Redis OSS 0.04 $/h, but the table's Redis OSS")
    ):
        builder.build(csv_of(redis, derived_row("0.032", base="0.04")), facts)
    with pytest.raises(builder.TableError, match="is None"):
        builder.build(csv_of(derived_row("0.0272")), facts)


def test_no_valkey_price_is_made_up_where_the_csv_derived_none() -> None:
    # us-east-1 has Redis OSS cache.m5.large but the CSV derives Valkey only for families where one was read.
    assert TABLE.node_hourly("us-east-1", "redis", "cache.m5.large") is not None
    assert TABLE.node_hourly("us-east-1", "valkey", "cache.m5.large") is None
    assert "derives Valkey prices only for the families" in TABLE.why_no_node_price(
        "us-east-1", "valkey", "cache.m5.large"
    )


def test_valkey_only_families_never_take_a_redis_price() -> None:
    assert TABLE.node_hourly("us-east-1", "valkey", "cache.r8g.large") is None
    offered = "offered for Memcached and Valkey only"  # engine-versions.md: m8g, r8g, c8gn run no Redis OSS
    assert f"({offered}: no Redis OSS price can stand in)" in TABLE.why_no_node_price(
        "us-east-1", "valkey", "cache.r8g.large"
    )
    assert TABLE.why_no_node_price("us-east-1", "redis", "cache.m8g.xlarge") == (
        f"cache.m8g.xlarge is {offered}: no Redis OSS price exists"
    )
    # Memcached runs on them, but its price follows Redis OSS's, which they lack: not priced, and not said to be
    # unoffered.
    assert TABLE.node_hourly("us-east-1", "memcached", "cache.r8g.large") is None
    assert TABLE.why_no_node_price("us-east-1", "memcached", "cache.r8g.large") == (
        f"no Memcached price for cache.r8g.large in us-east-1 ({offered}: no Redis OSS price can stand in)"
    )
    # Even a table that (wrongly) held a Redis OSS row for one would not lend it to Valkey.
    data = json.loads(TABLE_PATH.read_text())
    data["onDemand"]["us-east-1"]["redis"]["cache.r8g.large"] = dict(
        data["onDemand"]["us-east-1"]["redis"]["cache.r7g.large"]
    )
    data["nodeTypes"]["cache.r8g.large"] = data["nodeTypes"]["cache.r7g.large"]
    assert PriceTable(data).node_hourly("us-east-1", "valkey", "cache.r8g.large") is None


def test_no_fallback_from_one_region_to_another() -> None:
    # us-east-1 has a Redis OSS cache.r7g.large price (0.219); eu-west-1 has none, and must not borrow it.
    assert TABLE.node_hourly("eu-west-1", "redis", "cache.r7g.large") is None
    assert TABLE.why_no_node_price("eu-west-1", "redis", "cache.r7g.large") == (
        "no Redis OSS price for cache.r7g.large in eu-west-1"
    )
    assert TABLE.node_hourly("sa-east-1", "valkey", "cache.r7g.large") is None
    assert TABLE.why_no_node_price("sa-east-1", "valkey", "cache.r7g.large") == (
        "no Valkey price for cache.r7g.large in sa-east-1"
    )
    # A region the CSV does not cover at all says so, and lists the ones it does.
    assert TABLE.node_hourly("il-central-1", "valkey", "cache.t4g.small") is None
    assert "no node prices for region il-central-1" in TABLE.why_no_node_price(
        "il-central-1", "valkey", "cache.t4g.small"
    )
    assert TABLE.serverless_storage("eu-west-2", "valkey") is None
    assert TABLE.backup_per_gb_month("eu-west-1") is None


def test_unknown_node_types_and_engines() -> None:
    assert TABLE.node_hourly("us-east-1", "valkey", "cache.x9.large") is None
    assert TABLE.why_no_node_price("us-east-1", "valkey", "cache.x9.large").startswith("unknown node type")
    assert "not a node type" in TABLE.why_no_node_price("us-east-1", "valkey", "large")
    assert "engine 'mongodb'" in TABLE.why_no_node_price("us-east-1", "mongodb", "cache.r7g.large")


def test_memcached_is_priced_as_redis_oss() -> None:
    # The CSV has no Memcached node rows: us-east-1 Redis OSS cache.r7g.large 0.219 stands in, marked derived.
    derived = TABLE.node_hourly("us-east-1", "memcached", "cache.r7g.large")
    assert derived is not None
    assert derived.value == 0.219
    assert "Memcached = Redis OSS" in derived.derived
    # Serverless Memcached is read: us-east-1,memcached,serverless,...,0.125,0.0034 (usage.ai, 2026-06).
    storage = TABLE.serverless_storage("us-east-1", "memcached")
    assert storage is not None
    assert (storage.value, storage.derived, storage.date) == (0.125, "", "2026-06")
    assert TABLE.serverless_storage("eu-west-1", "memcached") is None


def test_reserved_prices_published_or_from_the_generic_discount() -> None:
    published = TABLE.reserved_hourly("us-east-1", "valkey", "cache.c7gn.large", "1yr", "no-upfront")
    assert published is not None
    assert (published.value, published.derived) == (0.1384, "")
    generic = TABLE.reserved_hourly("us-east-1", "valkey", "cache.r7g.large", "1yr", "no-upfront")
    assert generic is not None
    assert generic.value == pytest.approx(0.1752 * (1 - 0.32))
    assert "32%" in generic.derived
    three = TABLE.reserved_hourly("us-east-1", "valkey", "cache.r7g.large", "3yr", "all-upfront")
    assert three is not None
    assert three.value == pytest.approx(0.1752 * (1 - 0.55))
    assert TABLE.reserved_hourly("sa-east-1", "valkey", "cache.r7g.large", "1yr", "no-upfront") is None


def test_serverless_prices_and_minimums() -> None:
    storage = TABLE.serverless_storage("us-east-1", "valkey")
    ecpu = TABLE.serverless_ecpu("us-east-1", "redis")
    assert storage is not None
    assert ecpu is not None
    assert (storage.value, ecpu.value) == (0.084, 0.0034)
    # Serverless Valkey is no fixed fraction of Redis OSS: no Valkey figure is derived for eu-west-1.
    assert TABLE.serverless_storage("eu-west-1", "valkey") is None
    assert "no Valkey serverless price for eu-west-1" in TABLE.why_no_serverless_price("eu-west-1", "valkey")
    minimums = {engine: TABLE.serverless_minimum_gb(engine) for engine in ("valkey", "redis", "memcached")}
    assert {engine: price.value for engine, price in minimums.items() if price} == {
        "valkey": 0.1,
        "redis": 1,
        "memcached": 1,
    }


def test_backup_transfer_and_month_facts() -> None:
    backup = TABLE.backup_per_gb_month("us-east-1")
    assert backup is not None
    assert backup.value == 0.085
    assert TABLE.cross_az_per_gb_each_way.value == 0.01
    assert TABLE.cross_region_per_gb.value == 0.02
    assert TABLE.hours_per_month.value == 730
    assert TABLE.free_snapshots.value == 1
    assert TABLE.valkey_only_families == ("c8gn", "m8g", "r8g")
