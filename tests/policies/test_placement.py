from __future__ import annotations

import json

from guardrails.placement import same_az_placement

from tests.policies.harness import DROP, UNKNOWN, check, with_
from tests.policies.secure import (
    APP_AZS,
    CLUSTER,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SHARDED_GROUP,
    SLS,
    STACK_CONFIG,
)

CONFIG = {"appAvailabilityZones": APP_AZS}
DEV = {"appAvailabilityZones": ["us-east-1a", "us-east-1b"]}
SPREAD = "nodes in 1 AZ(s)"
PROMPTS = with_(SERVERLESS_CACHE, tags={"subnetAvailabilityZones": " ".join(APP_AZS)})


def stack(network: object) -> dict[str, str]:
    """A stack config as the CLI hands it to the pack: `<namespace>:<key>` -> string, objects JSON-encoded."""
    return {"elasticache:network": json.dumps(network), "aws:region": "us-east-1"}


def test_passes_primary_first_and_every_app_az_covered() -> None:
    assert check(same_az_placement, RG, REPLICATION_GROUP, config=CONFIG).passed
    assert check(same_az_placement, RG, SHARDED_GROUP, config=CONFIG).passed


def test_app_azs_come_from_the_stack_config_key_the_policy_names() -> None:
    three = stack({"vpcId": "vpc-1", "appAvailabilityZones": APP_AZS})
    assert check(same_az_placement, RG, REPLICATION_GROUP, stack_config=three).passed
    two = stack({"appAvailabilityZones": ["us-east-1a", "us-east-1b"]})
    outcome = check(same_az_placement, RG, REPLICATION_GROUP, stack_config=two)
    assert "node(s) in us-east-1c, outside the app AZs ['us-east-1a', 'us-east-1b']" in outcome.text()
    # Another program keeps them elsewhere: the policy config names its key.
    theirs = {"shop:cacheZones": json.dumps(["us-east-1a", "us-east-1b"])}
    named = check(
        same_az_placement,
        RG,
        REPLICATION_GROUP,
        config={"appAvailabilityZonesKey": "shop:cacheZones"},
        stack_config=theirs,
    )
    assert "outside the app AZs ['us-east-1a', 'us-east-1b']" in named.text()
    # A list in the policy config wins over the key (for a program that keeps its AZs in no config).
    assert check(same_az_placement, RG, REPLICATION_GROUP, config=CONFIG, stack_config=two).passed


def test_a_stack_config_value_that_is_no_list_of_azs_is_a_violation() -> None:
    outcome = check(
        same_az_placement, RG, REPLICATION_GROUP, stack_config=stack({"appAvailabilityZones": "us-east-1a"})
    )
    assert "stack config `elasticache:network.appAvailabilityZones` is 'us-east-1a', not a list of AZ names" in (
        outcome.text()
    )


def test_without_app_azs_placement_left_to_aws_is_not_applicable() -> None:
    for stack_config in (None, stack({"vpcId": "vpc-1"}), {"aws:region": "us-east-1"}):
        unset = with_(REPLICATION_GROUP, preferredCacheClusterAzs=DROP)
        outcome = check(same_az_placement, RG, unset, stack_config=stack_config)
        assert "no app AZs known" in (outcome.not_applicable or ""), stack_config
        assert "AWS places the nodes" in (outcome.not_applicable or "")
        sharded = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=DROP))
        assert "AWS places the nodes" in (sharded.not_applicable or "")
    assert "spreads a serverless cache" in (check(same_az_placement, SLS, SERVERLESS_CACHE).not_applicable or "")


def test_without_app_azs_nodes_a_program_places_must_span_two_azs() -> None:
    assert check(same_az_placement, RG, REPLICATION_GROUP).passed
    assert check(same_az_placement, RG, SHARDED_GROUP).passed
    stacked = with_(REPLICATION_GROUP, preferredCacheClusterAzs=["us-east-1a"] * 3)
    assert "3 nodes in 1 AZ(s) (us-east-1a): one AZ failure takes them all" in (
        check(same_az_placement, RG, stacked).text()
    )
    shards = [
        {**shard, "replicaAvailabilityZones": ["us-east-1a"]} for shard in SHARDED_GROUP["nodeGroupConfigurations"]
    ]
    outcome = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=shards))
    assert "shard 1: 2 nodes in 1 AZ(s)" in outcome.text()
    one = with_(REPLICATION_GROUP, numCacheClusters=1, preferredCacheClusterAzs=["us-east-1a"])
    assert check(same_az_placement, RG, one).passed, "a one-node group spans one AZ"
    relaxed = check(same_az_placement, RG, stacked, config={"minimumSpreadZones": 1})
    assert relaxed.passed


def test_without_app_azs_memcached_is_judged_by_its_own_spread() -> None:
    memcached = {"engine": "memcached", "numCacheNodes": 3, "nodeType": "cache.t4g.small"}
    assert "`azMode` is unset (AWS default: single-az)" in check(same_az_placement, CLUSTER, memcached).text()
    assert check(same_az_placement, CLUSTER, {**memcached, "azMode": "cross-az"}).passed
    listed = {**memcached, "preferredAvailabilityZones": ["us-east-1a", "us-east-1a", "us-east-1b"]}
    assert check(same_az_placement, CLUSTER, listed).passed
    one = check(same_az_placement, CLUSTER, {"engine": "memcached", "numCacheNodes": 1})
    assert "one-node cluster" in (one.not_applicable or "")


def test_placement_left_to_aws_is_a_violation() -> None:
    outcome = check(same_az_placement, RG, with_(REPLICATION_GROUP, preferredCacheClusterAzs=DROP), config=CONFIG)
    assert "`preferredCacheClusterAzs` is unset: AWS picks the AZs" in outcome.text()
    sharded = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=DROP), config=CONFIG)
    assert "`nodeGroupConfigurations` is unset" in sharded.text()


def test_primary_outside_or_not_first() -> None:
    outside = with_(REPLICATION_GROUP, preferredCacheClusterAzs=["us-east-1d", "us-east-1b", "us-east-1c"])
    outcome = check(same_az_placement, RG, outside, config=CONFIG)
    assert "primary is in us-east-1d, outside the app AZs" in outcome.text()
    assert "node(s) in us-east-1d" in outcome.text()
    assert "no node in app AZ(s) us-east-1a" in outcome.text()
    second = with_(REPLICATION_GROUP, preferredCacheClusterAzs=["us-east-1b", "us-east-1a", "us-east-1c"])
    assert "belongs in the app's first AZ us-east-1a" in check(same_az_placement, RG, second, config=CONFIG).text()
    relaxed = {**CONFIG, "primaryInFirstZone": False}
    assert check(same_az_placement, RG, second, config=relaxed).passed


def test_every_app_az_needs_a_node() -> None:
    two = with_(REPLICATION_GROUP, numCacheClusters=2, preferredCacheClusterAzs=["us-east-1a", "us-east-1b"])
    assert "no node in app AZ(s) us-east-1c" in check(same_az_placement, RG, two, config=CONFIG).text()
    assert check(same_az_placement, RG, two, config=DEV).passed


def test_az_list_must_match_the_node_count() -> None:
    short = with_(REPLICATION_GROUP, preferredCacheClusterAzs=["us-east-1a", "us-east-1b"])
    assert "lists 2 AZ(s) for 3 node(s)" in check(same_az_placement, RG, short, config=DEV).text()


def test_sharded_group_judged_per_shard_and_covered_as_a_group() -> None:
    shards = [dict(shard) for shard in SHARDED_GROUP["nodeGroupConfigurations"]]
    shards[1]["primaryAvailabilityZone"] = "us-east-1b"
    shards[2]["replicaAvailabilityZones"] = ["us-west-2a"]
    outcome = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=shards), config=CONFIG)
    assert "shard 2: primary is in us-east-1b; it belongs in the app's first AZ" in outcome.text()
    assert "shard 3: node(s) in us-west-2a, outside the app AZs" in outcome.text()
    same = [{**shard, "replicaAvailabilityZones": ["us-east-1b"]} for shard in SHARDED_GROUP["nodeGroupConfigurations"]]
    uncovered = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=same), config=CONFIG)
    assert uncovered.violations == ["no node of any shard in app AZ(s) us-east-1c."]


def test_sharded_group_missing_shard_placement() -> None:
    shards = SHARDED_GROUP["nodeGroupConfigurations"][:2]
    outcome = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=shards), config=CONFIG)
    assert "places 2 of 3 shards" in outcome.text()
    no_replica_azs = [{"primaryAvailabilityZone": "us-east-1a", "replicaCount": 1}] * 3
    outcome = check(same_az_placement, RG, with_(SHARDED_GROUP, nodeGroupConfigurations=no_replica_azs), config=CONFIG)
    assert "`replicaAvailabilityZones` is unset" in outcome.text()


def test_unknown_azs_are_advisory() -> None:
    outcome = check(
        same_az_placement,
        RG,
        with_(REPLICATION_GROUP, preferredCacheClusterAzs=["us-east-1a", UNKNOWN, "us-east-1c"]),
        config=CONFIG,
    )
    assert outcome.violations == []
    assert "`preferredCacheClusterAzs[1]` is not known until apply" in (outcome.advisory or "")


def test_global_secondary_not_applicable() -> None:
    secondary = with_(REPLICATION_GROUP, globalReplicationGroupId="g", preferredCacheClusterAzs=["eu-west-1a"])
    assert "another region" in (check(same_az_placement, RG, secondary, config=CONFIG).not_applicable or "")


def test_serverless_is_judged_by_the_azs_its_program_declares_for_its_subnets() -> None:
    assert check(same_az_placement, SLS, PROMPTS, config=CONFIG).passed
    undeclared = check(same_az_placement, SLS, with_(SERVERLESS_CACHE, tags={"team": "platform"}), config=CONFIG)
    assert "the `subnetAvailabilityZones` tag" in (undeclared.not_applicable or "")
    two = with_(SERVERLESS_CACHE, tags={"subnetAvailabilityZones": "us-east-1a us-east-1b"})
    assert "no node in app AZ(s) us-east-1c" in check(same_az_placement, SLS, two, config=CONFIG).text()
    stray = with_(SERVERLESS_CACHE, tags={"subnetAvailabilityZones": "us-east-1a us-east-1b us-east-1c us-east-1f"})
    assert "node(s) in us-east-1f, outside the app AZs" in check(same_az_placement, SLS, stray, config=CONFIG).text()
    no_subnets = check(same_az_placement, SLS, with_(PROMPTS, subnetIds=DROP), config=CONFIG)
    assert "`subnetIds` is unset" in no_subnets.text()


def test_serverless_unknown_declaration_is_advisory() -> None:
    unknown = check(same_az_placement, SLS, with_(SERVERLESS_CACHE, tags=UNKNOWN), config=CONFIG)
    assert unknown.violations == []
    assert "`tags` is not known until apply" in (unknown.advisory or "")


def test_memcached_cluster_placement() -> None:
    spread = {"engine": "memcached", "numCacheNodes": 3, "preferredAvailabilityZones": APP_AZS}
    assert check(same_az_placement, CLUSTER, spread, config=CONFIG).passed
    assert "AWS picks the AZs" in check(same_az_placement, CLUSTER, {"engine": "memcached"}, config=CONFIG).text()
    single = check(same_az_placement, CLUSTER, {"engine": "memcached", "availabilityZone": "us-east-1a"}, config=CONFIG)
    assert "no node in app AZ(s) us-east-1b, us-east-1c" in single.text()
    assert check(same_az_placement, CLUSTER, {"replicationGroupId": "g"}, config=CONFIG).not_applicable


def test_cluster_mode_enabled_with_num_cache_clusters_is_placed_as_one_group() -> None:
    """One node group counted by `numCacheClusters` is placed by `preferredCacheClusterAzs`, not by
    `nodeGroupConfigurations` (which needs `numNodeGroups`)."""
    group = with_(REPLICATION_GROUP, clusterMode="enabled", numCacheClusters=3)
    assert check(same_az_placement, RG, group, stack_config=STACK_CONFIG).passed
