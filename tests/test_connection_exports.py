"""What an app connects from: each cache's export, one shape in every mode, and the example app-role program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cacheclient import CacheConnection
from elasticache_facts.tokens import USER
from preflight.program import run_program
from preflight.stack_files import read_stack_config
from tests.conftest import children
from tests.connect_stacks import every_mode

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "app-role"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SHAPE = {
    "cacheId",
    "region",
    "endpoint",
    "readerEndpoint",
    "port",
    "readerPort",
    "tls",
    "authMode",
    "userIds",
    "engine",
    "engineVersion",
    "mode",
    "clusterMode",
    "workload",
    "securityGroupId",
    "userGroupId",
    "connectPolicy",
    "alarmTopicArn",
    "finalSnapshotName",
    "monthlyCost",
}


@pytest.fixture
def plan(dev, run):
    return run(every_mode(dev))


def test_every_cache_exports_the_same_keys(plan) -> None:
    caches = {name: value for name, value in plan.exports.items() if name not in ("monthlyCost", "deployedCaches")}
    assert set(caches) == {"prompts", "sessions", "ratelimit", "locks", "memory", "hot"}
    for name, exported in caches.items():
        # A null value does not survive serialisation: token mode has no user group.
        absent = {"userGroupId"} if exported["authMode"] == "token" else set()
        absent |= {"finalSnapshotName"} if exported["mode"] == "serverless" else set()
        assert set(exported) == SHAPE - absent, name
        assert exported["cacheId"].startswith(f"dev-{name}-"), "the cache's id as AWS knows it (suffixed)"
        assert exported["region"] == "us-east-1"
        assert exported["tls"] is True


def test_reader_port_is_6380_only_for_serverless(plan) -> None:
    assert plan.exports["prompts"]["mode"] == "serverless"
    assert (plan.exports["prompts"]["port"], plan.exports["prompts"]["readerPort"]) == (6379, 6380)
    for name in ("sessions", "ratelimit", "locks", "memory", "hot"):
        assert plan.exports[name]["readerPort"] == plan.exports[name]["port"] == 6379, name


def test_sharded_cache_exports_its_configuration_endpoint_for_reads_too(plan) -> None:
    hot = plan.exports["hot"]
    assert hot["clusterMode"] is True
    assert hot["endpoint"] == hot["readerEndpoint"]
    assert hot["endpoint"].startswith("clustercfg.")
    sessions = plan.exports["sessions"]
    assert sessions["endpoint"].startswith("master.")
    assert sessions["readerEndpoint"].startswith("replica.")


def test_user_ids_are_the_planned_user_resources(plan) -> None:
    for name, exported in plan.exports.items():
        if name in ("monthlyCost", "deployedCaches"):
            continue
        planned = {
            r.inputs["userId"]: r.inputs["userName"]
            for r in children(plan, name)
            if r.type == USER and r.inputs["userName"] != "default"
        }
        assert set(exported["userIds"].values()) == set(planned), name
        assert exported["authMode"] == {"ratelimit": "token", "locks": "password"}.get(name, "iam")
        # What a client AUTHs as: the user id in IAM mode (IAM requires user_name == user_id), else the name.
        connection = CacheConnection.from_exports(exported)
        assert {user.user_id: user.user_name for user in connection.users.values()} == planned, name
    assert plan.exports["ratelimit"]["userIds"] == {}
    assert set(plan.exports["locks"]["userIds"]) == {"svc"}
    assert set(plan.exports["hot"]["userIds"]) == {"app", "worker"}


def test_connect_policy_names_the_cache_and_every_exported_user(plan) -> None:
    for name in ("prompts", "sessions", "memory", "hot"):
        exported = plan.exports[name]
        [statement] = json.loads(exported["connectPolicy"])["Statement"]
        kind = "serverlesscache" if exported["mode"] == "serverless" else "replicationgroup"
        prefix = "arn:aws:elasticache:us-east-1:123456789012"
        assert set(statement["Resource"]) == {f"{prefix}:{kind}:{exported['cacheId']}"} | {
            f"{prefix}:user:{user_id}" for user_id in exported["userIds"].values()
        }


def run_example(cache_exports, **config):
    example = read_stack_config("dev", project_dir=EXAMPLE)
    example = example.with_values(**{f"app-role:{key}": value for key, value in config.items()})
    return run_program(example, previous_outputs=cache_exports, project_dir=EXAMPLE)


def test_example_attaches_the_caches_connect_policy_to_a_new_task_role(plan, run) -> None:
    app = run_example(plan.exports)
    [role] = app.of_type(ROLE)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    [policy] = app.of_type(ROLE_POLICY)
    assert policy.inputs["role"] == role.id
    assert policy.inputs["policy"] == plan.exports["sessions"]["connectPolicy"]
    connection = json.loads(app.exports["connection"])
    assert connection["user"] == "app"
    assert connection["cacheId"] == plan.exports["sessions"]["cacheId"]
    assert connection["userIds"] == plan.exports["sessions"]["userIds"]
    assert CacheConnection.from_exports(app.exports["connection"]).user == "app"
    assert "monthlyCost" not in connection


def test_example_can_attach_to_an_existing_role(plan, run) -> None:
    app = run_example(plan.exports, cache="hot", cacheUser="worker", roleName="checkout-task-role")
    assert app.of_type(ROLE) == []
    [policy] = app.of_type(ROLE_POLICY)
    assert policy.inputs["role"] == "checkout-task-role"
    hot = plan.exports["hot"]
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    prefix = "arn:aws:elasticache:us-east-1:123456789012"
    # Only the app's own user: a role for `worker` may not authenticate as `app`.
    assert statement["Resource"] == [
        f"{prefix}:replicationgroup:{hot['cacheId']}",
        f"{prefix}:user:{hot['userIds']['worker']}",
    ]
    assert json.loads(app.exports["connection"])["clusterMode"] is True


def test_example_refuses_a_user_the_cache_does_not_have(plan, run) -> None:
    with pytest.raises(Exception, match=r"app-role:cacheUser = 'nobody'.*its users: app"):
        run_example(plan.exports, cacheUser="nobody")
