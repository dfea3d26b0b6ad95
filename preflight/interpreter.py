"""The Python interpreter the Pulumi CLI starts a local policy pack with, read from its `PulumiPolicy.yaml`.

The CLI never installs a local pack (`pulumi preview --policy-pack <dir>`): pulumi/pulumi `pkg/engine/update.go`
loads local packs with `loadPolicyAnalyzer` and no install step; only packs enforced from Pulumi Cloud go through
`pkg/engine/policypacks.go` `ensurePoliciesAreInstalled`. The Python language host then runs the pack with
whatever its runtime options name (`sdk/python/cmd/pulumi-language-python/main.go` `RunPlugin`, `parseOptions`
with `isPlugin` false for analyzers, so no implied `venv`), through `sdk/python/toolchain`:

- `toolchain.go` `ResolveToolchain`: `toolchain: pip|uv|poetry`, or, when unset, uv if a `uv.lock` and poetry if
  a `poetry.lock` is found from the pack directory upwards, else pip;
- `pip.go` `resolveVirtualEnvironmentPath`: `virtualenv` relative to the pack directory unless absolute;
  `Command`: `<virtualenv>/bin/python` (`Scripts\\python.exe` on Windows), with `ActivateVirtualEnv`'s
  environment (`VIRTUAL_ENV`, the venv's bin first on `PATH`, no `PYTHONHOME`); no virtualenv: `CommandPath`,
  i.e. `$PULUMI_PYTHON_CMD`, else `python3`, else `python` on `PATH`.

A missing interpreter is an error naming the command that creates it; there is no fallback to another one,
because the CLI has none (it fails with "fork/exec .../venv/bin/python: no such file or directory").
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

WINDOWS = os.name == "nt"
BIN = "Scripts" if WINDOWS else "bin"
PYTHON = "python.exe" if WINDOWS else "python"


class PackInterpreterError(Exception):
    """The pack's interpreter cannot be resolved or does not exist; the message says how to create it."""


@dataclass(frozen=True)
class PackInterpreter:
    python: Path
    virtualenv: Path | None
    """None: the ambient interpreter from `PATH` (no `virtualenv` option)."""

    def environment(self, environ: Mapping[str, str]) -> dict[str, str]:
        """`environ` as `ActivateVirtualEnv` (toolchain.go) passes it to the pack."""
        if self.virtualenv is None:
            return dict(environ)
        drop = {"PYTHONHOME", "VIRTUAL_ENV"}
        env = {key: value for key, value in environ.items() if key.upper() not in drop}
        bin_dir = str(self.virtualenv / BIN)
        path_key = next((key for key in env if key.upper() == "PATH"), "PATH")
        env[path_key] = f"{bin_dir}{os.pathsep}{env[path_key]}" if env.get(path_key) else bin_dir
        env["VIRTUAL_ENV"] = str(self.virtualenv)
        return env


def runtime_options(pack_dir: Path) -> dict[str, object]:
    """`runtime.options` of the pack's `PulumiPolicy.yaml` (`runtime: python` has none)."""
    path = pack_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise PackInterpreterError(f"{path}: no such file; a policy pack needs one") from None
    except yaml.YAMLError as error:
        raise PackInterpreterError(f"{path}: not valid YAML: {error}") from None
    runtime = project.get("runtime") if isinstance(project, dict) else None
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if name != "python":
        raise PackInterpreterError(f"{path}: runtime is {name!r}; only Python policy packs can be checked here")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def _search_up(start: Path, name: str) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / name).is_file():
            return directory / name
    return None


def create_command(pack_dir: Path, virtualenv: Path) -> str:
    """The commands that create `virtualenv` with the pack's requirements, relative to the working directory."""

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    python = shown(virtualenv / BIN / PYTHON)
    return f"python3 -m venv {shown(virtualenv)} && {python} -m pip install -r {shown(pack_dir / 'requirements.txt')}"


def pack_interpreter(pack_dir: Path) -> PackInterpreter:
    """The interpreter `pulumi preview --policy-pack <pack_dir>` would run the pack with; it must exist."""
    pack_dir = Path(pack_dir).resolve()
    options = runtime_options(pack_dir)
    where = pack_dir / "PulumiPolicy.yaml"
    toolchain = options.get("toolchain")
    if toolchain is None:
        lock = _search_up(pack_dir, "uv.lock") or _search_up(pack_dir, "poetry.lock")
        if lock is not None:
            raise PackInterpreterError(
                f"{lock} makes the Pulumi CLI run the pack {pack_dir} with {lock.stem.split('.')[0]}; "
                "the preflight starts only pip-toolchain packs: set `toolchain: pip` in its PulumiPolicy.yaml"
            )
        toolchain = "pip"
    if toolchain != "pip":
        raise PackInterpreterError(
            f"{where}: toolchain {toolchain!r}; the preflight starts only packs with the pip toolchain"
        )
    virtualenv = options.get("virtualenv")
    if virtualenv is None or virtualenv == "":
        command = os.environ.get("PULUMI_PYTHON_CMD")
        candidates = [command] if command else (["python", "python3"] if WINDOWS else ["python3", "python"])
        for candidate in candidates:
            if (found := shutil.which(candidate)) is not None:
                return PackInterpreter(Path(found), None)
        raise PackInterpreterError(
            f"{where} names no virtualenv and none of {', '.join(candidates)} is on PATH: "
            "set `runtime.options.virtualenv` (for example `venv`) and create it"
        )
    if not isinstance(virtualenv, str):
        raise PackInterpreterError(f"{where}: runtime.options.virtualenv must be a string, not {virtualenv!r}")
    venv = Path(virtualenv) if Path(virtualenv).is_absolute() else pack_dir / virtualenv
    python = venv / BIN / PYTHON
    if not python.is_file():
        state = "does not exist" if not venv.exists() else f"has no {BIN}/{PYTHON}"
        raise PackInterpreterError(
            f"the policy pack's virtualenv {venv} (runtime.options.virtualenv in {where}) {state}; the Pulumi CLI "
            f"does not create it for a local pack. Create it with `{create_command(pack_dir, venv)}`, "
            "or run `pulumi install` in the pack's directory"
        )
    return PackInterpreter(python, venv)
