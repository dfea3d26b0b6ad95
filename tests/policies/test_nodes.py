from __future__ import annotations

import pytest
from guardrails.nodes import node_type

from tests.policies.harness import UNKNOWN, check, with_
from tests.policies.secure import CLUSTER, REPLICATION_GROUP, RG, SERVERLESS_CACHE, SLS


@pytest.mark.parametrize("current", ["cache.r7g.large", "cache.t4g.micro", "cache.m7g.xlarge", "cache.r6gd.xlarge"])
def test_current_generation_passes(current: str) -> None:
    assert check(node_type, RG, with_(REPLICATION_GROUP, nodeType=current)).passed


@pytest.mark.parametrize(
    "old", ["cache.t2.micro", "cache.m3.medium", "cache.r3.large", "cache.t1.micro", "cache.c1.xlarge"]
)
def test_previous_generation_is_flagged(old: str) -> None:
    assert "previous-generation family" in check(node_type, RG, with_(REPLICATION_GROUP, nodeType=old)).text()
    assert check(node_type, CLUSTER, {"engine": "memcached", "nodeType": old}).violations


@pytest.mark.parametrize(("old", "successor"), [("cache.m4.large", "m6g"), ("cache.r4.xlarge", "r6g")])
def test_m4_and_r4_are_flagged_for_cost_not_as_previous_generation(old: str, successor: str) -> None:
    """AWS lists m4 and r4 as current generation (elasticache-node-types.csv): refused for cost, and said so."""
    [message] = check(node_type, RG, with_(REPLICATION_GROUP, nodeType=old)).violations
    family = old.split(".")[1]
    assert message.startswith(
        f"`nodeType` {old!r}: {family} is refused for cost: AWS still lists it as current generation, but each "
        f"{family} size costs more per hour than the {successor} of the same size, which has as many vCPUs."
    )
    assert "previous" not in message
    assert check(node_type, CLUSTER, {"engine": "memcached", "nodeType": old}).violations


def test_a_current_family_the_config_refuses_is_named_as_the_config_s() -> None:
    outcome = check(
        node_type, RG, with_(REPLICATION_GROUP, nodeType="cache.r5.large"), config={"refusedFamilies": ["r5"]}
    )
    [message] = outcome.violations
    assert message.startswith("`nodeType` 'cache.r5.large': r5 is in this pack's `refusedFamilies`.")


def test_allow_list_and_garbage() -> None:
    config = {"allowedNodeTypes": ["cache.r7g.large"]}
    assert check(node_type, RG, REPLICATION_GROUP, config=config).passed
    assert (
        "not an allowed node type"
        in check(node_type, RG, with_(REPLICATION_GROUP, nodeType="cache.r7g.xlarge"), config=config).text()
    )
    assert "not an ElastiCache node type" in check(node_type, RG, with_(REPLICATION_GROUP, nodeType="r7g.large")).text()
    relaxed = check(node_type, RG, with_(REPLICATION_GROUP, nodeType="cache.t2.micro"), config={"refusedFamilies": []})
    assert relaxed.passed


def test_not_applicable_and_unknown() -> None:
    assert check(node_type, SLS, SERVERLESS_CACHE).not_applicable
    assert check(node_type, RG, with_(REPLICATION_GROUP, globalReplicationGroupId="g")).not_applicable
    assert check(node_type, CLUSTER, {"replicationGroupId": "g"}).not_applicable
    unknown = check(node_type, RG, with_(REPLICATION_GROUP, nodeType=UNKNOWN))
    assert "`nodeType` is not known" in (unknown.advisory or "")
