"""Day-2: edits that must not replace a cache, edits that are refused, logs, alarms, protection, secrets."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from components.cache import _topic_policy
from components.observability import AlarmSpec
from components.stack_config import ConfigError
from elasticache_facts import tokens
from elasticache_facts.node_types import catalog
from elasticache_facts.tokens import (
    KMS_KEY,
    PARAMETER_GROUP,
    REPLICATION_GROUP,
    SERVERLESS_CACHE,
    USER,
)
from elasticache_facts.wire import is_secret
from preflight.model import Plan, PlannedResource, SubnetAnswer
from preflight.program import run_program
from preflight.replacement import FORCE_NEW
from preflight.stack_files import StackConfig, stand_in_subnets
from tests.conftest import edit, edit_cache, one, readable

LOG_GROUP = tokens.LOG_GROUP
ALARM = tokens.METRIC_ALARM
TOPIC = tokens.SNS_TOPIC
TOPIC_POLICY = tokens.SNS_TOPIC_POLICY

# Inputs whose change makes the provider replace the resource: the preflight's one table of them.
REPLACES = FORCE_NEW
DATA_HOLDERS = (REPLICATION_GROUP, SERVERLESS_CACHE, KMS_KEY)


def replacements(before: Plan, after: Plan) -> list[str]:
    """What the engine would replace going from `before` to `after`, or delete outright among data holders."""
    found = []
    old = {r.urn: r for r in before.resources}
    new = {r.urn: r for r in after.resources}
    for urn, resource in old.items():
        if resource.type in DATA_HOLDERS and urn not in new:
            found.append(f"{resource.name} deleted")
    for urn, resource in new.items():
        previous = old.get(urn)
        if previous is None or resource.type not in REPLACES:
            continue
        for key in REPLACES[resource.type]:
            if key in resource.options.ignore_changes:
                continue
            if previous.inputs.get(key) != resource.inputs.get(key):
                found.append(f"{resource.name}.{key}: {previous.inputs.get(key)!r} -> {resource.inputs.get(key)!r}")
        if resource.type in (REPLICATION_GROUP, SERVERLESS_CACHE) and (
            previous.inputs["engine"] == "valkey" != resource.inputs["engine"]
        ):
            found.append(f"{resource.name}.engine: valkey -> {resource.inputs['engine']}")
    return found


_FIRST_DEPLOYS: dict[str, Plan] = {}


def first_deploy(config: StackConfig, subnets: dict[str, SubnetAnswer] | None = None) -> Plan:
    """The plan of a stack's first update; many tests start from the same one, and a Plan is immutable data."""
    key = json.dumps(
        [config.stack, sorted(config.values.items()), sorted((subnets or {}).items(), key=str)], default=str
    )
    if key not in _FIRST_DEPLOYS:
        _FIRST_DEPLOYS[key] = run_program(config, subnets=subnets)
    return _FIRST_DEPLOYS[key]


def redeploy(before: StackConfig, after: StackConfig, subnets: dict[str, SubnetAnswer] | None = None) -> list[str]:
    first = first_deploy(before, subnets)
    second = run_program(after, subnets=subnets, previous_outputs=first.exports)
    return replacements(first, second)


def three_az(config: StackConfig) -> tuple[StackConfig, dict[str, SubnetAnswer]]:
    """The dev stack with a third private subnet in us-east-1c, not (yet) an app AZ."""
    network = config.get("network")
    extra = "subnet-0c33d4e5f6071829a"
    answers = {**stand_in_subnets(config), extra: SubnetAnswer("us-east-1c", network["vpcId"])}
    widened = config.with_values(network={**network, "subnetIds": [*network["subnetIds"], extra]})
    return widened, answers


IN_PLACE_EDITS: dict[str, tuple[str, Callable[[StackConfig], StackConfig]]] = {
    "bigger node type": ("prod", lambda c: edit_cache(c, "sessions", nodeType="cache.r7g.xlarge")),
    "smaller node type": ("prod", lambda c: edit_cache(c, "sessions", nodeType="cache.m7g.large")),
    "one more replica": ("prod", lambda c: edit_cache(c, "sessions", replicas=3)),
    "one fewer replica": ("prod", lambda c: edit_cache(c, "sessions", replicas=3)),
    "more shards": ("prod", lambda c: edit_cache(c, "retrieval", shards=4)),
    "minor upgrade": ("prod", lambda c: edit_cache(c, "sessions", engineVersion="8.2")),
    "parameter change": ("prod", lambda c: edit_cache(c, "retrieval", parameters={"maxmemory-samples": 5})),
    "eviction policy change": ("prod", lambda c: edit_cache(c, "retrieval", evictionPolicy="allkeys-lru")),
    "new tags": ("prod", lambda c: c.with_values(tags={**c.get("tags"), "owner": "payments"})),
    "new cache tag": ("prod", lambda c: edit_cache(c, "sessions", tags={"tier": "gold"})),
    "maintenance window": ("prod", lambda c: edit_cache(c, "sessions", maintenanceWindow="tue:05:00-tue:06:00")),
    "snapshot window": (
        "prod",
        lambda c: edit_cache(c, "sessions", backup={"retentionDays": 14, "window": "01:00-02:00"}),
    ),
    "alarm threshold": (
        "prod",
        lambda c: edit_cache(c, "sessions", observability={"alarms": {"engineCpuPercent": 70}}),
    ),
    "stack alarm threshold": ("prod", lambda c: c.with_values(observability={"alarms": {"memoryPercent": 75}})),
    "expected load": ("prod", lambda c: edit_cache(c, "sessions", expectedLoad={"averageDataGb": 3})),
}


@pytest.mark.parametrize("edit_name", list(IN_PLACE_EDITS))
def test_day2_edit_keeps_every_replacement_trigger(edit_name: str, stack_config) -> None:
    stack, change = IN_PLACE_EDITS[edit_name]
    base = stack_config(stack)
    if edit_name == "one fewer replica":
        base, change = change(base), lambda c: edit_cache(c, "sessions", replicas=2)
    assert redeploy(base, change(base)) == []


def test_major_upgrade_creates_the_new_parameter_group_first(prod) -> None:
    before = edit_cache(prod, "sessions", engineVersion="7.2")
    first = first_deploy(before)
    second = run_program(prod, previous_outputs=first.exports)
    assert replacements(first, second) == []
    old_group = one(first, PARAMETER_GROUP, "sessions")
    new_group = one(second, PARAMETER_GROUP, "sessions")
    # A new logical resource: the engine creates it, updates the cache to it, then deletes the old one.
    assert old_group.urn != new_group.urn
    assert (old_group.inputs["family"], new_group.inputs["family"]) == ("valkey7", "valkey8")
    assert one(second, REPLICATION_GROUP, "sessions").inputs["parameterGroupName"] == new_group.outputs["name"]


def test_redis_to_valkey_is_in_place_with_a_valkey_parameter_group(prod) -> None:
    before = edit_cache(prod, "sessions", engine="redis", engineVersion="7.1")
    first = first_deploy(before)
    second = run_program(prod, previous_outputs=first.exports)
    replaced = replacements(first, second)
    # AWS replaces users whose engine changes: they and their group get new ids; the cache stays.
    assert replaced
    assert all(change.startswith(("sessions-user-", "sessions-users.")) for change in replaced), replaced
    group = one(second, REPLICATION_GROUP, "sessions").inputs
    assert (group["engine"], group["engineVersion"]) == ("valkey", "8.1")
    assert one(second, PARAMETER_GROUP, "sessions").inputs["family"] == "valkey8"


def test_added_app_az_is_in_place_for_node_and_serverless_caches(dev) -> None:
    widened, answers = three_az(dev)
    grown = edit(
        widened, "network", lambda n: {**n, "appAvailabilityZones": [*n["appAvailabilityZones"], "us-east-1c"]}
    )
    grown = edit_cache(grown, "sessions", replicas=2)
    assert redeploy(widened, grown, answers) == []
    plan = run_program(grown, subnets=answers)
    assert one(plan, REPLICATION_GROUP, "sessions").inputs["preferredCacheClusterAzs"] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert "subnetIds" in one(plan, SERVERLESS_CACHE, "prompts").options.ignore_changes


def test_the_comparison_sees_a_replacement(prod) -> None:
    # The guard of this file's other tests: a port change is a replacement, and it is noticed.
    changed = edit_cache(prod, "sessions", port=6380, allowReplacement=True)
    assert any(".port:" in found for found in redeploy(prod, changed))


REFUSED_EDITS: dict[str, tuple[str, Callable[[StackConfig], StackConfig], str]] = {
    "valkey to redis": (
        "prod",
        lambda c: edit_cache(c, "sessions", engine="redis", engineVersion="7.1"),
        "caches.sessions.engine",
    ),
    "version downgrade": (
        "prod",
        lambda c: edit_cache(c, "sessions", engineVersion="8.0"),
        "caches.sessions.engineVersion",
    ),
    "serverless major downgrade": (
        "dev",
        lambda c: edit_cache(c, "prompts", majorEngineVersion="7"),
        "caches.prompts.majorEngineVersion",
    ),
    "port change": ("prod", lambda c: edit_cache(c, "sessions", port=6380), "caches.sessions.port"),
    "kms key change": ("prod", lambda c: edit_cache(c, "sessions", kmsKey="aws-owned"), "caches.sessions.kmsKey"),
    "node to serverless": (
        "dev",
        lambda c: edit_cache(
            c,
            "sessions",
            type="serverless",
            workload="cache",
            engineVersion=None,
            nodeType=None,
            replicas=None,
            maintenanceWindow=None,
            limits={"maxDataGb": 1, "maxEcpuPerSecond": 1000},
        ),
        "caches.sessions.type",
    ),
    "data tiering": (
        "prod",
        lambda c: edit_cache(c, "sessions", nodeType="cache.r6gd.xlarge"),
        "caches.sessions.nodeType",
    ),
    "cache id change": ("prod", lambda c: c.with_values(namePrefix="prod2"), "caches.sessions"),
}


@pytest.mark.parametrize("edit_name", list(REFUSED_EDITS))
def test_replacing_edit_is_refused_with_an_explanation(edit_name: str, stack_config) -> None:
    stack, change, path = REFUSED_EDITS[edit_name]
    base = stack_config(stack)
    deployed = first_deploy(base).exports
    with pytest.raises(ConfigError) as raised:
        run_program(change(base), previous_outputs=deployed)
    problems = {p.path: p.message for p in raised.value.problems}
    assert path in problems, problems
    assert "replacing the cache" in problems[path]
    assert "allowReplacement: true" in problems[path]


def test_a_serverless_cache_moved_back_to_redis_is_refused(dev) -> None:
    # Same major version, so only the engine: the provider replaces a serverless cache on valkey -> redis
    # (hashicorp/terraform-provider-aws issue #45204), as it does a replication group.
    base = edit_cache(dev, "prompts", majorEngineVersion="7")
    changed = edit_cache(dev, "prompts", engine="redis", majorEngineVersion="7")
    with pytest.raises(ConfigError) as raised:
        run_program(changed, previous_outputs=first_deploy(base).exports)
    problems = {p.path: p.message for p in raised.value.problems}
    assert list(problems) == ["caches.prompts.engine"]
    assert "replacing the cache" in problems["caches.prompts.engine"]
    allowed = edit_cache(changed, "prompts", allowReplacement=True)
    assert "prompts-serverless.engine: valkey -> redis" in redeploy(base, allowed)


def test_a_replication_group_moved_back_to_redis_names_the_version_downgrade_too(prod) -> None:
    # The provider forces a replacement on the engine (valkey -> redis) and, apart, on the version going down
    # whatever the engine (`engine_version.go`): 8.1 -> 7.1 is both.
    changed = edit_cache(prod, "sessions", engine="redis", engineVersion="7.1")
    with pytest.raises(ConfigError) as raised:
        run_program(changed, previous_outputs=first_deploy(prod).exports)
    problems = {p.path: p.message for p in raised.value.problems}
    assert set(problems) == {"caches.sessions.engine", "caches.sessions.engineVersion"}, problems
    assert "downgrades 8.1" in problems["caches.sessions.engineVersion"]
    allowed = redeploy(prod, edit_cache(changed, "sessions", allowReplacement=True))
    assert "sessions-replication-group.engine: valkey -> redis" in allowed


@pytest.mark.parametrize("allow_replacement", [False, True])
@pytest.mark.parametrize("turned", ["on", "off"])
def test_cluster_mode_on_or_off_is_refused_even_when_replacement_is_allowed(
    turned: str, allow_replacement: bool, prod
) -> None:
    # The provider modifies the group in place for cluster mode, which AWS refuses (on only through
    # compatible, off never): no replacement follows, so allowReplacement cannot let it through.
    flat, sharded = prod, edit_cache(prod, "sessions", shards=2)
    base, changed = (flat, sharded) if turned == "on" else (sharded, flat)
    changed = edit_cache(changed, "sessions", allowReplacement=allow_replacement)
    with pytest.raises(ConfigError) as raised:
        run_program(changed, previous_outputs=first_deploy(base).exports)
    problems = {p.path: p.message for p in raised.value.problems}
    assert list(problems) == ["caches.sessions.shards"], problems
    message = problems["caches.sessions.shards"]
    assert f"turns cluster mode {turned}" in message
    assert "allowReplacement does not apply" in message
    assert "allowReplacement: true" not in message


@pytest.mark.parametrize("edit_name", ["valkey to redis", "port change", "kms key change"])
def test_allow_replacement_lets_the_edit_through(edit_name: str, stack_config) -> None:
    stack, change, _ = REFUSED_EDITS[edit_name]
    base = stack_config(stack)
    deployed = first_deploy(base).exports
    changed = edit_cache(change(base), "sessions", allowReplacement=True)
    assert run_program(changed, previous_outputs=deployed).resources


def test_first_deployment_has_nothing_to_refuse(prod) -> None:
    assert run_program(edit_cache(prod, "sessions", port=6380)).resources


def test_deployed_facts_are_exported_for_the_next_run(prod, run) -> None:
    facts = run(prod).exports["deployedCaches"]
    assert facts["sessions"] == {
        "cacheId": one(run(prod), REPLICATION_GROUP, "sessions").outputs["replicationGroupId"],
        "type": "node",
        "engine": "valkey",
        "engineVersion": "8.1",
        "port": 6379,
        "kmsKey": "create",
        "sharded": False,
        "dataTiering": False,
        "networkType": "ipv4",
        "authMode": "iam",
        "restoredFrom": "",
    }
    assert facts["retrieval"]["sharded"] is True


# -- observability -------------------------------------------------------------------------------------------


def test_slow_and_engine_logs_go_to_encrypted_log_groups(prod, run) -> None:
    plan = run(prod)
    group = one(plan, REPLICATION_GROUP, "sessions")
    groups = {
        readable(plan, "sessions", g.inputs["name"]): g
        for g in plan.of_type(LOG_GROUP)
        if g.parent.endswith("::sessions")
    }
    assert set(groups) == {"/aws/elasticache/prod-sessions/slow-log", "/aws/elasticache/prod-sessions/engine-log"}
    key = one(plan, KMS_KEY, "sessions")
    for log_group in groups.values():
        assert log_group.inputs["retentionInDays"] == 30
        assert log_group.inputs["kmsKeyId"] == key.outputs["arn"]
    deliveries = {d["logType"]: d for d in group.inputs["logDeliveryConfigurations"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for log_type, delivery in deliveries.items():
        assert delivery["destinationType"] == "cloudwatch-logs"
        assert delivery["logFormat"] == "json"
        assert readable(plan, "sessions", delivery["destination"]) == f"/aws/elasticache/prod-sessions/{log_type}"


def test_key_policy_lets_cloudwatch_use_the_key_for_this_cache_only(prod, run) -> None:
    plan = run(prod)
    key = one(plan, KMS_KEY, "sessions")
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsEncryptsThisCachesLogs"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    cache_id = one(plan, REPLICATION_GROUP, "sessions").outputs["replicationGroupId"]
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        f"log-group:/aws/elasticache/{cache_id}/*"
    )
    assert statements["AccountAdministersTheKey"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_log_retention_comes_from_config_and_is_checked(dev, run) -> None:
    plan = run(dev.with_values(observability={"logRetentionDays": 14}))
    assert {g.inputs["retentionInDays"] for g in plan.of_type(LOG_GROUP)} == {14}
    with pytest.raises(ConfigError) as raised:
        run(dev.with_values(observability={"logRetentionDays": 10}))
    assert raised.value.problems[0].path == "observability.logRetentionDays"


def alarms_of(plan: Plan, cache: str) -> dict[str, PlannedResource]:
    """By the name the config derives (random suffixes taken out)."""
    return {readable(plan, cache, a.inputs["name"]): a for a in plan.of_type(ALARM) if a.parent.endswith(f"::{cache}")}


NODE_ALARMS = {
    "engine-cpu": ("EngineCPUUtilization", "Average", 60),
    "host-cpu": ("CPUUtilization", "Average", 60),
    "memory": ("DatabaseMemoryUsagePercentage", "Average", 60),
    "evictions": ("Evictions", "Sum", 300),
    "connections": ("CurrConnections", "Maximum", 60),
    "replication-lag": ("ReplicationLag", "Maximum", 60),
}


PROD_ALARMS = {
    # cache.r7g.large and cache.m7g.large have 2 vCPUs (elasticache-node-types.csv), so a host CPU alarm too;
    # cache.r7g.xlarge has 4.
    "sessions": set(NODE_ALARMS),
    "ratelimit": set(NODE_ALARMS),
    "retrieval": set(NODE_ALARMS) - {"host-cpu"},
}


def watched_nodes(alarm: PlannedResource) -> list[str]:
    """The member cluster ids a metric math alarm reads; every query reads the alarm's one metric."""
    queries = alarm.inputs["metricQueries"]
    metrics = [q["metric"] for q in queries if "metric" in q]
    readable_name = alarm.inputs["name"].rsplit("-", 1)[0]  # without the random suffix every name ends with
    slug = readable_name.split("-", 2)[-1].removesuffix("-2")
    metric, statistic, period = NODE_ALARMS[slug]
    assert {(m["namespace"], m["metricName"], m["stat"], m["period"]) for m in metrics} == {
        ("AWS/ElastiCache", metric, statistic, period)
    }
    returned = [q for q in queries if q["returnData"]]
    assert [q["expression"] for q in returned] == [f"MAX([{', '.join(q['id'] for q in queries if 'metric' in q)}])"]
    return [m["dimensions"]["CacheClusterId"] for m in metrics]


def test_one_alarm_per_metric_covers_every_node(prod, run) -> None:
    plan = run(prod)
    alarms = alarms_of(plan, "sessions")
    nodes = one(plan, REPLICATION_GROUP, "sessions").outputs["memberClusters"]
    assert [readable(plan, "sessions", node) for node in nodes] == [
        "prod-sessions-001",
        "prod-sessions-002",
        "prod-sessions-003",
    ]
    assert set(alarms) == {f"prod-sessions-{slug}" for slug in NODE_ALARMS}
    for slug, (metric, statistic, period) in NODE_ALARMS.items():
        alarm = alarms[f"prod-sessions-{slug}"]
        assert "metricName" not in alarm.inputs
        assert "dimensions" not in alarm.inputs
        queries = alarm.inputs["metricQueries"]
        assert [q["metric"] for q in queries[:-1]] == [
            {
                "namespace": "AWS/ElastiCache",
                "metricName": metric,
                "dimensions": {"CacheClusterId": node},
                "stat": statistic,
                "period": period,
            }
            for node in nodes
        ]
        assert [q["returnData"] for q in queries] == [False, False, False, True]
        assert queries[-1]["expression"] == "MAX([m1, m2, m3])"
        assert alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"


@pytest.mark.parametrize(
    ("stack", "node_type", "threshold"),
    [
        ("dev", "cache.t4g.small", 45),
        ("prod", "cache.r7g.large", 45),
        ("prod", "cache.m7g.large", 45),
        ("prod", "cache.r7g.xlarge", None),
        ("prod", "cache.r6gd.xlarge", None),
    ],
)
def test_nodes_of_two_vcpus_or_fewer_also_alarm_on_host_cpu_at_90_divided_by_the_vcpus(
    stack_config, run, stack: str, node_type: str, threshold: float | None
) -> None:
    plan = run(edit_cache(stack_config(stack), "sessions", nodeType=node_type))
    alarm = alarms_of(plan, "sessions").get(f"{stack}-sessions-host-cpu")
    if threshold is None:
        assert alarm is None
        return
    assert alarm is not None
    assert alarm.inputs["threshold"] == threshold
    assert watched_nodes(alarm) == one(plan, REPLICATION_GROUP, "sessions").outputs["memberClusters"]
    assert f"{stack}-sessions-engine-cpu" in alarms_of(plan, "sessions")
    # The vCPU figure behind the threshold says where it comes from when it is the same-named EC2 type's.
    uncertain = catalog()[node_type].vcpus_uncertain
    assert ("AWS's ElastiCache node table lists none" in alarm.inputs["alarmDescription"]) is uncertain


@pytest.mark.parametrize(
    ("changes", "threshold"),
    [
        ({}, 85),  # sessions: noeviction, where full means refused writes
        ({"workload": "cache"}, 100),  # allkeys-lfu: full by design
        ({"workload": "cache", "evictionPolicy": "volatile-lru"}, 85),  # keys without a TTL can still fill it
        (
            {"workload": "cache", "evictionPolicy": "allkeys-lru", "observability": {"alarms": {"memoryPercent": 95}}},
            95,
        ),
        ({"workload": "cache", "nodeType": "cache.r6gd.xlarge", "evictionPolicy": "allkeys-lru"}, 100),
    ],
)
def test_the_memory_alarm_s_default_follows_the_eviction_policy(prod, run, changes, threshold) -> None:
    plan = run(edit_cache(prod, "sessions", **changes))
    alarm = alarms_of(plan, "sessions")["prod-sessions-memory"]
    assert alarm.inputs["threshold"] == threshold
    assert f"above {threshold}%" in alarm.inputs["alarmDescription"]


def test_the_host_cpu_threshold_can_be_set(prod, run) -> None:
    plan = run(edit_cache(prod, "sessions", observability={"alarms": {"hostCpuPercent": 60}}))
    assert alarms_of(plan, "sessions")["prod-sessions-host-cpu"].inputs["threshold"] == 60


def test_a_node_type_change_across_two_vcpus_adds_or_removes_only_the_host_cpu_alarm(prod) -> None:
    small = first_deploy(prod)
    large = run_program(edit_cache(prod, "sessions", nodeType="cache.r7g.xlarge"), previous_outputs=small.exports)
    assert alarm_names(small) - alarm_names(large) == {"sessions-alarm-host-cpu"}
    assert alarm_names(large) - alarm_names(small) == set()


def test_sharded_cache_alarms_cover_every_shard_member(prod, run) -> None:
    plan = run(prod)
    alarms = alarms_of(plan, "retrieval")
    members = one(plan, REPLICATION_GROUP, "retrieval").outputs["memberClusters"]
    assert len(members) == 6
    assert set(alarms) == {f"prod-retrieval-{slug}" for slug in PROD_ALARMS["retrieval"]}
    for alarm in alarms.values():
        assert watched_nodes(alarm) == members


def alarm_names(plan: Plan) -> set[str]:
    return {alarm.name for alarm in plan.of_type(ALARM)}


@pytest.mark.parametrize(
    "change",
    [
        lambda c: edit_cache(c, "sessions", replicas=3),
        lambda c: edit_cache(c, "retrieval", shards=4),
        lambda c: edit_cache(c, "retrieval", replicas=2),
        lambda c: edit_cache(c, "retrieval", shards=2),
    ],
    ids=["one more replica", "one more shard", "one more replica per shard", "one fewer shard"],
)
def test_a_replica_or_shard_change_adds_or_removes_no_alarm(prod, change) -> None:
    before = first_deploy(prod)
    after = run_program(change(prod), previous_outputs=before.exports)
    assert alarm_names(after) == alarm_names(before)
    changed = {a.name for a in after.of_type(ALARM)} - {
        a.name for a in after.of_type(ALARM) if a.inputs == one_alarm(before, a.name).inputs
    }
    # Only the alarms of the cache that changed are updated, in place, to read its new members.
    cache = next(iter({name.split("-alarm-")[0] for name in changed}))
    assert changed == {f"{cache}-alarm-{slug}" for slug in PROD_ALARMS[cache]}
    group = one(after, REPLICATION_GROUP, cache)
    for name in changed:
        assert watched_nodes(one_alarm(after, name)) == group.outputs["memberClusters"]


def one_alarm(plan: Plan, name: str) -> PlannedResource:
    (alarm,) = [a for a in plan.of_type(ALARM) if a.name == name]
    return alarm


def test_the_first_replica_adds_no_alarm(dev) -> None:
    network = dev.get("network")
    sessions = dev.get("caches")["sessions"]
    one_az = dev.with_values(  # the serverless cache needs two app AZs: only the node-based one stays
        network={**network, "appAvailabilityZones": network["appAvailabilityZones"][:1]}, caches={"sessions": sessions}
    )
    before = first_deploy(edit_cache(one_az, "sessions", replicas=0))
    after = run_program(edit_cache(one_az, "sessions", replicas=1), previous_outputs=before.exports)
    assert len(one(before, REPLICATION_GROUP, "sessions").outputs["memberClusters"]) == 1
    assert len(one(after, REPLICATION_GROUP, "sessions").outputs["memberClusters"]) == 2
    assert alarm_names(after) == alarm_names(before)
    assert "sessions-alarm-replication-lag" in alarm_names(before)


@pytest.mark.parametrize("metric", ["EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"])
def test_an_alarm_by_group_on_a_metric_published_per_node_is_refused(metric: str) -> None:
    """CloudWatch publishes these per node only: an alarm on them by ReplicationGroupId would never get data."""
    spec = dict(statistic="Maximum", threshold=1, period=60, evaluation_periods=3, sources=("g",), description="d")
    with pytest.raises(ValueError, match=f"{metric} is published per node only"):
        AlarmSpec(slug="s", metric=metric, dimension="ReplicationGroupId", **spec)
    AlarmSpec(slug="s", metric="DatabaseMemoryUsageCountedForEvictPercentage", dimension="ReplicationGroupId", **spec)


def test_more_than_ten_nodes_take_one_alarm_per_metric_per_ten_nodes(prod, run) -> None:
    plan = run(edit_cache(prod, "retrieval", shards=4, replicas=2))  # 12 nodes
    alarms = alarms_of(plan, "retrieval")
    members = one(plan, REPLICATION_GROUP, "retrieval").outputs["memberClusters"]
    assert len(members) == 12
    for slug in PROD_ALARMS["retrieval"]:
        first, second = alarms[f"prod-retrieval-{slug}"], alarms[f"prod-retrieval-{slug}-2"]
        assert watched_nodes(first) + watched_nodes(second) == members
        assert len(watched_nodes(first)) == 10
    assert len(alarms) == 2 * len(PROD_ALARMS["retrieval"])


def test_alarms_and_failover_events_go_to_the_cache_topic(prod, run) -> None:
    plan = run(prod)
    topic = one(plan, TOPIC, "sessions")
    assert one(plan, REPLICATION_GROUP, "sessions").inputs["notificationTopicArn"] == topic.outputs["arn"]
    for alarm in alarms_of(plan, "sessions").values():
        assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
        assert alarm.inputs["okActions"] == [topic.outputs["arn"]]
    assert plan.exports["sessions"]["alarmTopicArn"] == topic.outputs["arn"]


def test_a_topic_that_receives_elasticache_events_is_never_encrypted(prod, dev, run) -> None:
    """ElastiCache cannot publish to an encrypted topic: it marks it inactive and drops the events
    (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ElastiCacheSNS.html). A serverless cache sends no
    events, so its alarms-only topic may stay under the component's key, which admits CloudWatch."""
    plan = run(prod)
    for name in prod.get("caches"):
        topic = one(plan, TOPIC, name)
        assert one(plan, REPLICATION_GROUP, name).inputs["notificationTopicArn"] == topic.outputs["arn"]
        assert not topic.inputs.get("kmsMasterKeyId"), name
    serverless = run(dev.with_values(encryption={"kmsKey": "create"}))
    key = one(serverless, KMS_KEY, "prompts")
    assert one(serverless, TOPIC, "prompts").inputs["kmsMasterKeyId"] == key.outputs["arn"]
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AlarmsPublishToTheEncryptedTopic"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}


def topic_statements(policy: PlannedResource) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}


def test_elasticache_and_the_alarms_may_publish_to_a_node_based_caches_topic(prod, dev, run) -> None:
    """A new topic's default policy uses aws:SourceAccount, under which ElastiCache cannot publish and marks the
    topic inactive; its policy must admit it under AWS:SourceOwner, in AWS's own statement
    (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ECEvents.SNS.html, "SNS topic access policy
    requirement"). The alarms publish as CloudWatch, the owner keeps what SNS's default policy grants it."""
    plan = run(prod)
    for name in prod.get("caches"):
        topic = one(plan, TOPIC, name)
        arn = topic.outputs["arn"]
        policy = one(plan, TOPIC_POLICY, name)
        assert policy.name == f"{name}-alarms-policy"
        assert policy.inputs["arn"] == arn
        account, region = arn.split(":")[4], arn.split(":")[3]
        statements = topic_statements(policy)
        assert statements["AllowElastiCachePublish"] == {
            "Sid": "AllowElastiCachePublish",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "SNS:Publish",
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
        }
        alarms = statements["AlarmsOfThisAccountPublish"]
        assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
        assert (alarms["Effect"], alarms["Action"], alarms["Resource"]) == ("Allow", "SNS:Publish", arn)
        assert alarms["Condition"] == {
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:*"},
            "StringEquals": {"aws:SourceAccount": account},
        }
        owner = statements["AccountAdministersTheTopic"]
        assert owner["Condition"] == {"StringEquals": {"AWS:SourceOwner": account}}
        assert {"SNS:SetTopicAttributes", "SNS:DeleteTopic", "SNS:Subscribe"} <= set(owner["Action"])
        assert not [s for s in statements.values() if "aws:SourceAccount" in str(s) and s is not alarms]
        # Ordering only: nothing publishes before the policy is in place, and the inputs stay the topic's ARN.
        group = one(plan, REPLICATION_GROUP, name)
        assert policy.urn in group.dependencies
        assert group.inputs["notificationTopicArn"] == arn
        assert all(policy.urn in alarm.dependencies for alarm in alarms_of(plan, name).values())
    # A serverless cache sends no events: its alarms-only topic keeps SNS's default policy.
    assert not [p for p in run(dev).of_type(TOPIC_POLICY) if p.parent.endswith("::prompts")]


def test_the_topic_policy_names_the_account_region_and_partition_of_the_topics_arn() -> None:
    arn = "arn:aws-cn:sns:cn-north-1:210987654321:prod-sessions-alarms-abc123"
    statements = {s["Sid"]: s for s in json.loads(_topic_policy(arn))["Statement"]}
    assert statements["AllowElastiCachePublish"]["Condition"] == {"StringEquals": {"AWS:SourceOwner": "210987654321"}}
    assert statements["AlarmsOfThisAccountPublish"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws-cn:cloudwatch:cn-north-1:210987654321:alarm:*"
    }
    assert {s["Resource"] for s in statements.values()} == {arn}


def test_thresholds_default_per_workload_and_follow_config(prod, run) -> None:
    configured = edit_cache(prod, "sessions", observability={"alarms": {"engineCpuPercent": 65, "evictions": 5}})
    configured = configured.with_values(observability={"alarms": {"memoryPercent": 75, "engineCpuPercent": 90}})
    plan = run(configured)
    sessions = alarms_of(plan, "sessions")
    assert sessions["prod-sessions-engine-cpu"].inputs["threshold"] == 65  # the cache's own setting wins
    assert sessions["prod-sessions-memory"].inputs["threshold"] == 75  # the stack's setting
    assert sessions["prod-sessions-evictions"].inputs["threshold"] == 5
    retrieval = alarms_of(plan, "retrieval")
    assert retrieval["prod-retrieval-engine-cpu"].inputs["threshold"] == 90
    assert retrieval["prod-retrieval-evictions"].inputs["threshold"] == 10_000  # a hot cache evicts
    assert alarms_of(plan, "ratelimit")["prod-ratelimit-evictions"].inputs["threshold"] == 0


def test_serverless_alarms_are_relative_to_the_usage_limits(dev, run) -> None:
    plan = run(dev)
    alarms = alarms_of(plan, "prompts")
    limits = dev.get("caches")["prompts"]["limits"]
    assert set(alarms) == {"dev-prompts-ecpu", "dev-prompts-data-stored", "dev-prompts-throttled"}
    assert alarms["dev-prompts-ecpu"].inputs["threshold"] == limits["maxEcpuPerSecond"] * 60 * 0.8
    assert alarms["dev-prompts-data-stored"].inputs["threshold"] == limits["maxDataGb"] * 10**9 * 0.8
    assert alarms["dev-prompts-throttled"].inputs["metricName"] == "ThrottledCmds"
    for alarm in alarms.values():
        assert alarm.inputs["dimensions"] == {"clusterId": one(plan, SERVERLESS_CACHE, "prompts").outputs["name"]}


def test_an_existing_topic_replaces_the_created_one(dev, run) -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:oncall"
    plan = run(dev.with_values(observability={"alarmTopicArn": arn}))
    assert not plan.of_type(TOPIC)
    # The user's topic keeps the user's access policy: the component sets one only on the topic it creates.
    assert not plan.of_type(TOPIC_POLICY)
    created = run(dev)
    assert one(created, TOPIC_POLICY, "sessions").inputs["arn"] == one(created, TOPIC, "sessions").outputs["arn"]
    assert one(plan, REPLICATION_GROUP, "sessions").inputs["notificationTopicArn"] == arn
    assert {a.inputs["alarmActions"][0] for a in plan.of_type(ALARM)} == {arn}


# -- data protection -------------------------------------------------------------------------------------------


def test_prod_caches_and_their_keys_are_protected(prod, run) -> None:
    plan = run(prod)
    for name in prod.get("caches"):
        assert one(plan, REPLICATION_GROUP, name).options.protect is True
        assert one(plan, KMS_KEY, name).options.protect is True
        final = one(plan, REPLICATION_GROUP, name).inputs["finalSnapshotIdentifier"]
        assert readable(plan, name, final) == f"prod-{name}-final"


def test_dev_is_unprotected_but_can_retain_on_delete(dev, run) -> None:
    plan = run(edit_cache(dev, "sessions", retainOnDelete=True))
    sessions = one(plan, REPLICATION_GROUP, "sessions")
    assert sessions.options.protect is False
    assert sessions.options.retain_on_delete is True
    assert one(plan, SERVERLESS_CACHE, "prompts").options.retain_on_delete is False


def test_protection_can_be_set_per_cache(prod, run) -> None:
    plan = run(edit_cache(prod, "ratelimit", protect=False))
    assert one(plan, REPLICATION_GROUP, "ratelimit").options.protect is False


# -- secrets ------------------------------------------------------------------------------------------------


TOKEN = "Token-0123456789abcdef"
PASSWORD = "Password-0123456789ab"


def walk(value: Any, path: str = "") -> list[tuple[str, Any, bool]]:
    """Every leaf with its path and whether a secret wrapper encloses it."""
    if is_secret(value):
        return [(path, leaf, True) for _, leaf, _ in walk(value["value"], path)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in walk(v, f"{path}[{i}]")]
    return [(path, value, False)]


def test_secrets_are_never_in_plain_text_in_inputs_or_exports(prod, run) -> None:
    config = edit_cache(prod, "ratelimit", auth={"mode": "token"})
    config = edit_cache(config, "sessions", auth={"mode": "password", "users": ["api"]})
    config = config.with_secret_values(
        cacheSecrets={"ratelimit": {"authToken": TOKEN}, "sessions": {"passwords": {"api": PASSWORD}}}
    )
    plan = run(config)
    carried = []
    for resource in plan.resources:
        for path, leaf, wrapped in walk(resource.inputs, resource.name):
            if isinstance(leaf, str) and (TOKEN in leaf or PASSWORD in leaf):
                assert wrapped, f"{path} carries a secret in plain text"
                carried.append(path)
    assert sorted(carried) == ["ratelimit-replication-group.authTokenWo", "sessions-user-api.passwordsWo"]
    exported = json.dumps(copy.deepcopy(plan.exports))
    assert TOKEN not in exported
    assert PASSWORD not in exported
    users = [u for u in plan.of_type(USER) if u.inputs["userName"] == "default"]
    assert users
    assert all(is_secret(u.inputs["passwordsWo"]) for u in users)


# -- migrations ---------------------------------------------------------------------------------------------


def test_tls_migration_step_is_preferred_then_required(prod, run) -> None:
    step_one = run(edit_cache(prod, "sessions", transitEncryptionMode="preferred"))
    group = one(step_one, REPLICATION_GROUP, "sessions").inputs
    assert (group["transitEncryptionEnabled"], group["transitEncryptionMode"]) == (True, "preferred")
    assert redeploy(edit_cache(prod, "sessions", transitEncryptionMode="preferred"), prod) == []
    with pytest.raises(ConfigError) as raised:
        run(edit_cache(prod, "sessions", transitEncryptionMode="off"))
    assert raised.value.problems[0].path == "caches.sessions.transitEncryptionMode"


def test_token_rotation_strategy_reaches_the_replication_group(prod, run) -> None:
    config = edit_cache(prod, "ratelimit", auth={"mode": "token", "tokenVersion": 2, "tokenUpdateStrategy": "SET"})
    config = config.with_secret_values(cacheSecrets={"ratelimit": {"authToken": TOKEN}})
    group = one(run(config), REPLICATION_GROUP, "ratelimit").inputs
    assert group["authTokenUpdateStrategy"] == "SET"
    assert group["authTokenWoVersion"] == 2
    rotate = edit_cache(config, "ratelimit", auth={"mode": "token", "tokenVersion": 2})
    assert one(run(rotate), REPLICATION_GROUP, "ratelimit").inputs["authTokenUpdateStrategy"] == "ROTATE"


def token_protected(config: StackConfig, name: str) -> StackConfig:
    changed = edit_cache(config, name, auth={"mode": "token"})
    return changed.with_secret_values(cacheSecrets={name: {"authToken": TOKEN}})


def test_token_to_rbac_drops_the_token_as_the_user_group_is_added(prod) -> None:
    before = first_deploy(token_protected(prod, "ratelimit"))
    after = run_program(prod, previous_outputs=before.exports)
    old = one(before, REPLICATION_GROUP, "ratelimit").inputs
    new = one(after, REPLICATION_GROUP, "ratelimit").inputs
    assert "userGroupIds" not in old
    # AWS's one-call migration: the provider sends DELETE beside UserGroupIdsToAdd, and no token call.
    assert (old["authTokenUpdateStrategy"], new["authTokenUpdateStrategy"]) == ("ROTATE", "DELETE")
    assert new["userGroupIds"]
    assert not {"authTokenWo", "authTokenWoVersion", "authToken"} & set(new)
    assert replacements(before, after) == []


@pytest.mark.parametrize("mode", ["iam", "password"])
def test_every_rbac_replication_group_sends_delete_so_a_later_user_group_swap_sends_no_token(prod, run, mode) -> None:
    config = edit_cache(prod, "sessions", auth={"mode": mode, "users": ["api"]})
    if mode == "password":
        config = config.with_secret_values(cacheSecrets={"sessions": {"passwords": {"api": PASSWORD}}})
    group = one(run(config), REPLICATION_GROUP, "sessions").inputs
    assert group["authTokenUpdateStrategy"] == "DELETE"
    assert "authTokenWo" not in group


def test_rbac_to_token_on_a_deployed_cache_is_refused_whatever_allows_replacement(prod) -> None:
    deployed = first_deploy(prod).exports
    for allow in (False, True):
        changed = edit_cache(token_protected(prod, "ratelimit"), "ratelimit", allowReplacement=allow)
        with pytest.raises(ConfigError) as raised:
            run_program(changed, previous_outputs=deployed)
        (problem,) = raised.value.problems
        assert (problem.path, problem.value) == ("caches.ratelimit.auth.mode", "token")
        assert "was iam" in problem.message
        assert "keep auth.mode iam" in problem.message


def test_rbac_to_token_is_allowed_on_a_first_deploy_and_from_records_without_the_auth_mode(prod) -> None:
    changed = token_protected(prod, "ratelimit")
    assert run_program(changed).resources
    older = copy.deepcopy(first_deploy(prod).exports)
    for facts in older["deployedCaches"].values():
        del facts["authMode"]
    assert run_program(changed, previous_outputs=older).resources


def test_iam_to_password_on_a_deployed_cache_replaces_its_users_not_the_cache(prod) -> None:
    changed = edit_cache(prod, "ratelimit", auth={"mode": "password", "users": ["api"]})
    changed = changed.with_secret_values(cacheSecrets={"ratelimit": {"passwords": {"api": PASSWORD}}})
    replaced = redeploy(prod, changed)
    assert "ratelimit-users.userGroupId" in {change.split(":")[0] for change in replaced}
    assert all(change.startswith(("ratelimit-user-", "ratelimit-users.")) for change in replaced), replaced


def test_past_ten_nodes_only_a_change_across_a_multiple_of_ten_adds_alarms(prod) -> None:
    nine = first_deploy(edit_cache(prod, "retrieval", shards=3, replicas=2))
    twelve = run_program(edit_cache(prod, "retrieval", shards=4, replicas=2), previous_outputs=nine.exports)
    fifteen = run_program(edit_cache(prod, "retrieval", shards=5, replicas=2), previous_outputs=nine.exports)
    assert alarm_names(twelve) - alarm_names(nine) == {f"retrieval-alarm-{slug}-2" for slug in PROD_ALARMS["retrieval"]}
    assert alarm_names(nine) - alarm_names(twelve) == set()
    assert alarm_names(fifteen) == alarm_names(twelve)
