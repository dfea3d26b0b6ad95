"""The one CI workflow: valid for actionlint, triggered by every path that changes a plan, shown as is in both
READMEs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "preflight.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
READMES = (REPO / "README.md", REPO / "preflight" / "README.md")
NOT_IN_A_PLAN = {
    "tests",
    "bench",
    "scripts",
    "iam",
    "cacheclient",
    "examples",
    "README.md",
    "pyproject.toml",
    ".ci",
    ".github",
    ".gitignore",
    "venv",
}
"""Top-level entries no stack's plan depends on: documentation, tests, benchmarks, developer scripts, the app
client and the example app program, the deployer's IAM policy, lint settings."""


def triggers() -> list[str]:
    document = yaml.safe_load(WORKFLOW.read_text())
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    return document[True]["pull_request"]["paths"]


def matches(path: str, pattern: str) -> bool:
    """GitHub's path filter: `*` stays within a directory, `**` crosses them."""
    regex = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace("\0", ".*")
    return re.fullmatch(regex, path) is not None


def test_actionlint_finds_nothing_wrong() -> None:
    assert ACTIONLINT.exists(), f"{ACTIONLINT}: install requirements-dev.txt"
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    """The lint test can fail: a step using an undefined output is reported."""
    broken = tmp_path / ".github" / "workflows" / "preflight.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(WORKFLOW.read_text().replace("steps.preflight.outputs.exit-code", "steps.nothing.outputs.x"))
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(broken)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "nothing" in result.stdout


def test_every_file_a_plan_depends_on_triggers_the_workflow() -> None:
    patterns = triggers()
    files = [
        path.relative_to(REPO).as_posix()
        for entry in REPO.iterdir()
        if entry.name not in NOT_IN_A_PLAN and not entry.name.startswith(".")
        for path in ([entry] if entry.is_file() else entry.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and "venv" not in path.parts
    ]
    for required in ("requirements.txt", "requirements-dev.txt", "Makefile", "Pulumi.yaml", "__main__.py"):
        assert required in files
    uncovered = [path for path in files if not any(matches(path, pattern) for pattern in patterns)]
    assert uncovered == []
    assert not any(matches("tests/test_day2.py", pattern) for pattern in patterns)


def test_both_readmes_show_the_committed_workflow_and_no_other() -> None:
    committed = WORKFLOW.read_text()
    for readme in READMES:
        blocks = re.findall(r"```yaml\n(.*?)```", readme.read_text(), re.S)
        workflows = [block for block in blocks if re.search(r"^(on|jobs):", block, re.M)]
        assert workflows == [committed], f"{readme.relative_to(REPO)} must show .github/workflows/preflight.yml as is"


def test_the_workflow_compares_with_the_base_branch_and_keeps_every_output() -> None:
    text = WORKFLOW.read_text()
    document = yaml.safe_load(text)
    steps = document["jobs"]["preflight"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "github.event.pull_request.base.sha" in text
    assert "--all-stacks --against base-preflight.json" in runs
    for option in ("--summary", "--sarif", "--annotations", "--json"):
        assert option in runs
    uses = [step.get("uses", "") for step in steps]
    assert any(use.startswith("github/codeql-action/upload-sarif@") for use in uses)
    assert any(use.startswith("actions/upload-artifact@") for use in uses)
    assert "GITHUB_STEP_SUMMARY" in runs
    assert "gh pr comment" in runs
