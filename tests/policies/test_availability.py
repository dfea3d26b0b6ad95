from __future__ import annotations

from guardrails.availability import multi_az_failover

from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_NUMBER, check, with_
from tests.policies.secure import CLUSTER, REPLICATION_GROUP, RG, SERVERLESS_CACHE, SHARDED_GROUP, SLS


def test_passes_multi_az_groups_sharded_or_not() -> None:
    assert check(multi_az_failover, RG, REPLICATION_GROUP).passed
    assert check(multi_az_failover, RG, SHARDED_GROUP).passed


def test_flags_single_node_group() -> None:
    outcome = check(multi_az_failover, RG, with_(REPLICATION_GROUP, numCacheClusters=1))
    assert "the group has 1 node(s); every shard needs at least 2" in outcome.text()
    assert "`numCacheClusters`" in outcome.text()


def test_unset_node_count_is_one_node() -> None:
    outcome = check(multi_az_failover, RG, with_(REPLICATION_GROUP, numCacheClusters=DROP))
    assert "the group has 1 node(s)" in outcome.text()


def test_flags_shards_without_replicas() -> None:
    no_replicas = with_(
        SHARDED_GROUP,
        replicasPerNodeGroup=0,
        nodeGroupConfigurations=[
            {"primaryAvailabilityZone": "us-east-1a", "replicaCount": 0},
            {"primaryAvailabilityZone": "us-east-1a", "replicaCount": 1, "replicaAvailabilityZones": ["us-east-1b"]},
        ],
    )
    outcome = check(multi_az_failover, RG, no_replicas)
    assert "shard 1 has 1 node(s); every shard needs at least 2" in outcome.text()
    assert "shard 2" not in outcome.text()
    bare = with_(SHARDED_GROUP, replicasPerNodeGroup=DROP, nodeGroupConfigurations=DROP)
    assert "shard 1 has 1 node(s), shard 2 has 1 node(s), shard 3 has 1 node(s)" in (
        check(multi_az_failover, RG, bare).text()
    )
    assert "Raise `replicasPerNodeGroup`." in check(multi_az_failover, RG, bare).text()


def test_names_the_input_that_sizes_each_short_shard() -> None:
    # A shard's own replicaCount wins over replicasPerNodeGroup: raising the latter would change nothing for it.
    mixed = with_(
        SHARDED_GROUP,
        numNodeGroups=3,
        replicasPerNodeGroup=0,
        nodeGroupConfigurations=[{"replicaCount": 0}, {"replicaCount": 1}, {}],
    )
    outcome = check(multi_az_failover, RG, mixed)
    assert "shard 1 has 1 node(s), shard 3 has 1 node(s)" in outcome.text()
    assert "Raise `nodeGroupConfigurations[0].replicaCount` and `replicasPerNodeGroup`." in outcome.text()
    own = with_(mixed, replicasPerNodeGroup=1)
    assert "Raise `nodeGroupConfigurations[0].replicaCount`." in check(multi_az_failover, RG, own).text()


def test_flags_failover_and_multi_az_off_or_unset() -> None:
    outcome = check(
        multi_az_failover, RG, with_(REPLICATION_GROUP, automaticFailoverEnabled=False, multiAzEnabled=DROP)
    )
    assert "`automaticFailoverEnabled` is false" in outcome.text()
    assert "`multiAzEnabled` is unset (AWS default: off)" in outcome.text()


def test_config_relaxes_per_environment() -> None:
    single = with_(REPLICATION_GROUP, numCacheClusters=1, automaticFailoverEnabled=False, multiAzEnabled=False)
    config = {"minimumNodesPerShard": 1, "requireMultiAz": False, "requireAutomaticFailover": False}
    assert check(multi_az_failover, RG, single, config=config).passed
    stricter = check(multi_az_failover, RG, REPLICATION_GROUP, config={"minimumNodesPerShard": 4})
    assert "needs at least 4" in stricter.text()


def test_unknown_counts_and_flags_are_advisory() -> None:
    outcome = check(
        multi_az_failover, RG, with_(REPLICATION_GROUP, numCacheClusters=UNKNOWN_NUMBER, multiAzEnabled=UNKNOWN)
    )
    assert outcome.violations == []
    assert outcome.advisory == (
        "`numCacheClusters`, `multiAzEnabled` are not known until apply; checked again at `pulumi up`"
    )


def test_not_applicable_to_serverless_memcached_and_group_members() -> None:
    assert check(multi_az_failover, SLS, SERVERLESS_CACHE).not_applicable
    assert "Memcached" in (check(multi_az_failover, CLUSTER, {"engine": "memcached"}).not_applicable or "")
    assert check(multi_az_failover, CLUSTER, {"replicationGroupId": "g"}).not_applicable
    assert "standalone" in check(multi_az_failover, CLUSTER, {"engine": "redis"}).text()


def test_a_node_count_that_is_not_a_number_is_flagged() -> None:
    outcome = check(multi_az_failover, RG, with_(REPLICATION_GROUP, numCacheClusters="three"))
    assert "the node count 'three' is not a number" in outcome.text()


def test_cluster_mode_enabled_with_num_cache_clusters_is_one_shard_of_that_many_nodes() -> None:
    """AWS takes NumCacheClusters for a single node group, and `replicasPerNodeGroup` conflicts with it."""
    group = with_(REPLICATION_GROUP, clusterMode="enabled", numCacheClusters=3)
    assert check(multi_az_failover, RG, group).passed
    assert "the group has 1 node(s)" in check(multi_az_failover, RG, with_(group, numCacheClusters=1)).text()
