"""The whole pack, started the way the Pulumi CLI starts it and driven over its real Analyzer gRPC interface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from guardrails.registry import POLICIES as ALL_POLICIES
from pulumi_policy import StackValidationPolicy

from elasticache_facts.wire import OUTPUT_VALUE_SIG, SIG_KEY
from preflight.analyzer import (
    Diagnostic,
    PackCallError,
    PackClosedError,
    PackStartError,
    PolicyPack,
    PolicyPackError,
)
from preflight.model import PlannedResource
from tests.policies.harness import DROP, secret, with_
from tests.policies.secure import STACK_CONFIG, as_preview, planned, secure_items
from tests.preflight.conftest import gone, pack_project

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
PROD = json.loads((PACK_DIR / "config" / "prod.json").read_text())
DEV = json.loads((PACK_DIR / "config" / "dev.json").read_text())


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", stack_config=STACK_CONFIG) as running:
        running.configure(PROD)
        yield running


def resources(preview: bool = False) -> list[PlannedResource]:
    items = secure_items()
    return planned([as_preview(item) for item in items] if preview else items)


def changed(plan: list[PlannedResource], name: str, **inputs: object) -> list[PlannedResource]:
    return [replace(r, inputs=with_(r.inputs, **inputs)) if r.name == name else r for r in plan]


def everything(pack: PolicyPack, plan: list[PlannedResource]) -> list[Diagnostic]:
    found = [d for resource in plan for d in pack.analyze(resource)]
    return found + pack.analyze_stack(plan)


def mandatory(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.policy_name, d.urn.rsplit("::", 1)[-1]) for d in diagnostics if d.mandatory]


# -- GetAnalyzerInfo / Configure ------------------------------------------------------------------------------


def test_info_lists_every_policy_with_its_schema(pack: PolicyPack) -> None:
    info = pack.info()
    assert info.name == "elasticache-guardrails"
    assert info.version == "0.1.0"  # from PulumiPolicy.yaml, as the CLI reports it
    assert info.supports_config
    assert [p.name for p in info.policies] == sorted(p.name for p in ALL_POLICIES)
    for policy in ALL_POLICIES:
        reported = info.policy(policy.name)
        assert reported.description == policy.description
        assert reported.severity == policy.severity.value
        assert reported.remediation_steps == policy.remediation_steps
        assert list(reported.tags) == policy.tags
        assert reported.policy_type == ("stack" if isinstance(policy, StackValidationPolicy) else "resource")
        advisory = (
            "elasticache-monthly-budget",
            "elasticache-log-delivery",
            "elasticache-alarms",
            "elasticache-user-full-access",
        )
        expected_level = "advisory" if policy.name in advisory else "mandatory"
        assert reported.enforcement_level == expected_level
        if policy.config_schema is None:
            assert reported.config_schema is None
        else:
            # Through a protobuf Struct: numbers come back as floats, which compare equal.
            assert reported.config_schema["properties"] == policy.config_schema.properties
            for spec in reported.config_schema["properties"].values():
                assert "default" in spec, policy.name
                assert spec.get("description"), policy.name


def test_every_policy_maps_to_the_scanners_where_they_have_a_rule(pack: PolicyPack) -> None:
    ids = {tag for policy in pack.info().policies for tag in policy.tags}
    for expected in (
        "CKV_AWS_29",
        "CKV_AWS_30",
        "CKV_AWS_31",
        "CKV_AWS_134",
        "CKV_AWS_322",
        "CKV_AWS_323",
        "CKV2_AWS_50",
    ):
        assert expected in ids
    for expected in ("AVD-AWS-0045", "AVD-AWS-0051", "AVD-AWS-0050", "AwsSolutions-AEC1", "AwsSolutions-AEC6"):
        assert expected in ids
    for control in (
        "ElastiCache.1",
        "ElastiCache.2",
        "ElastiCache.3",
        "ElastiCache.4",
        "ElastiCache.5",
        "ElastiCache.6",
        "ElastiCache.7",
    ):
        assert control in ids


def test_the_environment_configs_are_valid_and_differ_only_where_environments_do() -> None:
    assert set(DEV) == set(PROD)
    differences = {name for name in PROD if PROD[name] != DEV[name]}
    assert differences == {
        "elasticache-backup-retention",
        "elasticache-encryption-at-rest",
        "elasticache-monthly-budget",
        "elasticache-data-protection",
    }
    assert PROD["elasticache-backup-retention"]["minimumRetentionDays"] == 7
    # The network lives in the stack config alone: placement reads the app AZs from there (PULUMI_CONFIG).
    assert "elasticache-same-az-placement" not in DEV
    assert "elasticache-same-az-placement" not in PROD
    assert DEV["elasticache-monthly-budget"]["enforcementLevel"] == "advisory"
    assert PROD["elasticache-monthly-budget"]["enforcementLevel"] == "mandatory"
    # A dev cache is disposable; in prod nothing may be deleted without a final snapshot or protection.
    assert (DEV["elasticache-data-protection"], PROD["elasticache-data-protection"]) == ("advisory", "mandatory")
    for document in (DEV, PROD):
        assert document["all"] == "mandatory"
        assert document["elasticache-required-tags"]["requiredTags"] == ["environment", "team", "costCentre"]


def test_configure_refuses_an_invalid_document(pack: PolicyPack) -> None:
    with pytest.raises(PolicyPackError, match="elasticache-backup-retention: minimumRetentionDays"):
        pack.configure({"elasticache-backup-retention": {"minimumRetentionDays": 0}})
    with pytest.raises(PolicyPackError, match="not a setting of this policy"):
        pack.configure({"elasticache-backup-retention": {"minimumRetentionDay": 7}})
    pack.configure(PROD)  # the module's pack stays configured for prod


# -- Analyze / AnalyzeStack ------------------------------------------------------------------------------------


def test_secure_resources_have_no_findings(pack: PolicyPack) -> None:
    assert everything(pack, resources()) == []


def test_secure_resources_at_preview_have_no_mandatory_findings(pack: PolicyPack) -> None:
    found = everything(pack, resources(preview=True))
    assert mandatory(found) == []
    assert found == []  # nothing the pack needs is unknown: links come from property dependencies


def test_analyze_reports_what_is_not_applicable(pack: PolicyPack) -> None:
    serverless_cache = next(r for r in resources() if r.name == "prompts-serverless")
    result = pack.analyze_detailed(serverless_cache)
    reasons = {item.policy_name: item.reason for item in result.not_applicable}
    assert reasons["elasticache-encryption-in-transit"] == "serverless caches always encrypt in transit"
    assert result.diagnostics == ()


@pytest.mark.parametrize(
    ("name", "inputs", "policy"),
    [
        ("sessions-replication-group", {"transitEncryptionMode": "preferred"}, "elasticache-transit-encryption-mode"),
        ("sessions-replication-group", {"transitEncryptionEnabled": False}, "elasticache-encryption-in-transit"),
        ("sessions-replication-group", {"snapshotRetentionLimit": 3}, "elasticache-backup-retention"),
        ("sessions-replication-group", {"kmsKeyId": DROP}, "elasticache-encryption-at-rest"),
        (
            "sessions-replication-group",
            {"preferredCacheClusterAzs": ["us-east-1b", "us-east-1a", "us-east-1c"]},
            "elasticache-same-az-placement",
        ),
        ("sessions-replication-group", {"nodeType": "cache.m4.large"}, "elasticache-node-type"),
        ("sessions-replication-group", {"userGroupIds": DROP}, "elasticache-authentication"),
        ("prompts-serverless", {"cacheUsageLimits": DROP}, "elasticache-serverless-usage-limits"),
        ("prompts-user-default", {"accessString": "on ~* +@all"}, "elasticache-authentication"),
        ("sessions-subnets", {"tags": {"team": "platform"}}, "elasticache-required-tags"),
    ],
)
def test_one_insecure_setting_gives_its_mandatory_violation(
    pack: PolicyPack, name: str, inputs: dict, policy: str
) -> None:
    found = everything(pack, changed(resources(), name, **inputs))
    assert mandatory(found) == [(policy, name)]
    # Where the change leaves a cache without a price (a previous-generation node type, a serverless cache with
    # no limits), the budget adds its advisory "could not price" line; it never blocks.
    budget = [d for d in found if d.policy_name == "elasticache-monthly-budget"]
    assert all(not d.mandatory and "could not price" in d.message for d in budget)
    [diagnostic] = [d for d in found if d not in budget]
    assert diagnostic.policy_pack == "elasticache-guardrails"
    assert diagnostic.remediation
    assert diagnostic.severity in ("low", "medium", "high", "critical")
    assert diagnostic.message.startswith(diagnostic.description)
    # Resources no program tagged with their config key keep the provider's terms.
    assert "In the stack config" not in diagnostic.message


@pytest.mark.parametrize(
    ("name", "inputs", "policy", "urn_of"),
    [
        (
            "sessions-ingress-0",
            {"referencedSecurityGroupId": DROP, "cidrIpv4": "0.0.0.0/0"},
            "elasticache-security-group-ingress",
            "sessions-ingress-0",
        ),
        (
            "sessions-params-valkey8",
            {"parameters": [{"name": "maxmemory-policy", "value": "allkeys-lru"}]},
            "elasticache-eviction-policy",
            "sessions-replication-group",
        ),
    ],
)
def test_one_insecure_setting_gives_its_stack_violation(
    pack: PolicyPack, name: str, inputs: dict, policy: str, urn_of: str
) -> None:
    for preview in (False, True):
        found = everything(pack, changed(resources(preview), name, **inputs))
        assert mandatory(found) == [(policy, urn_of)], preview


def test_the_environment_config_decides(pack: PolicyPack) -> None:
    three_days = changed(resources(), "sessions-replication-group", snapshotRetentionLimit=3)
    assert mandatory(everything(pack, three_days)) == [("elasticache-backup-retention", "sessions-replication-group")]
    try:
        pack.configure(DEV)
        assert mandatory(everything(pack, three_days)) == []
    finally:
        pack.configure(PROD)


def test_secrets_reach_the_pack_as_values(pack: PolicyPack) -> None:
    token = changed(
        resources(), "sessions-replication-group", userGroupIds=DROP, authTokenWo=secret("t" * 40), authTokenWoVersion=1
    )
    assert everything(pack, token) == []
    output_value = {SIG_KEY: OUTPUT_VALUE_SIG, "value": "t" * 40, "secret": True}
    assert (
        everything(
            pack, changed(resources(), "sessions-replication-group", userGroupIds=DROP, authTokenWo=output_value)
        )
        == []
    )


def test_unknown_at_preview_is_advisory_over_the_wire(pack: PolicyPack) -> None:
    unknown_output = {SIG_KEY: OUTPUT_VALUE_SIG, "dependencies": ["urn:x"]}
    plan = changed(resources(), "sessions-replication-group", transitEncryptionMode=unknown_output)
    found = everything(pack, plan)
    assert mandatory(found) == []
    [advisory] = found
    assert advisory.enforcement_level == "advisory"
    assert advisory.policy_name == "elasticache-transit-encryption-mode"
    assert advisory.message.endswith("`transitEncryptionMode` is not known until apply; checked again at `pulumi up`")


def test_after_apply_the_stack_is_judged_on_outputs() -> None:
    plan = resources()
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", dry_run=False, stack_config=STACK_CONFIG) as after:
        after.configure(PROD)
        assert after.analyze_stack(plan) == []
        # Without property dependencies, the links are the ids the provider assigned.
        unlinked = [replace(r, property_dependencies={}) for r in plan]
        assert after.analyze_stack(unlinked) == []
        opened = changed(unlinked, "prompts-ingress-0", referencedSecurityGroupId=DROP, cidrIpv4="0.0.0.0/0")
        opened = [replace(r, outputs={**r.outputs, **r.inputs}) for r in opened]
        assert mandatory(after.analyze_stack(opened)) == [("elasticache-security-group-ingress", "prompts-ingress-0")]


# -- process life cycle ------------------------------------------------------------------------------------------


def fake_pack(tmp_path: Path, body: str) -> Path:
    """A pack whose PulumiPolicy.yaml names this interpreter's virtualenv (absolute, as the CLI allows)."""
    (tmp_path / "__main__.py").write_text(body)
    (tmp_path / "PulumiPolicy.yaml").write_text(pack_project(Path(sys.prefix)))
    return tmp_path


def test_a_crashing_pack_fails_fast_with_its_stderr(tmp_path: Path) -> None:
    broken = fake_pack(tmp_path, "import guardrails_that_do_not_exist\n")
    pack = PolicyPack(broken, project="p", stack="s", start_timeout=10)
    started = time.monotonic()
    pack.start()  # returns at once
    with pytest.raises(PolicyPackError) as raised:
        pack.info()
    assert time.monotonic() - started < 5
    assert "exited (code 1) before printing its port" in str(raised.value)
    assert "guardrails_that_do_not_exist" in str(raised.value)  # the pack's stderr tail
    assert pack.pid is not None
    assert gone(pack.pid)


def test_a_pack_that_prints_no_port_times_out_and_is_killed(tmp_path: Path) -> None:
    silent = fake_pack(
        tmp_path, "import sys, time\nsys.stderr.write('thinking...')\nsys.stderr.flush()\ntime.sleep(60)\n"
    )
    # Long enough for `python -m pulumi.policy` to reach the pack's code on a loaded 2-core machine (its imports
    # alone took over 2 s at a load average of 18), so that the stderr tail has something to show.
    pack = PolicyPack(silent, project="p", stack="s", start_timeout=4.0)
    started = time.monotonic()
    with pytest.raises(PolicyPackError) as raised, pack:
        pack.connect()
    assert 4.0 <= time.monotonic() - started < 8
    assert "printed no port within 4s" in str(raised.value)
    assert "thinking..." in str(raised.value)
    assert pack.pid is not None
    assert gone(pack.pid)


def test_a_pack_that_prints_garbage(tmp_path: Path) -> None:
    chatty = fake_pack(tmp_path, "print('hello')\nimport time\ntime.sleep(60)\n")
    pack = PolicyPack(chatty, project="p", stack="s", start_timeout=5)
    with pytest.raises(PolicyPackError, match="printed b'hello' instead of a port"):
        pack.connect()
    assert pack.pid is not None
    assert gone(pack.pid)


def test_no_pack_at_all(tmp_path: Path) -> None:
    with pytest.raises(PackStartError, match=r"no __main__\.py"):
        PolicyPack(tmp_path, project="p", stack="s").start()
    closed = PolicyPack(PACK_DIR, project="p", stack="s")
    closed.close()
    with pytest.raises(PackClosedError, match="was closed"):
        closed.info()
    fake_pack(tmp_path, "")
    with pytest.raises(PackStartError, match="could not start"):
        PolicyPack(tmp_path, project="p", stack="s", python=str(tmp_path / "no-python")).start()


def test_the_process_is_stopped_on_interrupt_and_rpc_failures_are_reported() -> None:
    pack = PolicyPack(PACK_DIR, project="elasticache", stack="prod", python=sys.executable)
    alive_inside: list[bool] = []

    def interrupted() -> None:
        with pack:
            assert pack.pid is not None
            alive_inside.append(not gone(pack.pid))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert alive_inside == [True]
    assert pack.pid is not None
    assert gone(pack.pid)

    with PolicyPack(PACK_DIR, project="elasticache", stack="prod") as doomed:
        doomed.connect()
        pid = doomed.pid
        assert pid is not None
        os.kill(pid, 9)
        with pytest.raises(PackCallError, match="GetAnalyzerInfo failed"):
            doomed.info()


def test_start_returns_at_once_so_start_up_overlaps_other_work() -> None:
    pack = PolicyPack(PACK_DIR, project="elasticache", stack="prod")
    try:
        started = time.monotonic()
        pack.start()
        launched = time.monotonic() - started
        pack.connect()
        connected = time.monotonic() - started
        assert launched < 0.1  # the pack itself takes a few hundred ms to import and listen
        assert connected > launched
        assert pack.info().name == "elasticache-guardrails"
    finally:
        pack.close()


def test_concurrent_first_calls_connect_once() -> None:
    plan = resources()
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod") as shared, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(shared.analyze, plan * 2))
        assert results == [[]] * (len(plan) * 2)
        assert shared.pid is not None
        assert not gone(shared.pid)


def test_the_pack_stays_light_and_independent_of_the_program() -> None:
    # pulumi_aws alone takes longer to import than the whole pack; and the pack judges any program.
    probe = (
        "import sys, runpy; sys.path.insert(0, sys.argv[1]);"
        "import guardrails.access, guardrails.availability, guardrails.backups, guardrails.common, guardrails.cost,"
        " guardrails.encryption, guardrails.maintenance, guardrails.network, guardrails.nodes,"
        " guardrails.parameters, guardrails.placement, guardrails.serverless, guardrails.tags;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', 'components', 'preflight')))"
    )
    found = subprocess.run([sys.executable, "-c", probe, str(PACK_DIR)], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
    main = (PACK_DIR / "__main__.py").read_text()
    assert "components" not in main
    assert "pulumi_aws" not in main


# -- Analyze through the relay process (what the preflight streams with) ------------------------------------


def test_relayed_analysis_gives_what_one_in_process_call_per_resource_gives() -> None:
    plan = resources()
    config = {"all": "mandatory", "elasticache-required-tags": {"requiredTags": ["team", "costCenter", "owner"]}}
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", stack_config=STACK_CONFIG) as pack:
        pack.configure(config)
        relayed = pack.relayed(in_flight=2)
        for resource in plan:
            relayed.send(resource)
        through_relay = relayed.results()
        in_process = [pack.analyze_detailed(resource) for resource in plan]

    assert through_relay == in_process
    assert any(result.diagnostics for result in in_process), "the comparison would be vacuous"
    assert any(result.not_applicable for result in in_process)


def test_a_pack_that_dies_fails_the_relayed_calls_with_its_name_and_the_relay_goes_with_the_pack() -> None:
    plan = resources()
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", stack_config=STACK_CONFIG) as pack:
        pack.configure({})
        relayed = pack.relayed(in_flight=2)
        assert pack.pid is not None
        os.kill(pack.pid, 9)
        for resource in plan:
            relayed.send(resource)
        with pytest.raises(PackCallError, match=r"Analyze failed \(UNAVAILABLE\)"):
            relayed.results()
        open_relay = pack.relayed(in_flight=2)
        relay_pid = open_relay._relay.pid
    assert gone(relay_pid), "closing the pack left its relay running"


URN_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

def stack(args, report):
    report("about nothing")
    report("about a resource", "urn:pulumi:s::p::t:m:T::in-stack")
    report("about a read", "urn:pulumi:s::p::pulumi:pulumi:StackReference::p/s")

def resource(args, report):
    report("about another resource", "urn:pulumi:s::p::t:m:T::other")

PolicyPack(
    name="urns",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        StackValidationPolicy(name="stack", description="stack", validate=stack),
        ResourceValidationPolicy(name="resource", description="resource", validate=resource),
    ],
)
"""


def test_results_are_filed_under_the_urn_the_engine_files_them_under(tmp_path: Path) -> None:
    """`Analyze`: the resource analysed, whatever the pack names (pulumi/pulumi analyze_snapshot.go
    `analyzeResource`); `AnalyzeStack`: the named resource when it is in the stack, otherwise the root stack
    (`resolveStackPolicyViolationURN`, step_generator.go `AnalyzeResources`)."""
    resource = PlannedResource("t:m:T", "in-stack", "urn:pulumi:s::p::t:m:T::in-stack", True, {}, {})
    with PolicyPack(fake_pack(tmp_path, URN_PACK), project="p", stack="s") as running:
        running.configure({})
        [analyzed] = running.analyze(resource)
        stack = {d.message.splitlines()[-1]: d.urn for d in running.analyze_stack([resource])}

    assert analyzed.urn == resource.urn
    root = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    assert stack == {"about nothing": root, "about a resource": resource.urn, "about a read": root}
