"""The stack's cost exports: the repository's cost model applied to each cache as configured."""

from __future__ import annotations

import pytest

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
    assert retrieval["lines"][0]["usd"] == pytest.approx(nodes)
    ratelimit = exports["ratelimit"]["monthlyCost"]
    assert ratelimit["lines"][0]["usd"] == pytest.approx(3 * VALKEY_M7G_LARGE * HOURS)
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
