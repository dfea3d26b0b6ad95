"""Every stack file in the repo, run through `__main__.py`: what it would create is secure, HA and well placed."""

from __future__ import annotations

import json

import pytest

from elasticache_facts import tokens
from elasticache_facts.tokens import (
    COMPONENT,
    INGRESS_RULE,
    KMS_KEY,
    PARAMETER_GROUP,
    RANDOM_STRING,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SERVERLESS_CACHE,
    STACK_REFERENCE,
    SUBNET_GROUP,
    USER,
    USER_GROUP,
)
from preflight.model import SubnetAnswer
from preflight.program import run_program
from preflight.stack_files import StackConfig, stand_in_subnets
from tests.conftest import STACKS, children, one, readable

ELASTICACHE_TYPES = (REPLICATION_GROUP, SERVERLESS_CACHE, PARAMETER_GROUP, SUBNET_GROUP, USER, USER_GROUP)


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest, stack_config) -> StackConfig:
    return stack_config(request.param)


def test_every_configured_cache_becomes_one_component(stack, run) -> None:
    plan = run(stack)
    components = {r.name for r in plan.of_type(COMPONENT)}
    assert components == set(stack.get("caches"))
    assert set(plan.exports) == components | {"deployedCaches", "monthlyCost"}


def test_replication_groups_encrypt_in_transit_and_at_rest(stack, run) -> None:
    plan = run(stack)
    groups = plan.of_type(REPLICATION_GROUP)
    assert groups, "every repo stack has node-based caches"
    for group in groups:
        props = group.inputs
        assert props["transitEncryptionEnabled"] is True, group.name
        assert props["transitEncryptionMode"] == "required", group.name
        assert props["atRestEncryptionEnabled"] is True, group.name


def test_replication_groups_are_multi_az_with_failover(stack, run) -> None:
    plan = run(stack)
    for group in plan.of_type(REPLICATION_GROUP):
        props = group.inputs
        assert props["multiAzEnabled"] is True, group.name
        assert props["automaticFailoverEnabled"] is True, group.name
        nodes_per_shard = props.get("numCacheClusters") or props["replicasPerNodeGroup"] + 1
        assert nodes_per_shard >= 2, group.name


def test_primary_sits_in_first_app_az_and_every_app_az_holds_a_node(stack, run) -> None:
    plan = run(stack)
    app_azs = stack.get("network")["appAvailabilityZones"]
    for group in plan.of_type(REPLICATION_GROUP):
        props = group.inputs
        if props["clusterMode"] == "enabled":
            shards = props["nodeGroupConfigurations"]
            assert len(shards) == props["numNodeGroups"]
            placed = []
            for shard in shards:
                assert shard["primaryAvailabilityZone"] == app_azs[0], group.name
                assert len(shard["replicaAvailabilityZones"]) == shard["replicaCount"] == props["replicasPerNodeGroup"]
                placed += [shard["primaryAvailabilityZone"], *shard["replicaAvailabilityZones"]]
        else:
            placed = props["preferredCacheClusterAzs"]
            assert len(placed) == props["numCacheClusters"], group.name
            assert placed[0] == app_azs[0], group.name
        assert set(placed) == set(app_azs), f"{group.name} places nodes in {placed}, app runs in {app_azs}"


def test_authentication_is_rbac_with_iam_users_and_a_disabled_default_user(stack, run) -> None:
    plan = run(stack)
    for name, cache in stack.get("caches").items():
        group = one(plan, USER_GROUP, name)
        users = [r for r in children(plan, name) if r.type == USER]
        assert sorted(group.inputs["userIds"]) == sorted(u.inputs["userId"] for u in users)
        default = [u for u in users if u.inputs["userName"] == "default"]
        assert len(default) == 1
        assert default[0].inputs["accessString"].startswith("off ")
        assert "noPasswordRequired" not in default[0].inputs
        app_users = [u for u in users if u.inputs["userName"] != "default"]
        assert {readable(plan, name, u.inputs["userId"]) for u in app_users} == {
            f"{stack.stack}-{name}-{user}" for user in cache["auth"]["users"]
        }
        for user in app_users:
            assert user.inputs["authenticationMode"] == {"type": "iam"}
            assert user.inputs["userName"] == user.inputs["userId"]  # AWS requires it for IAM auth
        cache_resource = next(r for r in children(plan, name) if r.type in (REPLICATION_GROUP, SERVERLESS_CACHE))
        if cache_resource.type == REPLICATION_GROUP:
            assert cache_resource.inputs["userGroupIds"] == [group.outputs["userGroupId"]]
            assert "authToken" not in cache_resource.inputs
        else:
            assert cache_resource.inputs["userGroupId"] == group.outputs["userGroupId"]


def test_backups_follow_config_and_keep_a_final_snapshot(stack, run) -> None:
    plan = run(stack)
    for name, cache in stack.get("caches").items():
        retention = cache["backup"]["retentionDays"]
        if cache.get("type") == "serverless":
            props = one(plan, SERVERLESS_CACHE, name).inputs
            assert props["snapshotRetentionLimit"] == retention
            assert props["dailySnapshotTime"] == cache["backup"]["window"].split("-")[0]
        else:
            props = one(plan, REPLICATION_GROUP, name).inputs
            assert props["snapshotRetentionLimit"] == retention
            assert props["snapshotWindow"] == cache["backup"]["window"]
            assert readable(plan, name, props["finalSnapshotIdentifier"]) == f"{stack.stack}-{name}-final"
            assert props["maintenanceWindow"] == cache["maintenanceWindow"]


def test_security_group_admits_only_the_cache_port_from_app_security_groups(stack, run) -> None:
    plan = run(stack)
    network = stack.get("network")
    for name in stack.get("caches"):
        group = one(plan, SECURITY_GROUP, name)
        assert group.inputs["vpcId"] == network["vpcId"]
        assert group.inputs["description"]
        assert not group.inputs.get("ingress")
        assert not group.inputs.get("egress")
        rules = [r for r in children(plan, name) if r.type == INGRESS_RULE]
        assert sorted(r.inputs["referencedSecurityGroupId"] for r in rules) == sorted(network["appSecurityGroupIds"])
        cache = next(r for r in children(plan, name) if r.type in (REPLICATION_GROUP, SERVERLESS_CACHE))
        ports = (6379, 6380) if cache.type == SERVERLESS_CACHE else (cache.inputs["port"],) * 2
        for rule in rules:
            assert rule.inputs["securityGroupId"] == group.outputs["id"]
            assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == ports
            assert rule.inputs["ipProtocol"] == "tcp"
            assert rule.inputs["description"]
            assert "cidrIpv4" not in rule.inputs
            assert "cidrIpv6" not in rule.inputs
        assert cache.inputs["securityGroupIds"] == [group.outputs["id"]]


def test_no_open_cidr_anywhere(stack, run) -> None:
    plan = run(stack)
    text = json.dumps([r.inputs for r in plan.resources])
    assert "0.0.0.0/0" not in text
    assert "::/0" not in text


def test_parameter_group_family_and_eviction_fit_engine_and_workload(stack, run) -> None:
    plan = run(stack)
    expected_policy = {"cache": None, "sessions": "noeviction", "rate-limit": "volatile-ttl"}
    for name, cache in stack.get("caches").items():
        if cache.get("type") == "serverless":
            assert not [r for r in children(plan, name) if r.type == PARAMETER_GROUP]
            continue
        params = one(plan, PARAMETER_GROUP, name)
        group = one(plan, REPLICATION_GROUP, name)
        family = f"valkey{cache['engineVersion'].split('.')[0]}"
        assert params.inputs["family"] == family
        assert readable(plan, name, params.inputs["name"]) == f"{stack.stack}-{name}-{family}"
        assert group.inputs["parameterGroupName"] == params.outputs["name"]
        values = {p["name"]: p["value"] for p in params.inputs["parameters"]}
        policy = cache.get("evictionPolicy") or expected_policy[cache["workload"]]
        assert values["maxmemory-policy"] == policy
        assert values["cluster-enabled"] == ("yes" if "shards" in cache else "no")
        for key, value in (cache.get("parameters") or {}).items():
            assert values[key] == str(value)


def test_every_setting_a_policy_checks_is_explicit(stack, run) -> None:
    plan = run(stack)
    explicit = (
        "autoMinorVersionUpgrade",
        "applyImmediately",
        "atRestEncryptionEnabled",
        "transitEncryptionEnabled",
        "transitEncryptionMode",
        "multiAzEnabled",
        "automaticFailoverEnabled",
        "snapshotRetentionLimit",
        "subnetGroupName",
        "parameterGroupName",
        "engine",
        "engineVersion",
        "nodeType",
        "port",
        "networkType",
    )
    for group in plan.of_type(REPLICATION_GROUP):
        missing = [key for key in explicit if key not in group.inputs]
        assert not missing, f"{group.name} leaves {missing} to provider defaults"
        assert group.inputs["autoMinorVersionUpgrade"] is True
        assert group.inputs["applyImmediately"] is True
    for cache in plan.of_type(SERVERLESS_CACHE):
        limits = cache.inputs["cacheUsageLimits"]
        assert limits["dataStorage"]["maximum"] > 0
        assert limits["dataStorage"]["unit"] == "GB"
        assert limits["ecpuPerSeconds"][0]["maximum"] >= 1000


def test_tags_on_every_taggable_resource(stack, run) -> None:
    plan = run(stack)
    common = stack.get("tags")
    for resource in plan.resources:
        if resource.type in (
            COMPONENT,
            STACK_REFERENCE,
            tokens.KMS_ALIAS,
            tokens.SNS_TOPIC_POLICY,
            tokens.RANDOM_PASSWORD,
            RANDOM_STRING,
        ):
            continue
        tags = dict(resource.inputs.get("tags") or {})
        assert tags, f"{resource.type} {resource.name} has no tags"
        cache = resource.parent.split("::")[-1]
        workload = stack.get("caches")[cache]["workload"]
        if resource.type in (REPLICATION_GROUP, SERVERLESS_CACHE):
            # The expected load travels with the cache, so any cost tool prices the same load.
            expected = stack.get("caches")[cache].get("expectedLoad", {})
            assert tags.pop("expectedDataGb") == f"{expected['averageDataGb']:g}"
            assert tags.pop("expectedRequestsPerSecond") == f"{expected['requestsPerSecond']:g}"
            if "averageItemKb" in expected:
                assert tags.pop("expectedItemKb") == f"{expected['averageItemKb']:g}"
        if resource.type == SERVERLESS_CACHE:
            # For the pack, which cannot look subnets up: the AZs the cache's endpoints go to.
            zones = {stand_in_subnets(stack)[subnet].availability_zone for subnet in resource.inputs["subnetIds"]}
            assert tags.pop("subnetAvailabilityZones") == " ".join(sorted(zones))
        assert tags == {
            **common,
            "environment": stack.stack,
            "managedBy": "pulumi",
            "workload": workload,
            "cache": cache,
            # The config entry it came from: the pack words its findings as the fix in this config.
            "stackConfigKey": f"caches.{cache}",
        }, resource.name


def test_children_are_named_after_their_component(stack, run) -> None:
    plan = run(stack)
    for resource in plan.resources:
        if resource.type in (COMPONENT, STACK_REFERENCE):
            continue
        cache = resource.parent.split("::")[-1]
        assert resource.name.startswith(f"{cache}-"), resource.name


def test_exports_have_one_shape_and_a_connect_policy(stack, run) -> None:
    plan = run(stack)
    for name, cache in stack.get("caches").items():
        exported = plan.exports[name]
        assert exported["monthlyCost"]["complete"] is True
        assert exported["tls"] is True
        assert exported["port"] == 6379
        assert exported["engine"] == cache.get("engine", "valkey")
        assert exported["endpoint"].endswith(".cache.amazonaws.com")
        assert exported["readerEndpoint"].endswith(".cache.amazonaws.com")
        assert exported["securityGroupId"].startswith("sg-")
        assert readable(plan, name, exported["userGroupId"]) == f"{stack.stack}-{name}"
        policy = json.loads(exported["connectPolicy"])
        [statement] = policy["Statement"]
        assert statement["Action"] == "elasticache:Connect"
        kind = "serverlesscache" if cache.get("type") == "serverless" else "replicationgroup"
        expected = {f"arn:aws:elasticache:us-east-1:123456789012:{kind}:{stack.stack}-{name}"} | {
            f"arn:aws:elasticache:us-east-1:123456789012:user:{stack.stack}-{name}-{user}"
            for user in cache["auth"]["users"]
        }
        assert {readable(plan, name, arn) for arn in statement["Resource"]} == expected


def test_prod_encrypts_with_a_customer_managed_key_per_cache(prod, run) -> None:
    plan = run(prod)
    for name in prod.get("caches"):
        key = one(plan, KMS_KEY, name)
        assert key.inputs["enableKeyRotation"] is True
        assert one(plan, REPLICATION_GROUP, name).inputs["kmsKeyId"] == key.outputs["arn"]


def test_prod_sharded_cache_has_shards_times_replicas_plus_one_nodes(prod, run) -> None:
    plan = run(prod)
    sharded = [n for n, c in prod.get("caches").items() if "shards" in c]
    assert sharded, "prod has a cluster-mode-enabled cache"
    for name in sharded:
        group = one(plan, REPLICATION_GROUP, name)
        cache = prod.get("caches")[name]
        assert group.inputs["numNodeGroups"] == cache["shards"]
        assert group.inputs["replicasPerNodeGroup"] == cache["replicas"]
        assert len(group.outputs["memberClusters"]) == cache["shards"] * (cache["replicas"] + 1)
        assert "numCacheClusters" not in group.inputs
        assert group.options.ignore_changes == ("nodeGroupConfigurations",)
        assert plan.exports[name]["endpoint"].startswith("clustercfg.")


def test_dev_serverless_cache_uses_only_subnets_in_app_azs(dev, run) -> None:
    serverless = [n for n, c in dev.get("caches").items() if c.get("type") == "serverless"]
    assert serverless, "dev has a serverless cache"
    network = dev.get("network")
    extra_subnet = "subnet-0ffffffffffffff99"
    widened = dev.with_values(network={**network, "subnetIds": [*network["subnetIds"], extra_subnet]})
    answers = {**stand_in_subnets(dev), extra_subnet: SubnetAnswer("us-east-1d", network["vpcId"])}
    plan = run_program(widened, subnets=answers)
    for name in serverless:
        cache = one(plan, SERVERLESS_CACHE, name)
        assert cache.inputs["subnetIds"] == network["subnetIds"]
        assert cache.inputs["majorEngineVersion"] == dev.get("caches")[name]["majorEngineVersion"]
    for group in plan.of_type(SUBNET_GROUP):
        assert extra_subnet in group.inputs["subnetIds"]  # node groups may use any private subnet
