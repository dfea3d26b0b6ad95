"""Bad stack config: one clear error naming each key, its value and what is allowed, before any resource exists."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.stack_config import ConfigError, Problem
from elasticache_facts import tokens
from preflight.mocks import SubnetAnswer
from preflight.program import StackConfig, run_program, stand_in_subnets
from tests.conftest import edit, edit_cache

VALID_TOKEN = "Abcdefgh12345678-token"


def problems_of(config: StackConfig, subnets: dict[str, SubnetAnswer] | None = None) -> tuple[Problem, ...]:
    with pytest.raises(ConfigError) as raised:
        run_program(config, subnets=subnets)
    monitor = pulumi.runtime.settings.get_monitor()
    assert monitor.registrations == [], "a resource was registered despite a config error"
    return raised.value.problems


def rejected(config: StackConfig, path: str, *, subnets: dict[str, SubnetAnswer] | None = None) -> Problem:
    found = problems_of(config, subnets)
    matching = [p for p in found if p.path == path]
    assert matching, f"no problem at {path}; got {[str(p) for p in found]}"
    return matching[0]


def test_repo_stacks_are_valid(dev, prod, run) -> None:
    for config in (dev, prod):
        assert run(config).resources


# -- shapes ------------------------------------------------------------------------------------------------


def test_unknown_cache_key_is_named_with_the_allowed_keys(dev) -> None:
    problem = rejected(edit_cache(dev, "sessions", nodeTyp="cache.t4g.small"), "caches.sessions.nodeTyp")
    assert "unknown key" in problem.message
    assert "nodeType" in problem.message
    assert problem.value == "cache.t4g.small"


def test_unknown_nested_key_lists_keys_of_its_own_block(dev) -> None:
    problem = rejected(edit_cache(dev, "sessions", auth={"mode": "iam", "user": ["a"]}), "caches.sessions.auth.user")
    assert "users" in problem.message
    assert "nodeType" not in problem.message


def test_unknown_network_key(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "subnets": n["subnetIds"]})
    assert "subnetIds" in rejected(config, "network.subnets").message


def test_missing_network_is_required(dev) -> None:
    assert rejected(dev.with_values(network=None), "network").message.startswith("Input should be a valid dict")


def test_missing_workload_is_required(dev) -> None:
    assert rejected(edit_cache(dev, "sessions", workload=None), "caches.sessions.workload").message == "required"


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("engine", "memcached", "'valkey' or 'redis'"),
        ("workload", "queue", "'cache'"),
        ("replicas", 6, "less than or equal to 5"),
        ("replicas", -1, "greater than or equal to 0"),
        ("shards", 0, "greater than or equal to 1"),
        ("evictionPolicy", "lru", "'allkeys-lru'"),
        ("port", 80, "greater than or equal to 1024"),
        ("type", "cluster", "'node' or 'serverless'"),
    ],
)
def test_out_of_range_and_closed_set_values(dev, key: str, value: Any, hint: str) -> None:
    problem = rejected(edit_cache(dev, "sessions", **{key: value}), f"caches.sessions.{key}")
    assert problem.value == value
    assert hint in problem.message


@pytest.mark.parametrize("days", [-1, 36])
def test_backup_retention_is_0_to_35(dev, days: int) -> None:
    config = edit_cache(dev, "sessions", backup={"retentionDays": days, "window": "03:00-04:00"})
    assert rejected(config, "caches.sessions.backup.retentionDays").value == days


def test_network_ids_have_aws_formats(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "vpcId": "vpc1", "appSecurityGroupIds": ["sg-xyz"]})
    found = {p.path for p in problems_of(config)}
    assert {"network.vpcId", "network.appSecurityGroupIds.0"} <= found


# -- engine, version, node type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "version"), [("valkey", "8"), ("valkey", "7.0"), ("valkey", "10.0"), ("redis", "7.4")]
)
def test_engine_version_must_be_a_known_version_of_the_engine(dev, engine: str, version: str) -> None:
    problem = rejected(
        edit_cache(dev, "sessions", engine=engine, engineVersion=version), "caches.sessions.engineVersion"
    )
    assert "allowed" in problem.message
    assert problem.value == version


def test_redis_6_is_refused_because_tls_required_and_iam_need_7(dev) -> None:
    problem = rejected(
        edit_cache(dev, "sessions", engine="redis", engineVersion="6.2"), "caches.sessions.engineVersion"
    )
    assert "IAM" in problem.message
    assert "7.0" in problem.message


def test_serverless_major_version(dev) -> None:
    problem = rejected(
        edit_cache(dev, "prompts", engine="redis", majorEngineVersion="8"), "caches.prompts.majorEngineVersion"
    )
    assert "7" in problem.message


@pytest.mark.parametrize(
    ("node_type", "hint"), [("r7g.large", "cache.<family>.<size>"), ("cache.t2.micro", "previous-generation")]
)
def test_node_type_format_and_generation(dev, node_type: str, hint: str) -> None:
    assert hint in rejected(edit_cache(dev, "sessions", nodeType=node_type), "caches.sessions.nodeType").message


def test_data_tiering_only_on_r6gd(dev) -> None:
    assert "r6gd" in rejected(edit_cache(dev, "sessions", dataTiering=True), "caches.sessions.dataTiering").message


def test_r6gd_requires_data_tiering(dev) -> None:
    config = edit_cache(dev, "sessions", nodeType="cache.r6gd.xlarge", dataTiering=False)
    assert "require data tiering" in rejected(config, "caches.sessions.dataTiering").message


def test_r6gd_turns_data_tiering_on_by_itself(dev, run) -> None:
    plan = run(edit_cache(dev, "sessions", nodeType="cache.r6gd.xlarge"))
    [group] = plan.of_type(tokens.REPLICATION_GROUP)
    assert group.inputs["dataTieringEnabled"] is True


# -- windows -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "hint"),
    [("sunday 05:00", "ddd:hh24:mi"), ("sun:05:00-sun:05:30", "60 minutes"), ("sun:25:00-sun:26:00", "ddd:hh24:mi")],
)
def test_maintenance_window(dev, window: str, hint: str) -> None:
    problem = rejected(edit_cache(dev, "sessions", maintenanceWindow=window), "caches.sessions.maintenanceWindow")
    assert hint in problem.message


@pytest.mark.parametrize(("window", "hint"), [("3am-4am", "hh24:mi-hh24:mi"), ("03:00-03:59", "60 minutes")])
def test_snapshot_window(dev, window: str, hint: str) -> None:
    config = edit_cache(dev, "sessions", backup={"retentionDays": 1, "window": window})
    assert hint in rejected(config, "caches.sessions.backup.window").message


def test_snapshot_window_may_not_overlap_maintenance(dev) -> None:
    config = edit_cache(
        dev, "sessions", backup={"retentionDays": 1, "window": "05:30-06:30"}, maintenanceWindow="sun:05:00-sun:06:00"
    )
    assert "overlaps maintenanceWindow" in rejected(config, "caches.sessions.backup.window").message


def test_windows_crossing_midnight_and_week_end_are_understood(dev, run) -> None:
    config = edit_cache(
        dev, "sessions", backup={"retentionDays": 1, "window": "23:30-00:30"}, maintenanceWindow="sun:23:00-mon:00:00"
    )
    assert "overlaps" in rejected(config, "caches.sessions.backup.window").message
    fine = edit_cache(
        dev, "sessions", backup={"retentionDays": 1, "window": "22:00-23:00"}, maintenanceWindow="sat:23:30-sun:00:30"
    )
    assert run(fine).resources


# -- names -------------------------------------------------------------------------------------------------


def test_cache_names_are_lowercase_words(dev) -> None:
    caches = {**dev.get("caches"), "Sessions_2": dev.get("caches")["sessions"]}
    assert "lowercase" in rejected(dev.with_values(caches=caches), "caches.Sessions_2").message


def test_cache_id_longer_than_40_characters(dev) -> None:
    caches = {**dev.get("caches"), "a-very-long-cache-name-for-sessions": dev.get("caches")["sessions"]}
    config = dev.with_values(caches=caches, namePrefix="checkout-development")
    problem = rejected(config, "caches.a-very-long-cache-name-for-sessions")
    assert "1..40 characters" in problem.message


def test_name_prefix_rules(dev) -> None:
    assert "consecutive hyphens" in rejected(dev.with_values(namePrefix="team--dev"), "namePrefix").message


def test_user_names(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "iam", "users": ["default", "App", "app", "app"]})
    found = {p.path: p for p in problems_of(config)}
    assert "reserved" in found["caches.sessions.auth.users[0]"].message
    assert "lowercase" in found["caches.sessions.auth.users[1]"].message
    assert "listed twice" in found["caches.sessions.auth.users[3]"].message


# -- authentication and secrets -----------------------------------------------------------------------------


def test_token_mode_needs_its_secret_and_names_the_command(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token"})
    problem = rejected(config, "cacheSecrets.sessions.authToken")
    assert "pulumi config set --secret --path 'cacheSecrets.sessions.authToken'" in problem.message


@pytest.mark.parametrize(
    ("token", "hint"), [("short", "16..128"), ("x" * 129, "16..128"), ("has/slash-and-more-chars", "only letters")]
)
def test_auth_token_length_and_characters_without_echoing_it(dev, token: str, hint: str) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token"}).with_values(
        cacheSecrets={"sessions": {"authToken": token}}
    )
    problem = rejected(config, "cacheSecrets.sessions.authToken")
    assert hint in problem.message
    assert token not in str(problem)
    assert "[secret]" in str(problem)


def test_serverless_refuses_token_mode(dev) -> None:
    config = edit_cache(dev, "prompts", auth={"mode": "token"}).with_values(
        cacheSecrets={"prompts": {"authToken": VALID_TOKEN}}
    )
    assert "RBAC only" in rejected(config, "caches.prompts.auth.mode").message


def test_token_mode_has_no_users(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token", "users": ["app"]}).with_values(
        cacheSecrets={"sessions": {"authToken": VALID_TOKEN}}
    )
    rejected(config, "caches.sessions.auth.users")


def test_password_mode_needs_a_password_per_user(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "password", "users": ["app", "admin"]}).with_values(
        cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN}}}
    )
    problem = rejected(config, "cacheSecrets.sessions.passwords.admin")
    assert "--secret" in problem.message


def test_secrets_for_unknown_caches_or_users_are_reported(dev) -> None:
    config = dev.with_values(
        cacheSecrets={"nosuch": {"authToken": VALID_TOKEN}, "sessions": {"passwords": {"x": VALID_TOKEN}}}
    )
    found = {p.path for p in problems_of(config)}
    assert {"cacheSecrets.nosuch", "cacheSecrets.sessions.passwords.x"} <= found


def test_secret_values_never_appear_in_the_error(dev) -> None:
    secret = "Sup3r-Secret-Value-123"
    config = dev.with_values(cacheSecrets={"sessions": {"authToken": secret, "unknown": secret}})
    with pytest.raises(ConfigError) as raised:
        run_program(config)
    assert secret not in str(raised.value)


# -- workload contradictions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workload", "policy"),
    [("locks", "allkeys-lru"), ("sessions", "volatile-lru"), ("cache", "noeviction"), ("rate-limit", "allkeys-lfu")],
)
def test_eviction_policy_that_contradicts_the_workload(dev, workload: str, policy: str) -> None:
    config = edit_cache(dev, "sessions", workload=workload, evictionPolicy=policy)
    problem = rejected(config, "caches.sessions.evictionPolicy")
    assert workload in problem.message
    assert "allowed" in problem.message


@pytest.mark.parametrize("workload", ["sessions", "locks", "rate-limit"])
def test_serverless_refused_for_workloads_that_must_not_evict(dev, workload: str) -> None:
    problem = rejected(edit_cache(dev, "prompts", workload=workload), "caches.prompts.type")
    assert "use type node" in problem.message


# -- serverless limits ---------------------------------------------------------------------------------------


def test_serverless_needs_limits(dev) -> None:
    assert "maxDataGb" in rejected(edit_cache(dev, "prompts", limits=None), "caches.prompts.limits").message


@pytest.mark.parametrize(
    ("limits", "path"),
    [
        ({"maxDataGb": 0, "maxEcpuPerSecond": 5000}, "caches.prompts.limits.maxDataGb"),
        ({"maxDataGb": 5001, "maxEcpuPerSecond": 5000}, "caches.prompts.limits.maxDataGb"),
        ({"maxDataGb": 5, "maxEcpuPerSecond": 999}, "caches.prompts.limits.maxEcpuPerSecond"),
        ({"maxDataGb": 5, "maxEcpuPerSecond": 15_000_001}, "caches.prompts.limits.maxEcpuPerSecond"),
        ({"maxDataGb": 5, "minDataGb": 6, "maxEcpuPerSecond": 5000}, "caches.prompts.limits.minDataGb"),
        (
            {"maxDataGb": 5, "maxEcpuPerSecond": 5000, "minEcpuPerSecond": 6000},
            "caches.prompts.limits.minEcpuPerSecond",
        ),
    ],
)
def test_serverless_limit_ranges(dev, limits: dict[str, int], path: str) -> None:
    rejected(edit_cache(dev, "prompts", limits=limits), path)


def test_node_only_keys_on_serverless_and_back(dev) -> None:
    config = edit_cache(dev, "prompts", nodeType="cache.t4g.small", replicas=1)
    config = edit_cache(config, "sessions", limits={"maxDataGb": 1, "maxEcpuPerSecond": 1000})
    found = {p.path: p.message for p in problems_of(config)}
    assert "only for node-based caches" in found["caches.prompts.nodeType"]
    assert "only for node-based caches" in found["caches.prompts.replicas"]
    assert "only for serverless caches" in found["caches.sessions.limits"]


# -- availability and placement ------------------------------------------------------------------------------


def test_production_needs_a_replica(prod) -> None:
    assert (
        "at least 1 replica" in rejected(edit_cache(prod, "sessions", replicas=0), "caches.sessions.replicas").message
    )


def test_sharded_cache_needs_a_replica_per_shard(dev) -> None:
    config = edit_cache(dev, "sessions", shards=2, replicas=0)
    assert "sharded" in rejected(config, "caches.sessions.replicas").message


def test_every_app_az_must_hold_a_node(prod) -> None:
    problem = rejected(edit_cache(prod, "sessions", replicas=1), "caches.sessions.replicas")
    assert "us-east-1c" in problem.message
    assert "at least 2" in problem.message


def test_sharded_replicas_rotate_so_fewer_cover_every_az(prod, run) -> None:
    plan = run(edit_cache(prod, "retrieval", shards=2, replicas=1))
    group = next(g for g in plan.of_type(tokens.REPLICATION_GROUP) if "retrieval" in g.name)
    placed = {
        az
        for s in group.inputs["nodeGroupConfigurations"]
        for az in [s["primaryAvailabilityZone"], *s["replicaAvailabilityZones"]]
    }
    assert placed == {"us-east-1a", "us-east-1b", "us-east-1c"}


def test_production_needs_two_app_azs(prod) -> None:
    config = edit(prod, "network", lambda n: {**n, "appAvailabilityZones": ["us-east-1a"]})
    assert "at least 2 app AZs" in rejected(config, "network.appAvailabilityZones").message


def test_app_az_without_a_cache_subnet_fails_at_preview(dev) -> None:
    network = dev.get("network")
    subnets = {s: SubnetAnswer("us-east-1a", network["vpcId"]) for s in network["subnetIds"]}
    problem = rejected(dev, "network.appAvailabilityZones[1]", subnets=subnets)
    assert problem.value == "us-east-1b"
    assert "no cache subnet" in problem.message


def test_subnet_in_another_vpc_or_unknown(dev) -> None:
    network = dev.get("network")
    first, _second = network["subnetIds"]
    subnets = {first: SubnetAnswer("us-east-1a", "vpc-0fffffffffffffff0")}
    found = {p.path: p.message for p in problems_of(dev, subnets)}
    assert "not network.vpcId" in found["network.subnetIds[0]"]
    assert "no such subnet" in found["network.subnetIds[1]"]


def test_app_az_outside_the_region(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "appAvailabilityZones": ["us-east-1a", "eu-west-1b"]})
    assert "region us-east-1" in rejected(config, "network.appAvailabilityZones[1]").message


def test_region_is_required(dev) -> None:
    assert rejected(dev.with_values(**{"aws:region": None}), "aws:region").message.startswith("required")


# -- parameters and keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("parameter", "hint"), [("maxmemory-policy", "evictionPolicy"), ("cluster-enabled", "shards")])
def test_reserved_parameters_point_to_their_setting(dev, parameter: str, hint: str) -> None:
    config = edit_cache(dev, "sessions", parameters={parameter: "x"})
    assert hint in rejected(config, f"caches.sessions.parameters.{parameter}").message


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("alias/mine", "KMS key ARN"),
        ("arn:aws:kms:eu-west-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444", "eu-west-1"),
    ],
)
def test_kms_key_must_be_a_key_arn_of_the_region(dev, key: str, hint: str) -> None:
    assert hint in rejected(edit_cache(dev, "sessions", kmsKey=key), "caches.sessions.kmsKey").message


def test_tags_may_not_use_the_aws_prefix(dev) -> None:
    rejected(dev.with_values(tags={"aws:team": "x"}), "tags.aws:team")


# -- reporting ---------------------------------------------------------------------------------------------------


def test_all_problems_are_reported_together_across_caches(dev) -> None:
    config = edit_cache(dev, "sessions", replicas=9, nodeType="cache.t2.micro")
    config = edit_cache(config, "prompts", limits={"maxDataGb": 9000, "maxEcpuPerSecond": 5000})
    config = config.with_values(namePrefix="Bad--prefix")
    found = {p.path for p in problems_of(config)}
    assert {
        "caches.sessions.replicas",
        "caches.prompts.limits.maxDataGb",
        "namePrefix",
    } <= found


def test_error_message_lists_each_problem_with_key_value_and_rule(dev) -> None:
    with pytest.raises(ConfigError) as raised:
        run_program(edit_cache(dev, "sessions", replicas=9))
    text = str(raised.value)
    assert text.startswith("Invalid stack config (1 problem):")
    assert "caches.sessions.replicas = 9: Input should be less than or equal to 5" in text
    assert isinstance(raised.value, pulumi.RunError)  # printed by Pulumi without a traceback


def test_program_that_is_valid_after_fixing_registers_resources(dev, run) -> None:
    broken = edit_cache(dev, "sessions", replicas=9)
    with pytest.raises(ConfigError):
        run(broken)
    assert run(edit_cache(broken, "sessions", replicas=1)).resources


def test_stand_in_subnets_follow_the_listed_order(dev) -> None:
    network = dev.get("network")
    answers = stand_in_subnets(dev)
    assert [answers[s].availability_zone for s in network["subnetIds"]] == network["appAvailabilityZones"]
