from __future__ import annotations

from dataclasses import replace
from typing import Any

from guardrails.operations import LOG_SCHEMA, alarms_present, data_protection, log_delivery

from elasticache_facts import tokens
from tests.aws_api.model import closed_set
from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_ARRAY, Item, check, check_stack, with_
from tests.policies.secure import REPLICATION_GROUP, RG, SERVERLESS_CACHE, SLS

ALARM = tokens.METRIC_ALARM
DELIVERIES = [
    {
        "destination": "/aws/elasticache/g/slow-log",
        "destinationType": "cloudwatch-logs",
        "logFormat": "json",
        "logType": "slow-log",
    },
    {
        "destination": "/aws/elasticache/g/engine-log",
        "destinationType": "cloudwatch-logs",
        "logFormat": "json",
        "logType": "engine-log",
    },
]


def test_log_delivery_of_both_logs_passes() -> None:
    assert check(log_delivery, RG, with_(REPLICATION_GROUP, logDeliveryConfigurations=DELIVERIES)).passed


def test_missing_log_types_are_named() -> None:
    none = check(log_delivery, RG, with_(REPLICATION_GROUP, logDeliveryConfigurations=DROP))
    assert "No delivery of slow-log, engine-log" in none.text()
    slow_only = check(log_delivery, RG, with_(REPLICATION_GROUP, logDeliveryConfigurations=DELIVERIES[:1]))
    assert "No delivery of engine-log" in slow_only.text()
    relaxed = check(
        log_delivery,
        RG,
        with_(REPLICATION_GROUP, logDeliveryConfigurations=DELIVERIES[:1]),
        config={"requiredLogTypes": ["slow-log"]},
    )
    assert relaxed.passed


def test_log_delivery_unknown_or_not_applicable() -> None:
    unknown = check(log_delivery, RG, with_(REPLICATION_GROUP, logDeliveryConfigurations=UNKNOWN_ARRAY))
    assert unknown.violations == []
    assert "logDeliveryConfigurations" in (unknown.advisory or "")
    assert check(log_delivery, SLS, SERVERLESS_CACHE).not_applicable
    assert check(log_delivery, RG, with_(REPLICATION_GROUP, engine=UNKNOWN)).advisory


def alarm(name: str, metric: str, dims: dict[str, str], actions: Any = ("arn:aws:sns:us-east-1:1:t",)) -> Item:
    props: dict[str, Any] = {"namespace": "AWS/ElastiCache", "metricName": metric, "dimensions": dims}
    if actions is not None:
        props["alarmActions"] = list(actions) if isinstance(actions, tuple) else actions
    return Item(ALARM, name, props)


def node_alarms(group_id: str, actions: Any = ("arn:aws:sns:us-east-1:1:t",)) -> list[Item]:
    return [
        alarm(f"{group_id}-{n}-{m}", m, {"CacheClusterId": f"{group_id}-00{n}"}, actions)
        for n in (1, 2)
        for m in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")
    ]


def test_caches_with_alarms_that_notify_pass() -> None:
    cache = Item(RG, "sessions", REPLICATION_GROUP)
    server = Item(SLS, "prompts", SERVERLESS_CACHE)
    server_alarms = [
        alarm(f"p-{m}", m, {"clusterId": SERVERLESS_CACHE["name"]})
        for m in ("ElastiCacheProcessingUnits", "BytesUsedForCache")
    ]
    outcome = check_stack(alarms_present, [cache, server, *node_alarms("sessions-prod"), *server_alarms])
    assert outcome.passed, outcome


def test_missing_alarms_and_alarms_without_actions_are_flagged() -> None:
    cache = Item(RG, "sessions", REPLICATION_GROUP)
    bare = check_stack(alarms_present, [cache])
    assert "sessions (sessions-prod) has no alarm that notifies anyone on EngineCPUUtilization" in bare.text()
    silent = check_stack(alarms_present, [cache, *node_alarms("sessions-prod", actions=None)])
    assert "EngineCPUUtilization, DatabaseMemoryUsagePercentage" in silent.text()
    # Alarms of another group whose id merely shares a prefix do not count.
    other = check_stack(alarms_present, [cache, *node_alarms("sessions-prod2")])
    assert other.violations
    server = check_stack(alarms_present, [Item(SLS, "prompts", SERVERLESS_CACHE)])
    assert "ElastiCacheProcessingUnits, BytesUsedForCache" in server.text()


def test_alarm_policy_config_and_unknown_ids() -> None:
    cache = Item(RG, "sessions", REPLICATION_GROUP)
    only_cpu = node_alarms("sessions-prod")[:1]
    assert check_stack(alarms_present, [cache, *only_cpu], config={"nodeMetrics": ["EngineCPUUtilization"]}).passed
    # An id computed from another resource's output (a random suffix) is not known until apply.
    suffix = Item("random:index/randomString:RandomString", "suffix", {"length": 6})
    computed = Item(
        RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId=UNKNOWN), {"replicationGroupId": ["suffix"]}
    )
    unknown = check_stack(alarms_present, [suffix, computed])
    assert unknown.violations == []
    assert "replicationGroupId" in (unknown.advisory or "")
    autonamed = check_stack(alarms_present, [Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId=DROP))])
    assert "no explicit id" in (autonamed.advisory or "")
    # Actions computed from a topic's ARN are not known until apply, but they are set.
    topic = Item("aws:sns/topic:Topic", "oncall", {})
    fed = [
        replace(a, depends={"alarmActions": ["oncall"]}) for a in node_alarms("sessions-prod", actions=UNKNOWN_ARRAY)
    ]
    unknown_actions = check_stack(alarms_present, [cache, topic, *fed])
    assert unknown_actions.violations == []


def test_protected_or_final_snapshot_passes() -> None:
    assert check(data_protection, RG, REPLICATION_GROUP).passed  # finalSnapshotIdentifier set
    assert check(data_protection, RG, with_(REPLICATION_GROUP, finalSnapshotIdentifier=DROP), protect=True).passed
    assert check(data_protection, SLS, SERVERLESS_CACHE, protect=True).passed


def test_unprotected_without_final_snapshot_is_flagged() -> None:
    group = check(data_protection, RG, with_(REPLICATION_GROUP, finalSnapshotIdentifier=DROP))
    assert "Neither `protect` nor `finalSnapshotIdentifier`" in group.text()
    server = check(data_protection, SLS, SERVERLESS_CACHE)
    assert "serverless caches take no final snapshot" in server.text()
    unknown = check(data_protection, RG, with_(REPLICATION_GROUP, finalSnapshotIdentifier=UNKNOWN))
    assert unknown.passed  # a value will come


def math_alarm(name: str, metric: str, members: list[str], actions: Any = ("arn:aws:sns:us-east-1:1:t",)) -> Item:
    """One metric math alarm over several nodes, as the component plans it."""
    queries: list[dict[str, Any]] = [
        {
            "id": f"m{index}",
            "returnData": False,
            "metric": {
                "namespace": "AWS/ElastiCache",
                "metricName": metric,
                "dimensions": {"CacheClusterId": member},
                "stat": "Average",
                "period": 60,
            },
        }
        for index, member in enumerate(members)
    ]
    queries.append({"id": "worst", "expression": "MAX([m0, m1])", "returnData": True})
    props: dict[str, Any] = {"metricQueries": queries}
    if actions is not None:
        props["alarmActions"] = list(actions)
    return Item(ALARM, name, props)


def test_metric_math_alarms_over_the_nodes_count() -> None:
    cache = Item(RG, "sessions", REPLICATION_GROUP)
    members = ["sessions-prod-001", "sessions-prod-002"]
    alarms = [math_alarm(f"a-{m}", m, members) for m in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")]
    assert check_stack(alarms_present, [cache, *alarms]).passed
    silent = [math_alarm(f"a-{m}", m, members, actions=None) for m in ("EngineCPUUtilization",)]
    assert "EngineCPUUtilization, DatabaseMemoryUsagePercentage" in check_stack(alarms_present, [cache, *silent]).text()
    # The queries' metrics count, not a math expression's text.
    other = [math_alarm(f"a-{m}", m, ["sessions-prod2-001"]) for m in ("EngineCPUUtilization",)]
    assert "EngineCPUUtilization" in check_stack(alarms_present, [cache, *other]).text()


def test_shard_members_and_group_dimension_count_for_their_group() -> None:
    sharded = Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="x"))
    plain = Item(RG, "other", with_(REPLICATION_GROUP, replicationGroupId="x-0001"))
    # `x-0001-001` names node 001 of shard 0001 of `x`, and node 001 of `x-0001`: it counts for both.
    alarms = [alarm(f"a-{m}", m, {"CacheClusterId": "x-0001-001"}) for m in ("EngineCPUUtilization",)]
    assert check_stack(
        alarms_present, [sharded, plain, *alarms], config={"nodeMetrics": ["EngineCPUUtilization"]}
    ).passed
    by_group = [alarm("g", "DatabaseMemoryUsageCountedForEvictPercentage", {"ReplicationGroupId": "x"})]
    config = {"nodeMetrics": ["DatabaseMemoryUsageCountedForEvictPercentage"]}
    assert check_stack(alarms_present, [sharded, *by_group], config=config).passed
    not_a_member = [alarm("n", "EngineCPUUtilization", {"CacheClusterId": "x-primary"})]
    assert check_stack(
        alarms_present, [sharded, *not_a_member], config={"nodeMetrics": ["EngineCPUUtilization"]}
    ).violations


def test_the_log_types_the_pack_can_require_are_the_api_models() -> None:
    log_types = LOG_SCHEMA.properties["requiredLogTypes"]["items"]["enum"]
    assert set(log_types) == closed_set("elasticache", "CreateReplicationGroup", "LogDeliveryConfigurations", "LogType")


def test_a_mixed_case_serverless_name_is_matched_as_aws_stores_it() -> None:
    # AWS stores a serverless cache's name in lower case (botocore CreateServerlessCache ServerlessCacheName), and
    # its metrics' clusterId carries that.
    cache = Item(SLS, "prompts", with_(SERVERLESS_CACHE, name="Prompts-Prod"))
    lowered = [
        alarm(f"p-{m}", m, {"clusterId": "prompts-prod"}) for m in ("ElastiCacheProcessingUnits", "BytesUsedForCache")
    ]
    assert check_stack(alarms_present, [cache, *lowered]).passed
    as_written = [
        alarm(f"p-{m}", m, {"clusterId": "Prompts-Prod"}) for m in ("ElastiCacheProcessingUnits", "BytesUsedForCache")
    ]
    [message] = check_stack(alarms_present, [cache, *as_written]).violations
    assert message.startswith("prompts (Prompts-Prod, stored by AWS as prompts-prod) has no alarm")


def test_a_mixed_case_group_id_is_matched_as_aws_stores_it() -> None:
    # AWS stores a replication group's id in lower case, and its nodes' metrics carry `sessions-prod-001`.
    cache = Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="Sessions-Prod"))
    assert check_stack(alarms_present, [cache, *node_alarms("sessions-prod")]).passed
    by_group = [alarm("g", "DatabaseMemoryUsageCountedForEvictPercentage", {"ReplicationGroupId": "sessions-prod"})]
    config = {"nodeMetrics": ["DatabaseMemoryUsageCountedForEvictPercentage"]}
    assert check_stack(alarms_present, [cache, *by_group], config=config).passed
    # CloudWatch matches dimensions exactly: an alarm on the id as written watches a series AWS never publishes.
    [message] = check_stack(alarms_present, [cache, *node_alarms("Sessions-Prod")]).violations
    assert message.startswith("sessions (Sessions-Prod, stored by AWS as sessions-prod) has no alarm")
    assert "Alarms name it `Sessions-Prod`, but CloudWatch matches dimensions exactly" in message


def test_an_alarm_by_group_on_a_metric_published_per_node_covers_nothing() -> None:
    """CloudWatch publishes EngineCPUUtilization and DatabaseMemoryUsagePercentage per node (`CacheClusterId`)
    only, so an alarm reading them by `ReplicationGroupId` never gets a data point (elasticache-metrics.md)."""
    cache = Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="sessions-prod"))
    per_node = ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")
    by_group = [alarm(f"g-{m}", m, {"ReplicationGroupId": "sessions-prod"}) for m in per_node]
    [message] = check_stack(alarms_present, [cache, *by_group]).violations
    assert message.startswith(
        "sessions (sessions-prod) has no alarm that notifies anyone on EngineCPUUtilization, "
        "DatabaseMemoryUsagePercentage:"
    )
    assert (
        "Alarms read EngineCPUUtilization, DatabaseMemoryUsagePercentage by `ReplicationGroupId`, which CloudWatch "
        "publishes only for DatabaseCapacityUsageCountedForEvictPercentage, "
        "DatabaseMemoryUsageCountedForEvictPercentage: they never get data." in message
    )
    # Naming a node as well does not help: the series with both dimensions is not published either.
    both = [
        alarm(f"b-{m}", m, {"ReplicationGroupId": "sessions-prod", "CacheClusterId": "sessions-prod-001"})
        for m in per_node
    ]
    assert check_stack(alarms_present, [cache, *both]).violations
    # One of the two on a node still leaves the other flagged.
    mixed = [alarm("n", "EngineCPUUtilization", {"CacheClusterId": "sessions-prod-001"}), by_group[1]]
    [message] = check_stack(alarms_present, [cache, *mixed]).violations
    assert "has no alarm that notifies anyone on DatabaseMemoryUsagePercentage:" in message
    assert "Alarms read DatabaseMemoryUsagePercentage by `ReplicationGroupId`" in message


def test_on_data_tiering_nodes_the_capacity_metric_is_the_memory_signal() -> None:
    """On r6gd DatabaseCapacityUsagePercentage counts the SSD as well (elasticache-metrics.md): an alarm on it
    stands for DatabaseMemoryUsagePercentage; without either, the cache is still flagged."""
    tiered = Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="x", nodeType="cache.r6gd.xlarge"))
    plain = Item(RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="x", nodeType="cache.r7g.large"))
    cpu = alarm("c", "EngineCPUUtilization", {"CacheClusterId": "x-001"})
    capacity = alarm("m", "DatabaseCapacityUsagePercentage", {"CacheClusterId": "x-001"})
    memory = alarm("m", "DatabaseMemoryUsagePercentage", {"CacheClusterId": "x-001"})
    assert check_stack(alarms_present, [tiered, cpu, capacity]).passed
    assert check_stack(alarms_present, [tiered, cpu, memory]).passed
    [message] = check_stack(alarms_present, [tiered, cpu]).violations
    assert (
        "has no alarm that notifies anyone on DatabaseMemoryUsagePercentage (or DatabaseCapacityUsagePercentage, "
        "which on data tiering nodes counts the SSD too):" in message
    )
    # Elsewhere the memory metric is the one asked for.
    [message] = check_stack(alarms_present, [plain, cpu, capacity]).violations
    assert "has no alarm that notifies anyone on DatabaseMemoryUsagePercentage:" in message
    # A node type computed from another resource's output, known only at apply, may be r6gd.
    sizing = Item("random:index/randomShuffle:RandomShuffle", "sizing", {"inputs": ["cache.r6gd.xlarge"]})
    unknown = Item(
        RG, "sessions", with_(REPLICATION_GROUP, replicationGroupId="x", nodeType=UNKNOWN), {"nodeType": ["sizing"]}
    )
    assert check_stack(alarms_present, [sizing, unknown, cpu, capacity]).passed
