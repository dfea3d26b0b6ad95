"""This repository's program, run for each stack under the mocks, judged by the pack over gRPC.

The plan's resources go through `Analyze` (inputs) and `AnalyzeStack` with the environment's
`--policy-pack-config`; the stacks must have no mandatory finding, and flipping one setting to an insecure
value must produce exactly the violation that setting deserves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from elasticache_facts import tokens
from preflight.analyzer import Diagnostic, PolicyPack
from preflight.model import Plan, PlannedResource
from preflight.program import run_program
from preflight.stack_files import StackConfig, read_stack_config
from tests.conftest import edit_cache
from tests.policies.harness import DROP, with_

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
STACKS = ("dev", "prod")
RG = tokens.REPLICATION_GROUP
SERVERLESS = tokens.SERVERLESS_CACHE
INGRESS = tokens.INGRESS_RULE
USER = tokens.USER


@pytest.fixture(scope="module")
def plans() -> Iterator[dict[str, Plan]]:
    import pulumi

    yield {stack: run_program(read_stack_config(stack)) for stack in STACKS}
    pulumi.runtime.settings.ROOT.set(None)


@pytest.fixture(scope="module")
def packs() -> Iterator[dict[str, PolicyPack]]:
    # The stack's config, as the CLI hands it to the pack: placement reads the app AZs from it, the budget
    # prices in its `aws:region`.
    running = {
        stack: PolicyPack(PACK_DIR, project="elasticache", stack=stack, stack_config=read_stack_config(stack).values)
        for stack in STACKS
    }
    try:
        for stack, pack in running.items():
            pack.start()
            pack.configure(json.loads((PACK_DIR / "config" / f"{stack}.json").read_text()))
        yield running
    finally:
        for pack in running.values():
            pack.close()


def judge(pack: PolicyPack, resources: tuple[PlannedResource, ...] | list[PlannedResource]) -> list[Diagnostic]:
    by_urn = {resource.urn: resource for resource in resources}
    found: list[Diagnostic] = []
    for resource in resources:
        provider = by_urn.get((resource.provider or "").rpartition("::")[0])
        found += pack.analyze(resource, provider=provider)
    return found + pack.analyze_stack(resources)


def mandatory(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return sorted({(d.policy_name, d.urn.rsplit("::", 1)[-1]) for d in diagnostics if d.mandatory})


def flip(plan: Plan, pick: Callable[[PlannedResource], bool], **inputs: Any) -> tuple[list[PlannedResource], str]:
    """The plan with one resource's inputs changed (and its outputs, which mirror them after apply)."""
    target = next(resource for resource in plan.resources if pick(resource))
    changed = [
        replace(r, inputs=with_(r.inputs, **inputs), outputs=with_(r.outputs, **inputs)) if r is target else r
        for r in plan.resources
    ]
    return changed, target.name


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_have_no_mandatory_findings(
    stack: str, plans: dict[str, Plan], packs: dict[str, PolicyPack]
) -> None:
    plan = plans[stack]
    assert plan.of_type(RG), "the stack has caches to judge"
    found = judge(packs[stack], plan.resources)
    assert mandatory(found) == []
    assert sorted((d.policy_name, d.enforcement_level) for d in found) == EXPECTED_ADVISORIES[stack]


# dev's serverless cache is deliberately unprotected (a dev cache is disposable): the pack says so, advisory.
EXPECTED_ADVISORIES = {"dev": [("elasticache-data-protection", "advisory")], "prod": []}


# What each kind of cache is legitimately spared; a pass must not come from a policy that looked away.
SPARED = {
    RG: set(),
    SERVERLESS: {
        "elasticache-log-delivery",
        "elasticache-encryption-in-transit",
        "elasticache-transit-encryption-mode",
        "elasticache-multi-az-failover",
        "elasticache-auto-minor-version-upgrade",
        "elasticache-custom-parameter-group",
        "elasticache-node-type",
    },
}


@pytest.mark.parametrize("stack", STACKS)
def test_every_cache_was_actually_judged(stack: str, plans: dict[str, Plan], packs: dict[str, PolicyPack]) -> None:
    caches = [r for r in plans[stack].resources if r.type in SPARED]
    assert caches
    for cache in caches:
        skipped = {item.policy_name for item in packs[stack].analyze_detailed(cache).not_applicable}
        assert skipped == SPARED[cache.type], cache.name


@pytest.mark.parametrize(
    ("stack", "kind", "inputs", "policy"),
    [
        ("prod", RG, {"transitEncryptionMode": "preferred"}, "elasticache-transit-encryption-mode"),
        ("prod", RG, {"snapshotRetentionLimit": 3}, "elasticache-backup-retention"),
        ("prod", RG, {"kmsKeyId": DROP}, "elasticache-encryption-at-rest"),
        ("prod", RG, {"multiAzEnabled": False}, "elasticache-multi-az-failover"),
        ("prod", RG, {"parameterGroupName": "default.valkey8"}, "elasticache-custom-parameter-group"),
        ("dev", RG, {"transitEncryptionEnabled": False}, "elasticache-encryption-in-transit"),
        ("dev", RG, {"preferredCacheClusterAzs": ["us-east-1b", "us-east-1a"]}, "elasticache-same-az-placement"),
        ("dev", SERVERLESS, {"userGroupId": DROP}, "elasticache-authentication"),
        ("dev", SERVERLESS, {"cacheUsageLimits": DROP}, "elasticache-serverless-usage-limits"),
        ("dev", SERVERLESS, {"snapshotRetentionLimit": 0}, "elasticache-backup-retention"),
        ("dev", USER, {"accessString": "on ~* +@all"}, "elasticache-authentication"),
    ],
)
def test_one_insecure_setting_gives_its_violation(
    stack: str, kind: str, inputs: dict[str, Any], policy: str, plans: dict[str, Plan], packs: dict[str, PolicyPack]
) -> None:
    def pick(resource: PlannedResource) -> bool:
        if kind == USER:
            return resource.type == USER and resource.inputs.get("userName") == "default"
        return resource.type == kind

    resources, name = flip(plans[stack], pick, **inputs)
    assert mandatory(judge(packs[stack], resources)) == [(policy, name)]


@pytest.mark.parametrize("stack", STACKS)
def test_an_open_ingress_rule_is_caught_across_the_stack(
    stack: str, plans: dict[str, Plan], packs: dict[str, PolicyPack]
) -> None:
    resources, name = flip(
        plans[stack], lambda r: r.type == INGRESS, referencedSecurityGroupId=DROP, cidrIpv4="0.0.0.0/0"
    )
    assert mandatory(judge(packs[stack], resources)) == [("elasticache-security-group-ingress", name)]


def test_the_wrong_eviction_policy_for_sessions_is_caught(plans: dict[str, Plan], packs: dict[str, PolicyPack]) -> None:
    plan = plans["prod"]
    sessions = next(r for r in plan.of_type(RG) if r.inputs.get("tags", {}).get("workload") == "sessions")
    group = next(
        r
        for r in plan.of_type(tokens.PARAMETER_GROUP)
        if r.inputs.get("name") == sessions.inputs.get("parameterGroupName")
    )
    parameters = [
        {"name": p["name"], "value": "allkeys-lru" if p["name"] == "maxmemory-policy" else p["value"]}
        for p in group.inputs["parameters"]
    ]
    resources, _ = flip(plan, lambda r: r is group, parameters=parameters)
    assert mandatory(judge(packs["prod"], resources)) == [("elasticache-eviction-policy", sessions.name)]


@pytest.mark.parametrize("stack", STACKS)
def test_after_apply_the_stacks_are_still_clean(stack: str, plans: dict[str, Plan]) -> None:
    # `pulumi up` runs AnalyzeStack on the state after apply: outputs and the ids the provider assigned.
    config = read_stack_config(stack).values
    with PolicyPack(PACK_DIR, project="elasticache", stack=stack, dry_run=False, stack_config=config) as pack:
        pack.configure(json.loads((PACK_DIR / "config" / f"{stack}.json").read_text()))
        assert pack.analyze_stack(plans[stack].resources) == []


@pytest.mark.parametrize(
    ("stack", "cache", "kind", "inputs", "policy", "fix"),
    [
        # node-based, one shard
        (
            "prod",
            "sessions",
            RG,
            {"kmsKeyId": DROP},
            "elasticache-encryption-at-rest",
            "`caches.sessions.kmsKey: create`",
        ),
        # node-based, sharded
        (
            "prod",
            "retrieval",
            RG,
            {"snapshotRetentionLimit": 3},
            "elasticache-backup-retention",
            "`caches.retrieval.backup.retentionDays: 7` (or more)",
        ),
        # serverless
        (
            "dev",
            "prompts",
            SERVERLESS,
            {"cacheUsageLimits": DROP},
            "elasticache-serverless-usage-limits",
            "`caches.prompts.limits.maxDataGb` and `caches.prompts.limits.maxEcpuPerSecond`",
        ),
    ],
)
def test_a_violation_on_each_kind_of_cache_names_its_config_key(
    stack: str,
    cache: str,
    kind: str,
    inputs: dict[str, Any],
    policy: str,
    fix: str,
    plans: dict[str, Plan],
    packs: dict[str, PolicyPack],
) -> None:
    def pick(resource: PlannedResource) -> bool:
        return resource.type == kind and resource.parent is not None and resource.parent.endswith(f"::{cache}")

    resources, name = flip(plans[stack], pick, **inputs)
    [finding] = [d for d in judge(packs[stack], resources) if d.mandatory]
    assert (finding.policy_name, finding.urn.rsplit("::", 1)[-1]) == (policy, name)
    assert f"In the stack config: set {fix}" in finding.message


def test_the_advisory_on_dev_names_the_config_key_that_fixes_it(
    plans: dict[str, Plan], packs: dict[str, PolicyPack]
) -> None:
    [advisory] = judge(packs["dev"], plans["dev"].resources)
    assert advisory.policy_name == "elasticache-data-protection"
    assert advisory.message.endswith("In the stack config: set `caches.prompts.protect: true`.")


def test_an_r6gd_cache_s_memory_alarm_reads_the_capacity_that_counts_the_ssd(
    run: Callable[..., Plan], prod: StackConfig, packs: dict[str, PolicyPack]
) -> None:
    """On data tiering nodes DatabaseCapacityUsagePercentage counts the SSD as well (elasticache-metrics.md); the
    program alarms on it, and the pack takes that alarm as the cache's memory signal."""
    plan = run(edit_cache(prod, "sessions", nodeType="cache.r6gd.xlarge"))
    [memory] = [
        alarm
        for alarm in plan.of_type(tokens.METRIC_ALARM)
        if alarm.parent is not None and alarm.parent.endswith("::sessions") and "-memory-" in alarm.inputs["name"]
    ]
    assert {q["metric"]["metricName"] for q in memory.inputs["metricQueries"] if "metric" in q} == {
        "DatabaseCapacityUsagePercentage"
    }
    assert "memory and SSD above 85%" in memory.inputs["alarmDescription"]
    assert [d.message for d in judge(packs["prod"], plan.resources) if d.policy_name == "elasticache-alarms"] == []
