from __future__ import annotations

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
    SUBNETS,
)

CONFIG = {"appAvailabilityZones": APP_AZS}
DEV = {"appAvailabilityZones": ["us-east-1a", "us-east-1b"]}


def test_passes_primary_first_and_every_app_az_covered() -> None:
    assert check(same_az_placement, RG, REPLICATION_GROUP, config=CONFIG).passed
    assert check(same_az_placement, RG, SHARDED_GROUP, config=CONFIG).passed


def test_not_applicable_without_app_azs() -> None:
    assert "no `appAvailabilityZones`" in (check(same_az_placement, RG, REPLICATION_GROUP).not_applicable or "")


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


def test_serverless_needs_a_subnet_map() -> None:
    outcome = check(same_az_placement, SLS, SERVERLESS_CACHE, config=CONFIG)
    assert "cannot be resolved offline" in (outcome.not_applicable or "")
    mapped = {**CONFIG, "subnetAvailabilityZones": SUBNETS}
    assert check(same_az_placement, SLS, SERVERLESS_CACHE, config=mapped).passed
    two = with_(SERVERLESS_CACHE, subnetIds=list(SUBNETS)[:2])
    assert "no node in app AZ(s) us-east-1c" in check(same_az_placement, SLS, two, config=mapped).text()
    stray = {**SUBNETS, "subnet-0ffff": "us-east-1f"}
    outside = with_(SERVERLESS_CACHE, subnetIds=[*SUBNETS, "subnet-0ffff"])
    outcome = check(same_az_placement, SLS, outside, config={**CONFIG, "subnetAvailabilityZones": stray})
    assert "node(s) in us-east-1f, outside the app AZs" in outcome.text()


def test_serverless_unmapped_or_unknown_subnets_are_advisory() -> None:
    mapped = {**CONFIG, "subnetAvailabilityZones": SUBNETS}
    unmapped = check(same_az_placement, SLS, with_(SERVERLESS_CACHE, subnetIds=[*SUBNETS, "subnet-new"]), config=mapped)
    assert unmapped.violations == []
    assert "subnet subnet-new is not in `subnetAvailabilityZones`" in (unmapped.advisory or "")
    unknown = check(same_az_placement, SLS, with_(SERVERLESS_CACHE, subnetIds=UNKNOWN), config=mapped)
    assert "`subnetIds` is not known until apply" in (unknown.advisory or "")


def test_memcached_cluster_placement() -> None:
    spread = {"engine": "memcached", "numCacheNodes": 3, "preferredAvailabilityZones": APP_AZS}
    assert check(same_az_placement, CLUSTER, spread, config=CONFIG).passed
    assert "AWS picks the AZs" in check(same_az_placement, CLUSTER, {"engine": "memcached"}, config=CONFIG).text()
    single = check(same_az_placement, CLUSTER, {"engine": "memcached", "availabilityZone": "us-east-1a"}, config=CONFIG)
    assert "no node in app AZ(s) us-east-1b, us-east-1c" in single.text()
    assert check(same_az_placement, CLUSTER, {"replicationGroupId": "g"}, config=CONFIG).not_applicable
