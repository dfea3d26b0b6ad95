"""The Cache component reused from another Pulumi program: hand-built args and resource options."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import rpc
from pydantic import SecretStr

from components import Cache
from components.args_check import InvalidCacheArgs
from components.spec import AuthMode, CacheArgs, KmsKey, KmsKeyChoice, Protection, Serverless
from elasticache_facts.tokens import (
    COMPONENT,
    KMS_KEY,
    PARAMETER_GROUP,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SERVERLESS_CACHE,
    USER,
)
from preflight.mocks import RecordingMonitor
from tests.conftest import unit_spec


def valid(**cache: Any) -> CacheArgs:
    [args] = unit_spec({"sessions": {"workload": "sessions", **cache}}).caches
    return args


def registered(monitor: RecordingMonitor, type_token: str) -> list[dict[str, Any]]:
    return [rpc.deserialize_properties(req.object) for req, _ in monitor.registrations if req.type == type_token]


def types(monitor: RecordingMonitor) -> list[str]:
    return [req.type for req, _ in monitor.registrations]


def build(monitor: RecordingMonitor, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
    """Run a one-cache program; return (the exception the constructor raised or None, the cache)."""
    outcome: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        try:
            cache = Cache("sessions", args, opts)
        except Exception as error:
            outcome["error"] = error
            return None
        outcome["cache"] = cache
        return pulumi.Output.all(cache.endpoint, cache.connect_policy, cache.security_group_id)

    program()
    return outcome.get("error"), outcome.get("cache")


# -- hand-built args: the AWS rules between inputs, before anything is registered ------------------------------


def refused(monitor: RecordingMonitor, args: CacheArgs) -> list[str]:
    """The constructor refuses the args with one clear error, and nothing (not even the component) is registered."""
    error, _ = build(monitor, args)
    assert isinstance(error, InvalidCacheArgs), f"accepted ({error!r}); registered {sorted(set(types(monitor)))}"
    assert types(monitor) == []
    return error.problems


def test_loader_built_args_are_accepted(component_mocks):
    error, _ = build(component_mocks, valid())
    assert error is None
    assert registered(component_mocks, REPLICATION_GROUP)


def test_args_with_neither_node_nor_serverless_are_refused_before_registration(component_mocks):
    # Unchecked: AssertionError with no message, after the suffix, topic, SG, ingress, users were registered.
    assert refused(component_mocks, dataclasses.replace(valid(), node=None)) == [
        "node / serverless = neither set: set exactly one of them: node for a replication group, serverless for one"
    ]


def test_serverless_args_in_token_mode_are_refused_before_registration(component_mocks):
    # Unchecked: AssertionError after the suffix, topic, key, SG and ingress rule were registered.
    base = valid()
    args = dataclasses.replace(
        base,
        node=None,
        engine_version="8",
        serverless=Serverless(max_data_gb=10, max_ecpu_per_second=5000),
        auth=dataclasses.replace(base.auth, mode=AuthMode.TOKEN, users=(), token=SecretStr("Abcdefgh12345678-token")),
    )
    assert refused(component_mocks, args) == [
        "auth.mode = 'token': serverless caches support RBAC only; allowed: iam or password"
    ]


def test_kms_choice_arn_without_arn_is_refused(component_mocks):
    # Unchecked: registered with no kmsKeyId, i.e. the AWS-owned key, though a customer key was chosen.
    args = dataclasses.replace(valid(), kms_key=KmsKey(KmsKeyChoice.ARN))
    assert refused(component_mocks, args) == [
        "kms_key.arn = None: a KMS key ARN is required when kms_key.choice is ARN"
    ]


def test_args_aws_refuses_are_refused_with_every_problem(component_mocks):
    # Unchecked: all of it registered without a word (retention 99, 8 nodes with 3 preferred AZs, valkey 6.2, ...).
    base = valid()
    args = dataclasses.replace(
        base,
        cache_id="Bad--Id",
        engine_version="6.2",
        maintenance_window="sun:03:00-sun:04:00",  # overlaps the 03:00-04:00 snapshot window
        backup=dataclasses.replace(base.backup, retention_days=99),
        node=dataclasses.replace(base.node, replicas=7, node_type="cache.r3.large"),
        observability=dataclasses.replace(base.observability, log_retention_days=10),
    )
    paths = [problem.split(" = ")[0] for problem in refused(component_mocks, args)]
    for path in (
        "cache_id",
        "engine_version",
        "backup.window",
        "backup.retention_days",
        "node.replicas",
        "node.node_type",
        "observability.log_retention_days",
        "node.layouts[0]",
    ):
        assert path in paths


_PROBLEM = re.compile(
    r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_\-]+(?:\[\d+\])?)*|node / serverless) = (?P<value>.+?): \S"
)


def test_every_problem_names_the_field_its_value_and_what_is_allowed(component_mocks):
    # The same form as the stack config's problems: a reused component's caller sees what it passed.
    base = valid()
    args = dataclasses.replace(
        base,
        engine_version="6.2",
        backup=dataclasses.replace(base.backup, retention_days=99),
        node=dataclasses.replace(base.node, replicas=7, port=80, node_type="cache.r3.large"),
        observability=dataclasses.replace(base.observability, log_retention_days=10),
        network=dataclasses.replace(base.network, vpc_id="vpc-1"),
    )
    problems = refused(component_mocks, args)
    shown = {}
    for problem in problems:
        match = _PROBLEM.match(problem)
        assert match, f"not '<field> = <value>: <why>': {problem!r}"
        shown[match["path"]] = match["value"]
    assert shown["engine_version"] == "'6.2'"
    assert shown["backup.retention_days"] == "99"
    assert shown["node.replicas"] == "7"
    assert shown["node.port"] == "80"
    assert shown["node.node_type"] == "'cache.r3.large'"
    assert shown["observability.log_retention_days"] == "10"
    assert shown["network.vpc_id"] == "'vpc-1'"
    allowed = next(problem for problem in problems if problem.startswith("observability.log_retention_days"))
    assert "allowed: 0, 1, 3, 5, 7, 14" in allowed


def test_a_secret_that_aws_refuses_is_named_but_never_shown(component_mocks):
    base = valid()
    short = "Short-Secret1"
    token = dataclasses.replace(
        base, auth=dataclasses.replace(base.auth, mode=AuthMode.TOKEN, users=(), token=SecretStr(short))
    )
    [problem] = refused(component_mocks, token)
    assert problem.startswith("auth.token = [secret]: must be 16..128 characters long")
    assert short not in problem
    passwords = dataclasses.replace(
        base,
        auth=dataclasses.replace(
            base.auth, mode=AuthMode.PASSWORD, passwords={user: SecretStr(short) for user in base.auth.users}
        ),
    )
    problems = refused(component_mocks, passwords)
    assert problems
    assert all(" = [secret]: must be 16..128 characters" in problem for problem in problems)
    assert not any(short in problem for problem in problems)


def test_a_node_cache_s_topic_of_another_account_is_refused(component_mocks):
    # Unchecked: CreateReplicationGroup with a NotificationTopicArn AWS refuses (its owner is not the cluster's).
    base = dataclasses.replace(valid(), account_id="123456789012")
    other = "arn:aws:sns:us-east-1:999999999999:oncall"
    args = dataclasses.replace(base, observability=dataclasses.replace(base.observability, alarm_topic_arn=other))
    [problem] = refused(component_mocks, args)
    assert problem.startswith(f"observability.alarm_topic_arn = {other!r}: the topic belongs to account 999999999999")


def test_args_with_node_and_serverless_are_refused(component_mocks):
    # Unchecked: a serverless cache silently, node ignored, and `port` exported as the node's 6390 (no listener there,
    # the security group opens 6379-6380 only).
    base = valid(port=6390)
    args = dataclasses.replace(base, serverless=Serverless(max_data_gb=10, max_ecpu_per_second=5000))
    assert refused(component_mocks, args) == [
        "node / serverless = both set: set exactly one of them: node for a replication group, serverless for one"
    ]


def test_a_node_cache_without_a_description_is_refused(component_mocks):
    # Unchecked: a replication group with description "" (CacheArgs' default), which pulumi-aws documents as "Must
    # not be empty"; the loader always generates one.
    assert refused(component_mocks, dataclasses.replace(valid(), description="")) == [
        "description = '': required for a node-based cache: AWS refuses a replication group without a description"
    ]


def test_a_serverless_cache_without_a_description_is_accepted(component_mocks):
    # ServerlessCache's description is optional: the rule is the replication group's only.
    base = valid(workload="cache", type="serverless", limits={"maxDataGb": 10, "maxEcpuPerSecond": 5000})
    error, _ = build(component_mocks, dataclasses.replace(base, description=""))
    assert error is None
    [serverless] = registered(component_mocks, SERVERLESS_CACHE)
    assert serverless["description"] == ""


def _with_network(args: CacheArgs, **changes: Any) -> CacheArgs:
    return dataclasses.replace(args, network=dataclasses.replace(args.network, **changes))


def test_a_network_aws_or_the_loader_refuses_is_refused(component_mocks):
    # Unchecked: a subnet group and an ingress rule per listed item registered as given: an app AZ without a cache
    # subnet (AWS places no node there), a subnet twice, an app security group twice (two identical ingress rules,
    # which EC2 refuses), an AZ of another region.
    base = valid()
    network = base.network
    kept = network.subnet_ids[:2]
    args = _with_network(
        base,
        subnet_ids=(*kept, kept[0]),
        subnet_azs={subnet: network.subnet_azs[subnet] for subnet in kept},
        app_security_group_ids=network.app_security_group_ids * 2,
    )
    problems = refused(component_mocks, args)
    assert problems == [
        "network.subnet_ids[2] = 'subnet-0aaaaaaaaaaaaaaa1': listed twice; allowed: each cache subnet once: remove "
        "this one",
        "network.app_security_group_ids[1] = 'sg-0ccccccccccccccc1': listed twice; allowed: each app security group "
        "once: remove this one",
        "network.app_availability_zones[2] = 'us-east-1c': no cache subnet in this AZ (cache subnets are in "
        "us-east-1a, us-east-1b): add a private subnet of us-east-1c to network.subnet_ids, or drop the AZ",
        "node.layouts[0] = ['us-east-1a', 'us-east-1b', 'us-east-1c']: places a node in us-east-1c, where no cache "
        "subnet is (they are in us-east-1a, us-east-1b); allowed: AZs of network.subnet_ids",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"subnet_ids": ()}, ["network.subnet_ids = []: empty; allowed: at least one cache subnet: add one"]),
        (
            {"app_security_group_ids": ()},
            ["network.app_security_group_ids = []: empty; allowed: at least one app security group: add one"],
        ),
        (
            {"app_availability_zones": ("us-east-1a", "eu-west-1a")},
            [
                "network.app_availability_zones[1] = 'eu-west-1a': not an AZ of the region us-east-1; allowed: one "
                "of its AZs, such as us-east-1a"
            ],
        ),
        (
            {"app_availability_zones": ("us-east-1a", "us-east-1b", "us-east-1a")},
            [
                "network.app_availability_zones[2] = 'us-east-1a': listed twice; allowed: each app AZ once: remove "
                "this one"
            ],
        ),
        (
            {"vpc_id": "vpc-1"},
            ["network.vpc_id = 'vpc-1': not in the expected format; allowed: a VPC id: vpc- and 8 or 17 hex digits"],
        ),
    ],
)
def test_empty_duplicate_or_malformed_network_lists_are_refused(component_mocks, changes, expected):
    base = valid()
    problems = refused(component_mocks, _with_network(base, **changes))
    assert problems[: len(expected)] == expected


def test_a_subnet_without_a_known_az_is_refused(component_mocks):
    base = valid()
    subnet_azs = dict(base.network.subnet_azs)
    subnet_azs.pop(base.network.subnet_ids[0])
    [problem] = refused(component_mocks, _with_network(base, subnet_azs=subnet_azs))
    assert problem.startswith("network.subnet_ids[0] = 'subnet-0aaaaaaaaaaaaaaa1': has no AZ in network.subnet_azs")


def test_a_serverless_cache_s_network_is_held_to_the_same_rules(component_mocks):
    base = valid(workload="cache", type="serverless", limits={"maxDataGb": 10, "maxEcpuPerSecond": 5000})
    args = _with_network(base, app_security_group_ids=base.network.app_security_group_ids * 2)
    assert refused(component_mocks, args) == [
        "network.app_security_group_ids[1] = 'sg-0ccccccccccccccc1': listed twice; allowed: each app security group "
        "once: remove this one"
    ]


def test_an_access_string_elasticache_refuses_is_refused(component_mocks):
    # Unchecked: users registered with an access string holding a password and reset, which AWS refuses in
    # CreateUser (RBAC access strings take no passwords and no reset), and a rule for a command no engine has.
    base = valid()
    args = dataclasses.replace(
        base, auth=dataclasses.replace(base.auth, access_string="on ~* +@all >hunter2 reset +nosuch")
    )
    problems = refused(component_mocks, args)
    assert [problem.split(" = ")[0] for problem in problems] == ["auth.access_string"] * 3
    # The string is shown with its password rule redacted: an error message lands in CI logs and reports.
    assert all(
        problem.startswith("auth.access_string = 'on ~* +@all >[secret] reset +nosuch': ") for problem in problems
    )
    assert not any("hunter2" in problem for problem in problems)
    assert "passwords cannot be in an access string" in problems[0]
    assert "'reset': AWS refuses reset" in problems[1]
    assert "no command 'nosuch'" in problems[2]


def test_a_custom_access_string_elasticache_takes_reaches_the_users(component_mocks):
    base = valid()
    access = "on ~app:* &* +@read +@write -@dangerous +info +ping"
    error, _ = build(
        component_mocks, dataclasses.replace(base, auth=dataclasses.replace(base.auth, access_string=access))
    )
    assert error is None
    users = [user for user in registered(component_mocks, USER) if user["userName"] != "default"]
    assert users
    assert {user["accessString"] for user in users} == {access}


@pytest.mark.parametrize(
    ("engine_version", "parameter", "value", "why"),
    [
        ("8.1", "no-such-parameter", "1", "not a parameter of family valkey8"),
        ("8.1", "appendonly", "yes", "AWS fixes appendonly in valkey8"),
        ("8.1", "maxmemory-samples", "100", "not a value valkey8 takes for maxmemory-samples; allowed: 1..64"),
        ("8.0", "commandlog-large-reply-max-len", "64", "is a valkey 8.1 parameter"),
        ("8.1", "maxmemory-policy", "allkeys-lru", "set evictionPolicy instead"),
    ],
)
def test_parameters_the_family_refuses_are_refused(component_mocks, engine_version, parameter, value, why):
    # Unchecked (all but maxmemory-policy): a parameter group registered with a parameter its family does not have,
    # that AWS fixes, out of its range, or of a later minor version; AWS refuses the group's parameters at apply.
    base = valid(engineVersion=engine_version)
    args = dataclasses.replace(base, node=dataclasses.replace(base.node, parameters=((parameter, value),)))
    [problem] = refused(component_mocks, args)
    assert problem.startswith(f"node.parameters.{parameter} = {value!r}: ")
    assert why in problem


def test_parameters_the_family_takes_reach_the_parameter_group(component_mocks):
    base = valid()
    parameters = (("maxmemory-samples", "10"), ("notify-keyspace-events", "Ex"))
    error, _ = build(
        component_mocks, dataclasses.replace(base, node=dataclasses.replace(base.node, parameters=parameters))
    )
    assert error is None
    [group] = registered(component_mocks, PARAMETER_GROUP)
    assert {(p["name"], p["value"]) for p in group["parameters"]} >= set(parameters)


# -- resource options ----------------------------------------------------------------------------------------


def test_protect_on_the_component_reaches_the_cache_itself(component_mocks):
    # Unchecked: every child inherited protect=True except the replication group and the KMS key (explicit False).
    args = dataclasses.replace(
        valid(kmsKey="create"), protection=Protection(protect=False, retain_on_delete=False, allow_replacement=False)
    )
    error, _ = build(component_mocks, args, pulumi.ResourceOptions(protect=True))
    assert error is None
    protect = {req.type: req.protect for req, _ in component_mocks.registrations}
    assert protect[COMPONENT] is True
    assert protect[SECURITY_GROUP] is True
    assert protect[REPLICATION_GROUP] is True
    assert protect[KMS_KEY] is True


def test_unprotected_args_without_options_stay_unprotected(component_mocks):
    args = dataclasses.replace(
        valid(), protection=Protection(protect=False, retain_on_delete=False, allow_replacement=False)
    )
    error, _ = build(component_mocks, args)
    assert error is None
    assert {req.protect for req, _ in component_mocks.registrations} == {False}


def test_provider_propagates_to_every_aws_child(component_mocks):
    @pulumi.runtime.test
    def program() -> Any:
        west = aws.Provider("west", region="us-west-2")
        cache = Cache("sessions", valid(), pulumi.ResourceOptions(provider=west))
        return pulumi.Output.all(cache.endpoint, cache.connect_policy)

    program()
    aws_children = [req for req, _ in component_mocks.registrations if req.type.startswith("aws:")]
    assert aws_children
    assert all("::west::" in req.provider for req in aws_children)
