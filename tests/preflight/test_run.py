"""`run_preflight` in-process: the same mock runner and gRPC driver, every way a run can end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.stack_config.secrets import MUST_BE_SECRET
from preflight.findings import findings
from preflight.model import SubnetAnswer
from preflight.program import run_program
from preflight.report import render_text
from preflight.run import PreflightResult, run_preflight
from preflight.stack_files import CREDENTIAL_KEYS, SECRET_PLACEHOLDER, read_stack_config
from tests.preflight.conftest import REPO, edit, preflight_reporting, processes_using

pytestmark = pytest.mark.usefixtures("sdk_state")


def test_a_clean_stack_is_planned_and_analyzed_with_its_policy_config() -> None:
    result = run_preflight("dev")

    assert result.failures == ()
    assert result.exit_code == 0
    assert result.plan is not None
    assert len(result.plan.resources) == len(run_program(read_stack_config("dev")).resources)
    assert result.policy_config == REPO / "policies" / "config" / "dev.json"
    assert result.pack is not None
    # dev.json sets `all: mandatory` and turns the budget down to advisory: what the pack ran with.
    assert result.pack.levels["elasticache-backup-retention"] == "mandatory"
    assert result.pack.levels["elasticache-monthly-budget"] == "advisory"
    assert "all" not in result.pack.levels, "`all` is a default for every policy, not a policy"
    assert {"program", "pack", "analysis", "total"} <= set(result.timings)


def test_stack_policies_run_too_and_advisory_results_do_not_fail_the_run(tmp_path: Path) -> None:
    config = json.loads((REPO / "policies" / "config" / "dev.json").read_text())
    # A stack policy (AnalyzeStack) that now refuses what the sessions cache does: never evict.
    config["elasticache-eviction-policy"] = {
        "enforcementLevel": "advisory",
        "workloadEvictionPolicies": {"sessions": ["allkeys-lru"]},
    }
    policy_config = tmp_path / "strict-eviction.json"
    policy_config.write_text(json.dumps(config))

    result = run_preflight("dev", policy_config=policy_config)

    assert result.policy_config == policy_config
    [eviction] = [d for d in result.diagnostics if d.policy_name == "elasticache-eviction-policy"]
    assert eviction.enforcement_level == "advisory"
    assert eviction.urn.endswith("::sessions-replication-group")
    assert result.exit_code == 0

    config["elasticache-eviction-policy"]["enforcementLevel"] = "mandatory"
    policy_config.write_text(json.dumps(config))
    assert run_preflight("dev", policy_config=policy_config).exit_code == 1


def test_a_policy_config_the_pack_refuses_is_an_error_and_the_pack_is_stopped(project: Path) -> None:
    policy_config = project / "typo.json"
    policy_config.write_text(json.dumps({"elasticache-backup-retention": {"minimumRetentionDay": 7}}))

    result = run_preflight("prod", project_dir=project, policy_config=policy_config)

    assert result.exit_code == 2
    assert [f.kind for f in result.failures] == ["policy-config"]
    assert "minimumRetentionDay" in result.failures[0].message
    assert processes_using(project) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
    ],
)
def test_an_unreadable_policy_config_is_an_error_before_anything_starts(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content)

    result = run_preflight("dev", policy_config=path)

    assert result.exit_code == 2
    assert result.failures[0].kind == "policy-config"
    assert expected in result.failures[0].message
    assert not result.started


@pytest.mark.parametrize("content", ["", "  \n", "null"])
def test_an_empty_policy_config_configures_nothing_as_the_cli_reads_it(tmp_path: Path, content: str) -> None:
    # pulumi/pulumi pkg/resource/analyzer/config.go parsePolicyPackConfig: "Gracefully allow empty content".
    path = tmp_path / "policy.json"
    path.write_text(content)

    result = run_preflight("dev", policy_config=path)

    assert result.failures == ()
    assert result.plan is not None
    assert result.pack is not None


def test_a_stack_without_a_policy_config_is_an_error_unless_one_is_named(project: Path) -> None:
    (project / "policies" / "config" / "dev.json").unlink()

    result = run_preflight("dev", project_dir=project)

    assert result.exit_code == 2
    assert [f.kind for f in result.failures] == ["policy-config"]
    assert "policies/config/dev.json does not exist" in result.failures[0].message
    assert "--policy-config" in result.failures[0].message
    assert not result.started, "nothing is planned against a weaker gate"
    assert processes_using(project) == []

    named = run_preflight("dev", project_dir=project, policy_config=project / "policies" / "config" / "prod.json")
    assert named.failures == ()
    assert named.policy_config == project / "policies" / "config" / "prod.json"


def test_a_missing_stack_file_is_an_error_listing_the_stacks() -> None:
    result = run_preflight("staging")

    assert result.exit_code == 2
    assert result.failures[0].kind == "stack-file"
    assert "Pulumi.staging.yaml" in result.failures[0].message
    assert "dev, prod" in result.failures[0].message


def test_adding_an_app_az_is_one_edit_of_the_stack_config(tmp_path: Path, project: Path) -> None:
    """A subnet and its AZ in Pulumi.dev.yaml (and the replica dev pins): the program, the offline subnet answers
    and the gate all follow, with no other file touched."""
    stack = project / "Pulumi.dev.yaml"
    edit(
        stack,
        "      - subnet-0b22c3d4e5f607182   # us-east-1b, private\n",
        ("      - subnet-0b22c3d4e5f607182   # us-east-1b, private\n      - subnet-0c33d4e5f6071829a   # us-east-1c\n"),
    )
    edit(
        stack,
        "appAvailabilityZones: [us-east-1a, us-east-1b]",
        "appAvailabilityZones: [us-east-1a, us-east-1b, us-east-1c]",
    )
    edit(stack, "nodeType: cache.t4g.small\n      replicas: 1", "nodeType: cache.t4g.small\n      replicas: 2")

    result = run_preflight("dev", project_dir=project)

    assert result.failures == ()
    assert result.subnets["subnet-0c33d4e5f6071829a"] == SubnetAnswer("us-east-1c", "vpc-0d3c6a8f2b1e47a90")
    assert result.plan is not None
    [group] = [r for r in result.plan.resources if r.type.endswith("replicationGroup:ReplicationGroup")]
    assert group.inputs["preferredCacheClusterAzs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    [serverless] = [r for r in result.plan.resources if r.type.endswith("serverlessCache:ServerlessCache")]
    assert serverless.inputs["tags"]["subnetAvailabilityZones"] == "us-east-1a us-east-1b us-east-1c"
    placement = [d for d in result.diagnostics if d.policy_name == "elasticache-same-az-placement"]
    assert placement == [], [d.message for d in placement]
    assert result.exit_code == 0

    # The gate did judge placement against the stack's three AZs: a policy config pinning the old two says so.
    pinned = json.loads((project / "policies" / "config" / "dev.json").read_text())
    pinned["elasticache-same-az-placement"] = {"appAvailabilityZones": ["us-east-1a", "us-east-1b"]}
    (tmp_path / "pinned.json").write_text(json.dumps(pinned))
    old = run_preflight("dev", project_dir=project, policy_config=tmp_path / "pinned.json")
    messages = [d.message for d in old.diagnostics if d.policy_name == "elasticache-same-az-placement"]
    assert any("outside the app AZs ['us-east-1a', 'us-east-1b']" in m for m in messages), messages
    assert processes_using(project) == []


def test_a_broken_config_is_reported_with_every_key_path(project: Path) -> None:
    edit(project / "Pulumi.prod.yaml", "cache.r7g.large\n      replicas: 2", "cache.r7g.large\n      replicas: 0")

    result = run_preflight("prod", project_dir=project)

    assert result.exit_code == 2
    assert result.plan is None
    [failure] = result.failures
    assert failure.kind == "config"
    assert [p["path"] for p in failure.problems] == ["caches.sessions.replicas"]
    assert "caches.sessions.replicas = 0" in failure.message
    assert processes_using(project) == []


def test_a_setting_stored_as_a_secret_is_named_at_its_line_not_judged_as_a_placeholder(project: Path) -> None:
    # pulumi preview decrypts these and plans the stack; offline the placeholder stood in and was judged: "not a
    # node type" at nodeType, and cache ids too long at every cache (from the placeholder namePrefix).
    stack_file = project / "Pulumi.prod.yaml"
    edit(stack_file, "      nodeType: cache.r7g.large\n", "      nodeType:\n        secure: v1:AAAAAAAA\n")
    edit(
        stack_file,
        "  elasticache:environment: prod\n",
        "  elasticache:environment: prod\n  elasticache:namePrefix:\n    secure: v1:BBBBBBBB\n",
    )
    lines = stack_file.read_text().splitlines()
    prefix_line = lines.index("  elasticache:namePrefix:") + 1
    node_type_line = lines.index("      nodeType:") + 1

    result = run_preflight("prod", project_dir=project)

    assert result.exit_code == 2
    assert result.plan is None
    [failure] = result.failures
    assert failure.kind == "config"
    assert [p["path"] for p in failure.problems] == ["namePrefix", "caches.sessions.nodeType"]
    for problem, line in zip(failure.problems, (prefix_line, node_type_line), strict=True):
        assert f"Pulumi.prod.yaml line {line}" in problem["message"]
        assert "cannot decrypt" in problem["message"]
        assert f"pulumi config set --plaintext --path '{problem['path']}'" in problem["message"]
    assert (failure.file, failure.line) == (stack_file, prefix_line)
    assert "not a node type" not in failure.message
    assert SECRET_PLACEHOLDER not in failure.message
    # The CI outputs put each at its own line.
    located = {finding.title: finding.location.line for finding in findings(result, project) if finding.location}
    assert located == {"namePrefix": prefix_line, "caches.sessions.nodeType": node_type_line}
    assert processes_using(project) == []


def test_only_the_credential_keys_take_a_placeholder() -> None:
    assert CREDENTIAL_KEYS == MUST_BE_SECRET


def test_secrets_from_secure_config_never_show(project: Path) -> None:
    from preflight.report import render_json

    edit(
        project / "Pulumi.prod.yaml",
        "      auth:\n        mode: iam\n        users: [api]\n      backup:\n        retentionDays: 14",
        "      auth:\n        mode: token\n      backup:\n        retentionDays: 14",
    )
    with (project / "Pulumi.prod.yaml").open("a") as stack_file:
        stack_file.write("  elasticache:cacheSecrets:\n    sessions:\n      authToken:\n        secure: v1:AAAA\n")

    result = run_preflight("prod", project_dir=project)

    assert result.exit_code == 0, result.failures
    text, document = render_text(result), render_json([result], all_stacks=False)
    for output in (text, document):
        assert SECRET_PLACEHOLDER not in output
        assert "[secret]" in output
    assert "auth         AUTH token [secret] (version 1)" in text


@pytest.mark.parametrize("kind", ["crashes", "hangs"])
def test_a_pack_that_crashes_or_never_listens_is_an_error_and_is_stopped(fake_pack, kind: str) -> None:
    pack_dir: Path = fake_pack(kind)

    # Waiting for a port that never comes takes the whole timeout: short for the pack that hangs, and long for
    # the one that crashes, so that a slow start on a busy machine cannot pass for a timeout.
    timeout = 0.5 if kind == "hangs" else 30.0
    result: PreflightResult = run_preflight("dev", pack_dir=pack_dir, start_timeout=timeout)

    assert result.exit_code == 2
    assert [f.kind for f in result.failures] == ["policy-pack"]
    message = result.failures[0].message
    if kind == "crashes":
        assert "exited (code 3) before printing its port" in message
        assert "boom: the guardrails cannot load" in message  # the pack's own stderr
    else:
        assert "printed no port within 0.5s" in message
    assert result.plan is not None, "the program's plan is still shown"
    assert processes_using(pack_dir) == []


def test_a_directory_that_is_no_policy_pack_is_an_error(tmp_path: Path) -> None:
    result = run_preflight("dev", pack_dir=tmp_path)

    assert result.exit_code == 2
    assert [f.kind for f in result.failures] == ["policy-pack"]
    assert "has no __main__.py: not a Python policy pack" in result.failures[0].message


MINIMAL = """config:
  aws:region: us-east-1
  elasticache:production: true
  elasticache:network:
    vpcId: vpc-05f1e2d3c4b5a6978
    subnetIds: [subnet-01a2b3c4d5e6f7a81, subnet-02b3c4d5e6f7a8b92]
    appSecurityGroupIds: [sg-04d5e6f7a8b9cadb4]
    appAvailabilityZones: [us-east-1a, us-east-1b]
  elasticache:caches:
    sessions:
      workload: sessions
"""


def test_a_minimal_production_stack_passes_the_production_gate_once_the_loader_is_satisfied(project: Path) -> None:
    """One cache, `production: true`, every other key left to its default, checked with prod's policy config."""
    (project / "Pulumi.minimal.yaml").write_text(MINIMAL)
    (project / "policies" / "config" / "minimal.json").write_text(
        (project / "policies" / "config" / "prod.json").read_text()
    )

    refused = run_preflight("minimal", project_dir=project)
    assert refused.exit_code == 2
    [failure] = refused.failures
    assert failure.kind == "config", failure.message
    assert [p["path"] for p in failure.problems] == ["tags.team", "tags.costCentre"]
    assert refused.plan is None, "the loader speaks before anything is planned"

    (project / "Pulumi.minimal.yaml").write_text(
        MINIMAL.replace(
            "  elasticache:production: true\n",
            "  elasticache:production: true\n  elasticache:tags: {team: shop, costCentre: cc-7}\n",
        )
    )
    result = run_preflight("minimal", project_dir=project)
    assert result.failures == ()
    assert [(d.policy_name, d.message) for d in result.mandatory] == []
    assert result.exit_code == 0
    assert result.plan is not None
    # The production default is a key the account controls: what the gate requires.
    assert result.plan.of_type("aws:kms/key:Key")
    assert processes_using(project) == []


# Which SDKs were imported when the pack was launched.
LAUNCH_PROBE = """
import preflight.analyzer.process as process
launch, seen = process.PackProcess.__init__, []
def recording(self, *args, **kwargs):
    seen.append(sorted(name for name in ("pulumi", "grpc", "pulumi_aws", "pydantic") if name in sys.modules))
    launch(self, *args, **kwargs)
process.PackProcess.__init__ = recording
"""


def test_the_pack_is_launched_before_the_sdks_are_imported() -> None:
    """Its interpreter boots on the other core while this one imports the SDKs and runs the program."""
    assert preflight_reporting(LAUNCH_PROBE, "seen", "dev", "--json") == [[]]
