"""The pack runs with the interpreter its PulumiPolicy.yaml names, as the CLI's Python language host does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from preflight.analyzer import PolicyPack, PolicyPackError
from preflight.interpreter import PackInterpreterError, pack_interpreter
from preflight.run import run_preflight
from tests.preflight.conftest import PACK_VENV, REPO, cli, processes_using


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in raw if b"=" in entry)


def test_the_shipped_pack_resolves_to_its_own_virtualenv() -> None:
    interpreter = pack_interpreter(REPO / "policies")

    assert interpreter.virtualenv == PACK_VENV
    assert interpreter.python == PACK_VENV / "bin" / "python"
    assert interpreter.python.is_file()
    env = interpreter.environment({"PATH": "/usr/bin", "PYTHONHOME": "/elsewhere", "VIRTUAL_ENV": "/other"})
    assert env == {"PATH": f"{PACK_VENV}/bin:/usr/bin", "VIRTUAL_ENV": str(PACK_VENV)}


def test_the_pack_process_runs_in_that_virtualenv() -> None:
    with PolicyPack(REPO / "policies", project="elasticache", stack="dev") as pack:
        assert pack.info().name == "elasticache-guardrails"
        assert pack.pid is not None
        started = Path(f"/proc/{pack.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        assert started == str(PACK_VENV / "bin" / "python")
        assert environ_of(pack.pid)["VIRTUAL_ENV"] == str(PACK_VENV)


def test_the_makefile_creates_exactly_that_virtualenv() -> None:
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "pack-venv"], cwd=REPO, capture_output=True, text=True
    )

    assert plan.returncode == 0, plan.stderr
    created = pack_interpreter(REPO / "policies").virtualenv
    assert created is not None
    assert f"-m venv {created.relative_to(REPO)}" in plan.stdout
    assert f"{created.relative_to(REPO)}/bin/pip install" in plan.stdout


def copy_pack(destination: Path, virtualenv: str | None = "venv") -> Path:
    shutil.copytree(REPO / "policies", destination, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    project = (destination / "PulumiPolicy.yaml").read_text()
    if virtualenv != "venv":
        project = project.replace("virtualenv: venv", f"virtualenv: {virtualenv}")
        assert f"virtualenv: {virtualenv}" in project
    (destination / "PulumiPolicy.yaml").write_text(project)
    return destination


def test_a_missing_virtualenv_names_the_command_that_creates_it(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path / "policies")

    with pytest.raises(PackInterpreterError) as raised:
        pack_interpreter(pack)

    message = str(raised.value)
    assert f"virtualenv {pack / 'venv'}" in message
    assert "does not exist" in message
    assert f"python3 -m venv {pack / 'venv'} && {pack / 'venv/bin/python'} -m pip install -r" in message
    assert "pulumi install" in message


def test_no_fallback_to_the_running_interpreter(tmp_path: Path) -> None:
    """An empty venv directory is no virtualenv either; the driver refuses rather than use sys.executable."""
    pack = copy_pack(tmp_path / "policies")
    (pack / "venv").mkdir()

    with pytest.raises(PolicyPackError, match=r"venv \(runtime\.options\.virtualenv in .*\) has no bin/python"):
        PolicyPack(pack, project="elasticache", stack="dev").start()
    assert processes_using(pack) == []


def test_an_absolute_virtualenv_is_used_as_is(tmp_path: Path) -> None:
    pack = copy_pack(tmp_path / "policies", virtualenv=str(PACK_VENV))

    assert pack_interpreter(pack).python == PACK_VENV / "bin" / "python"


def test_a_lock_file_above_the_pack_is_another_toolchain(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("")
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")

    with pytest.raises(PackInterpreterError, match="with uv; the preflight starts only pip-toolchain packs"):
        pack_interpreter(tmp_path / "pack")


def test_the_preflight_exits_2_when_the_pack_venv_is_missing(project: Path) -> None:
    (project / "policies" / "venv").unlink()  # the copy links the repository's pack venv

    run = cli(project, "dev")

    assert run.returncode == 2, run.stdout + run.stderr
    shown = run.stdout + run.stderr
    assert f"virtualenv {project / 'policies' / 'venv'}" in shown
    assert (
        "python3 -m venv policies/venv && policies/venv/bin/python -m pip install -r policies/requirements.txt" in shown
    )
    assert processes_using(project) == []


def test_the_preflight_runs_the_pack_with_its_venv(project: Path, sdk_state: None) -> None:
    result = run_preflight("dev", project_dir=project)

    assert result.exit_code == 0, result.failures
    assert result.pack is not None
    assert result.pack.name == "elasticache-guardrails"
