"""`--against`: day-2 edits planned against what the stack was before, from each kind of previous document.

Each test plans the stack's first deployment, turns it into the previous document (an earlier preflight's
`--json`, `pulumi stack output --json`, `pulumi stack export`), edits the config and plans again with the
previous outputs read back by the program, as the real program reads them through its StackReference.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.stack_config import ConfigError
from elasticache_facts import tokens
from elasticache_facts.tokens import INGRESS_RULE, REPLICATION_GROUP, SECURITY_GROUP, SERVERLESS_CACHE
from elasticache_facts.wire import SECRET_SIG, SIG_KEY, UNKNOWN, is_secret, secret
from preflight.analyzer import RelayedAnalysis
from preflight.diff import CREATE, DELETE, KNOWN_AFTER_APPLY, REPLACE, UPDATE, Change, PlanDiff, diff_plan
from preflight.model import Plan, PlannedResource
from preflight.previous import Previous, read_previous
from preflight.program import run_program
from preflight.report import stack_document
from preflight.run import PreflightResult, run_preflight
from preflight.stack_files import StackConfig, read_stack_config
from preflight.values import public
from tests.conftest import edit, edit_cache, one

KINDS = ("preflight", "stack-outputs", "stack-export")


def preflight_document(plan: Plan) -> dict[str, Any]:
    return stack_document(PreflightResult(plan.project, plan.stack, plan))


def stack_outputs(plan: Plan) -> dict[str, Any]:
    """What `pulumi stack output --json` prints: the outputs, secrets as `[secret]` (no --show-secrets)."""
    return json.loads(json.dumps(public(plan.exports)))


def stack_export(plan: Plan, *, real_ids: bool = True) -> dict[str, Any]:
    """A `pulumi stack export` of the deployed plan (apitype `UntypedDeployment` with a `DeploymentV3`).

    With `real_ids`, every mock id is swapped for another one, as AWS would have assigned: inputs that flow
    from another resource's output then differ from the plan's, and must not show as changes.
    """

    def stored(value: Any) -> Any:
        if is_secret(value):
            return {SIG_KEY: SECRET_SIG, "ciphertext": "v1:AAAA:BBBB"}
        if isinstance(value, dict):
            return {key: stored(item) for key, item in value.items()}
        if isinstance(value, list):
            return [stored(item) for item in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    text = json.dumps(
        [
            {
                "urn": resource.urn,
                "custom": resource.custom,
                "id": resource.id or "",
                "type": resource.type,
                "inputs": stored(resource.inputs),
                "outputs": stored(resource.outputs),
                "parent": resource.parent or "",
                "protect": resource.options.protect,
                # ResourceV3 `retainOnDelete,omitempty` (pulumi/pulumi `sdk/go/common/apitype/core.go`).
                **({"retainOnDelete": True} if resource.options.retain_on_delete else {}),
                "dependencies": list(resource.dependencies),
                "propertyDependencies": {k: list(v) for k, v in resource.property_dependencies.items()},
            }
            for resource in plan.resources
        ]
    )
    if real_ids:
        for resource in plan.resources:
            if resource.id and resource.id.startswith(("sg-", "sgr-")):
                text = text.replace(resource.id, resource.id[:4] + "0realaws" + resource.id[12:])
            elif resource.type == tokens.RANDOM_STRING:
                # The suffix terraform-provider-random drew: in every id built from it.
                drawn = str(resource.outputs["result"])
                text = text.replace(drawn, "".join("z" if c != "z" else "y" for c in drawn))
    stack_urn = f"urn:pulumi:{plan.stack}::{plan.project}::pulumi:pulumi:Stack::{plan.project}-{plan.stack}"
    resources = [
        {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": stored(plan.exports)},
        {
            "urn": f"urn:pulumi:{plan.stack}::{plan.project}::pulumi:providers:aws::default_7_51_1",
            "custom": True,
            "id": "0b0c",
            "type": "pulumi:providers:aws",
            "inputs": {"region": "us-east-1"},
        },
        *json.loads(text),
    ]
    return {"version": 3, "deployment": {"manifest": {"time": "2026-11-30T10:00:00Z"}, "resources": resources}}


DOCUMENTS: dict[str, Callable[[Plan], dict[str, Any]]] = {
    "preflight": preflight_document,
    "stack-outputs": stack_outputs,
    "stack-export": stack_export,
}


def previous_of(plan: Plan, kind: str, tmp_path: Path) -> Previous:
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(DOCUMENTS[kind](plan)))
    previous = read_previous(path, plan.stack)
    assert previous.kind == kind
    return previous


def against(before: StackConfig, after: StackConfig, kind: str, tmp_path: Path) -> PlanDiff:
    previous = previous_of(run_program(before), kind, tmp_path)
    return diff_plan(previous, run_program(after, previous_outputs=previous.outputs))


def cache(diff: PlanDiff, name: str):
    [found] = [c for c in diff.caches if c.name == name]
    return found


def step(diff: PlanDiff, type_: str, cache_name: str):
    [found] = [s for s in diff.steps if s.type == type_ and s.cache == cache_name]
    return found


@pytest.fixture
def dev(sdk_state: None) -> StackConfig:
    return read_stack_config("dev")


@pytest.mark.parametrize("kind", KINDS)
def test_a_bigger_node_type_and_one_more_replica_update_in_place_and_cost_more(
    dev: StackConfig, kind: str, tmp_path: Path
) -> None:
    edited = edit_cache(dev, "sessions", nodeType="cache.t4g.medium", replicas=2)
    diff = against(dev, edited, kind, tmp_path)

    sessions = cache(diff, "sessions")
    assert sessions.op == UPDATE
    assert not sessions.data_loss
    assert sessions.after_usd > sessions.before_usd
    assert diff.delta_usd == pytest.approx(sessions.delta_usd, abs=0.02)
    assert diff.delta_usd > 0
    assert cache(diff, "prompts").op is None
    assert not any(s.op in (REPLACE, DELETE) for s in diff.steps)
    if kind == "stack-outputs":
        assert diff.steps == ()
        assert any("priced differently" in reason for reason in sessions.reasons)
        return
    group = step(diff, REPLICATION_GROUP, "sessions")
    assert group.op == UPDATE
    changes = {c.key: (c.before, c.after) for c in group.changes}
    assert changes["nodeType"] == ("cache.t4g.small", "cache.t4g.medium")
    assert changes["numCacheClusters"] == (2, 3)
    # Only the sessions cache's own resources change (its alarms follow the new node), and only in place.
    assert {s.op for s in diff.steps} <= {CREATE, UPDATE}
    assert all(s.cache == "sessions" for s in diff.steps)


@pytest.mark.parametrize("kind", KINDS)
def test_a_port_change_is_refused_naming_the_key(dev: StackConfig, kind: str, tmp_path: Path) -> None:
    previous = previous_of(run_program(dev), kind, tmp_path)
    with pytest.raises(ConfigError) as refused:
        run_program(edit_cache(dev, "sessions", port=6380), previous_outputs=previous.outputs)
    [problem] = refused.value.problems
    assert problem.path == "caches.sessions.port"
    assert "was 6379" in problem.message
    assert "allowReplacement" in problem.message


@pytest.mark.parametrize("kind", KINDS)
def test_an_allowed_port_change_replaces_the_cache_and_loses_its_data(
    dev: StackConfig, kind: str, tmp_path: Path
) -> None:
    edited = edit_cache(dev, "sessions", port=6380, allowReplacement=True)
    diff = against(dev, edited, kind, tmp_path)

    sessions = cache(diff, "sessions")
    assert sessions.op == REPLACE
    assert sessions.data_loss
    assert any("caches.sessions.port: was 6379" in reason for reason in sessions.reasons)
    assert diff.data_loss == (sessions,)
    if kind != "stack-outputs":
        group = step(diff, REPLICATION_GROUP, "sessions")
        assert group.op == REPLACE
        assert group.replaced_by == ("port",)
        assert group.mark == "+-"


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_cache_is_created(dev: StackConfig, kind: str, tmp_path: Path) -> None:
    caches = copy.deepcopy(dev.get("caches"))
    caches["orders"] = copy.deepcopy(caches["sessions"])
    diff = against(dev, dev.with_values(caches=caches), kind, tmp_path)

    orders = cache(diff, "orders")
    assert orders.op == CREATE
    assert not orders.data_loss
    assert orders.before_usd is None
    assert orders.after_usd > 0
    assert diff.delta_usd == pytest.approx(orders.after_usd, abs=0.02)
    assert cache(diff, "sessions").op is None
    if kind != "stack-outputs":
        assert diff.steps
        assert all(s.op == CREATE and s.cache == "orders" for s in diff.steps)
        assert step(diff, REPLICATION_GROUP, "orders").mark == "+ "


@pytest.mark.parametrize("kind", KINDS)
def test_a_removed_cache_is_deleted_with_its_data(dev: StackConfig, kind: str, tmp_path: Path) -> None:
    caches = copy.deepcopy(dev.get("caches"))
    del caches["prompts"]
    diff = against(dev, dev.with_values(caches=caches), kind, tmp_path)

    prompts = cache(diff, "prompts")
    assert prompts.op == DELETE
    assert prompts.data_loss
    assert prompts.after_usd is None
    assert prompts.delta_usd == -prompts.before_usd
    assert diff.data_loss == (prompts,)
    if kind != "stack-outputs":
        assert step(diff, SERVERLESS_CACHE, "prompts").mark == "- "
        assert {s.op for s in diff.steps} == {DELETE}
        assert all(s.cache == "prompts" for s in diff.steps)


@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_a_removed_retained_cache_loses_no_data_and_stays_on_the_bill(
    dev: StackConfig, kind: str, tmp_path: Path
) -> None:
    retained = edit_cache(dev, "prompts", retainOnDelete=True)
    caches = copy.deepcopy(dev.get("caches"))
    del caches["prompts"]
    diff = against(retained, dev.with_values(caches=caches), kind, tmp_path)

    prompts = cache(diff, "prompts")
    assert (prompts.op, prompts.data_loss, prompts.retained) == (DELETE, False, True)
    assert prompts.before_usd > 0
    assert prompts.after_usd == prompts.before_usd
    assert prompts.delta_usd == 0
    assert any("still billed" in reason for reason in prompts.reasons)
    assert diff.data_loss == ()
    assert step(diff, SERVERLESS_CACHE, "prompts").retained
    # The total follows the bill: removing a retained cache saves nothing.
    assert diff.delta_usd == pytest.approx(0, abs=0.02)


@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_a_tag_change_updates_every_resource_in_place_key_by_key(dev: StackConfig, kind: str, tmp_path: Path) -> None:
    edited = dev.with_values(tags={**dev.get("tags"), "costCentre": "cc-2000"})
    diff = against(dev, edited, kind, tmp_path)

    assert diff.steps
    assert {s.op for s in diff.steps} == {UPDATE}
    for changed in diff.steps:
        assert [(c.key, c.before, c.after) for c in changed.changes] == [("tags.costCentre", "cc-1042", "cc-2000")]
    assert {c.op for c in diff.caches} == {UPDATE}
    assert diff.delta_usd == 0


def test_nothing_changes_against_an_export_whose_ids_are_aws_own(dev: StackConfig, tmp_path: Path) -> None:
    """Inputs that flow from another resource (security group ids) hold AWS's ids in the export and the
    mocks' in the plan: they are the deployed values, not changes."""
    plan = run_program(dev)
    export = stack_export(plan)
    assert "0realaws" in json.dumps(export)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    previous = read_previous(path, "dev")
    diff = diff_plan(previous, run_program(dev, previous_outputs=previous.outputs))

    assert diff.steps == ()
    assert diff.unchanged == len(plan.resources)
    assert {c.op for c in diff.caches} == {None}
    assert diff.delta_usd == 0


def engine_urn(stack: str, project: str, type_: str, name: str, parent: str | None) -> str:
    """The URN the engine gives a resource (pulumi/pulumi `resource.NewURN`; `step_generator.go` passes the
    parent's full qualified type, and none when the parent is the root stack)."""
    if parent:
        qualified = parent.split("::")[2]
        if qualified != "pulumi:pulumi:Stack":
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def test_the_plan_has_the_urns_a_real_stack_export_holds_so_an_unchanged_stack_has_no_steps(
    dev: StackConfig, tmp_path: Path
) -> None:
    """`pulumi stack export` of a deployed stack: a top-level component is `...::elasticache:index:Cache::x`
    (no `pulumi:pulumi:Stack$`), its children `...::elasticache:index:Cache$<type>::<name>`."""
    plan = run_program(dev)
    export = stack_export(plan)
    stack_urn = f"urn:pulumi:dev::{plan.project}::pulumi:pulumi:Stack::{plan.project}-dev"
    by_urn = {resource.urn: resource for resource in plan.resources}
    renamed: dict[str, str] = {}

    def real(urn: str) -> str:
        if urn == stack_urn or urn not in by_urn:
            return urn
        if urn not in renamed:
            resource = by_urn[urn]
            parent = real(resource.parent) if resource.parent else None
            renamed[urn] = engine_urn("dev", plan.project, resource.type, resource.name, parent)
        return renamed[urn]

    text = json.dumps(export)
    for urn in sorted(by_urn, key=len, reverse=True):
        text = text.replace(json.dumps(urn), json.dumps(real(urn)))
    path = tmp_path / "export.json"
    path.write_text(text)
    assert f'"urn:pulumi:dev::{plan.project}::elasticache:index:Cache::sessions"' in text

    previous = read_previous(path, "dev")
    diff = diff_plan(previous, run_program(dev, previous_outputs=previous.outputs))

    assert [(s.op, s.name) for s in diff.steps] == []
    assert {c.op for c in diff.caches} == {None}


def test_a_replaced_dependency_makes_what_flows_from_it_known_only_after_apply(
    dev: StackConfig, tmp_path: Path
) -> None:
    """The serverless cache's security group replaced (its description forces it): the cache's
    `securityGroupIds` are unknown until it exists, as a preview shows them."""
    plan = run_program(dev)
    document = preflight_document(plan)
    for entry in document["resources"]:
        if entry["type"] == SECURITY_GROUP and entry["name"] == "prompts-sg":
            entry["inputs"]["description"] = "an older description"
    path = tmp_path / "before.json"
    path.write_text(json.dumps(document))
    previous = read_previous(path, "dev")
    diff = diff_plan(previous, run_program(dev, previous_outputs=previous.outputs))

    group = step(diff, SECURITY_GROUP, "prompts")
    assert group.op == REPLACE
    assert group.replaced_by == ("description",)
    serverless = step(diff, SERVERLESS_CACHE, "prompts")
    assert serverless.op == UPDATE
    assert [(c.key, c.after) for c in serverless.changes] == [("securityGroupIds", KNOWN_AFTER_APPLY)]
    assert not cache(diff, "prompts").data_loss


def test_a_protected_cache_replacement_is_refused_by_the_engine(tmp_path: Path, sdk_state: None) -> None:
    prod = read_stack_config("prod")
    edited = edit_cache(prod, "ratelimit", port=6390, allowReplacement=True)
    diff = against(prod, edited, "stack-export", tmp_path)

    group = step(diff, REPLICATION_GROUP, "ratelimit")
    assert group.op == REPLACE
    assert group.protected
    assert group in diff.refused
    assert cache(diff, "ratelimit").data_loss


def ingress_steps(diff: PlanDiff) -> list[tuple[str, str]]:
    return sorted((s.op, s.name) for s in diff.steps if s.type == INGRESS_RULE)


def test_an_app_security_group_dropped_from_the_front_deletes_only_its_own_rule(
    tmp_path: Path, sdk_state: None
) -> None:
    """Rules are named by their source group: dropping the first one must not rewrite the rule after it into a
    copy of another (EC2 refuses a duplicate rule), only delete its own."""
    prod = read_stack_config("prod")
    first, second = prod.get("network")["appSecurityGroupIds"]
    edited = edit(prod, "network", lambda network: {**network, "appSecurityGroupIds": [second]})
    diff = against(prod, edited, "stack-export", tmp_path)

    caches = sorted(prod.get("caches"))
    assert ingress_steps(diff) == [(DELETE, f"{name}-ingress-{first}") for name in caches]


def test_rules_deployed_under_positional_names_are_renamed_through_their_aliases_not_recreated(
    tmp_path: Path, sdk_state: None
) -> None:
    """A stack deployed when the rules were named by position (`<cache>-ingress-0`, `-1`): the aliases carry
    each rule over to its new name, as the engine's `getOldResource` matches them, with nothing to change."""
    prod = read_stack_config("prod")
    plan = run_program(prod)
    text = json.dumps(stack_export(plan))
    rules = [resource for resource in plan.resources if resource.type == INGRESS_RULE]
    groups = prod.get("network")["appSecurityGroupIds"]
    assert len(rules) == len(prod.get("caches")) * len(groups)
    for rule in rules:
        cache_name, group = rule.name.split("-ingress-")
        positional = rule.urn.replace(f"::{rule.name}", f"::{cache_name}-ingress-{groups.index(group)}")
        assert rule.options.aliases == (positional,)
        text = text.replace(json.dumps(rule.urn), json.dumps(positional))
    path = tmp_path / "export.json"
    path.write_text(text)
    previous = read_previous(path, "prod")

    diff = diff_plan(previous, run_program(prod, previous_outputs=previous.outputs))
    assert [(s.op, s.name) for s in diff.steps] == []


def test_previous_documents_of_no_known_shape_or_another_stack_are_refused(dev: StackConfig, tmp_path: Path) -> None:
    from preflight.previous import PreviousError

    wrong = tmp_path / "prod.json"
    wrong.write_text(json.dumps(preflight_document(run_program(read_stack_config("prod")))))
    with pytest.raises(PreviousError, match="a preflight of stack 'prod', not 'dev'"):
        read_previous(wrong, "dev")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(PreviousError, match="expected a JSON object"):
        read_previous(listed, "dev")
    with pytest.raises(PreviousError, match="no such file"):
        read_previous(tmp_path / "missing.json", "dev")


def test_an_engine_change_replaces_the_users_through_their_new_suffix(dev: StackConfig, tmp_path: Path) -> None:
    """The users' suffix is a RandomString keyed on the engine: its `keepers` change replaces it (every argument
    of terraform-provider-random requires replacement), so the users and their group get new ids."""
    before = edit_cache(dev, "sessions", engine="redis", engineVersion="7.1")
    diff = against(before, dev, "preflight", tmp_path)
    ops = {(s.type, s.name): s.op for s in diff.steps if s.cache == "sessions"}
    assert ops[("random:index/randomString:RandomString", "sessions-users-suffix")] == REPLACE
    assert ops[("aws:elasticache/user:User", "sessions-user-default")] == REPLACE
    assert ops[("aws:elasticache/userGroup:UserGroup", "sessions-users")] == REPLACE
    assert step(diff, REPLICATION_GROUP, "sessions").op == UPDATE


def test_a_serverless_major_downgrade_across_engines_is_refused(dev: StackConfig, tmp_path: Path) -> None:
    previous = previous_of(run_program(dev), "preflight", tmp_path)
    with pytest.raises(ConfigError) as refused:
        run_program(
            edit_cache(dev, "prompts", engine="redis", majorEngineVersion="7"), previous_outputs=previous.outputs
        )
    # Two reasons, each a replacement alone: valkey -> redis, and the major version going down.
    assert [p.path for p in refused.value.problems] == ["caches.prompts.engine", "caches.prompts.majorEngineVersion"]


def test_a_serverless_cache_moved_back_to_redis_is_replaced(dev: StackConfig, tmp_path: Path) -> None:
    """The provider replaces a serverless cache whose engine changes other than redis -> valkey
    (hashicorp/terraform-provider-aws PR #42208; issue #45204: valkey 7 -> redis 7 replaces it)."""
    before = edit_cache(dev, "prompts", majorEngineVersion="7")
    after = edit_cache(dev, "prompts", engine="redis", majorEngineVersion="7", allowReplacement=True)
    diff = against(before, after, "preflight", tmp_path)
    assert step(diff, SERVERLESS_CACHE, "prompts").replaced_by == ("engine",)
    prompts = cache(diff, "prompts")
    assert (prompts.op, prompts.data_loss) == (REPLACE, True)
    assert "caches.prompts.engine: was valkey; moving back to Redis OSS is not in place" in prompts.reasons[0]


def test_an_input_left_out_is_a_change_and_a_dropped_key_replaces_the_group(dev: StackConfig, tmp_path: Path) -> None:
    before = edit_cache(dev, "sessions", kmsKey="create")
    diff = against(before, edit_cache(dev, "sessions", allowReplacement=True), "preflight", tmp_path)
    group = step(diff, REPLICATION_GROUP, "sessions")
    assert group.op == REPLACE
    assert "kmsKeyId" in group.replaced_by


def test_an_input_the_provider_defaulted_in_state_is_no_change(dev: StackConfig, tmp_path: Path) -> None:
    """A real export's inputs hold the provider's schema defaults, listed in `__defaults`: the plan, which holds
    none, leaves them out without changing them. An extra input not so listed is one the program dropped."""
    plan = run_program(dev)
    document = stack_export(plan)
    for entry in document["deployment"]["resources"]:
        if entry["type"] == SECURITY_GROUP:
            extra = {"revokeRulesOnDelete": False, "__defaults": ["revokeRulesOnDelete"]}
            if entry["urn"].endswith("prompts-sg"):
                extra = {"revokeRulesOnDelete": False}
            entry["inputs"].update(extra)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    previous = read_previous(path, "dev")
    diff = diff_plan(previous, run_program(dev, previous_outputs=previous.outputs))

    [dropped] = diff.steps
    assert (dropped.type, dropped.name, dropped.op) == (SECURITY_GROUP, "prompts-sg", UPDATE)
    assert [(c.key, c.before, c.after) for c in dropped.changes] == [("revokeRulesOnDelete", False, None)]


def test_a_cache_id_change_replaces_the_cache_resource(dev: StackConfig, tmp_path: Path) -> None:
    edited = edit_cache(dev.with_values(namePrefix="dev2"), "sessions", allowReplacement=True)
    edited = edit_cache(edited, "prompts", allowReplacement=True)
    diff = against(dev, edited, "preflight", tmp_path)
    assert step(diff, REPLICATION_GROUP, "sessions").replaced_by == ("replicationGroupId", "subnetGroupName")
    assert step(diff, SERVERLESS_CACHE, "prompts").replaced_by == ("name",)


@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_names_that_mix_the_prefix_with_a_kept_suffix_change_with_the_prefix(
    dev: StackConfig, kind: str, tmp_path: Path
) -> None:
    # `<prefix>-<cache>-<suffix>`: the suffix stays, the name does not, so every resource named so is replaced
    # (its name forces it), as a preview shows; against an export, the suffix is AWS's deployed one.
    edited = edit_cache(dev.with_values(namePrefix="dev2"), "sessions", allowReplacement=True)
    edited = edit_cache(edited, "prompts", allowReplacement=True)
    diff = against(dev, edited, kind, tmp_path)
    replaced = {(s.type, s.name) for s in diff.steps if s.op == REPLACE and s.cache == "sessions"}
    assert (tokens.SUBNET_GROUP, "sessions-subnets") in replaced
    assert {t for t, _ in replaced} >= {tokens.LOG_GROUP, tokens.METRIC_ALARM, tokens.REPLICATION_GROUP}


@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_one_more_replica_updates_the_alarms_that_name_the_nodes(dev: StackConfig, kind: str, tmp_path: Path) -> None:
    before = run_program(dev)
    nodes = len(one(before, REPLICATION_GROUP, "sessions").inputs["preferredCacheClusterAzs"])
    diff = against(dev, edit_cache(dev, "sessions", replicas=nodes), kind, tmp_path)
    alarms = [s for s in diff.steps if s.type == tokens.METRIC_ALARM and s.cache == "sessions"]
    assert alarms
    assert {s.op for s in alarms} == {UPDATE}
    assert all("metricQueries" in {c.key.split(".")[0] for c in s.changes} for s in alarms)


def ignoring(plan: Plan, type_: str, name: str, *paths: str) -> Plan:
    """`plan` with the resource of `type_` named `name` given these `ignoreChanges` paths."""
    resources = tuple(
        replace(r, options=replace(r.options, ignore_changes=paths)) if (r.type, r.name) == (type_, name) else r
        for r in plan.resources
    )
    return replace(plan, resources=resources)


@pytest.mark.parametrize("path", ["tags.costCentre", 'tags["costCentre"]', "tags.*"])
@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_an_ignore_changes_path_into_a_map_keeps_the_previous_value(
    dev: StackConfig, kind: str, path: str, tmp_path: Path
) -> None:
    previous = previous_of(run_program(dev), kind, tmp_path)
    edited = dev.with_values(tags={**dev.get("tags"), "costCentre": "cc-2000"})
    plan = run_program(edited, previous_outputs=previous.outputs)
    diff = diff_plan(previous, ignoring(plan, REPLICATION_GROUP, "sessions-replication-group", path))

    assert REPLICATION_GROUP not in {s.type for s in diff.steps if s.cache == "sessions"}
    assert step(diff, SERVERLESS_CACHE, "prompts").changes == (Change("tags.costCentre", "cc-1042", "cc-2000"),)


@pytest.mark.parametrize(
    ("path", "changed"),
    [
        ("preferredCacheClusterAzs[0]", False),
        ("preferredCacheClusterAzs[*]", False),
        ("*", False),
        ("preferredCacheClusterAzs[2]", True),
    ],
)
def test_an_ignore_changes_path_into_a_list_keeps_the_previous_element(
    dev: StackConfig, path: str, changed: bool, tmp_path: Path
) -> None:
    """Unless the path names an element only one side has: the engine cannot add or remove one, and keeps
    the new value."""
    plan = run_program(dev)
    document = preflight_document(plan)
    [entry] = [e for e in document["resources"] if e["name"] == "sessions-replication-group"]
    azs = entry["inputs"]["preferredCacheClusterAzs"]
    entry["inputs"]["preferredCacheClusterAzs"] = ["us-east-1c", *azs[1:]]
    path_ = tmp_path / "before.json"
    path_.write_text(json.dumps(document))
    previous = read_previous(path_, "dev")
    edited = edit_cache(dev, "sessions", replicas=2) if changed else dev
    after = run_program(edited, previous_outputs=previous.outputs)
    diff = diff_plan(
        previous, ignoring(after, REPLICATION_GROUP, "sessions-replication-group", path, "numCacheClusters")
    )

    keys = [c.key for s in diff.steps if s.type == REPLICATION_GROUP for c in s.changes]
    assert keys == (["preferredCacheClusterAzs"] if changed else [])


def test_an_export_holds_the_deployed_inputs_in_wire_form_an_encrypted_secret_unknown(
    dev: StackConfig, tmp_path: Path
) -> None:
    document = stack_export(run_program(dev))
    [entry] = [e for e in document["deployment"]["resources"] if e["type"] == SERVERLESS_CACHE]
    entry["inputs"]["tags"]["plain"] = {SIG_KEY: SECRET_SIG, "plaintext": '"shown"'}
    entry["inputs"]["tags"]["sealed"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:AAAA"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    [resource] = [r for r in read_previous(path, "dev").resources or () if r.type == SERVERLESS_CACHE]

    assert resource.deployed_inputs is not None
    assert resource.deployed_inputs["tags"]["plain"] == secret("shown")
    assert resource.deployed_inputs["tags"]["sealed"] == secret(UNKNOWN)
    assert resource.inputs["tags"]["plain"] == resource.inputs["tags"]["sealed"] == "[secret]"


def sending(monkeypatch: pytest.MonkeyPatch) -> list[PlannedResource]:
    """Every resource the run hands the pack for `Analyze`, as sent."""
    sent: list[PlannedResource] = []
    real_send = RelayedAnalysis.send

    def recording_send(
        self: RelayedAnalysis, resource: PlannedResource, *, provider: PlannedResource | None = None
    ) -> None:
        sent.append(resource)
        real_send(self, resource, provider=provider)

    monkeypatch.setattr(RelayedAnalysis, "send", recording_send)
    return sent


def against_edited_serverless(dev: StackConfig, kind: str, tmp_path: Path, edit: Callable[[dict], None]) -> Previous:
    document = DOCUMENTS[kind](run_program(dev))
    entries = document["deployment"]["resources"] if kind == "stack-export" else document["resources"]
    [entry] = [e for e in entries if e["type"] == SERVERLESS_CACHE]
    edit(entry["inputs"])
    path = tmp_path / f"{kind}.json"
    path.write_text(json.dumps(document))
    return read_previous(path, "dev")


def test_against_an_export_the_pack_sees_the_deployed_value_of_an_ignored_input(
    dev: StackConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The serverless cache ignores changes to `subnetIds`: the engine resets them to the deployed ones before
    the pack's `Analyze`, and its planned state (`AnalyzeStack`, the diff) holds them too."""
    deployed = ["subnet-0deployed0000001", "subnet-0deployed0000002"]
    previous = against_edited_serverless(
        dev, "stack-export", tmp_path, lambda inputs: inputs.update(subnetIds=deployed)
    )
    sent = sending(monkeypatch)

    result = run_preflight("dev", previous=previous)

    assert result.failures == ()
    assert result.plan is not None
    assert result.diff is not None
    [analysed] = [r for r in sent if r.type == SERVERLESS_CACHE]
    assert analysed.inputs["subnetIds"] == deployed
    [planned] = result.plan.of_type(SERVERLESS_CACHE)
    assert planned.inputs["subnetIds"] == deployed
    assert SERVERLESS_CACHE not in {s.type for s in result.diff.steps}


@pytest.mark.parametrize(("kind", "reported"), [("stack-export", True), ("preflight", False)])
def test_an_ignored_input_the_deployed_resource_lacks_is_not_sent_to_the_pack(
    dev: StackConfig, kind: str, reported: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine removes an ignored path the old inputs lack (`PropertyPath.reset`): the pack finds the
    serverless cache without subnets. An earlier preflight's document is no deployed state: the pack judges the
    program's own subnets, and only the diff holds the previous value."""
    previous = against_edited_serverless(dev, kind, tmp_path, lambda inputs: inputs.pop("subnetIds"))
    sent = sending(monkeypatch)

    result = run_preflight("dev", previous=previous)

    assert result.failures == ()
    assert result.diff is not None
    [analysed] = [r for r in sent if r.type == SERVERLESS_CACHE]
    assert ("subnetIds" not in analysed.inputs) is reported
    unset = [d for d in result.diagnostics if d.policy_name == "elasticache-subnet-group" and d.urn == analysed.urn]
    assert bool(unset) is reported
    assert SERVERLESS_CACHE not in {s.type for s in result.diff.steps}


@pytest.mark.parametrize("kind", ["preflight", "stack-export"])
def test_a_set_valued_input_in_another_order_is_no_change_but_a_list_valued_one_is(
    dev: StackConfig, kind: str, tmp_path: Path
) -> None:
    # The provider diffs a replication group's `snapshotArns` as a set and a serverless cache's
    # `snapshotArnsToRestores` as a list (`elasticache_facts.provider_sets`); the program's guard agrees.
    files = ["arn:aws:s3:::acme-cache-seeds/a.rdb", "arn:aws:s3:::acme-cache-seeds/b.rdb"]
    snapshots = [f"arn:aws:elasticache:us-east-1:123456789012:serverlesscachesnapshot:p{i}" for i in (1, 2)]
    seeded = edit_cache(
        edit_cache(dev, "sessions", restoreFrom={"rdbFiles": files}), "prompts", restoreFrom={"snapshotArns": snapshots}
    )
    reordered = edit_cache(seeded, "sessions", restoreFrom={"rdbFiles": files[::-1]})
    assert against(seeded, reordered, kind, tmp_path).steps == ()
    swapped = edit_cache(seeded, "prompts", restoreFrom={"snapshotArns": snapshots[::-1]}, allowReplacement=True)
    prompts = step(against(seeded, swapped, kind, tmp_path), SERVERLESS_CACHE, "prompts")
    assert prompts.op == REPLACE
    assert prompts.replaced_by == ("snapshotArnsToRestores",)
