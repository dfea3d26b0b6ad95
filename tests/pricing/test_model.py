"""The cost model, checked against figures computed by hand from the price table (us-east-1 unless said).

Prices used, as the rows of `../shared/reference/elasticache-prices.csv` give them: Valkey cache.r7g.large 0.1752
$/h and cache.r7g.xlarge 0.3496 (read: Netflix-Skunkworks), cache.t4g.small 0.0256, cache.t4g.micro 0.0128,
cache.r6g.large 0.1648 (derived: 0.8 x Redis OSS 0.032, 0.016, 0.206 from DefangLabs); Redis OSS cache.t4g.small
0.032; eu-west-1 Valkey cache.t4g.small 0.0272 (derived: 0.8 x Redis OSS 0.034, a 2022 vantage figure);
serverless (us-east-1 only) Valkey 0.084 $/GB-hour and 0.0023 $/million ECPU, Redis OSS 0.125 and 0.0034; backups
0.085 $/GB-month; cross-AZ 0.01 $/GB each way; 730 h a month; 1 GiB = 1.073741824 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pricing import (
    GB_PER_GIB,
    Load,
    ServerlessLimits,
    ServerlessTerms,
    advise,
    cross_az,
    estimate_node_based,
    estimate_serverless,
    load_table,
    smallest_node_type,
)

TABLE = load_table()
ECPU_MONTH = 3600 * 730 / 1e6
"""Million ECPUs a month for one ECPU per second."""


# -- node-based -------------------------------------------------------------------------------------------------


def test_valkey_nodes() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.large", nodes=3, retention_days=1)
    assert estimate.line("nodes").usd == pytest.approx(3 * 0.1752 * 730)  # 383.688
    assert estimate.line("backups").usd == 0
    assert "one snapshot per node-based cache is stored free" in estimate.line("backups").detail
    assert estimate.monthly_usd == pytest.approx(383.688)
    assert estimate.complete
    assert not estimate.at_most
    assert "3 x 0.1752 $/h x 730 h" in estimate.line("nodes").detail
    assert estimate.line("nodes").detail.endswith(
        "[Netflix-Skunkworks/service-capacity-modeling@dfd59981afd6:service_capacity_modeling/hardware/profiles/"
        "pricing/aws/3yr-reserved_elasticache-on-demand.json, 2026, read]"
    )


def test_redis_oss_nodes() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "redis", "cache.t4g.small", nodes=2)
    assert estimate.monthly_usd == pytest.approx(2 * 0.032 * 730)  # 46.72
    assert estimate.engine == "redis"


def test_memcached_nodes_take_no_snapshots() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "memcached", "cache.t4g.small", nodes=3, retention_days=7)
    assert estimate.monthly_usd == pytest.approx(3 * 0.032 * 730)
    assert "no snapshots" in estimate.line("backups").detail


def test_backups_beyond_the_free_snapshot_at_the_data_size() -> None:
    estimate = estimate_node_based(
        TABLE, "us-east-1", "valkey", "cache.r7g.large", 3, retention_days=7, load=Load(data_gb=10)
    )
    assert estimate.line("backups").usd == pytest.approx((7 - 1) * 10 * 0.085)  # 5.10
    assert not estimate.at_most
    snapshot = Load(data_gb=10, snapshot_gb=4)
    estimate = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.large", 3, 7, snapshot)
    assert estimate.line("backups").usd == pytest.approx(6 * 4 * 0.085)


def test_backups_without_a_data_size_are_bounded_by_node_memory() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.large", 3, retention_days=14)
    assert estimate.line("backups").usd == pytest.approx(13 * 13.07 * GB_PER_GIB * 0.085)  # 15.51
    assert estimate.at_most
    sharded = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.xlarge", 6, retention_days=7, shards=3)
    assert sharded.line("nodes").usd == pytest.approx(6 * 0.3496 * 730)  # 1531.248
    assert sharded.line("backups").usd == pytest.approx(6 * 3 * 26.32 * GB_PER_GIB * 0.085)  # 43.24
    # Data tiering keeps data on SSD too: memory bounds nothing, so the backups are unknown, not guessed.
    tiered = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r6gd.xlarge", 2, retention_days=7)
    assert tiered.line("backups").usd is None
    assert "SSD" in tiered.line("backups").detail


def test_no_snapshot_is_billed_larger_than_the_cache_holds() -> None:
    # 20 GB expected on one cache.r7g.large (13.07 GiB = 14.03 GB): a snapshot holds what the node holds.
    node = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.large", 2, 7, Load(data_gb=20))
    assert node.line("backups").usd == pytest.approx(6 * 13.07 * GB_PER_GIB * 0.085)  # 7.16, not 6 x 20 x 0.085
    assert "20 GB expected, held to 1 shard x 13.07 GiB of cache.r7g.large" in node.line("backups").detail
    # Serverless: the storage line holds 20 GB to the 10 GB limit (AWS evicts beyond it), and so do the snapshots.
    limits = ServerlessLimits(max_data_gb=10, max_ecpu_per_second=5000)
    serverless = estimate_serverless(TABLE, "us-east-1", "valkey", Load(data_gb=20, requests_per_second=10), 7, limits)
    assert serverless.line("data stored").usd == pytest.approx(10 * 0.084 * 730)
    assert serverless.line("backups").usd == pytest.approx(7 * 10 * 0.085)  # 5.95, not 7 x 20 x 0.085
    assert "20 GB expected, held to the data limit" in serverless.line("backups").detail


def test_an_unknown_node_type_is_unknown_not_zero() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.x9.large", 2, retention_days=7)
    assert estimate.line("nodes").usd is None
    assert not estimate.complete
    assert estimate.unknown[0].startswith("nodes: unknown node type cache.x9.large")
    assert "not priced" in estimate.summary()


def test_a_valkey_only_type_without_a_valkey_price() -> None:
    estimate = estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r8g.large", 2)
    assert estimate.line("nodes").usd is None
    assert "offered for Memcached and Valkey only: no Redis OSS price can stand in" in estimate.line("nodes").detail


def test_a_region_without_data() -> None:
    estimate = estimate_node_based(TABLE, "il-central-1", "valkey", "cache.r7g.large", 2, retention_days=7)
    assert estimate.monthly_usd == 0
    assert estimate.line("nodes").usd is None
    assert "no node prices for region il-central-1" in estimate.line("nodes").detail
    assert "no backup storage price for il-central-1" in estimate.line("backups").detail
    # sa-east-1 has t4g/m6g/r6g prices but none for r7g: the us-east-1 figure is not borrowed.
    other = estimate_node_based(TABLE, "sa-east-1", "valkey", "cache.r7g.large", 2)
    assert other.line("nodes").usd is None
    assert other.line("nodes").detail == "no Valkey price for cache.r7g.large in sa-east-1"


def test_a_derived_valkey_price_says_so_and_backups_stay_unknown_where_unpriced() -> None:
    estimate = estimate_node_based(TABLE, "eu-west-1", "valkey", "cache.t4g.small", 2, retention_days=7)
    assert estimate.line("nodes").usd == pytest.approx(2 * 0.8 * 0.034 * 730)
    assert "derived: 0.8 x the Redis OSS price 0.034 $/h" in estimate.line("nodes").detail
    assert "2022-02-13, derived, uncertain" in estimate.line("nodes").detail
    assert estimate.uncertain
    assert estimate.line("backups").usd is None
    assert estimate.monthly_usd == pytest.approx(2 * 0.0272 * 730)


@pytest.mark.parametrize(
    ("nodes", "retention"),
    [(-1, 0), (1.5, 0), (2, -1), (True, 0)],
)
def test_nonsense_counts_are_refused(nodes: float, retention: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        estimate_node_based(TABLE, "us-east-1", "valkey", "cache.r7g.large", nodes, retention)  # type: ignore[arg-type]


# -- serverless -------------------------------------------------------------------------------------------------


def test_serverless_valkey_at_its_expected_load() -> None:
    estimate = estimate_serverless(TABLE, "us-east-1", "valkey", Load(data_gb=2, requests_per_second=1000), 1)
    assert estimate.line("data stored").usd == pytest.approx(2 * 0.084 * 730)  # 122.64
    assert estimate.line("ECPUs").usd == pytest.approx(1000 * 3600 * 730 / 1e6 * 0.0023)  # 6.0444
    assert estimate.line("backups").usd == pytest.approx(1 * 2 * 0.085)  # serverless: no free snapshot
    assert estimate.monthly_usd == pytest.approx(122.64 + 6.0444 + 0.17)
    assert estimate.complete
    assert not estimate.at_most


def test_serverless_redis_with_large_items_costs_proportionally_more_ecpus() -> None:
    estimate = estimate_serverless(TABLE, "us-east-1", "redis", Load(data_gb=5, requests_per_second=500, item_kb=4))
    assert estimate.line("data stored").usd == pytest.approx(5 * 0.125 * 730)  # 456.25
    assert estimate.line("ECPUs").usd == pytest.approx(500 * 4 * ECPU_MONTH * 0.0034)  # 17.87
    small = estimate_serverless(TABLE, "us-east-1", "redis", Load(data_gb=5, requests_per_second=500, item_kb=0.2))
    assert small.line("ECPUs").usd == pytest.approx(500 * 1 * ECPU_MONTH * 0.0034)  # at least one ECPU a request


def test_the_minimum_metered_storage_per_engine() -> None:
    tiny = Load(data_gb=0.05, requests_per_second=0)
    valkey = estimate_serverless(TABLE, "us-east-1", "valkey", tiny)
    redis = estimate_serverless(TABLE, "us-east-1", "redis", tiny)
    assert valkey.line("data stored").usd == pytest.approx(0.1 * 0.084 * 730)  # 6.13: the 100 MB floor
    assert redis.line("data stored").usd == pytest.approx(1 * 0.125 * 730)  # 91.25: the 1 GB floor
    assert "metered minimum" in valkey.line("data stored").detail
    memcached = estimate_serverless(TABLE, "us-east-1", "memcached", tiny)
    assert memcached.line("data stored").usd == pytest.approx(91.25)


def test_without_a_load_it_says_which_part_it_could_not_price() -> None:
    estimate = estimate_serverless(TABLE, "us-east-1", "valkey", None, retention_days=1)
    assert estimate.monthly_usd == 0
    assert [part.split(":")[0] for part in estimate.unknown] == ["data stored", "ECPUs", "backups"]
    partial = estimate_serverless(TABLE, "us-east-1", "valkey", Load(data_gb=1))
    assert partial.line("data stored").usd == pytest.approx(1 * 0.084 * 730)
    # Unnamed, the parts lacking are said in no audience's words: the callers name their own inputs.
    assert partial.unknown == ("ECPUs: no expected request rate and no ECPU/s limit",)
    terms = ServerlessTerms(requests_per_second="tag `rps`", max_ecpu_per_second="`cap`", snapshot_gb="`snap`")
    named = estimate_serverless(TABLE, "us-east-1", "valkey", None, retention_days=1, terms=terms)
    assert named.unknown == (
        "data stored: no expected data size and no data storage limit",
        "ECPUs: no expected request rate (tag `rps`) and no ECPU/s limit (`cap`)",
        "backups: 1 snapshot kept: no snapshot or data size (`snap`)",
    )


def test_with_limits_only_it_gives_the_ceiling() -> None:
    limits = ServerlessLimits(max_data_gb=5, max_ecpu_per_second=5000)
    estimate = estimate_serverless(TABLE, "us-east-1", "valkey", None, retention_days=1, limits=limits)
    expected = 5 * 0.084 * 730 + 5000 * ECPU_MONTH * 0.0023 + 1 * 5 * 0.085  # 306.60 + 30.222 + 0.425
    assert estimate.monthly_usd == pytest.approx(expected)
    assert estimate.at_most
    assert "at most $337.25/month" in estimate.summary()


def test_limits_cap_and_minimums_floor_the_expected_load() -> None:
    limits = ServerlessLimits(max_data_gb=10, max_ecpu_per_second=1000, min_data_gb=2, min_ecpu_per_second=100)
    over = estimate_serverless(TABLE, "us-east-1", "valkey", Load(data_gb=20, requests_per_second=5000), 0, limits)
    assert over.line("data stored").usd == pytest.approx(10 * 0.084 * 730)
    assert over.line("ECPUs").usd == pytest.approx(1000 * ECPU_MONTH * 0.0023)
    under = estimate_serverless(TABLE, "us-east-1", "valkey", Load(data_gb=0.5, requests_per_second=10), 0, limits)
    assert under.line("data stored").usd == pytest.approx(2 * 0.084 * 730)
    assert under.line("ECPUs").usd == pytest.approx(100 * ECPU_MONTH * 0.0023)


def test_serverless_in_a_region_without_data() -> None:
    # The CSV has serverless rates for us-east-1 only: no other region borrows them.
    estimate = estimate_serverless(TABLE, "eu-west-1", "valkey", Load(data_gb=1, requests_per_second=10))
    assert estimate.line("data stored").usd is None
    assert estimate.line("ECPUs").usd is None
    assert (
        "no Valkey serverless price for eu-west-1 in the table (known: us-east-1)"
        in estimate.line("data stored").detail
    )
    redis = estimate_serverless(TABLE, "eu-west-1", "redis", Load(data_gb=1, requests_per_second=10))
    assert redis.line("data stored").usd is None
    assert redis.monthly_usd == 0


def test_load_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="data_gb"):
        Load(data_gb=-1)
    with pytest.raises(ValueError, match="item_kb"):
        Load(item_kb=0)
    with pytest.raises(ValueError, match="requests_per_second"):
        Load(requests_per_second=float("inf"))


# -- advice -----------------------------------------------------------------------------------------------------


def test_the_smallest_node_type_that_fits_with_headroom() -> None:
    # cache.t4g.micro: 0.5 GiB x 0.75 x 1.073741824 = 0.4027 GB of data.
    assert smallest_node_type(TABLE, "us-east-1", "valkey", 0.40) == "cache.t4g.micro"
    assert smallest_node_type(TABLE, "us-east-1", "valkey", 0.41) == "cache.t4g.small"
    # 10 GB: cache.r6g.large (13.07 GiB, 0.1648 $/h) is cheaper than cache.r7g.large of the same memory.
    assert smallest_node_type(TABLE, "us-east-1", "valkey", 10) == "cache.r6g.large"
    assert smallest_node_type(TABLE, "us-east-1", "valkey", 30, shards=3) == "cache.r6g.large"
    assert smallest_node_type(TABLE, "us-east-1", "valkey", 10_000) is None


def test_break_even_arithmetic() -> None:
    advice = advise(TABLE, "us-east-1", "valkey", Load(data_gb=0.1, requests_per_second=200), replicas=1)
    assert advice.node_type == "cache.t4g.micro"
    nodes = 2 * 0.0128 * 730  # 18.688; one day of retention: the snapshot is free
    fixed = 0.1 * 0.084 * 730 + 1 * 0.1 * 0.085  # serverless storage + its one billed snapshot
    per_request_per_second = ECPU_MONTH * 0.0023
    assert advice.break_even_requests_per_second == pytest.approx((nodes - fixed) / per_request_per_second)  # ~2076
    at_break_even = Load(data_gb=0.1, requests_per_second=advice.break_even_requests_per_second)
    assert estimate_serverless(TABLE, "us-east-1", "valkey", at_break_even, 1).monthly_usd == pytest.approx(nodes)
    assert advice.recommendation == "serverless"
    busy = advise(TABLE, "us-east-1", "valkey", Load(data_gb=0.1, requests_per_second=5000), replicas=1)
    assert busy.recommendation == "node-based"


def test_a_serverless_cache_s_minimums_are_billed_in_its_advice_and_its_break_even() -> None:
    load = Load(data_gb=0.1, requests_per_second=200)
    floors = ServerlessLimits(min_ecpu_per_second=5000)
    advice = advise(TABLE, "us-east-1", "valkey", load, replicas=1, current="serverless", limits=floors)
    # Serverless bills at least 5,000 ECPU/s: 6.13 storage + 0.01 backup + 5000 x 2.628 x 0.0023 = 36.36 $/month,
    # more than 2 x cache.t4g.micro (18.69) at any rate, since no rate bills fewer ECPUs than the minimum.
    assert advice.serverless.monthly_usd == pytest.approx(0.1 * 0.084 * 730 + 0.1 * 0.085 + 5000 * ECPU_MONTH * 0.0023)
    assert advice.current is not None
    assert advice.current.monthly_usd == advice.serverless.monthly_usd
    assert advice.recommendation == "node-based"
    assert advice.break_even_requests_per_second == 0  # without the floor: (18.69 - 6.14) / 0.006 = 2,076 req/s
    # A minimum below the break-even rate leaves it where it was.
    low = advise(TABLE, "us-east-1", "valkey", load, replicas=1, limits=ServerlessLimits(min_ecpu_per_second=1000))
    plain = advise(TABLE, "us-east-1", "valkey", load, replicas=1)
    assert low.break_even_requests_per_second == pytest.approx(plain.break_even_requests_per_second)


def test_when_serverless_storage_alone_costs_more_nodes_win_at_any_rate() -> None:
    advice = advise(TABLE, "us-east-1", "valkey", Load(data_gb=2, requests_per_second=10), replicas=1)
    assert advice.break_even_requests_per_second == 0
    assert advice.recommendation == "node-based"
    assert any("at any request rate" in reason for reason in advice.reasons)


def test_reserved_savings_for_a_steady_cache() -> None:
    advice = advise(
        TABLE,
        "us-east-1",
        "valkey",
        Load(data_gb=10, requests_per_second=20_000),
        replicas=2,
        current="cache.r7g.large",
    )
    assert advice.node_type == "cache.r6g.large"
    on_demand = 3 * 0.1648 * 730  # 360.912
    options = {(option.term, option.payment): option for option in advice.reserved}
    assert len(options) == 6
    assert options["1yr", "no-upfront"].monthly_usd == pytest.approx(on_demand * (1 - 0.32))
    assert options["1yr", "no-upfront"].saving_usd == pytest.approx(on_demand * 0.32)  # 115.49
    assert options["3yr", "all-upfront"].saving_usd == pytest.approx(on_demand * 0.55)  # 198.50
    assert advice.recommendation == "node-based"
    assert advice.current is not None
    assert advice.current.line("nodes").usd == pytest.approx(3 * 0.1752 * 730)


def test_advice_without_a_data_size_keeps_the_current_node_type_or_says_it_cannot() -> None:
    kept = advise(TABLE, "us-east-1", "valkey", Load(requests_per_second=100), current="cache.t4g.small")
    assert kept.node_type == "cache.t4g.small"
    unknown = advise(TABLE, "us-east-1", "valkey", Load(requests_per_second=100))
    assert unknown.recommendation == "unknown"
    assert unknown.break_even_requests_per_second is None


# -- cross-AZ ---------------------------------------------------------------------------------------------------


def test_same_az_placement_saves_the_cross_az_reads() -> None:
    azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
    result = cross_az(TABLE, azs, azs, Load(requests_per_second=1000, item_kb=2), read_fraction=0.8)
    monthly_gb = 1000 * 2 * 3600 * 730 / 1e6  # 5256 GB
    assert result.monthly_gb == pytest.approx(monthly_gb)
    # As placed: every reader has a node in its AZ; writes from 2 of 3 AZs cross to the primary.
    assert result.placed.usd == pytest.approx(monthly_gb * (0.2 * 2 / 3) * 2 * 0.01)  # 14.02
    # Left to AWS: 2 of 3 requests cross, each byte billed out and in.
    assert result.left_to_aws.usd == pytest.approx(monthly_gb * (2 / 3) * 2 * 0.01)  # 70.08
    assert result.saving_usd == pytest.approx(70.08 - 14.016)


def test_a_primary_outside_the_app_azs_costs_more_than_leaving_it_to_aws() -> None:
    result = cross_az(TABLE, ["us-east-1a", "us-east-1b"], ["us-east-1c"], Load(requests_per_second=100))
    monthly_gb = 100 * 3600 * 730 / 1e6
    assert result.placed.usd == pytest.approx(monthly_gb * 1.0 * 2 * 0.01)
    assert result.left_to_aws.usd == pytest.approx(monthly_gb * 0.5 * 2 * 0.01)
    saving = result.saving_usd
    assert saving is not None
    assert saving < 0


def test_cross_az_without_a_request_rate_is_unknown() -> None:
    result = cross_az(TABLE, ["us-east-1a"], ["us-east-1a"], Load(data_gb=1))
    assert result.placed.usd is None
    assert result.saving_usd is None
    with pytest.raises(ValueError, match="read_fraction"):
        cross_az(TABLE, ["us-east-1a"], ["us-east-1a"], Load(requests_per_second=1), read_fraction=1.5)


# -- plain data -------------------------------------------------------------------------------------------------


def test_everything_renders_as_json() -> None:
    load = Load(data_gb=2, requests_per_second=300)
    documents = [
        estimate_node_based(TABLE, "eu-west-1", "valkey", "cache.t4g.small", 2, 7, load).to_dict(),
        estimate_serverless(TABLE, "us-east-1", "valkey", None, 1, ServerlessLimits(5, 5000)).to_dict(),
        advise(TABLE, "us-east-1", "valkey", load, current="serverless").to_dict(),
        cross_az(TABLE, ["us-east-1a", "us-east-1b"], ["us-east-1a", "us-east-1b"], load).to_dict(),
    ]
    decoded = json.loads(json.dumps(documents))
    assert decoded[0]["unknown"] == ["backups: no backup storage price for eu-west-1 in the table (known: us-east-1)"]
    assert decoded[0]["lines"][0]["sources"][0]["derived"].startswith("0.8 x the Redis OSS price 0.034 $/h")
    assert decoded[0]["lines"][0]["sources"][0]["url"].startswith("https://github.com/vantage-sh/ec2instances.info/")
    assert decoded[1]["atMost"] is True
    assert decoded[1]["monthlyUsd"] == 337.25
    assert decoded[2]["recommendation"] in ("serverless", "node-based")
    assert decoded[3]["assumptions"]


def test_the_model_needs_only_the_standard_library() -> None:
    # The policy pack's own virtualenv has nothing but pulumi and pulumi-policy: `-S` leaves out site-packages.
    repository = Path(__file__).resolve().parents[2]
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pricing;"
        "t = pricing.load_table(); print(round(pricing.estimate_node_based(t, 'us-east-1', 'valkey',"
        " 'cache.r7g.large', 3).monthly_usd, 3))"
    )
    found = subprocess.run([sys.executable, "-S", "-c", probe, str(repository)], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "383.688"


# -- three regions, from the CSV rows -----------------------------------------------------------------------------

# Redis OSS on-demand rows of elasticache-prices.csv: us-east-1 (DefangLabs, 2026-07-18), us-west-2 and eu-west-1
# (vantage, 2022-02-13, UNCERTAIN); the Valkey rows are the CSV's derived 0.8 x those.
THREE_REGIONS = {
    "us-east-1": {"redis t4g.small": 0.032, "valkey r6g.large": 0.1648},  # 0.8 x 0.206
    "us-west-2": {"redis t4g.small": 0.032, "valkey r6g.large": 0.1648},  # 0.8 x 0.206
    "eu-west-1": {"redis t4g.small": 0.034, "valkey r6g.large": 0.1832},  # 0.8 x 0.229
}


@pytest.mark.parametrize("region", sorted(THREE_REGIONS))
def test_node_based_in_three_regions(region: str) -> None:
    prices = THREE_REGIONS[region]
    redis = estimate_node_based(TABLE, region, "redis", "cache.t4g.small", 2)
    assert redis.monthly_usd == pytest.approx(2 * prices["redis t4g.small"] * 730)
    assert redis.to_dict()["monthlyUsd"] == round(2 * prices["redis t4g.small"] * 730, 2)
    valkey = estimate_node_based(TABLE, region, "valkey", "cache.r6g.large", 3)
    assert valkey.monthly_usd == pytest.approx(3 * prices["valkey r6g.large"] * 730)
    assert "derived: 0.8 x the Redis OSS price" in valkey.line("nodes").detail
    assert valkey.uncertain is (region != "us-east-1")  # outside us-east-1 every node figure is a 2022 one


@pytest.mark.parametrize("region", sorted(THREE_REGIONS))
def test_serverless_in_three_regions(region: str) -> None:
    load = Load(data_gb=2, requests_per_second=1000)
    estimate = estimate_serverless(TABLE, region, "valkey", load, 1)
    if region == "us-east-1":
        # usage.ai (June 2026): 0.084 $/GB-hour, 0.0023 $/million ECPU; one billed snapshot of 2 GB.
        assert estimate.monthly_usd == pytest.approx(2 * 0.084 * 730 + 1000 * ECPU_MONTH * 0.0023 + 2 * 0.085)
        assert estimate.complete
    else:
        # The CSV has serverless rates for us-east-1 only: named, never borrowed.
        assert estimate.monthly_usd == 0
        assert estimate.unknown[0] == (
            f"data stored: no Valkey serverless price for {region} in the table (known: us-east-1)"
        )


def test_advice_proposes_current_generation_node_types_only() -> None:
    from pricing.advice import advisable

    for old in ("cache.t2.micro", "cache.m4.large", "cache.r4.large", "cache.m3.medium", "cache.r6gd.xlarge"):
        assert not advisable(old)
    assert advisable("cache.t4g.small")
    assert not advisable("cache.t4g.small", burstable=False)
    for region in TABLE.regions():
        for data_gb in (0.3, 5, 50):
            for engine in ("valkey", "redis"):
                chosen = smallest_node_type(TABLE, region, engine, data_gb)
                assert chosen is None or advisable(chosen), (region, data_gb, chosen)
                steady = smallest_node_type(TABLE, region, engine, data_gb, burstable=False)
                assert steady is None or not steady.startswith("cache.t"), steady
