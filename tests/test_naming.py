"""Names that cannot collide across stacks, projects and checkouts, and that change when AWS would replace."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components import naming
from components.deployed_state import DEPLOYED_CACHES_OUTPUT
from components.stack_config import ConfigError
from elasticache_facts.tokens import (
    PARAMETER_GROUP,
    RANDOM_STRING,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SERVERLESS_CACHE,
    SUBNET_GROUP,
    USER,
    USER_GROUP,
)
from preflight.model import Plan, PlannedResource
from preflight.program import run_program
from tests.conftest import (
    STACKS,
    children,
    edit_cache,
    one,
    unit_spec,
)

PASSWORD = "Pw-0123456789abcdef"
# Every name AWS holds unique per account and region, by resource type: the input that carries it.
NAME_INPUTS = {
    REPLICATION_GROUP: "replicationGroupId",
    SERVERLESS_CACHE: "name",
    PARAMETER_GROUP: "name",
    SUBNET_GROUP: "name",
    SECURITY_GROUP: "name",
    USER: "userId",
    USER_GROUP: "userGroupId",
    "aws:kms/alias:Alias": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:sns/topic:Topic": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
}
ELASTICACHE_IDS = (REPLICATION_GROUP, SERVERLESS_CACHE, USER, USER_GROUP)


def suffix(plan: Plan, cache: str, which: str) -> PlannedResource:
    [found] = [r for r in children(plan, cache) if r.type == RANDOM_STRING and r.name == f"{cache}-{which}-suffix"]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_name_carries_a_random_suffix_kept_in_state(stack: str, stack_config) -> None:
    config = stack_config(stack)
    plan = run_program(config)
    named = 0
    for name in config.get("caches"):
        kept = suffix(plan, name, "name")
        assert kept.inputs["length"] == naming.SUFFIX_LENGTH
        assert "keepers" not in kept.inputs, "the name suffix must never be replaced by an update"
        values = {kept.outputs["result"], suffix(plan, name, "users").outputs["result"]}
        for resource in children(plan, name):
            key = NAME_INPUTS.get(resource.type)
            if key is None:
                continue
            value = resource.inputs[key]
            assert any(f"-{v}" in value for v in values), f"{resource.name}.{key} = {value!r} has no suffix"
            if resource.type in ELASTICACHE_IDS:
                assert len(value) <= 40, value
            named += 1
    assert named > 20


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_carry_the_ids_aws_knows(stack: str, stack_config) -> None:
    config = stack_config(stack)
    plan = run_program(config)
    for name in config.get("caches"):
        exported = plan.exports[name]
        kind = SERVERLESS_CACHE if config.get("caches")[name].get("type") == "serverless" else REPLICATION_GROUP
        cache = one(plan, kind, name)
        assert exported["cacheId"] == cache.inputs[NAME_INPUTS[kind]]
        assert plan.exports[DEPLOYED_CACHES_OUTPUT][name]["cacheId"] == exported["cacheId"]
        users = {
            r.name.removeprefix(f"{name}-user-"): r.inputs["userId"] for r in children(plan, name) if r.type == USER
        }
        users.pop("default", None)
        assert exported["userIds"] == users


def test_user_ids_that_two_caches_derive_alike_are_refused_naming_both_keys() -> None:
    caches: dict[str, Any] = {
        "a": {"workload": "cache", "auth": {"users": ["b-app", "x-default"]}},
        "a-b": {"workload": "cache", "auth": {"users": ["app"]}},
        "a-x": {"workload": "cache"},
    }
    with pytest.raises(ConfigError) as raised:
        unit_spec(caches)
    problems = {(p.path, p.message) for p in raised.value.problems}
    assert (
        "caches.a-b.auth.users[0]",
        "derives the same user id as caches.a.auth.users[0]: rename one of the users or caches",
    ) in problems
    assert (
        "caches.a-x (its default user)",
        "derives the same user id as caches.a.auth.users[1]: rename one of the users or caches",
    ) in problems
    assert len(raised.value.problems) == 2


def test_the_suffix_counts_against_the_aws_length_limit() -> None:
    longest = "c" * (naming.max_readable_length() - len("unit-"))
    assert unit_spec(
        {longest: {"workload": "cache", "auth": {"mode": "token"}}}, cacheSecrets={longest: {"authToken": PASSWORD}}
    )
    with pytest.raises(ConfigError) as raised:
        unit_spec({longest + "c": {"workload": "cache"}})
    [problem] = [p for p in raised.value.problems if p.path == f"caches.{longest}c"]
    assert f"plus its {naming.SUFFIX_LENGTH}-character suffix" in problem.message
    assert f"at most {naming.max_readable_length()} characters" in problem.message


def test_users_and_their_group_get_new_ids_whenever_aws_would_replace_them(dev) -> None:
    """user_name changes with the auth type, and users and groups may be replaced on an engine change: both are
    keepers of the suffix the ids end with, so the engine creates new ids instead of re-creating the same one."""
    before = run_program(dev)
    flipped = edit_cache(dev, "sessions", auth={"mode": "password", "users": ["app"]})
    flipped = flipped.with_secret_values(cacheSecrets={"sessions": {"passwords": {"app": PASSWORD}}})
    after = run_program(flipped, previous_outputs=before.exports)
    old, new = suffix(before, "sessions", "users"), suffix(after, "sessions", "users")
    assert old.inputs["keepers"] == {"engine": "valkey", "authMode": "iam"}
    assert new.inputs["keepers"] == {"engine": "valkey", "authMode": "password"}
    for plan, kept in ((before, old), (after, new)):
        ids = [r.inputs["userId"] for r in children(plan, "sessions") if r.type == USER]
        ids.append(one(plan, USER_GROUP, "sessions").inputs["userGroupId"])
        assert all(value.endswith(f"-{kept.outputs['result']}") for value in ids), ids
    app = next(r for r in children(after, "sessions") if r.name == "sessions-user-app")
    assert app.inputs["userName"] == "app"  # was the user id: AWS replaces the user
    assert not app.options.delete_before_replace  # deleting first would drop it from its group behind Pulumi


def test_final_snapshot_name_is_new_per_creation_and_stable_across_updates(prod) -> None:
    first = run_program(prod)
    kept = suffix(first, "sessions", "final-snapshot")
    group = one(first, REPLICATION_GROUP, "sessions").inputs
    assert group["finalSnapshotIdentifier"] == f"{group['replicationGroupId']}-final-{kept.outputs['result']}"
    resized = run_program(edit_cache(prod, "sessions", nodeType="cache.r7g.xlarge"), previous_outputs=first.exports)
    upgraded = run_program(edit_cache(prod, "sessions", engineVersion="8.2"), previous_outputs=first.exports)
    for update in (resized, upgraded):
        assert suffix(update, "sessions", "final-snapshot").inputs["keepers"] == kept.inputs["keepers"]
    replaced = edit_cache(prod, "sessions", port=6380, allowReplacement=True)
    replacing = run_program(replaced, previous_outputs=first.exports)
    assert suffix(replacing, "sessions", "final-snapshot").inputs["keepers"]["port"] == "6380"


def test_a_cache_created_empty_keeps_the_final_snapshot_keepers_it_had_before_restores_were_recorded(prod) -> None:
    # A key added to the keepers would replace the suffix, and rename the final snapshot, of every deployed cache.
    plan = run_program(prod)
    assert set(suffix(plan, "sessions", "final-snapshot").inputs["keepers"]) == {
        "cacheId",
        "type",
        "engine",
        "port",
        "kmsKey",
        "sharded",
        "dataTiering",
        "networkType",
    }
    seeded = run_program(edit_cache(prod, "sessions", restoreFrom={"snapshot": "prod-sessions-nightly"}))
    assert suffix(seeded, "sessions", "final-snapshot").inputs["keepers"]["restoredFrom"] == (
        "snapshot prod-sessions-nightly"
    )


def deployed_with(plan: Plan, cache: str, **facts: Any) -> dict[str, Any]:
    outputs = copy.deepcopy(plan.exports)
    outputs[DEPLOYED_CACHES_OUTPUT][cache].update(facts)
    return outputs


def test_a_cache_deployed_under_another_id_is_refused(prod) -> None:
    first = run_program(prod)
    with pytest.raises(ConfigError) as raised:
        run_program(prod, previous_outputs=deployed_with(first, "sessions", cacheId="prod-sessions"))
    problems = {p.path: p.message for p in raised.value.problems}
    assert problems["caches.sessions"].startswith("changes the cache id from prod-sessions;")
    assert "allowReplacement: true" in problems["caches.sessions"]


def test_a_network_type_change_is_refused(prod) -> None:
    first = run_program(prod)
    with pytest.raises(ConfigError) as raised:
        run_program(prod, previous_outputs=deployed_with(first, "retrieval", networkType="dual_stack"))
    problems = {p.path: p.message for p in raised.value.problems}
    assert problems["caches.retrieval"].startswith("changes the network type from dual_stack;")


def test_a_record_without_a_network_type_was_deployed_with_the_one_there_is(prod) -> None:
    first = run_program(prod)
    outputs = copy.deepcopy(first.exports)
    for facts in outputs[DEPLOYED_CACHES_OUTPUT].values():
        del facts["networkType"]
    assert run_program(prod, previous_outputs=outputs).resources
