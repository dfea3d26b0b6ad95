"""Capacity: expected load beyond what a cache holds or serves is a config error naming the key and a size that fits.

Hand-computed: usable memory = shards x node memory (node-type catalog, GiB) x (1 - reserved-memory-percent / 100)
x 1.073741824 GB/GiB. cache.r7g.large 13.07 GiB, cache.r7g.xlarge 26.32 GiB; reserved-memory-percent 25 unless
a cache's parameters set it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.stack_config import ConfigError
from pricing import capacity
from tests.conftest import edit_cache, unit_spec
from tests.test_validation import problems_of, rejected

GB_PER_GIB = 1.073741824


def test_expected_data_beyond_the_usable_memory_of_the_shards_names_a_node_type_and_shard_count_that_fit(
    prod,
) -> None:
    load = {"averageDataGb": 80, "requestsPerSecond": 20000, "averageItemKb": 4}
    config = edit_cache(prod, "retrieval", nodeType="cache.r7g.large", shards=4, expectedLoad=load)
    problem = rejected(config, "caches.retrieval.nodeType")
    assert problem.value == "cache.r7g.large"
    usable = 4 * 13.07 * 0.75 * GB_PER_GIB  # 42.10 GB, not the 52 GiB of raw memory
    assert f"hold {usable:.1f} GB" in problem.message
    assert "expectedLoad.averageDataGb 80 GB does not fit" in problem.message
    # A size that fits: the next node type of the family (4 x 26.32 x 0.75 x 1.0737 = 84.8 GB), or 8 shards
    # (80 / 10.525 per shard = 7.6, so 8: 84.2 GB).
    assert f"nodeType cache.r7g.xlarge ({4 * 26.32 * 0.75 * GB_PER_GIB:.1f} GB usable)" in problem.message
    assert f"shards 8 of cache.r7g.large ({8 * 13.07 * 0.75 * GB_PER_GIB:.1f} GB usable)" in problem.message


def test_what_fits_follows_the_cache_s_reserved_memory_percent(prod, run) -> None:
    # 4 x 13.07 GiB x 90% x 1.0737 = 50.5 GB: 45 GB fits once only 10% is reserved, not with the default 25% (42.1).
    config = edit_cache(prod, "retrieval", nodeType="cache.r7g.large", shards=4, expectedLoad={"averageDataGb": 45})
    assert "hold 42.1 GB" in rejected(config, "caches.retrieval.nodeType").message
    roomier = edit_cache(config, "retrieval", parameters={"reserved-memory-percent": 10})
    assert run(roomier).resources


def test_cluster_mode_disabled_offers_only_a_bigger_node_type(prod) -> None:
    config = edit_cache(prod, "sessions", expectedLoad={"averageDataGb": 12, "requestsPerSecond": 3000})
    problem = rejected(config, "caches.sessions.nodeType")
    assert f"holds {13.07 * 0.75 * GB_PER_GIB:.1f} GB" in problem.message  # 10.5 GB
    assert "nodeType cache.r7g.xlarge" in problem.message
    assert "shards" not in problem.message.split("; use ")[1]


def test_serverless_data_and_request_rate_beyond_the_usage_limits(dev) -> None:
    # prompts: limits maxDataGb 5, maxEcpuPerSecond 5000; 10,000 req/s of 2 KB items = 20,000 ECPU/s.
    config = edit_cache(
        dev, "prompts", expectedLoad={"averageDataGb": 8, "requestsPerSecond": 10000, "averageItemKb": 2}
    )
    found = {p.path: p for p in problems_of(config)}
    data = found["caches.prompts.limits.maxDataGb"]
    assert data.value == 5
    assert "set limits.maxDataGb to at least 8" in data.message
    ecpu = found["caches.prompts.limits.maxEcpuPerSecond"]
    assert ecpu.value == 5000
    assert "10,000 x 2 ECPU per request = 20,000 ECPU/s" in ecpu.message
    assert "set limits.maxEcpuPerSecond to at least 20,000" in ecpu.message


def test_a_rate_no_serverless_cache_serves_says_to_go_node_based() -> None:
    [shortfall] = capacity.check_serverless(None, 10_000_000, 2, 5, 5000, 15_000_000)
    assert "no serverless cache serves it (AWS allows at most 15,000,000 ECPU/s): use a node-based cache" in (
        shortfall.message
    )


@pytest.mark.parametrize("node_type", ["cache.r6gd.xlarge", "cache.x9.large"])
def test_data_tiering_and_unknown_node_types_are_not_judged_by_memory(node_type: str) -> None:
    assert capacity.check_node_based(10_000, node_type, 1, max_shards=None) is None


@pytest.mark.parametrize("load", [{"averageDataGb": 1}, None])
def test_reserving_all_memory_is_one_problem_at_the_parameter(load: dict[str, Any] | None) -> None:
    body: dict[str, Any] = {"workload": "cache", "parameters": {"reserved-memory-percent": 100}}
    if load is not None:
        body["expectedLoad"] = load
    with pytest.raises(ConfigError) as raised:
        unit_spec({"c": body})
    [problem] = raised.value.problems
    assert problem.path == "caches.c.parameters.reserved-memory-percent"
    assert problem.value == 100
    assert "nothing is left for data" in problem.message
    assert "allowed: 0..99" in problem.message
    assert "AWS's default 25" in problem.message


@settings(max_examples=60, deadline=None)
@given(
    percent=st.integers(0, 100),
    data_gb=st.floats(0.01, 100_000),
    shards=st.one_of(st.none(), st.integers(1, 4)),
    node_type=st.sampled_from(["cache.t4g.micro", "cache.r7g.large", "cache.m7g.16xlarge"]),
)
def test_any_reserved_memory_percent_is_judged_without_a_crash(
    percent: int, data_gb: float, shards: int | None, node_type: str
) -> None:
    body: dict[str, Any] = {
        "workload": "cache",
        "nodeType": node_type,
        "parameters": {"reserved-memory-percent": percent},
        "expectedLoad": {"averageDataGb": data_gb},
    }
    if shards is not None:
        body["shards"] = shards
    try:
        unit_spec({"c": body})
    except ConfigError as error:
        paths = {problem.path for problem in error.problems}
        assert paths <= {"caches.c.parameters.reserved-memory-percent", "caches.c.nodeType"}
        assert (percent == 100) == ("caches.c.parameters.reserved-memory-percent" in paths)
    for max_shards in (None, 500):
        capacity.check_node_based(data_gb, node_type, shards or 1, float(percent), max_shards=max_shards)
