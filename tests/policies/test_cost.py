"""The monthly budget: every cache priced from its properties with the repository's cost model (`pricing/`).

Hand-computed figures (us-east-1): Valkey cache.r7g.large 0.1752 $/h, cache.r7g.xlarge 0.3496, cache.m7g.large
0.1264, cache.t4g.small 0.0256; serverless Valkey 0.084 $/GB-hour and 0.0023 $/million ECPU; backups 0.085
$/GB-month beyond one free snapshot for node-based caches; 730 h a month.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from guardrails.cost import EXPLICIT_PROVIDER_NO_REGION, LOAD_TAGS, NO_REGION, STACK_REGION, monthly_budget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from preflight.analyzer import PolicyPack
from preflight.model import Plan, PlannedResource
from preflight.program import run_program
from preflight.stack_files import StackConfig, read_stack_config
from pricing import GB_PER_GIB, Load, ServerlessLimits, estimate_node_based, estimate_serverless, load_table
from sdk_internals import not_applicable_error
from tests.conftest import edit_cache
from tests.policies import harness
from tests.policies.harness import DROP, UNKNOWN, Item, Outcome, with_
from tests.policies.secure import CLUSTER, PROMPTS_TAGS, RG, SHARDED_GROUP, SLS, secure_items

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
ECPU_MONTH = 3600 * 730 / 1e6
SESSIONS = 3 * 0.1752 * 730 + 13 * 13.07 * GB_PER_GIB * 0.085  # 14 days kept: 13 snapshots at most node memory
PROMPTS = 10 * 0.084 * 730 + 5000 * ECPU_MONTH * 0.0023 + 7 * 10 * 0.085  # at its usage limits, 7 snapshots
BUDGET = "elasticache-monthly-budget"
NotApplicableError = not_applicable_error()


US_EAST_1 = {"aws:region": "us-east-1"}
"""The stack config the CLI hands the pack (`PULUMI_CONFIG`): the budget prices in its `aws:region`."""


def check_stack(policy: StackValidationPolicy, items: list[Item], *, config: dict[str, Any] | None = None) -> Outcome:
    return harness.check_stack(policy, items, config=config, stack_config=US_EAST_1)


@pytest.fixture(autouse=True)
def _stack_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the policy run straight (`run_with_provider`): the stack config as the pack process sees it."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(US_EAST_1))


def in_region(region: str | None) -> None:
    if region:
        os.environ["PULUMI_CONFIG"] = json.dumps({"aws:region": region})
    else:
        os.environ.pop("PULUMI_CONFIG", None)


def items_with(name: str, **inputs: Any) -> list[Item]:
    return [
        replace(item, properties=with_(item.properties, **inputs)) if item.name == name else item
        for item in secure_items()
    ]


def tagged(name: str, **tags: Any) -> list[Item]:
    item = next(item for item in secure_items() if item.name == name)
    return items_with(name, tags={**item.properties["tags"], **tags})


def test_the_policy_is_advisory_unless_configured() -> None:
    assert monthly_budget.name == BUDGET
    assert monthly_budget.enforcement_level is EnforcementLevel.ADVISORY


def test_no_budget_or_no_caches_is_not_applicable() -> None:
    assert "no `monthlyBudgetUsd`" in (check_stack(monthly_budget, secure_items()).not_applicable or "")
    assert "no ElastiCache caches" in (
        check_stack(monthly_budget, [], config={"monthlyBudgetUsd": 5}).not_applicable or ""
    )


def test_within_the_budget_passes_silently() -> None:
    assert pytest.approx(1048.57, abs=0.01) == SESSIONS + PROMPTS
    assert check_stack(monthly_budget, secure_items(), config={"monthlyBudgetUsd": 1100}).passed


def test_over_the_budget_reports_every_cache_and_the_total() -> None:
    outcome = check_stack(monthly_budget, secure_items(), config={"monthlyBudgetUsd": 1000})
    [message] = outcome.violations
    assert message.startswith(f"ElastiCache in this stack costs about ${SESSIONS + PROMPTS:,.2f}/month on demand")
    assert "over the $1,000.00 budget" in message
    assert f"Priced in us-east-1 ({STACK_REGION})" in message
    # Largest first; both are ceilings without expected-load tags.
    assert message.index(f"prompts-serverless at most ${PROMPTS:,.2f}") < message.index(
        f"sessions-replication-group at most ${SESSIONS:,.2f}"
    )
    assert "3 x 0.1752 $/h x 730 h" in message
    assert "at most the 10 GB limit" in message
    assert "Not priced" not in message


def test_expected_load_tags_price_the_expected_load() -> None:
    items = tagged("prompts-serverless", expectedDataGb="2", expectedRequestsPerSecond="1000", expectedItemKb="2")
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 100})
    expected = 2 * 0.084 * 730 + 1000 * 2 * ECPU_MONTH * 0.0023 + 7 * 2 * 0.085
    [message] = outcome.violations
    assert f"prompts-serverless about ${expected:,.2f}" in message
    assert f"about ${SESSIONS + expected:,.2f}/month" in message


def test_a_node_based_cache_with_a_data_size_prices_its_snapshots_at_that_size() -> None:
    items = tagged("sessions-replication-group", expectedDataGb="4")
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 10}).violations
    assert f"sessions-replication-group about ${3 * 0.1752 * 730 + 13 * 4 * 0.085:,.2f}" in message


def test_a_snapshot_size_tag_prices_the_snapshots_at_that_size() -> None:
    items = tagged("sessions-replication-group", expectedDataGb="4", expectedSnapshotGb="2")
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 10}).violations
    assert f"sessions-replication-group about ${3 * 0.1752 * 730 + 13 * 2 * 0.085:,.2f}" in message


def test_an_unusable_tag_is_ignored_and_named() -> None:
    items = tagged("prompts-serverless", expectedDataGb="lots", expectedRequestsPerSecond="-5")
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 100}).violations
    assert f"prompts-serverless at most ${PROMPTS:,.2f}" in message
    assert "tag `expectedDataGb` = 'lots' is not a usable number: ignored" in message
    assert "tag `expectedRequestsPerSecond` = '-5' is not a usable number: ignored" in message


def test_shards_times_replicas_plus_one() -> None:
    items = [Item(RG, "retrieval", SHARDED_GROUP)]
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 10}).violations
    nodes = 3 * (1 + 1) * 0.1752 * 730
    backups = 13 * 3 * 13.07 * GB_PER_GIB * 0.085  # a snapshot holds every shard: at most 3 nodes' memory
    assert f"retrieval at most ${nodes + backups:,.2f}" in message


def test_memcached_and_standalone_clusters_and_group_members() -> None:
    memcached = {"engine": "memcached", "nodeType": "cache.t4g.small", "numCacheNodes": 3}
    standalone = {"engine": "valkey", "nodeType": "cache.t4g.small", "snapshotRetentionLimit": 1}
    member = {"replicationGroupId": "sessions-prod", "nodeType": "cache.r7g.large"}
    items = [Item(CLUSTER, "mc", memcached), Item(CLUSTER, "one", standalone), Item(CLUSTER, "member", member)]
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 1}).violations
    assert f"mc about ${3 * 0.032 * 730:,.2f}" in message  # Memcached is priced as Redis OSS
    assert "derived: 1 x the Redis OSS price of cache.t4g.small" in message
    assert f"one about ${1 * 0.0256 * 730:,.2f}" in message
    assert "member" not in message  # its replication group is priced instead


def test_what_cannot_be_priced_is_advisory_and_named() -> None:
    items = items_with("sessions-replication-group", nodeType="cache.x9.large")
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 5000})
    assert outcome.violations == []
    assert outcome.advisory == (
        f"priced ${PROMPTS:,.2f}/month of a $5,000.00 budget, but could not price: sessions-replication-group: "
        "nodes: unknown node type cache.x9.large: no price for it in any region; sessions-replication-group: "
        "backups: 13 billed snapshots: no snapshot or data size given"
    )


def test_the_known_total_over_budget_fails_even_when_something_is_unpriced() -> None:
    items = items_with("sessions-replication-group", nodeType="cache.r8g.large", engine="redis")
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 500}).violations
    assert f"about ${PROMPTS:,.2f}/month" in message
    assert (
        "Not priced: sessions-replication-group: nodes: cache.r8g.large is offered for Memcached and Valkey only"
        in message
    )


def test_unknown_at_preview_is_advisory_never_a_crash() -> None:
    # A `nodeType` computed from another resource's output (here the key's, as any output would) is unknown.
    items = [
        replace(item, depends={**item.depends, "nodeType": ["key"]})
        if item.name == "sessions-replication-group"
        else item
        for item in items_with("sessions-replication-group", nodeType=UNKNOWN)
    ]
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 5000})
    assert outcome.violations == []
    assert outcome.advisory is not None
    assert "sessions-replication-group: `nodeType` is not known until apply" in outcome.advisory
    over = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 100})
    assert "Not priced: sessions-replication-group: `nodeType` is not known until apply" in over.text()


def test_a_serverless_cache_without_limits_or_load_cannot_be_priced() -> None:
    items = items_with("prompts-serverless", cacheUsageLimits={})
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 5000})
    assert outcome.advisory is not None
    # Another program's cache is told the provider's inputs and the tags: not this repository's config keys.
    assert (
        "prompts-serverless: data stored: no expected data size (tag `expectedDataGb`) and no data storage limit "
        "(`cacheUsageLimits.dataStorage.maximum`)" in outcome.advisory
    )
    assert (
        "prompts-serverless: ECPUs: no expected request rate (tag `expectedRequestsPerSecond`) and no ECPU/s limit "
        "(`cacheUsageLimits.ecpuPerSeconds[].maximum`)" in outcome.advisory
    )
    assert "maxDataGb" not in outcome.advisory
    assert "maxEcpuPerSecond" not in outcome.advisory


def test_a_serverless_cache_of_this_program_without_limits_or_load_is_told_its_stack_config_keys() -> None:
    ours = {**PROMPTS_TAGS, "stackConfigKey": "caches.prompts"}
    items = items_with("prompts-serverless", cacheUsageLimits={}, tags=ours)
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 5000})
    assert outcome.advisory is not None
    assert (
        "data stored: no expected data size (`caches.prompts.expectedLoad.averageDataGb`) and no data storage "
        "limit (`caches.prompts.limits.maxDataGb`)" in outcome.advisory
    )
    assert "ECPUs: no expected request rate (`caches.prompts.expectedLoad.requestsPerSecond`)" in outcome.advisory
    assert "cacheUsageLimits" not in outcome.advisory


# -- region ----------------------------------------------------------------------------------------------------


def run_with_provider(
    items: list[Item], provider: dict[str, Any] | None, config: dict[str, Any], provider_name: str = "p"
) -> tuple[str, str]:
    """The policy over plain resources that carry a provider (the harness's stack runner passes none); one named
    `default...` is the engine's default provider, any other an explicit one."""
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    aws = (
        PolicyProviderResource("pulumi:providers:aws", provider, f"urn:test::{provider_name}", provider_name)
        if provider is not None
        else None
    )
    resources = [
        PolicyResource(item.type, dict(item.properties), item.urn, item.name, options, aws, None, [], {})
        for item in items
    ]
    violations: list[str] = []
    try:
        monthly_budget.validate(
            StackValidationArgs(resources, config), lambda message, urn=None: violations.append(message)
        )
    except UnknownValueError as error:
        return "advisory", error.message
    except NotApplicableError as error:
        return "not applicable", error.reason or ""
    return ("violation", violations[0]) if violations else ("pass", "")


def test_the_region_is_the_cache_s_then_its_provider_s_then_the_stack_s() -> None:
    config = {"monthlyBudgetUsd": 1.0}
    # cache.r6g.large, which the CSV prices outside us-east-1: Valkey eu-west-1 0.1832 (0.8 x Redis OSS 0.229),
    # ap-northeast-1 0.1976 (0.8 x 0.247), us-west-2 0.1648 (0.8 x 0.206), all derived from 2022 vantage rows.
    r6g = items_with("sessions-replication-group", nodeType="cache.r6g.large")
    kind, message = run_with_provider(r6g, {"region": "eu-west-1"}, config)
    assert kind == "violation"
    assert "Priced in eu-west-1 (its provider's `region`)" in message
    # eu-west-1 has no serverless price and no backup price: unknown, never us-east-1's figures.
    assert "prompts-serverless: data stored: no Valkey serverless price for eu-west-1" in message
    assert "sessions-replication-group: backups: no backup storage price for eu-west-1" in message
    assert f"sessions-replication-group about ${3 * 0.1832 * 730:,.2f}" in message

    own = [
        replace(item, properties=with_(item.properties, region="ap-northeast-1"))
        if item.name == "sessions-replication-group"
        else item
        for item in r6g
    ]
    kind, message = run_with_provider(own, {"region": "eu-west-1"}, config)
    assert "ap-northeast-1 (the cache's `region`)" in message
    assert f"sessions-replication-group about ${3 * 0.1976 * 730:,.2f}" in message

    # No provider: the stack config's `aws:region`, which wins over the policy's own `region` setting.
    in_region("us-west-2")
    kind, message = run_with_provider(r6g, None, {**config, "region": "eu-west-1"})
    assert f"Priced in us-west-2 ({STACK_REGION})" in message
    assert f"sessions-replication-group about ${3 * 0.1648 * 730:,.2f}" in message

    # The r7g.large the secure stack uses has no eu-west-1 row: named, not priced at us-east-1's 0.1752.
    kind, message = run_with_provider(secure_items(), {"region": "eu-west-1"}, config)
    assert "sessions-replication-group: nodes: no Valkey price for cache.r7g.large in eu-west-1" in message

    in_region("il-central-1")
    kind, message = run_with_provider(secure_items(), None, config)
    assert "no node prices for region il-central-1" in message


def test_a_provider_region_not_known_until_apply_is_not_taken_for_the_stack_s() -> None:
    r6g = items_with("sessions-replication-group", nodeType="cache.r6g.large")
    kind, message = run_with_provider(r6g, {"region": UNKNOWN}, {"monthlyBudgetUsd": 1.0})
    assert kind == "advisory"
    assert "Priced in" not in message
    assert "sessions-replication-group: its provider's `region` is not known until apply" in message
    assert "prompts-serverless: its provider's `region` is not known until apply" in message


def test_an_explicit_provider_without_a_region_is_not_priced_in_the_stack_s() -> None:
    """Only the engine's default provider reads the stack's `aws:region`; an explicit provider with none runs
    wherever its environment says."""
    r6g = items_with("sessions-replication-group", nodeType="cache.r6g.large")
    in_region("us-west-2")
    kind, message = run_with_provider(r6g, {}, {"monthlyBudgetUsd": 1.0}, provider_name="cache-provider")
    assert kind == "advisory"
    assert "Priced in" not in message
    assert f"sessions-replication-group: {EXPLICIT_PROVIDER_NO_REGION}" in message
    # The policy's own `region` setting still applies.
    kind, message = run_with_provider(
        r6g, {}, {"monthlyBudgetUsd": 1.0, "region": "eu-west-1"}, provider_name="cache-provider"
    )
    assert "Priced in eu-west-1 (the policy's `region` setting)" in message
    # The default provider (its inputs the stack's `aws:*` config) falls back to the stack's region.
    kind, message = run_with_provider(r6g, {}, {"monthlyBudgetUsd": 1.0}, provider_name="default_7_51_1")
    assert f"Priced in us-west-2 ({STACK_REGION})" in message


def test_without_any_region_nothing_is_priced_in_a_borrowed_one() -> None:
    in_region(None)
    kind, message = run_with_provider(secure_items(), None, {"monthlyBudgetUsd": 1.0})
    assert kind == "advisory"
    assert f"sessions-replication-group: {NO_REGION}" in message
    assert f"prompts-serverless: {NO_REGION}" in message
    # The policy's optional `region` setting is the last resort.
    kind, message = run_with_provider(secure_items(), None, {"monthlyBudgetUsd": 1.0, "region": "us-east-1"})
    assert kind == "violation"
    assert "Priced in us-east-1 (the policy's `region` setting)" in message


def test_without_the_cost_model_the_policy_is_not_applicable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pricing", None)
    outcome = check_stack(monthly_budget, secure_items(), config={"monthlyBudgetUsd": 1000})
    assert outcome.not_applicable is not None
    assert outcome.not_applicable.startswith("cannot price ElastiCache: the cost model (the pack's `pricing/`)")
    assert outcome.not_applicable.endswith("so the $1,000.00/month budget is not checked")


# -- robustness ------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
replacement = st.sampled_from([UNKNOWN, "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"])
replacement = replacement | json_values


regions = st.sampled_from(["us-east-1", "eu-west-1"]) | st.text(max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_property_value_crashes_the_budget(data: st.DataObject) -> None:
    items = secure_items()
    for index in data.draw(st.lists(st.sampled_from([8, 14]), unique=True, min_size=1)):  # the two caches
        item = items[index]
        assert item.type in (RG, SLS)
        keys = data.draw(st.lists(st.sampled_from([*sorted(item.properties), "region"]), unique=True, max_size=3))
        properties = with_(item.properties, **{key: data.draw(replacement) for key in keys})
        if data.draw(st.booleans()):
            properties["tags"] = {"expectedDataGb": data.draw(replacement), "expectedItemKb": data.draw(replacement)}
        items[index] = replace(item, properties=properties)
    outcome = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 500, "region": data.draw(regions)})
    assert outcome.violations or outcome.advisory or outcome.not_applicable or outcome.passed


# -- this repository's stacks, through the pack over gRPC ----------------------------------------------------------


@pytest.fixture(scope="module")
def plans() -> Iterator[dict[str, Plan]]:
    import pulumi

    yield {stack: run_program(read_stack_config(stack)) for stack in ("dev", "prod")}
    pulumi.runtime.settings.ROOT.set(None)


def without_load_tags(plan: Plan) -> list[PlannedResource]:
    """The plan with the program's `expected*` tags removed: every cache priced at its ceiling."""

    def strip(values: dict[str, Any]) -> dict[str, Any]:
        tags = values.get("tags")
        if not isinstance(tags, dict):
            return values
        return {**values, "tags": {key: value for key, value in tags.items() if key not in LOAD_TAGS}}

    return [replace(r, inputs=strip(r.inputs), outputs=strip(r.outputs)) for r in plan.resources]


def budget_results(resources: list[PlannedResource], stack: str, budget: float | None = None) -> list[tuple[str, str]]:
    config = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())
    if budget is not None:
        config[BUDGET]["monthlyBudgetUsd"] = budget
    stack_config = read_stack_config(stack).values
    with PolicyPack(PACK_DIR, project="elasticache", stack=stack, stack_config=stack_config) as pack:
        pack.configure(config)
        result = pack.analyze_stack_detailed(resources)
    assert [item for item in result.not_applicable if item.policy_name == BUDGET] == []
    return [(d.enforcement_level, d.message) for d in result.diagnostics if d.policy_name == BUDGET]


def model_total(plan: Plan) -> float:
    """The plan's caches priced straight from their inputs with the model (a cross-check of the policy's reading)."""
    table = load_table()
    total = 0.0
    for resource in plan.resources:
        inputs = resource.inputs
        tags = inputs.get("tags", {})
        load = Load(**{field: float(tags[tag]) for tag, field in LOAD_TAGS.items() if tag in tags})
        retention = int(inputs.get("snapshotRetentionLimit", 0))
        if resource.type == RG:
            shards = int(inputs.get("numNodeGroups", 1))
            nodes = int(inputs.get("numCacheClusters") or shards * (inputs["replicasPerNodeGroup"] + 1))
            estimate = estimate_node_based(
                table, "us-east-1", inputs["engine"], inputs["nodeType"], nodes, retention, load, shards=shards
            )
        elif resource.type == SLS:
            limits = inputs["cacheUsageLimits"]
            ceiling = ServerlessLimits(limits["dataStorage"]["maximum"], limits["ecpuPerSeconds"][0]["maximum"])
            estimate = estimate_serverless(table, "us-east-1", inputs["engine"], load, retention, ceiling)
        else:
            continue
        assert estimate.complete
        total += estimate.monthly_usd
    return total


# Without load tags, at the ceilings (the caches as configured in Pulumi.<stack>.yaml):
DEV = (
    2 * 0.0256 * 730  # sessions: 2 x cache.t4g.small, 1 day of snapshots (free)
    + 5 * 0.084 * 730  # prompts: serverless at its 5 GB limit
    + 5000 * ECPU_MONTH * 0.0023  # ... and its 5000 ECPU/s limit, all month
    + 1 * 5 * 0.085  # ... one daily snapshot of at most 5 GB
)
PROD = (
    3 * 0.1752 * 730  # sessions: 3 x cache.r7g.large
    + 13 * 13.07 * GB_PER_GIB * 0.085  # 14 days of snapshots, one free, each at most the node's memory
    + 6 * 0.3496 * 730  # retrieval: 3 shards x 2 x cache.r7g.xlarge
    + 6 * 3 * 26.32 * GB_PER_GIB * 0.085
    + 3 * 0.1264 * 730  # ratelimit: 3 x cache.m7g.large
    + 6 * 6.38 * GB_PER_GIB * 0.085
)


@pytest.mark.parametrize(("stack", "ceiling", "budget"), [("dev", DEV, 400), ("prod", PROD, 6000)])
def test_the_repository_stacks_fit_their_budgets_even_at_their_ceilings(
    plans: dict[str, Plan], stack: str, ceiling: float, budget: float
) -> None:
    config = json.loads((PACK_DIR / "config" / f"{stack}.json").read_text())
    assert config[BUDGET]["monthlyBudgetUsd"] == budget
    assert ceiling < budget
    assert budget_results(list(plans[stack].resources), stack) == []
    assert budget_results(without_load_tags(plans[stack]), stack) == []


def test_the_prod_stack_over_its_budget_is_a_mandatory_violation_with_the_figure(plans: dict[str, Plan]) -> None:
    assert pytest.approx(2253.99, abs=0.01) == PROD
    [(level, message)] = budget_results(without_load_tags(plans["prod"]), "prod", budget=PROD - 1)
    assert level == "mandatory"
    assert f"costs about ${PROD:,.2f}/month on demand (an upper bound" in message
    assert f"over the ${PROD - 1:,.2f} budget" in message
    assert (
        f"retrieval-replication-group at most ${6 * 0.3496 * 730 + 6 * 3 * 26.32 * GB_PER_GIB * 0.085:,.2f}" in message
    )
    for cache in ("sessions-replication-group", "ratelimit-replication-group"):
        assert cache in message


def test_the_program_load_tags_price_the_expected_load(plans: dict[str, Plan]) -> None:
    expected = model_total(plans["prod"])
    [(level, message)] = budget_results(list(plans["prod"].resources), "prod", budget=1)
    assert level == "mandatory"
    assert f"costs about ${expected:,.2f}/month on demand" in message


def test_the_dev_stack_over_its_budget_is_advisory(plans: dict[str, Plan]) -> None:
    assert pytest.approx(374.62, abs=0.01) == DEV
    [(level, message)] = budget_results(without_load_tags(plans["dev"]), "dev", budget=100)
    assert level == "advisory"
    assert f"costs about ${DEV:,.2f}/month" in message


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_pack_judges_the_figure_the_program_exports(plans: dict[str, Plan], stack: str) -> None:
    exported = plans[stack].exports["monthlyCost"]
    [(_, message)] = budget_results(list(plans[stack].resources), stack, budget=0.01)
    found = re.search(r"costs about \$([\d,]+\.\d\d)/month", message)
    assert found is not None
    # The export adds per-cache figures already rounded to cents: the totals may differ by that rounding.
    assert float(found.group(1).replace(",", "")) == pytest.approx(exported["usd"], abs=0.011)
    for usd in exported["caches"].values():
        assert f"${usd:,.2f} (" in message


def test_the_pack_prices_the_exported_load_to_the_last_digit(dev: StackConfig, run: Callable[..., Plan]) -> None:
    # Tags written with 6 significant digits read back as 1234.57 GB and 1,234,570 req/s: $0.15 a month more
    # than the program exports for this serverless cache.
    load = {"averageDataGb": 1234.5678, "requestsPerSecond": 1234567}
    limits = {"maxDataGb": 5000, "maxEcpuPerSecond": 15_000_000}
    plan = run(edit_cache(dev, "prompts", limits=limits, expectedLoad=load))
    [serverless] = [resource for resource in plan.resources if resource.type == SLS]
    assert serverless.inputs["tags"]["expectedDataGb"] == "1234.5678"
    assert serverless.inputs["tags"]["expectedRequestsPerSecond"] == "1234567"
    exported = plan.exports["monthlyCost"]
    [(_, message)] = budget_results(list(plan.resources), "dev", budget=0.01)
    assert f"costs about ${exported['usd']:,.2f}/month" in message


def test_a_redis_oss_version_in_extended_support_is_flagged_with_its_end_and_surcharge() -> None:
    # Redis OSS 5.0.6 on the secure stack's 3 x cache.r7g.large: Redis OSS 0.219 $/h in us-east-1 (DefangLabs);
    # in Extended Support from 2026-02-01 to 2029-01-31, at 80% (years 1-2) or 160% (year 3) of 3 x 0.219 x 730.
    items = items_with("sessions-replication-group", engine="redis", engineVersion="5.0.6")
    kind, message = run_with_provider(items, None, {"monthlyBudgetUsd": 1.0})
    assert kind == "violation"
    assert "extended support $" in message
    assert "Redis OSS 5.0.6 is in Extended Support (year " in message
    assert "until 2029-01-31" in message
    nodes = 3 * 0.219 * 730
    assert f"x the nodes' ${nodes:,.2f} on demand" in message


PROVIDER_COMPUTED = ("engine", "engineVersion", "clusterMode", "numNodeGroups", "replicasPerNodeGroup", "region")


def test_what_the_provider_computes_at_preview_is_priced_at_aws_s_defaults() -> None:
    # A preview's planned state shows every property the provider computes and the program left unset unknown,
    # fed by no resource: the program set none, so AWS's defaults price it (Redis OSS, one node, one shard).
    computed = dict.fromkeys(("numCacheClusters", "nodeGroupConfigurations", *PROVIDER_COMPUTED), UNKNOWN)
    items = items_with("sessions-replication-group", preferredCacheClusterAzs=DROP, **computed)
    memcached = {"engine": "memcached", "nodeType": "cache.t4g.small", "numCacheNodes": 2}
    items.append(Item(CLUSTER, "mc", {**memcached, "replicationGroupId": UNKNOWN, "region": UNKNOWN}))
    [message] = check_stack(monthly_budget, items, config={"monthlyBudgetUsd": 100}).violations
    assert "sessions-replication-group at most $" in message
    assert "1 x 0.219 $/h x 730 h" in message  # Redis OSS cache.r7g.large, one node
    assert f"mc about ${2 * 0.032 * 730:,.2f}" in message  # a standalone cluster, not a group member
    assert "Not priced" not in message
    # The same unknowns fed by another resource are the program's values, not known until apply.
    fed = [
        replace(item, depends={**item.depends, "numCacheClusters": ["key"], "engine": ["key"]})
        if item.name == "sessions-replication-group"
        else item
        for item in items
    ]
    outcome = check_stack(monthly_budget, fed, config={"monthlyBudgetUsd": 5000})
    assert "sessions-replication-group: `engine`, `numCacheClusters` are not known until apply" in (
        outcome.advisory or ""
    )
