"""A copy of the project to break things in, the CLI as a subprocess, and a look at what processes are left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

REPO = Path(__file__).resolve().parents[2]
SKIPPED = {"venv", "tests", "bench"}
"""Not needed by a stack run; hidden entries (.git, tool caches) are skipped too."""
IGNORED = shutil.ignore_patterns("venv", ".pytest_cache", "*.pyc.*")
PACK_VENV = REPO / "policies" / "venv"


def copy_project(destination: Path) -> Path:
    """Everything a stack run needs: the program and whatever it imports, the stacks, the pack, the preflight.

    Compiled bytecode is kept so that runs stay fast.
    """
    destination.mkdir(parents=True, exist_ok=True)
    for source in REPO.iterdir():
        if source.name.startswith(".") or source.name in SKIPPED:
            continue
        if source.is_dir():
            shutil.copytree(source, destination / source.name, ignore=IGNORED)
        else:
            shutil.copy2(source, destination / source.name)
    # The pack's own virtualenv (what policies/PulumiPolicy.yaml names) is linked, not copied: 86 MB.
    (destination / PACK_VENV.relative_to(REPO)).symlink_to(PACK_VENV, target_is_directory=True)
    return destination


_AS_THE_CLI_RUNS_IT = """
import json, os, runpy, sys
{prelude}
exit_now = os._exit
def exiting(code):
    sys.stderr.write("\\n" + json.dumps({report}) + "\\n")
    sys.stderr.flush()
    exit_now(code)
os._exit = exiting
runpy.run_module("preflight", run_name="__main__")
"""


def preflight_reporting(prelude: str, report: str, *arguments: str) -> Any:
    """Run `python -m preflight <arguments>` in a fresh interpreter, as the CLI would, after `prelude`; return
    `report` (a Python expression, JSON-encodable) as it stands when the preflight exits. It exits through
    `os._exit`, which skips `atexit`: the report is taken there."""
    code = _AS_THE_CLI_RUNS_IT.format(prelude=prelude, report=report)
    run = subprocess.run(
        [sys.executable, "-c", code, *arguments], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stderr.strip().splitlines()[-1])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact, unique piece of a file (fails loudly if the file no longer has it)."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: expected exactly one {old!r}"
    path.write_text(text.replace(old, new))


def cli(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m preflight ...` from a project directory, as CI runs it (stderr not a terminal)."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PULUMI_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def gone(pid: int) -> bool:
    """No such process any more (a zombie still counts as there: it was not reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def processes_using(path: Path) -> list[str]:
    """Live processes whose command line or working directory is under `path` (zombies count: not reaped)."""
    found = []
    marker = str(path)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if marker in command or cwd.startswith(marker):
            found.append(f"{entry.name}: {command.strip()}")
    return found


@pytest.fixture
def sdk_state() -> Iterator[None]:
    """In-process runs set the SDK's global mocks; leave none behind for the next test."""
    yield
    pulumi.runtime.settings.ROOT.set(None)


FAKE_PACKS = {
    "crashes": 'import sys\nprint("boom: the guardrails cannot load", file=sys.stderr)\nraise SystemExit(3)\n',
    "hangs": "import time\ntime.sleep(120)\n",
}


def pack_project(virtualenv: Path) -> str:
    """A `PulumiPolicy.yaml` whose pack runs with `virtualenv` (absolute paths are allowed, as in the CLI)."""
    return f"runtime:\n  name: python\n  options:\n    virtualenv: {virtualenv}\nversion: 0.0.1\n"


@pytest.fixture
def fake_pack(tmp_path: Path):
    """A directory holding a 'policy pack' that crashes at start-up or never prints a port."""

    def make(kind: str) -> Path:
        directory = tmp_path / f"pack-that-{kind}"
        directory.mkdir()
        (directory / "__main__.py").write_text(FAKE_PACKS[kind])
        (directory / "PulumiPolicy.yaml").write_text(pack_project(Path(sys.prefix)))
        return directory

    return make
