"""The pack as `pulumi policy publish` uploads it: its folder alone, links resolved, nothing of the repository.

The CLI archives the pack folder and follows symlinks (pulumi/pulumi `sdk/go/common/util/archive/archive.go`,
`addDirectoryToTar`: "Resolve symlinks"), so `policies/elasticache_facts` and `policies/pricing` travel as
copies. `shutil.copytree` does the same by default.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preflight.analyzer import PolicyPack
from tests.policies.secure import STACK_CONFIG, planned, secure_items

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
BUDGET = "elasticache-monthly-budget"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("published") / "package"
    shutil.copytree(PACK_DIR, target, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    # The service builds the pack's virtualenv from its requirements.txt; the repository's (the same
    # requirements, nothing of the repository in it) stands in for it.
    (target / "venv").symlink_to(PACK_DIR / "venv", target_is_directory=True)
    return target


def test_the_copy_holds_real_files_only(published: Path) -> None:
    links = [Path(root, name) for root, dirs, files in os.walk(published) for name in dirs + files]
    assert [path for path in links if path.is_symlink()] == [published / "venv"]
    assert (published / "elasticache_facts" / "node_types.json").is_file()
    assert (published / "pricing" / "prices.json").is_file()


def test_the_copy_imports_everything_from_its_own_folder(published: Path) -> None:
    # -I: no PYTHONPATH, no user site, no script directory: only the pack folder (as the CLI runs it) and the venv.
    probe = (
        "import sys; sys.path.insert(0, '.');"
        "import guardrails.cost, guardrails.parameters, elasticache_facts.node_types, pricing;"
        "roots = {m.__file__.split('/package/')[0] for m in (guardrails.cost, elasticache_facts.node_types, pricing)};"
        "print(sorted(roots), sorted(n for n in sys.modules if n.split('.')[0] in ('components', 'preflight')))"
    )
    found = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=published, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == f"[{str(published.parent)!r}] []"


def test_the_copy_starts_and_analyses_over_grpc(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    config = json.loads((published / "config" / "prod.json").read_text())
    config[BUDGET]["monthlyBudgetUsd"] = 1
    resources = planned(secure_items())
    # The CLI hands the pack the stack's config; the budget prices in its `aws:region`. The copy has no virtualenv
    # of its own (Pulumi Cloud creates one from its requirements.txt when it installs a published pack): the
    # repository's pack venv is built from the same file.
    interpreter = PACK_DIR / "venv" / "bin" / "python"
    with PolicyPack(
        published, project="elasticache", stack="prod", stack_config=STACK_CONFIG, python=str(interpreter)
    ) as pack:
        pack.configure(config)
        assert pack.info().name == "elasticache-guardrails"
        assert [d for resource in resources for d in pack.analyze(resource)] == []
        result = pack.analyze_stack_detailed(resources)
    assert [item for item in result.not_applicable if item.policy_name == BUDGET] == []
    [budget] = [d for d in result.diagnostics if d.policy_name == BUDGET]
    assert "over the $1.00 budget" in budget.message
