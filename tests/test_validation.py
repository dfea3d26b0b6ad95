"""Bad stack config: one clear error naming each key, its value and what is allowed, before any resource exists."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components import aws_rules
from components.spec import KmsKeyChoice
from components.stack_config import ConfigError, Problem
from components.stack_config.parsing import _leaves, _model_in
from components.stack_config.problems import MISSING
from components.stack_config.schema import Model, NodeCacheConfig, ServerlessCacheConfig
from elasticache_facts import tokens
from elasticache_facts.workloads import EvictionPolicy
from preflight.model import SubnetAnswer
from preflight.program import run_program
from preflight.stack_files import StackConfig, StackFileError, read_stack_config, stand_in_subnets
from tests.conftest import UNIT_NETWORK, edit, edit_cache, one, unit_spec
from tests.test_readme_commands import apply

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
    message = rejected(dev.with_values(network=None), "network").message
    assert message.startswith("required; allowed: a map of")
    assert "vpcId" in message


def test_missing_workload_is_required(dev) -> None:
    message = rejected(edit_cache(dev, "sessions", workload=None), "caches.sessions.workload").message
    assert message == "required; allowed: one of cache, sessions, rate-limit, locks, agent-memory"


@pytest.mark.parametrize("workload", [None, "sesions"])
def test_a_refused_workload_hides_none_of_the_caches_other_problems(dev, workload: str | None) -> None:
    # Judged under every workload, the cache's problems that hold whatever was meant still come in this run;
    # one that depends on the workload (an eviction policy some workloads allow) would be a guess, and is left out.
    config = edit_cache(
        dev,
        "sessions",
        workload=workload,
        engineVersion="9.9",
        replicas="many",
        evictionPolicy="allkeys-lru",
        backup={"retentionDays": 1, "window": "05:30-06:30"},
        maintenanceWindow="sun:05:00-sun:06:00",
    )
    paths = sorted(problem.path for problem in problems_of(config))
    assert paths == [
        "caches.sessions.backup.window",
        "caches.sessions.engineVersion",
        "caches.sessions.replicas",
        "caches.sessions.workload",
    ]


def test_a_cache_whose_workload_is_refused_is_still_held_to_the_stacks_tags_and_user_ids() -> None:
    # Neither its tags nor its users depend on the workload, so the stack-wide checks count it in the same run.
    caches: dict[str, Any] = {
        "a": {"workload": "sesions", "tags": {"costCentre": "1042"}, "auth": {"users": ["b-app"]}},
        "a-b": {"workload": "cache", "tags": {"costCentre": "1042"}, "auth": {"users": ["app"]}},
    }
    with pytest.raises(ConfigError) as raised:
        unit_spec(caches, tags={"team": "platform"})
    found = {problem.path: problem.message for problem in raised.value.problems}
    assert set(found) == {"caches.a.workload", "caches.a-b.auth.users[0]"}
    assert found["caches.a-b.auth.users[0]"].startswith("derives the same user id as caches.a.auth.users[0]")

    with pytest.raises(ConfigError) as raised:
        unit_spec({**caches, "a": {**caches["a"], "tags": {}}}, tags={"team": "platform"})
    tag = next(problem for problem in raised.value.problems if problem.path == "tags.costCentre")
    assert tag.message.endswith("or caches.<name>.tags.costCentre on each of a")


def _optional_keys(
    model: type[Model], prefix: tuple[str, ...] = (), *, required: bool = False
) -> list[tuple[str, ...]]:
    """The key paths of every key with a default (with `required`, every key) in a block and the blocks under it."""
    found = []
    for field in model.model_fields.values():
        if field.is_required() and not required:
            continue
        key = (*prefix, str(field.alias))
        found.append(key)
        if (inner := _model_in(field.annotation)) is not None:
            found.extend(_optional_keys(inner, key, required=required))
    return found


def _scalar_keys(model: type[Model], kind: type) -> list[tuple[str, ...]]:
    """The key paths whose value is of `kind` (int, float or bool), the keys of nested blocks included."""
    found = []
    for key in _optional_keys(model, required=True):
        current: Any = model
        for part in key[:-1]:
            current = _model_in(next(f for f in current.model_fields.values() if f.alias == part).annotation)
        field = next(f for f in current.model_fields.values() if f.alias == key[-1])
        if kind in _leaves(field.annotation):
            found.append(key)
    return found


@pytest.mark.parametrize(
    ("body", "key", "wrong", "what"),
    [
        (body, key, wrong, what)
        for body, model in (("node", NodeCacheConfig), ("serverless", ServerlessCacheConfig))
        for kind, wrongs, what in (
            (int, (True, False, "2"), "not a whole number"),
            (float, (True, "2"), "not a number"),
            (bool, ("true", "off", "yes", 1, 0), "not true or false"),
        )
        for key in _scalar_keys(model, kind)
        for wrong in wrongs
    ],
    ids=str,
)
def test_a_number_or_boolean_key_takes_only_its_own_type(
    body: str, key: tuple[str, ...], wrong: Any, what: str
) -> None:
    """`shards: true` is no 1 shard, `protect: "true"` no boolean: the value is refused as written, never coerced.

    The CLI stores `--path` numbers and booleans typed (pulumi/pulumi sdk/go/common/resource/config/object.go
    `coerce`), so a quoted one is a hand edit."""
    base = _NODE_BODY if body == "node" else _SERVERLESS_BODY
    path = "caches.c." + ".".join(key)
    with pytest.raises(ConfigError) as raised:
        unit_spec({"c": _with_key(base, key, wrong)})
    problem = next((p for p in raised.value.problems if p.path == path), None)
    assert problem is not None, [str(p) for p in raised.value.problems]
    assert problem.value == wrong
    assert type(problem.value) is type(wrong)
    assert problem.message.startswith(what)
    shown = ("true" if wrong else "false") if isinstance(wrong, bool) else repr(wrong)
    assert str(problem).startswith(f"{path} = {shown}: {what}")
    if isinstance(wrong, str) and wrong in ("2", "true"):
        assert problem.message.endswith(f": write it without quotes ({wrong})")


def test_stack_observability_takes_numbers_only_as_numbers() -> None:
    with pytest.raises(ConfigError) as raised:
        unit_spec({"c": _NODE_BODY}, observability={"logRetentionDays": True, "alarms": {"evictions": True}})
    assert sorted(str(p) for p in raised.value.problems) == [
        "observability.alarms.evictions = true: not a number; allowed: a number of at least 0 evictions per 5 minutes",
        "observability.logRetentionDays = true: not a whole number; allowed: a whole number of days",
    ]


_NODE_BODY = {"workload": "sessions"}
_SERVERLESS_BODY = {"type": "serverless", "workload": "cache", "limits": {"maxDataGb": 5, "maxEcpuPerSecond": 5000}}


def _with_key(body: dict[str, Any], key: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of the body with the key path set (its missing parent blocks as empty maps)."""
    body = json.loads(json.dumps(body))
    block = body
    for part in key[:-1]:
        block = block.setdefault(part, {})
    block[key[-1]] = value
    return body


def _without_key(body: dict[str, Any], key: tuple[str, ...]) -> dict[str, Any]:
    body = _with_key(body, key, None)
    block = body
    for part in key[:-1]:
        block = block[part]
    del block[key[-1]]
    return body


@pytest.mark.parametrize(
    ("body", "key"),
    [(_NODE_BODY, key) for key in _optional_keys(NodeCacheConfig)]
    + [(_SERVERLESS_BODY, key) for key in _optional_keys(ServerlessCacheConfig) if key != ("type",)],
    ids=lambda item: ".".join(item) if isinstance(item, tuple) else item.get("type", "node"),
)
def test_a_key_written_with_no_value_is_the_key_left_out(body: dict[str, Any], key: tuple[str, ...]) -> None:
    """`auth:` with nothing after it (YAML null) takes the defaults, as `tags:` or `expectedLoad:` always did."""
    assert _outcome({"c": _with_key(body, key, None)}) == _outcome({"c": _without_key(body, key)})


def _outcome(caches: dict[str, Any]) -> object:
    """The spec, or the problems (a serverless cache without `limits` has one either way)."""
    try:
        return unit_spec(caches)
    except ConfigError as error:
        return [str(problem) for problem in error.problems]


@pytest.mark.parametrize("key", ["workload", "limits.maxDataGb"])
def test_a_required_key_written_with_no_value_is_reported_as_required(dev, key: str) -> None:
    caches = copy.deepcopy(dev.get("caches"))
    caches["prompts"] = _with_key(caches["prompts"], tuple(key.split(".")), None)
    problem = rejected(dev.with_values(caches=caches), f"caches.prompts.{key}")
    assert problem.value is MISSING
    assert problem.message.startswith("required")


def test_stack_blocks_written_with_no_value_take_their_defaults() -> None:
    """A production stack whose `encryption.kmsKey` has no value gets the production default key, not aws-owned."""
    caches = {"c": _NODE_BODY}
    spec = unit_spec(caches, encryption={"kmsKey": None}, observability={"alarms": None, "logRetentionDays": None})
    assert spec == unit_spec(caches)
    assert spec.caches[0].kms_key.choice is KmsKeyChoice.CREATE


def test_auth_and_backup_with_no_value_in_a_stack_file_take_their_defaults(dev, run) -> None:
    """As the CLI hands a hand-edited `auth:` / `backup:` to the program: null inside the cache's object."""
    emptied = edit_cache(dev, "sessions", auth=None, backup=None)
    nulls = copy.deepcopy(dev.get("caches"))
    nulls["sessions"].update(auth=None, backup=None)
    assert '"auth":null' in dev.with_values(caches=nulls).values["elasticache:caches"]
    planned, expected = run(dev.with_values(caches=nulls)), run(emptied)
    assert sorted((r.type, r.name) for r in planned.resources) == sorted((r.type, r.name) for r in expected.resources)
    group = one(planned, tokens.REPLICATION_GROUP, "sessions").inputs
    default = one(expected, tokens.REPLICATION_GROUP, "sessions").inputs
    for key in ("snapshotWindow", "snapshotRetentionLimit", "transitEncryptionMode"):
        assert group[key] == default[key]
    assert group["snapshotWindow"] == "03:00-04:00"
    assert len(planned.of_type(tokens.USER)) == len(expected.of_type(tokens.USER))


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("engine", "memcached", "allowed: one of valkey, redis"),
        ("workload", "queue", "allowed: one of cache, sessions"),
        ("replicas", 6, "allowed: 0..5 replicas per shard"),
        ("replicas", -1, "allowed: 0..5 replicas per shard"),
        ("shards", 0, "allowed: 1..500 shards"),
        ("evictionPolicy", "lru", "allowed: one of allkeys-lru"),
        ("port", 80, "allowed: 1024..65535"),
        ("type", "cluster", "allowed: one of node, serverless"),
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
    assert {"network.vpcId", "network.appSecurityGroupIds[0]"} <= found


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
    ("node_type", "hint"),
    [
        ("r7g.large", "cache.<family>.<size>"),
        ("cache.t2.micro", "t2 is a previous-generation family"),
        ("cache.r4.large", "r4 is refused for cost: AWS still lists it as current generation"),
    ],
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
    message = rejected(config, "caches.sessions.backup.window").message
    assert "overlaps maintenanceWindow sun:05:00-sun:06:00" in message
    assert "e.g. '06:00-07:00', or move maintenanceWindow" in message


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


def test_a_hyphen_doubled_or_last_in_a_name_is_named_once_with_the_rule(dev) -> None:
    """Names become part of ElastiCache ids, which refuse `--` and a trailing hyphen: shortening does not help."""
    caches = dev.get("caches")
    config = dev.with_values(caches={**caches, "sess--ions": caches["sessions"], "users-": caches["sessions"]})
    found = problems_of(config)
    for name in ("sess--ions", "users-"):
        [problem] = [p for p in found if p.path.startswith(f"caches.{name}")]
        assert problem.path == f"caches.{name}"
        assert "single hyphens" in problem.message
        assert "not ending with a hyphen" in problem.message
    user = rejected(
        edit_cache(dev, "sessions", auth={"mode": "iam", "users": ["app-"]}), "caches.sessions.auth.users[0]"
    )
    assert "not ending with a hyphen" in user.message


def test_environment_is_a_tag_value_under_the_tag_rules(dev) -> None:
    problem = rejected(dev.with_values(environment="pr#123"), "environment")
    assert "the tag value holds '#'" in problem.message
    assert "at most 256 characters" in rejected(dev.with_values(environment="e" * 257), "environment").message


# -- authentication and secrets -----------------------------------------------------------------------------


def test_token_mode_needs_its_secret_and_names_the_command(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token"})
    problem = rejected(config, "cacheSecrets.sessions.authToken")
    assert "pulumi config set --secret --path 'cacheSecrets.sessions.authToken'" in problem.message


@pytest.mark.parametrize(
    ("token", "hint"), [("short", "16..128"), ("x" * 129, "16..128"), ("has/slash-and-more-chars", "only letters")]
)
def test_auth_token_length_and_characters_without_echoing_it(dev, token: str, hint: str) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token"}).with_secret_values(
        cacheSecrets={"sessions": {"authToken": token}}
    )
    problem = rejected(config, "cacheSecrets.sessions.authToken")
    assert hint in problem.message
    assert token not in str(problem)
    assert "[secret]" in str(problem)


@pytest.mark.parametrize(
    ("mode", "key", "value", "read_in"),
    [
        ("iam", "tokenUpdateStrategy", "SET", "token mode"),
        ("iam", "tokenVersion", 3, "token mode"),
        ("iam", "passwordVersion", 2, "password mode"),
        ("password", "tokenVersion", 2, "token mode"),
        ("token", "passwordVersion", 2, "password mode"),
        ("token", "accessString", "on ~* +@all", "iam and password mode"),
    ],
)
def test_an_auth_key_the_mode_does_not_read_is_refused_not_ignored(
    dev, mode: str, key: str, value: Any, read_in: str
) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": mode, key: value})
    if mode == "password":
        config = config.with_secret_values(cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN}}})
    if mode == "token":
        config = config.with_secret_values(cacheSecrets={"sessions": {"authToken": VALID_TOKEN}})
    found = problems_of(config)
    assert [p.path for p in found] == [f"caches.sessions.auth.{key}"], [str(p) for p in found]
    assert found[0].value == value
    assert f"read only in {read_in}, and auth.mode is {mode}: remove it" in found[0].message


def test_the_auth_keys_a_mode_reads_are_accepted(dev, run) -> None:
    token = edit_cache(dev, "sessions", auth={"mode": "token", "tokenVersion": 2, "tokenUpdateStrategy": "SET"})
    assert run(token.with_secret_values(cacheSecrets={"sessions": {"authToken": VALID_TOKEN}})).resources
    password = edit_cache(
        dev, "sessions", auth={"mode": "password", "passwordVersion": 2, "accessString": "on ~* +@all"}
    )
    assert run(password.with_secret_values(cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN}}})).resources


def test_serverless_refuses_token_mode(dev) -> None:
    config = edit_cache(dev, "prompts", auth={"mode": "token"}).with_secret_values(
        cacheSecrets={"prompts": {"authToken": VALID_TOKEN}}
    )
    assert "RBAC only" in rejected(config, "caches.prompts.auth.mode").message


def test_token_mode_has_no_users(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token", "users": ["app"]}).with_secret_values(
        cacheSecrets={"sessions": {"authToken": VALID_TOKEN}}
    )
    rejected(config, "caches.sessions.auth.users")


def test_password_mode_needs_a_password_per_user(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "password", "users": ["app", "admin"]}).with_secret_values(
        cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN}}}
    )
    problem = rejected(config, "cacheSecrets.sessions.passwords.admin")
    assert "--secret" in problem.message


def test_secrets_for_unknown_caches_or_users_are_reported(dev) -> None:
    config = dev.with_secret_values(
        cacheSecrets={"nosuch": {"authToken": VALID_TOKEN}, "sessions": {"passwords": {"x": VALID_TOKEN}}}
    )
    found = {p.path for p in problems_of(config)}
    assert {"cacheSecrets.nosuch", "cacheSecrets.sessions.passwords.x"} <= found


def test_secret_values_never_appear_in_the_error(dev) -> None:
    secret = "Sup3r-Secret-Value-123"
    config = dev.with_secret_values(cacheSecrets={"sessions": {"authToken": secret, "unknown": secret}})
    with pytest.raises(ConfigError) as raised:
        run_program(config)
    assert secret not in str(raised.value)


@pytest.mark.parametrize(
    ("auth", "key", "secret"),
    [
        ({"mode": "token"}, "authToken", 4815162342108154711),
        ({"mode": "password", "users": ["app"]}, "passwords.app", 4815162342108154711),
        ({"mode": "password", "users": ["app"]}, "passwords.app", 48151623.42108),
    ],
)
def test_a_secret_stored_as_a_number_is_refused_without_showing_it(
    dev, auth: dict[str, Any], key: str, secret: Any
) -> None:
    # `pulumi config set --path` stores digits as a number; the hint to quote a number must not repeat a secret.
    config = edit_cache(dev, "sessions", auth=auth).with_secret_values(cacheSecrets={"sessions": _nested(key, secret)})
    problem = rejected(config, f"cacheSecrets.sessions.{key}")
    assert problem.message.startswith("not a string")
    assert f"pulumi config set --secret --path 'cacheSecrets.sessions.{key}'" in problem.message
    assert problem.value == "[secret]"
    assert str(secret) not in str(problem)
    assert str(secret)[:8] not in str(problem)


def _nested(key: str, value: Any) -> dict[str, Any]:
    """`{a: {b: value}}` for the key path `a.b`."""
    head, _, rest = key.partition(".")
    return {head: _nested(rest, value) if rest else value}


@pytest.mark.parametrize(
    "rule", [">Sup3r-Secret-Value-123", "<Sup3r-Secret-Value-123", "#" + "ab" * 32, "!" + "cd" * 32]
)
def test_a_password_written_into_an_access_string_is_named_but_not_shown(dev, rule: str) -> None:
    # ACL SETUSER takes a password (`>pass`, `<pass`) or its SHA-256 (`#hash`, `!hash`) as a rule; ElastiCache
    # refuses them in an access string, and the error that says so lands in CI logs and reports.
    config = edit_cache(dev, "sessions", auth={"mode": "password", "accessString": f"on ~* {rule} +@all"})
    problem = rejected(config, "caches.sessions.auth.accessString")
    assert problem.value == f"on ~* {rule[0]}[secret] +@all"
    assert "passwords cannot be in an access string" in problem.message
    assert rule[1:] not in str(problem)


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


def test_a_serverless_description_is_at_most_255_characters(dev) -> None:
    problem = rejected(edit_cache(dev, "prompts", description="d" * 256), "caches.prompts.description")
    assert "256 characters; allowed: at most 255" in problem.message


def test_a_serverless_cache_counts_its_subnet_zones_tag_against_the_50_tag_limit(dev, run) -> None:
    """The component tags a serverless cache with its subnets' AZs (`subnetAvailabilityZones`): the loader
    counts that tag too, so the largest accepted set of tags is exactly AWS's 50."""
    [server] = run(dev).of_type(tokens.SERVERLESS_CACHE)
    own = dev.get("caches")["prompts"].get("tags") or {}
    room = aws_rules.MAX_TAGS_PER_RESOURCE - len(server.inputs["tags"])
    fill = {**own, **{f"extra{i}": "x" for i in range(room)}}
    [fullest] = run(edit_cache(dev, "prompts", tags=fill)).of_type(tokens.SERVERLESS_CACHE)
    assert len(fullest.inputs["tags"]) == aws_rules.MAX_TAGS_PER_RESOURCE
    over = edit_cache(dev, "prompts", tags={**fill, "onemore": "x"})
    assert "at most 50 tags" in rejected(over, "caches.prompts.tags").message


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


def test_a_security_group_or_subnet_listed_twice_names_the_fix(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "appSecurityGroupIds": n["appSecurityGroupIds"] * 2})
    problem = rejected(config, "network.appSecurityGroupIds[1]")
    assert problem.message == "listed twice; allowed: each app security group once: remove this one"


@pytest.mark.parametrize("value", ["IP", "dns", "tls-dynamc", None])
def test_a_misspelt_endpoint_type_is_never_offered_the_refused_ip(value: Any) -> None:
    """`ip` is a value the family takes but the loader refuses (node.REFUSED_VALUES): no message suggests it."""
    body = {"workload": "cache", "parameters": {"cluster-preferred-endpoint-type": value}}
    with pytest.raises(ConfigError) as raised:
        unit_spec({"c": body})
    [problem] = raised.value.problems
    assert problem.path == "caches.c.parameters.cluster-preferred-endpoint-type"
    assert "allowed: one of tls-dynamic" in problem.message
    assert "ip," not in problem.message
    assert "'ip'" not in problem.message


def test_app_az_outside_the_region(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "appAvailabilityZones": ["us-east-1a", "eu-west-1b"]})
    assert "region us-east-1" in rejected(config, "network.appAvailabilityZones[1]").message


def test_region_is_required(dev) -> None:
    assert rejected(dev.with_values(**{"aws:region": None}), "aws:region").message.startswith("required")


def test_a_serverless_cache_with_one_app_az_is_named_at_its_type_with_the_fix(dev) -> None:
    config = edit(dev, "network", lambda n: {**n, "appAvailabilityZones": n["appAvailabilityZones"][:1]})
    problem = rejected(config, "caches.prompts.type")
    zone = dev.get("network")["appAvailabilityZones"][0]
    assert f"network.appAvailabilityZones has {zone}" in problem.message
    assert "add an app AZ and a private subnet in it" in problem.message
    assert "use type node" in problem.message


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
        ("arn:aws:kms:eu-west-1:123456789012:key/mrk-0f0f0f0f11112222333344444444ab12", "eu-west-1"),
        ("arn:aws:kms:us-east-1:123456789012:key/------------------------------------", "the key id a UUID"),
        ("arn:aws:kms:us-east-1:123456789012:key/mrk-0f0f0f0f", "mrk- and 32 hex digits"),
    ],
)
def test_kms_key_must_be_a_key_arn_of_the_region(dev, key: str, hint: str) -> None:
    assert hint in rejected(edit_cache(dev, "sessions", kmsKey=key), "caches.sessions.kmsKey").message


def test_a_multi_region_key_of_the_region_is_a_key_arn(dev, run) -> None:
    """A multi-Region key's ARN ends in key/mrk-<32 hex> (botocore KMS model, ReplicateKey `KeyId`): a key ARN."""
    arn = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    group = one(run(edit_cache(dev, "sessions", kmsKey=arn)), tokens.REPLICATION_GROUP, "sessions")
    assert group.inputs["kmsKeyId"] == arn


def test_tags_may_not_use_the_aws_prefix(dev) -> None:
    rejected(dev.with_values(tags={"aws:team": "x"}), "tags.aws:team")


def test_tags_hold_only_the_characters_elasticache_accepts(dev) -> None:
    config = edit_cache(
        dev.with_values(tags={"team": "platform", "costCentre": "cc|1042"}), "sessions", tags={"owner#": "é"}
    )
    found = problems_of(config)
    stack = rejected(config, "tags.costCentre")
    assert stack.value == "cc|1042"
    assert stack.message.startswith("the tag value holds '|'; allowed in tag keys and values: ASCII letters, digits")
    # A key and its value are each judged, and both are named at the key's path.
    cache = [(p.value, p.message.split(";")[0]) for p in found if p.path == "caches.sessions.tags.owner#"]
    assert cache == [("owner#", "the tag key holds '#'"), ("é", "the tag value holds 'é'")]


def test_log_retention_0_keeps_logs_forever_at_either_level(dev, run) -> None:
    """CloudWatch's 0 is "never expire" (pulumi_aws `cloudwatch.LogGroup` `retention_in_days`), not "unset"."""
    config = edit(dev, "observability", lambda o: {**(o or {}), "logRetentionDays": 0})
    assert {g.inputs["retentionInDays"] for g in run(config).of_type(tokens.LOG_GROUP)} == {0}
    stack_30 = edit(dev, "observability", lambda o: {**(o or {}), "logRetentionDays": 30})
    plan = run(edit_cache(stack_30, "sessions", observability={"logRetentionDays": 0}))
    by_cache = {(g.name.split("-")[0], g.inputs["retentionInDays"]) for g in plan.of_type(tokens.LOG_GROUP)}
    assert ("sessions", 0) in by_cache
    assert ("sessions", 30) not in by_cache


def test_a_node_cache_s_topic_must_belong_to_the_cache_s_account(dev, run) -> None:
    """The replication group's NotificationTopicArn: "The Amazon SNS topic owner must be the same as the cluster
    owner" (botocore elasticache CreateReplicationGroup); the preflight's account is 123456789012."""
    other = "arn:aws:sns:us-east-1:999999999999:oncall"
    problem = rejected(dev.with_values(observability={"alarmTopicArn": other}), "observability.alarmTopicArn")
    assert problem.value == other
    assert "allowed: an SNS topic of account 123456789012" in problem.message
    own = rejected(
        edit_cache(dev, "sessions", observability={"alarmTopicArn": other}),
        "caches.sessions.observability.alarmTopicArn",
    )
    assert "belongs to account 999999999999" in own.message
    # A serverless cache's topic receives its alarms only, never a replication group's events.
    assert run(edit_cache(dev, "prompts", observability={"alarmTopicArn": other})).resources
    assert run(dev.with_values(observability={"alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:oncall"})).resources


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


def test_a_stack_wide_key_every_cache_inherits_is_one_problem() -> None:
    """Each cache judges the stack's observability with its own; a bad stack value is still named once."""
    with pytest.raises(ConfigError) as raised:
        unit_spec({"a": NODE, "b": NODE}, observability={"logRetentionDays": 8})
    assert [p.path for p in raised.value.problems] == ["observability.logRetentionDays"]


def test_error_message_lists_each_problem_with_key_value_and_rule(dev) -> None:
    with pytest.raises(ConfigError) as raised:
        run_program(edit_cache(dev, "sessions", replicas=9))
    text = str(raised.value)
    assert text.startswith("Invalid stack config (1 problem):")
    assert "caches.sessions.replicas = 9: out of range; allowed: 0..5 replicas per shard" in text
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


def test_a_mistake_in_the_app_azs_does_not_hide_the_subnets_problems() -> None:
    zones = UNIT_NETWORK["appAvailabilityZones"]
    subnets = UNIT_NETWORK["subnetIds"]
    network = {
        **UNIT_NETWORK,
        "appAvailabilityZones": [*zones, zones[0]],
        "subnetIds": [*subnets, "subnet-0ddddddddddddddd1"],
    }
    with pytest.raises(ConfigError) as raised:
        unit_spec(node(), network=network)
    found = {p.path: p.message for p in raised.value.problems}
    assert "listed twice" in found[f"network.appAvailabilityZones[{len(zones)}]"]
    assert f"network.subnetIds[{len(subnets)}]" in found


def test_a_misnamed_cache_s_body_is_checked_in_the_same_run(dev) -> None:
    caches = {**dev.get("caches"), "Bad_Name": {**dev.get("caches")["sessions"], "replicas": "two"}}
    found = {p.path for p in problems_of(dev.with_values(caches=caches))}
    assert {"caches.Bad_Name", "caches.Bad_Name.replicas"} <= found


# -- corpus: one mistake per case, each named by its key path and the allowed-values part of its message -------

NODE = {"workload": "sessions", "nodeType": "cache.r7g.large", "replicas": 2}
SERVERLESS = {"type": "serverless", "workload": "cache", "limits": {"maxDataGb": 5, "maxEcpuPerSecond": 5000}}


def node(**changes: Any) -> dict[str, Any]:
    return {"c": {**NODE, **changes}}


def serverless(**changes: Any) -> dict[str, Any]:
    return {"c": {**SERVERLESS, **changes}}


def parameters(engine_version: str = "8.1", engine: str = "valkey", **values: Any) -> dict[str, Any]:
    return node(engine=engine, engineVersion=engine_version, parameters=values)


TAGS_48 = {f"team{i}": "x" for i in range(48)}

# (case id, caches, other top-level values, key path, part of the message naming what is allowed)
CORPUS: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # node types: the catalog of real ElastiCache node types, with the closest one suggested
    ("ec2-family", node(nodeType="cache.c5.large"), {}, "caches.c.nodeType", "no ElastiCache family c5; allowed:"),
    ("size-typo", node(nodeType="cache.r7g.larg"), {}, "caches.c.nodeType", "did you mean 'cache.r7g.large'?"),
    ("size-not-in-family", node(nodeType="cache.t4g.xlarge"), {}, "caches.c.nodeType", "allowed: micro, small, medium"),
    ("previous-generation", node(nodeType="cache.t2.micro"), {}, "caches.c.nodeType", "allowed: a current one"),
    ("refused-m4", node(nodeType="cache.m4.large"), {}, "caches.c.nodeType", "allowed: m6g or another current"),
    ("no-cache-prefix", node(nodeType="r7g.large"), {}, "caches.c.nodeType", "did you mean 'cache.r7g.large'?"),
    ("no-size", node(nodeType="cache.r7g"), {}, "caches.c.nodeType", "allowed: cache.<family>.<size>"),
    ("upper-case", node(nodeType="CACHE.R7G.LARGE"), {}, "caches.c.nodeType", "allowed: cache.<family>.<size>"),
    ("unknown-family", node(nodeType="cache.x1.large"), {}, "caches.c.nodeType", "no ElastiCache family x1"),
    ("r6gd-no-large", node(nodeType="cache.r6gd.large"), {}, "caches.c.nodeType", "allowed: xlarge, 2xlarge"),
    ("t3-no-xlarge", node(nodeType="cache.t3.xlarge"), {}, "caches.c.nodeType", "allowed: micro, small, medium"),
    ("r7g-24xlarge", node(nodeType="cache.r7g.24xlarge"), {}, "caches.c.nodeType", "did you mean 'cache.r7g."),
    ("c7gn-medium", node(nodeType="cache.c7gn.medium"), {}, "caches.c.nodeType", "allowed: large, xlarge"),
    (
        "valkey-only-type-on-redis",
        node(engine="redis", engineVersion="7.1", nodeType="cache.r8g.large"),
        {},
        "caches.c.nodeType",
        "allowed: a node type that runs redis; did you mean 'cache.r",
    ),
    (
        "m8g-on-redis",
        node(engine="redis", engineVersion="7.1", nodeType="cache.m8g.large"),
        {},
        "caches.c.nodeType",
        "that runs redis",
    ),
    # unknown keys at every level, the closest valid key suggested
    ("cache-key-typo", node(replica=2), {}, "caches.c.replica", "did you mean 'replicas'?"),
    ("cache-key-case", node(nodetype="cache.r7g.large"), {}, "caches.c.nodetype", "did you mean 'nodeType'?"),
    ("cache-key-snake", node(engine_version="8.1"), {}, "caches.c.engine_version", "did you mean 'engineVersion'?"),
    ("eviction-typo", node(evictonPolicy="noeviction"), {}, "caches.c.evictonPolicy", "did you mean 'evictionPolicy'?"),
    ("auth-key", node(auth={"user": ["app"]}), {}, "caches.c.auth.user", "did you mean 'users'?"),
    ("auth-mode-typo", node(auth={"mod": "iam"}), {}, "caches.c.auth.mod", "did you mean 'mode'?"),
    ("backup-key", node(backup={"retention": 3}), {}, "caches.c.backup.retention", "allowed here: retentionDays"),
    (
        "backup-windows",
        node(backup={"windows": "03:00-04:00"}),
        {},
        "caches.c.backup.windows",
        "did you mean 'window'?",
    ),
    (
        "limits-key-case",
        serverless(limits={"maxDataGB": 5, "maxEcpuPerSecond": 5000}),
        {},
        "caches.c.limits.maxDataGB",
        "did you mean 'maxDataGb'?",
    ),
    ("alarms-key", node(observability={"alarm": {}}), {}, "caches.c.observability.alarm", "did you mean 'alarms'?"),
    ("load-key", node(expectedLoad={"dataGb": 1}), {}, "caches.c.expectedLoad.dataGb", "allowed here: averageDataGb"),
    ("node-key-on-serverless", serverless(replicas=1), {}, "caches.c.replicas", "only for node-based caches"),
    ("serverless-key-on-node", node(majorEngineVersion="8"), {}, "caches.c.majorEngineVersion", "only for serverless"),
    ("top-level-typo", node(), {"encyption": {"kmsKey": "create"}}, "encyption", "did you mean 'encryption'?"),
    ("top-level-misplaced", node(), {"kmsKey": "create"}, "kmsKey", "did you mean encryption.kmsKey?"),
    ("top-level-cache-key", node(), {"nodeType": "cache.r7g.large"}, "nodeType", "caches.<name>.nodeType"),
    ("top-level-singular", node(), {"tag": {"a": "b"}}, "tag", "did you mean 'tags'?"),
    ("top-level-secrets", node(), {"cacheSecret": {}}, "cacheSecret", "did you mean 'cacheSecrets'?"),
    ("top-level-vpc", node(), {"vpcId": "vpc-0aaaaaaaaaaaaaaa1"}, "vpcId", "did you mean network.vpcId?"),
    ("top-level-observability", node(), {"observabilty": {}}, "observabilty", "did you mean 'observability'?"),
    ("top-level-allowed-list", node(), {"zone": "x"}, "zone", "allowed: environment, production, namePrefix"),
    ("encryption-key", node(), {"encryption": {"kms": "create"}}, "encryption.kms", "did you mean 'kmsKey'?"),
    # cross-resource AWS limits: derived ids, nodes per cluster, tags per resource, users per user group
    (
        "nodes-per-cluster",
        node(shards=300, replicas=1),
        {},
        "caches.c.shards",
        "allowed: at most 500 nodes per cluster",
    ),
    ("nodes-per-cluster-5", node(shards=101, replicas=4), {}, "caches.c.shards", "at most 100 shards with 4 replicas"),
    ("tags-per-resource", node(tags={"a": "b", "c": "d"}), {"tags": TAGS_48}, "caches.c.tags", "at most 50 tags"),
    (
        "users-per-group",
        node(auth={"users": [f"u{i}" for i in range(100)]}),
        {},
        "caches.c.auth.users",
        "at most 100 users per user group",
    ),
    ("default-user-id", {"a" * 22: NODE}, {}, f"caches.{'a' * 22}", "default user"),
    ("app-user-id", node(auth={"users": ["x" * 36]}), {}, "caches.c.auth.users[0]", "must be 1..40 characters"),
    ("cache-id-length", {"b" * 40: NODE}, {}, f"caches.{'b' * 40}", "1..40 characters"),
    ("prefix-length", node(), {"namePrefix": "p" * 41}, "namePrefix", "1..40 characters"),
    (
        "prefix-case",
        node(),
        {"namePrefix": "Acme"},
        "namePrefix",
        "allowed: lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen: "
        "set namePrefix: acme",
    ),
    # parameters: names from the family's list, values as AWS takes them, within documented ranges
    (
        "param-typo",
        parameters(**{"maxmemory-reserved": 10}),
        {},
        "caches.c.parameters.maxmemory-reserved",
        "not a parameter of family valkey8",
    ),
    ("param-bool-string", parameters(activedefrag="1"), {}, "caches.c.parameters.activedefrag", "allowed: yes or no"),
    ("param-bool-int", parameters(activedefrag=1), {}, "caches.c.parameters.activedefrag", "allowed: yes or no"),
    (
        "param-low",
        parameters(**{"maxmemory-samples": 0}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "allowed: 1..64",
    ),
    (
        "param-high",
        parameters(**{"maxmemory-samples": 65}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "allowed: 1..64",
    ),
    (
        "param-text",
        parameters(**{"maxmemory-samples": "ten"}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "allowed: 1..64",
    ),
    (
        "param-map",
        parameters(**{"maxmemory-samples": {"int": 3}}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "not a single value; allowed: 1..64",
    ),
    (
        "param-list",
        parameters(**{"maxmemory-samples": [1]}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "not a single value",
    ),
    ("param-gap", parameters(timeout=10), {}, "caches.c.parameters.timeout", "allowed: 0 or 20..2147483647"),
    # Open or unstated AWS ranges end where the engines' CONFIG SET does (tests/engine/test_parameters.py).
    ("param-int-max", parameters(timeout=2**31), {}, "caches.c.parameters.timeout", "allowed: 0 or 20..2147483647"),
    (
        "param-below-off",
        parameters(**{"slowlog-log-slower-than": -5}),
        {},
        "caches.c.parameters.slowlog-log-slower-than",
        "allowed: -1 or more",
    ),
    (
        "param-unstated-range",
        parameters(**{"acllog-max-len": -1}),
        {},
        "caches.c.parameters.acllog-max-len",
        "allowed: 0 or more",
    ),
    (
        "param-long-long",
        parameters(**{"repl-backlog-size": 2**63}),
        {},
        "caches.c.parameters.repl-backlog-size",
        "allowed: 16384 or more",
    ),
    ("param-fixed", parameters(maxclients=100), {}, "caches.c.parameters.maxclients", "AWS fixes maxclients"),
    ("param-fixed-aof", parameters(appendonly="yes"), {}, "caches.c.parameters.appendonly", "AWS fixes appendonly"),
    (
        "param-choice",
        parameters(**{"acl-pubsub-default": "allchanels"}),
        {},
        "caches.c.parameters.acl-pubsub-default",
        "did you mean 'allchannels'?",
    ),
    (
        "param-choice-2",
        parameters(**{"cluster-preferred-endpoint-type": "dns"}),
        {},
        "caches.c.parameters.cluster-preferred-endpoint-type",
        "allowed: one of tls-dynamic",
    ),
    (
        "param-endpoint-ip",
        parameters(**{"cluster-preferred-endpoint-type": "ip"}),
        {},
        "caches.c.parameters.cluster-preferred-endpoint-type",
        "allowed: tls-dynamic",
    ),
    (
        "param-percent",
        parameters(**{"reserved-memory-percent": 101}),
        {},
        "caches.c.parameters.reserved-memory-percent",
        "allowed: 0..99",
    ),
    (
        "param-valkey-8-1-on-8-0",
        parameters("8.0", **{"commandlog-large-reply-max-len": 64}),
        {},
        "caches.c.parameters.commandlog-large-reply-max-len",
        "a valkey 8.1 parameter, which valkey8 on valkey 8.0 does not have",
    ),
    (
        "param-valkey-8-2-on-8-1",
        parameters("8.1", **{"search-default-timeout-ms": 100}),
        {},
        "caches.c.parameters.search-default-timeout-ms",
        "allowed: engineVersion 8.2 or later for it: set engineVersion: '8.2', or remove the parameter",
    ),
    (
        "param-not-in-valkey7",
        parameters("7.2", **{"search-default-timeout-ms": 100}),
        {},
        "caches.c.parameters.search-default-timeout-ms",
        "not a parameter of family valkey7",
    ),
    (
        "param-not-in-redis7",
        parameters("7.1", "redis", **{"commandlog-large-reply-max-len": 1}),
        {},
        "caches.c.parameters.commandlog-large-reply-max-len",
        "not a parameter of family redis7",
    ),
    (
        "param-removed-in-valkey8",
        parameters(**{"lazyfree-lazy-eviction": "yes"}),
        {},
        "caches.c.parameters.lazyfree-lazy-eviction",
        "not a parameter of family valkey8",
    ),
    (
        "param-reserved-policy",
        parameters(**{"maxmemory-policy": "noeviction"}),
        {},
        "caches.c.parameters.maxmemory-policy",
        "set evictionPolicy instead",
    ),
    (
        "param-reserved-cluster",
        parameters(**{"cluster-enabled": "yes"}),
        {},
        "caches.c.parameters.cluster-enabled",
        "set shards",
    ),
    (
        "param-valkey9",
        parameters("9.0", **{"cluster-databases": 2}),
        {},
        "caches.c.parameters.cluster-databases",
        "AWS fixes cluster-databases in valkey9",
    ),
    (
        "param-keyspace-events-class",
        parameters(**{"notify-keyspace-events": "Kq"}),
        {},
        "caches.c.parameters.notify-keyspace-events",
        "allowed: empty (off), or characters of KEg$lshzxetmdnA with K (keyspace) or E (keyevent) among them",
    ),
    (
        # The engine takes `x` and publishes nothing: the events need a channel, K or E.
        "param-keyspace-events-no-channel",
        parameters(**{"notify-keyspace-events": "x"}),
        {},
        "caches.c.parameters.notify-keyspace-events",
        "e.g. Ex",
    ),
    (
        "param-keyspace-events-bool",
        parameters(**{"notify-keyspace-events": True}),
        {},
        "caches.c.parameters.notify-keyspace-events",
        "with K (keyspace) or E (keyevent)",
    ),
    (
        "param-float",
        parameters(**{"maxmemory-samples": 2.5}),
        {},
        "caches.c.parameters.maxmemory-samples",
        "allowed: 1..64",
    ),
    # schema values: what is allowed, with range and unit
    ("replicas-high", node(replicas=9), {}, "caches.c.replicas", "allowed: 0..5 replicas per shard"),
    ("replicas-text", node(replicas="two"), {}, "caches.c.replicas", "allowed: 0..5 replicas per shard"),
    ("replicas-fraction", node(replicas=1.5), {}, "caches.c.replicas", "allowed: 0..5 replicas per shard"),
    ("shards-high", node(shards=501), {}, "caches.c.shards", "allowed: 1..500 shards"),
    ("port-high", node(port=70000), {}, "caches.c.port", "allowed: 1024..65535"),
    ("engine-typo", node(engine="valky"), {}, "caches.c.engine", "did you mean 'valkey'?"),
    ("workload-typo", node(workload="sesions"), {}, "caches.c.workload", "did you mean 'sessions'?"),
    (
        "eviction-typo-value",
        node(evictionPolicy="no-eviction"),
        {},
        "caches.c.evictionPolicy",
        "did you mean 'noeviction'?",
    ),
    ("type-typo", node(type="serverles"), {}, "caches.c.type", "did you mean 'serverless'?"),
    ("retention-high", node(backup={"retentionDays": 36}), {}, "caches.c.backup.retentionDays", "allowed: 0..35 days"),
    (
        "retention-text",
        node(backup={"retentionDays": "week"}),
        {},
        "caches.c.backup.retentionDays",
        "allowed: 0..35 days",
    ),
    (
        "data-gb-low",
        serverless(limits={"maxDataGb": 0, "maxEcpuPerSecond": 5000}),
        {},
        "caches.c.limits.maxDataGb",
        "allowed: 1..5000 GB",
    ),
    (
        "ecpu-low",
        serverless(limits={"maxDataGb": 5, "maxEcpuPerSecond": 999}),
        {},
        "caches.c.limits.maxEcpuPerSecond",
        "allowed: 1000..15000000 ECPUs per second",
    ),
    (
        "limits-missing-max",
        serverless(limits={"maxEcpuPerSecond": 5000}),
        {},
        "caches.c.limits.maxDataGb",
        "required; allowed: 1..5000 GB",
    ),
    (
        "memory-alarm-zero",
        node(observability={"alarms": {"memoryPercent": 0}}),
        {},
        "caches.c.observability.alarms.memoryPercent",
        "more than 0 and at most 100 percent",
    ),
    (
        "log-retention-text",
        node(observability={"logRetentionDays": "x"}),
        {},
        "caches.c.observability.logRetentionDays",
        "a whole number of days",
    ),
    (
        "log-retention-value",
        node(observability={"logRetentionDays": 8}),
        {},
        "caches.c.observability.logRetentionDays",
        "one of 1, 3, 5, 7, 14",
    ),
    (
        "load-zero",
        node(expectedLoad={"averageDataGb": 0}),
        {},
        "caches.c.expectedLoad.averageDataGb",
        "more than 0 and at most 100000 GB",
    ),
    ("password-version", node(auth={"passwordVersion": 0}), {}, "caches.c.auth.passwordVersion", "at least 1"),
    ("auth-mode", node(auth={"mode": "none"}), {}, "caches.c.auth.mode", "allowed: one of iam, password, token"),
    (
        "token-strategy",
        node(auth={"tokenUpdateStrategy": "rotate"}),
        {},
        "caches.c.auth.tokenUpdateStrategy",
        "did you mean 'ROTATE'?",
    ),
    ("data-tiering-text", node(dataTiering="maybe"), {}, "caches.c.dataTiering", "allowed: true or false"),
    (
        "data-tiering-eviction",
        node(workload="cache", nodeType="cache.r6gd.xlarge", evictionPolicy="allkeys-lfu"),
        {},
        "caches.c.evictionPolicy",
        "allowed for workload 'cache' on data tiering: volatile-lru, allkeys-lru",
    ),
    ("protect-text", node(protect="sometimes"), {}, "caches.c.protect", "allowed: true or false"),
    ("version-number", node(engineVersion=8.1), {}, "caches.c.engineVersion", "quote it in YAML ('8.1')"),
    ("users-number", node(auth={"users": ["app", 7]}), {}, "caches.c.auth.users[1]", "quote it in YAML ('7')"),
    ("cache-not-a-map", {"c": "sessions"}, {}, "caches.c", "allowed: a map with at least workload"),
    ("auth-not-a-map", node(auth="iam"), {}, "caches.c.auth", "allowed: a map of accessString"),
    (
        "transit-mode",
        node(transitEncryptionMode="optional"),
        {},
        "caches.c.transitEncryptionMode",
        "allowed: one of required, preferred",
    ),
    (
        "vpc-format",
        node(),
        {"network": {**UNIT_NETWORK, "vpcId": "vpc1"}},
        "network.vpcId",
        "allowed: a VPC id: vpc- and 8 or 17 hex digits",
    ),
    (
        "subnets-empty",
        node(),
        {"network": {**UNIT_NETWORK, "subnetIds": []}},
        "network.subnetIds",
        "too few items; allowed: a list of at least 1",
    ),
    (
        "sg-format",
        node(),
        {"network": {**UNIT_NETWORK, "appSecurityGroupIds": ["sg-x"]}},
        "network.appSecurityGroupIds[0]",
        "a security group id",
    ),
    (
        "az-format",
        node(),
        {"network": {**UNIT_NETWORK, "appAvailabilityZones": ["useast1a"]}},
        "network.appAvailabilityZones[0]",
        "an availability zone name such as us-east-1a",
    ),
    (
        "topic-format",
        node(),
        {"observability": {"alarmTopicArn": "my-topic"}},
        "observability.alarmTopicArn",
        "an SNS topic ARN",
    ),
    # engine versions: only what AWS supports (Valkey 9.0 yes: AWS docs and pulumi-aws; serverless 9 not yet)
    ("valkey-9-1", node(engineVersion="9.1"), {}, "caches.c.engineVersion", "allowed valkey versions are"),
    ("serverless-valkey-9", serverless(majorEngineVersion="9"), {}, "caches.c.majorEngineVersion", "are 7, 8"),
    ("redis-7-2", node(engine="redis", engineVersion="7.2"), {}, "caches.c.engineVersion", "7.0, 7.1"),
    ("valkey-7-0", node(engineVersion="7.0"), {}, "caches.c.engineVersion", "7.2, 8.0, 8.1, 8.2, 9.0"),
    # access strings: ACL syntax, and what AWS refuses in them
    ("acl-off", node(auth={"accessString": "~* +@all"}), {}, "caches.c.auth.accessString", "a string with on"),
    (
        "acl-password",
        node(auth={"accessString": "on ~* >secret +@all"}),
        {},
        "caches.c.auth.accessString",
        "passwords cannot be in an access string",
    ),
    (
        "acl-reset",
        node(auth={"accessString": "on reset ~* +@all"}),
        {},
        "caches.c.auth.accessString",
        "AWS refuses reset",
    ),
    (
        "acl-category",
        node(auth={"accessString": "on ~* +@reads"}),
        {},
        "caches.c.auth.accessString",
        "no ACL category 'reads'",
    ),
    ("acl-garbage", node(auth={"accessString": "on ~* all"}), {}, "caches.c.auth.accessString", "not an ACL rule"),
    (
        "acl-unknown-command",
        node(auth={"accessString": "on ~* +@all -@dangerous +infoo"}),
        {},
        "caches.c.auth.accessString",
        "allowed: a command they have; did you mean '+info'?",
    ),
    (
        "acl-unknown-subcommand",
        node(auth={"accessString": "on ~* +@all -client|kil"}),
        {},
        "caches.c.auth.accessString",
        "CLIENT has no subcommand 'kil', so ACL SETUSER refuses the rule; allowed: one of its subcommands (CLIENT HELP "
        "lists them); did you mean '-client|kill'?",
    ),
    (
        "acl-pattern-after-all-channels",
        node(auth={"accessString": "on ~* &* &app:* +@all"}),
        {},
        "caches.c.auth.accessString",
        "allowed: &* alone for every channel, or resetchannels then the patterns",
    ),
    (
        "acl-denied-first-argument",
        node(auth={"accessString": "on ~* +@all -select|1"}),
        {},
        "caches.c.auth.accessString",
        "allowed: +select|1, or -select for the whole command",
    ),
]


@pytest.mark.parametrize(
    ("caches", "values", "path", "allowed"),
    [pytest.param(c, v, p, a, id=i) for i, c, v, p, a in CORPUS],
)
def test_corpus_mistake_is_named_with_what_is_allowed(
    caches: dict[str, Any], values: dict[str, Any], path: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        unit_spec(caches, **values)
    found = [p for p in raised.value.problems if p.path == path]
    assert found, f"no problem at {path}; got {[str(p) for p in raised.value.problems]}"
    assert any(allowed in p.message for p in found), [p.message for p in found]


def test_corpus_is_large_enough_and_covers_every_kind() -> None:
    assert len(CORPUS) >= 100
    assert len({case[0] for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(
    ("caches", "expected"),
    [
        pytest.param(node(engineVersion="9.0"), "valkey9", id="valkey-9-0"),
        pytest.param(node(nodeType="cache.r8g.large"), "valkey8", id="r8g-on-valkey"),
        pytest.param(parameters(activedefrag=True, timeout=0, **{"maxmemory-samples": "10"}), "valkey8", id="params"),
        pytest.param(node(shards=100, replicas=4), "valkey8", id="500-nodes"),
        pytest.param(node(tags={f"t{i}": "x" for i in range(43)}), "valkey8", id="50-tags"),
        pytest.param({"a" * 20: NODE}, "valkey8", id="longest-default-user-id"),
        pytest.param(parameters("8.2", **{"search-default-timeout-ms": 100}), "valkey8", id="valkey-8-2-parameter"),
        pytest.param(parameters("9.0", **{"commandlog-large-reply-max-len": 64}), "valkey9", id="valkey-8-1-on-9"),
    ],
)
def test_valid_unusual_designs_are_accepted(caches: dict[str, Any], expected: str) -> None:
    spec = unit_spec(caches)
    [args] = spec.caches
    assert expected.startswith(args.engine.value)


def test_parameters_are_rendered_the_way_aws_takes_them() -> None:
    events = {"notify-keyspace-events": "Ex"}
    [args] = unit_spec(parameters(activedefrag=True, timeout=0, **{"maxmemory-samples": "10"}, **events)).caches
    assert args.node is not None
    assert dict(args.node.parameters) == {
        "activedefrag": "yes",
        "timeout": "0",
        "maxmemory-samples": "10",
        "notify-keyspace-events": "Ex",
    }


@pytest.mark.parametrize(
    ("access", "sharded", "denied"),
    [
        ("on ~* +@read", False, "PING, CLIENT SETNAME, INFO, ROLE"),
        ("on ~* &* +@all -@dangerous", False, "INFO, ROLE"),
        ("on ~* +@all -@slow", True, "CLIENT SETNAME, INFO, CLUSTER SLOTS, COMMAND"),
        ("on ~* +@all -ping", False, "PING"),
        ("on ~* +@all -client|setname", False, "CLIENT SETNAME"),
    ],
)
def test_access_string_that_denies_what_clients_need_warns(access: str, sharded: bool, denied: str) -> None:
    cache = node(auth={"accessString": access}, **({"shards": 2} if sharded else {}))
    spec = unit_spec(cache)
    assert any("caches.c.auth.accessString" in w and f"denies {denied}" in w for w in spec.warnings), spec.warnings


PATTERN_ONLY = "on ~* &app:* +@all -@dangerous +info +role +client|list"
RESET_THEN_PATTERN = "on ~* resetchannels &app:* +@all -@dangerous +info +role +client|list"
NO_CHANNELS = "on ~* +@all -@dangerous +info +role +client|list"


def channel_warnings(cache: dict[str, Any]) -> list[str]:
    return [w for w in unit_spec(cache).warnings if "channel" in w or "acl-pubsub-default" in w]


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        # ElastiCache starts users from allchannels, to which the engine refuses to add a pattern.
        pytest.param(node(auth={"accessString": PATTERN_ONLY}), ["caches.c.auth.accessString"], id="pattern"),
        pytest.param(serverless(auth={"accessString": PATTERN_ONLY}), ["caches.c.auth.accessString"], id="serverless"),
        pytest.param(node(auth={"accessString": RESET_THEN_PATTERN}), [], id="reset-then-pattern"),
        pytest.param(node(), [], id="default-access-string"),
        pytest.param(
            node(auth={"accessString": PATTERN_ONLY}, parameters={"acl-pubsub-default": "allchannels"}),
            ["caches.c.auth.accessString"],
            id="pattern-under-allchannels",
        ),
        # A user that starts from no channels may add patterns; the parameter then matters to new users only.
        pytest.param(
            node(auth={"accessString": PATTERN_ONLY}, parameters={"acl-pubsub-default": "resetchannels"}),
            [],
            id="pattern-under-resetchannels",
        ),
        # The parameter is set but the access string decides: no effect on the app users.
        pytest.param(
            node(parameters={"acl-pubsub-default": "resetchannels"}),
            ["caches.c.parameters.acl-pubsub-default"],
            id="parameter-overridden",
        ),
        # Users that exist keep what the parameter gave them when they were set.
        pytest.param(
            node(auth={"accessString": NO_CHANNELS}, parameters={"acl-pubsub-default": "resetchannels"}),
            ["caches.c.parameters.acl-pubsub-default"],
            id="parameter-decides",
        ),
    ],
)
def test_channel_rules_are_judged_against_the_channels_users_start_from(
    cache: dict[str, Any], expected: list[str]
) -> None:
    warnings = channel_warnings(cache)
    assert [w.split(" = ")[0] for w in warnings] == expected, warnings


def test_the_channel_warnings_say_why_and_what_to_write() -> None:
    [pattern] = channel_warnings(node(auth={"accessString": PATTERN_ONLY}))
    assert "acl-pubsub-default is allchannels on ElastiCache" in pattern
    assert "put resetchannels before the patterns" in pattern
    [overridden] = channel_warnings(node(parameters={"acl-pubsub-default": "resetchannels"}))
    assert "has no effect on the app users" in overridden
    [decides] = channel_warnings(
        node(auth={"accessString": NO_CHANNELS}, parameters={"acl-pubsub-default": "allchannels"})
    )
    assert "users that exist keep the ones they had until they are updated or the cache reboots" in decides


def test_data_tiering_refuses_a_workload_default_it_does_not_take_and_names_the_one_to_set() -> None:
    """AWS takes only noeviction, volatile-lru and allkeys-lru on r6gd (elasticache-parameters.md)."""
    with pytest.raises(ConfigError) as raised:
        unit_spec(node(workload="rate-limit", nodeType="cache.r6gd.xlarge"))
    [problem] = [p for p in raised.value.problems if p.path == "caches.c.evictionPolicy"]
    assert problem.value == "volatile-ttl"
    assert problem.message == (
        "cache.r6gd.xlarge uses data tiering, which takes only noeviction, volatile-lru, allkeys-lru (volatile-ttl is "
        "the default of workload 'rate-limit'); allowed for workload 'rate-limit' on data tiering: noeviction: set "
        "evictionPolicy: noeviction, or choose a node type without data tiering"
    )


def test_data_tiering_refuses_exactly_the_policies_r6gd_does_not_take() -> None:
    for policy in EvictionPolicy:  # workload cache allows every evicting policy
        if policy is EvictionPolicy.NOEVICTION:
            continue
        caches = node(workload="cache", nodeType="cache.r6gd.xlarge", evictionPolicy=policy.value)
        if policy in (EvictionPolicy.VOLATILE_LRU, EvictionPolicy.ALLKEYS_LRU):
            assert unit_spec(caches).caches, policy
        else:
            with pytest.raises(ConfigError) as raised:
                unit_spec(caches)
            assert [p.path for p in raised.value.problems] == ["caches.c.evictionPolicy"], policy


def test_serverless_cache_warns_when_cluster_discovery_is_denied() -> None:
    """cacheclient connects to a serverless cache with a cluster client, which asks for the slots and the command
    table first (tests/engine/test_connect.py)."""
    spec = unit_spec(serverless(auth={"accessString": "on ~* +@all -@slow +client|setname +info"}))
    [warning] = [w for w in spec.warnings if w.startswith("caches.c.auth.accessString = ")]
    assert warning.endswith(
        ": denies CLUSTER SLOTS, COMMAND, which clients and health checks send: allow them (e.g. add +cluster|slots "
        "+command)"
    )


@pytest.mark.parametrize(
    ("rules", "denied"),
    [
        ("-cluster|slots +cluster|shards +cluster|nodes", "CLUSTER SLOTS"),
        ("-readonly", "READONLY"),
        ("-command", "COMMAND"),
    ],
)
def test_sharded_cache_warns_for_each_command_its_cluster_client_needs(rules: str, denied: str) -> None:
    access = f"on ~* &* +@all -@dangerous +info +role {rules}"
    spec = unit_spec(node(shards=2, auth={"accessString": access}))
    assert [w.split(" = ", 1)[1] for w in spec.warnings] == [
        f"{access!r}: denies {denied}, which clients and health checks send: allow them (e.g. add "
        f"+{denied.lower().replace(' ', '|')})"
    ]
    assert unit_spec(node(auth={"accessString": access})).warnings == (), "a standalone client sends none of them"


def test_denying_hello_needs_no_warning_the_engines_never_deny_it() -> None:
    """HELLO has the no_auth flag: the engines check no ACL rule for it (tests/engine/test_connect.py)."""
    assert unit_spec(node(auth={"accessString": "on ~* &* +@all -@dangerous +info +role -hello"})).warnings == ()


def test_mixed_case_stack_name_as_prefix_is_refused_and_the_lowercase_one_suggested(dev) -> None:
    """AWS stores the replication group id in lowercase (pulumi-aws replication_group.py): `Dev-sessions-...` would
    be exported for a cache AWS reports as `dev-sessions-...`."""
    problem = rejected(dataclasses.replace(dev, stack="Dev"), "namePrefix")
    assert problem.value == "Dev"
    assert problem.message.startswith("namePrefix is unset, so the stack name starts every cache id; ")
    assert problem.message.endswith("set namePrefix: dev")
    assert run_program(dataclasses.replace(dev, stack="Dev").with_values(namePrefix="dev")).resources


def test_default_access_string_needs_no_warning() -> None:
    assert unit_spec(node(shards=2)).warnings == ()


def test_schema_and_rule_problems_come_in_one_pass() -> None:
    caches = {
        "a": {**NODE, "replica": 2, "evictionPolicy": "allkeys-lru", "port": 80},
        "b": {**NODE, "nodeType": "cache.c5.large", "parameters": {"maxmemory-samples": 0}},
    }
    with pytest.raises(ConfigError) as raised:
        unit_spec(caches, encyption={})
    found = {p.path for p in raised.value.problems}
    assert {
        "caches.a.replica",
        "caches.a.evictionPolicy",
        "caches.a.port",
        "caches.b.nodeType",
        "caches.b.parameters.maxmemory-samples",
        "encyption",
    } <= found


def test_a_refused_key_is_not_reported_twice() -> None:
    with pytest.raises(ConfigError) as raised:
        unit_spec(node(backup={"retentionDays": 99, "window": "03:00-04:00"}))
    paths = [p.path for p in raised.value.problems]
    assert paths.count("caches.c.backup.retentionDays") == 1


# -- secrets in plain text, keys written twice: as the program and the preflight see the stack file ---------------


def test_plain_text_secret_is_refused_with_the_command_that_encrypts_it(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "token"}).with_values(
        cacheSecrets={"sessions": {"authToken": VALID_TOKEN}}
    )
    problem = rejected(config, "cacheSecrets.sessions.authToken")
    assert "allowed: a secret only" in problem.message
    assert "pulumi config set --secret --path 'cacheSecrets.sessions.authToken'" in problem.message
    assert VALID_TOKEN not in str(problem)


def test_plain_password_beside_a_secure_token_is_found_in_the_stack_file(dev) -> None:
    config = edit_cache(dev, "sessions", auth={"mode": "password", "users": ["app"]})
    config = config.with_secret_values(cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN}}})
    plain_too = config.with_values(cacheSecrets={"sessions": {"passwords": {"app": VALID_TOKEN, "x": VALID_TOKEN}}})
    found = {p.path: p for p in problems_of(plain_too)}
    assert "allowed: a secret only" in found["cacheSecrets.sessions.passwords.x"].message
    assert (
        "cacheSecrets.sessions.passwords.app" not in found
        or "plain" not in found["cacheSecrets.sessions.passwords.app"].message
    )


def test_a_secret_written_with_no_value_is_missing_not_plain_text(dev) -> None:
    # A hand-edited `app:` holds no credential: it needs setting, not encrypting and rotating.
    config = edit_cache(dev, "sessions", auth={"mode": "password", "users": ["app"]})
    found = [p for p in problems_of(config.with_values(cacheSecrets={"sessions": {"passwords": {"app": None}}}))]
    [problem] = [p for p in found if p.path == "cacheSecrets.sessions.passwords.app"]
    assert problem.message.startswith("no value; allowed: a secret: set it with pulumi config set --secret --path")
    assert "plain text" not in problem.message


def test_an_entry_written_with_no_value_says_so(dev) -> None:
    problem = rejected(edit_cache(dev, "sessions", tags={"team": None}), "caches.sessions.tags.team")
    assert problem.message.startswith("no value"), problem.message


def test_a_key_written_twice_in_a_json_value_is_refused(dev) -> None:
    caches = json.dumps(dev.get("caches"))
    doubled = caches[:-1] + ', "sessions": {"workload": "cache"}}'
    problem = rejected(dev.with_values(caches=doubled), "caches.sessions")
    assert "allowed: each key once" in problem.message


def test_the_stack_file_reader_refuses_a_key_written_twice_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: elasticache\nruntime: python\n")
    (tmp_path / "Pulumi.dup.yaml").write_text(
        "config:\n  elasticache:caches:\n    s:\n      replicas: 1\n      workload: cache\n      replicas: 2\n"
    )
    with pytest.raises(StackFileError) as raised:
        read_stack_config("dup", tmp_path)
    assert "line 6: mapping key 'replicas' already defined at line 4" in str(raised.value)


def test_the_stack_file_reader_reads_every_stack_file_as_pyyamls_own_parser_does() -> None:
    # It parses with libyaml where PyYAML has it; the documents must be the ones PyYAML's pure parser reads.
    import yaml

    from preflight import stack_files

    assert issubclass(stack_files._UniqueKeyLoader, yaml.CSafeLoader), "libyaml is missing: stack files parse slowly"
    for path in sorted(stack_files.PROJECT_DIR.glob("Pulumi*.yaml")):
        assert stack_files._load_yaml(path) == yaml.load(path.read_text(), Loader=yaml.SafeLoader), path.name


# `pulumi config set --path` stores base-10 digits as a number and `true`/`false` as booleans (pulumi/pulumi
# sdk/go/common/resource/config/object.go `coerce`): where a key holds text, the loader reads them back as typed.


def _cli_stack(tmp_path: Path, *commands: list[str]) -> Path:
    repo = Path(__file__).resolve().parents[1]
    shutil.copy2(repo / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    document = yaml.safe_load((repo / "Pulumi.dev.yaml").read_text())
    for words in commands:
        apply(document, words)
    (tmp_path / "Pulumi.cli.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


def test_numbers_and_booleans_the_cli_stores_for_text_keys_are_read_as_typed(tmp_path: Path) -> None:
    project = _cli_stack(
        tmp_path,
        ["config", "set", "--path", "caches.prompts.majorEngineVersion", "8"],
        ["config", "set", "--path", "tags.costCentre", "1042"],
        ["config", "set", "--path", "caches.sessions.tags.pii", "true"],
    )
    written = yaml.safe_load((project / "Pulumi.cli.yaml").read_text())["config"]
    assert written["elasticache:caches"]["prompts"]["majorEngineVersion"] == 8  # as the CLI writes it
    assert written["elasticache:tags"]["costCentre"] == 1042
    plan = run_program(read_stack_config("cli", project))
    tags = {r.name: r.inputs.get("tags") for r in plan.resources if isinstance(r.inputs.get("tags"), dict)}
    sessions = next(t for name, t in tags.items() if name.startswith("sessions") and "pii" in t)
    assert (sessions["costCentre"], sessions["pii"]) == ("1042", "true")


def test_a_boolean_is_still_no_engine_version(tmp_path: Path) -> None:
    project = _cli_stack(tmp_path, ["config", "set", "--path", "caches.prompts.majorEngineVersion", "true"])
    with pytest.raises(ConfigError, match=r"caches\.prompts\.majorEngineVersion"):
        run_program(read_stack_config("cli", project))


def test_plain_scalars_are_typed_as_the_cli_types_them(tmp_path: Path) -> None:
    """The CLI decodes stack files with gopkg.in/yaml.v3, which reads `no`, `on`, `12:30` as strings."""
    repo = Path(__file__).resolve().parents[1]
    (tmp_path / "Pulumi.yaml").write_text((repo / "Pulumi.yaml").read_text())
    text = (repo / "Pulumi.dev.yaml").read_text()
    assert "    costCentre: cc-1042\n" in text
    text = text.replace("    costCentre: cc-1042\n", "    costCentre: cc-1042\n    pii: no\n    since: 12:30\n")
    (tmp_path / "Pulumi.cli.yaml").write_text(text)
    config = read_stack_config("cli", tmp_path)
    assert config.get("tags") == {"team": "platform", "costCentre": "cc-1042", "pii": "no", "since": "12:30"}
    assert run_program(config).resources


def test_cache_secrets_as_one_secure_value_name_the_per_path_command(tmp_path: Path) -> None:
    """`pulumi config set --secret cacheSecrets '<json>'` is one secure value: pulumi preview decrypts and reads
    it, the offline preflight cannot, and says how to set the secrets so that both can."""
    repo = Path(__file__).resolve().parents[1]
    shutil.copy2(repo / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    document = yaml.safe_load((repo / "Pulumi.dev.yaml").read_text())
    document["config"]["elasticache:cacheSecrets"] = {"secure": "v1:b3BhcXVl"}
    (tmp_path / "Pulumi.cli.yaml").write_text(yaml.safe_dump(document))
    problem = rejected(read_stack_config("cli", tmp_path), "cacheSecrets")
    assert "pulumi config set --secret --path 'cacheSecrets.<cache>.authToken'" in problem.message
    assert "never decrypts" in problem.message
