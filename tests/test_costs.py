"""The stack's cost exports: the repository's cost model applied to each cache as configured."""

from __future__ import annotations

import pytest

from components.stack_config import ConfigError
from tests.conftest import edit_cache

HOURS = 730
VALKEY_R7G_LARGE = 0.1752  # us-east-1, $/node-hour (pricing/prices.json)
VALKEY_R7G_XLARGE = 0.3496  # 0.8 x the Redis OSS 0.437
VALKEY_M7G_LARGE = 0.1264
BACKUP_GB_MONTH = 0.085
VALKEY_GB_HOUR = 0.084
VALKEY_PER_MILLION_ECPU = 0.0023


def test_prod_node_based_costs_are_nodes_plus_backups_beyond_the_free_snapshot(prod, run) -> None:
    exports = run(prod).exports
    sessions = exports["sessions"]["monthlyCost"]
    # 3 nodes; 14 daily snapshots of 4 GB kept, one of them free.
    assert sessions["usd"] == pytest.approx(3 * VALKEY_R7G_LARGE * HOURS + 13 * 4 * BACKUP_GB_MONTH, abs=0.01)
    retrieval = exports["retrieval"]["monthlyCost"]
    # 3 shards x (1 replica + 1 primary) = 6 nodes.
    nodes = 3 * 2 * VALKEY_R7G_XLARGE * HOURS
    assert retrieval["lines"][0]["usd"] == round(nodes, 2) == 1531.25  # money in the JSON is rounded to cents
    ratelimit = exports["ratelimit"]["monthlyCost"]
    assert ratelimit["lines"][0]["usd"] == round(3 * VALKEY_M7G_LARGE * HOURS, 2) == 276.82  # not 276.816000...3
    total = exports["monthlyCost"]
    assert total["usd"] == pytest.approx(sessions["usd"] + retrieval["usd"] + ratelimit["usd"], abs=0.015)
    assert total["complete"] is True
    assert set(total["caches"]) == {"sessions", "retrieval", "ratelimit"}


def test_dev_serverless_cost_is_storage_at_the_expected_size_plus_ecpus(dev, run) -> None:
    prompts = run(dev).exports["prompts"]["monthlyCost"]
    storage = 0.5 * VALKEY_GB_HOUR * HOURS
    ecpus = 40 * 2 * 3600 * HOURS / 1e6 * VALKEY_PER_MILLION_ECPU  # 2 KB items: 2 ECPUs a request
    backups = 1 * 0.5 * BACKUP_GB_MONTH  # serverless: every snapshot is billed
    assert prompts["usd"] == pytest.approx(storage + ecpus + backups, abs=0.01)
    assert prompts["atMost"] is False


def test_without_expected_load_serverless_is_priced_at_its_limits(dev, run) -> None:
    prompts = run(edit_cache(dev, "prompts", expectedLoad=None)).exports["prompts"]["monthlyCost"]
    assert prompts["atMost"] is True
    assert prompts["usd"] >= 5 * VALKEY_GB_HOUR * HOURS  # the 5 GB ceiling at least


def test_advice_never_recommends_serverless_for_a_cache_that_must_not_evict(dev, run) -> None:
    sessions = run(dev).exports["sessions"]["monthlyCost"]["advice"]
    assert sessions["recommendation"] == "node-based"
    assert "must not lose keys" in sessions["reasons"][0]


def test_same_az_placement_saving_is_shown(prod, run) -> None:
    cross = run(prod).exports["sessions"]["monthlyCost"]["crossAz"]
    assert cross["savingUsd"] == pytest.approx(cross["leftToAwsUsd"] - cross["placedUsd"])
    assert cross["savingUsd"] > 0


def test_a_region_without_prices_says_so(prod, run) -> None:
    moved = prod.with_values(
        **{"aws:region": "sa-east-1"},
        network={**prod.get("network"), "appAvailabilityZones": ["sa-east-1a", "sa-east-1b", "sa-east-1c"]},
    )
    sessions = run(moved).exports["sessions"]["monthlyCost"]
    assert sessions["complete"] is False
    assert sessions["unknown"]
    assert run(moved).exports["monthlyCost"]["complete"] is False


def test_advice_for_production_sessions_proposes_no_burstable_node(prod, run) -> None:
    # prod sessions: 4 GB on 3 nodes. The cheapest type that holds 4 GB within 75% of its memory would be
    # cache.t4g.medium (3.09 GiB x 0.75 x 1.0737 = 2.5 GB: too small) ... cache.m6g.large (6.38 GiB: 5.1 GB) at
    # 0.1192 $/h (0.8 x Redis OSS 0.149): no T node for production sessions.
    advice = run(prod).exports["sessions"]["monthlyCost"]["advice"]
    assert advice["rightSize"]["nodeType"] == "cache.m6g.large"
    assert advice["rightSize"]["usd"] == round(3 * 0.1192 * HOURS + 13 * 4 * BACKUP_GB_MONTH, 2)  # 265.47
    assert any("burstable (T) node types left out" in reason for reason in advice["reasons"])
    # 3yr all-upfront on the generic 55% discount: 3 x 0.1192 x 0.45 x 730 = 117.47, saving 143.58 of 261.05.
    assert advice["bestReserved"]["term"] == "3yr"
    assert advice["bestReserved"]["savingUsd"] == round(3 * 0.1192 * 0.55 * HOURS, 2)


def test_a_cache_configured_on_burstable_nodes_may_be_advised_burstable_ones(prod, run) -> None:
    config = edit_cache(prod, "sessions", nodeType="cache.t4g.medium", expectedLoad={"averageDataGb": 0.3})
    advice = run(config).exports["sessions"]["monthlyCost"]["advice"]
    # 0.3 GB fits cache.t4g.micro (0.5 GiB x 0.75 x 1.0737 = 0.40 GB), 0.0128 $/h (0.8 x 0.016).
    assert advice["rightSize"]["nodeType"] == "cache.t4g.micro"


def test_dev_sessions_may_be_advised_burstable_and_the_why_line_gives_the_figures(dev, run) -> None:
    advice = run(dev).exports["sessions"]["monthlyCost"]["advice"]
    assert advice["rightSize"]["nodeType"] == "cache.t4g.micro"
    assert advice["why"].startswith("serverless would cost less (at 20 req/s serverless costs $")
    assert "2 x cache.t4g.micro $18.69" in advice["why"]  # 2 x 0.0128 x 730 = 18.688


def test_the_right_size_holds_the_data_within_the_cache_s_reserved_memory_percent(prod, run) -> None:
    # prod sessions: 4 GB. With reserved-memory-percent 50, cache.m6g.large (the right size at the default 25)
    # holds 6.38 GiB x 0.5 x 1.0737 = 3.4 GB, which the loader refuses for 4 GB; the cheapest non-T type that
    # holds it is cache.r6g.large (13.07 GiB x 0.5 x 1.0737 = 7.0 GB), 0.1648 $/h (0.8 x Redis OSS 0.206).
    config = edit_cache(prod, "sessions", parameters={"reserved-memory-percent": 50})
    advice = run(config).exports["sessions"]["monthlyCost"]["advice"]
    assert advice["rightSize"]["nodeType"] == "cache.r6g.large"
    assert advice["rightSize"]["usd"] == round(3 * 0.1648 * HOURS + 13 * 4 * BACKUP_GB_MONTH, 2)
    run(edit_cache(config, "sessions", nodeType="cache.r6g.large"))  # the loader takes the advised size
    with pytest.raises(ConfigError, match=r"cache\.m6g\.large .*holds 3\.4 GB"):
        run(edit_cache(config, "sessions", nodeType="cache.m6g.large"))


def test_the_advice_for_a_serverless_cache_bills_its_minimums_as_its_estimate_does(dev, run) -> None:
    limits = {"maxDataGb": 5, "maxEcpuPerSecond": 5000, "minDataGb": 3, "minEcpuPerSecond": 1000}
    prompts = run(edit_cache(dev, "prompts", limits=limits)).exports["prompts"]["monthlyCost"]
    # 3 GB billed (0.5 expected) x 0.084 x 730 + 1,000 ECPU/s (80 expected) x 2.628 million x 0.0023 + one 0.5 GB
    # snapshot: 183.96 + 6.04 + 0.04, against 2 x cache.t4g.small at 37.38.
    assert prompts["usd"] == pytest.approx(
        3 * VALKEY_GB_HOUR * HOURS + 1000 * 3600 * HOURS / 1e6 * 0.0023 + 0.5 * 0.085, abs=0.01
    )
    advice = prompts["advice"]
    assert f"as configured (serverless (Valkey, us-east-1)): ${prompts['usd']:,.2f}/month" in advice["reasons"]
    assert advice["recommendation"] == "node-based"
    assert advice["breakEvenRequestsPerSecond"] == 0


def test_a_serverless_cache_s_node_based_alternative_has_a_node_in_every_app_az(prod, dev, run) -> None:
    # prod has three app AZs: the loader gives a node-based cache 2 replicas, so the alternative to dev's prompts
    # cache (0.5 GB) there is 3 x cache.t4g.small (0.0256 $/h), not the 2 nodes it is in dev's two AZs.
    caches = {**prod.get("caches"), "prompts": dev.get("caches")["prompts"]}
    advice = run(prod.with_values(caches=caches)).exports["prompts"]["monthlyCost"]["advice"]
    assert advice["rightSize"]["subject"] == "3 x cache.t4g.small (Valkey, node-based, us-east-1)"
    assert advice["rightSize"]["usd"] == round(3 * 0.0256 * HOURS, 2)
    assert run(dev).exports["prompts"]["monthlyCost"]["advice"]["rightSize"]["subject"].startswith("2 x ")
