"""Where a preflight run's interpreter time goes: by step, and by whose code was running.

    venv/bin/python bench/where_time_goes.py [--caches 100] [--rate 100]

Runs `python -m preflight bench-<n> --json` (the generated stack `bench/preflight_bench.py` makes) once to
write the bytecode caches, then once under py-spy (`py-spy record --gil`, requirements-dev.txt), which samples
the preflight's process `--rate` times a second whenever one of its threads holds the interpreter lock (it
reads the stacks from outside the process and leaves the program as it is). Each sample is counted against:

- the step it belongs to, from the preflight's own frames on its stack (`STEPS`); the SDK's RPC threads, which
  carry out the program's registrations, count as the program;
- the code it was running: the innermost frame outside Python's standard library, so the event loop's and
  `typing`'s work counts against the SDK that asked for it (`owner`).

What is not sampled is time the process spent without the lock: waiting for the pack, and the start-up before
the interpreter runs. The pack and relay processes are measured by `bench/sdk_floor.py` (`analyze`).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import preflight_bench  # noqa: E402 - the stack generator lives beside this script

STEPS = (
    ("_finish_analysis", "analysis"),
    ("render_json", "report"),
    ("_run_program", "program"),
    ("concurrent/futures/thread.py", "program"),
    ("_PackBoot", "pack start-up"),
)
"""(what a frame names, step): the first entry found anywhere on a sample's stack decides its step."""
OTHER_STEP = "imports and the rest"

SDK = "Pulumi SDK"
"""pulumi, pulumi_aws and pulumi_random."""
OWNERS = {
    "pulumi": SDK,
    "pulumi_aws": SDK,
    "pulumi_random": SDK,
    "google": "protobuf",
    "grpc": "gRPC",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "yaml": "PyYAML",
}
"""Installed packages by top-level name; any other installed package counts under its own name."""
STANDARD_LIBRARY = "Python's standard library (nothing else on the stack)"
_STDLIB = Path(sysconfig.get_paths()["stdlib"])
_STDLIB_ROOTS = (_STDLIB, _STDLIB.resolve())
"""Code objects keep the path they were loaded from, links and all."""

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*)\)$")


@dataclass(frozen=True)
class Attribution:
    seconds: dict[tuple[str, str], float]
    """(step, owner) -> seconds holding the interpreter lock."""
    samples: int

    def by_step(self) -> dict[str, float]:
        return _totals(self.seconds, 0)

    def by_owner(self) -> dict[str, float]:
        return _totals(self.seconds, 1)


def _totals(seconds: Mapping[tuple[str, str], float], index: int) -> dict[str, float]:
    totals: collections.Counter[str] = collections.Counter()
    for key, value in seconds.items():
        totals[key[index]] += value
    return dict(totals.most_common())


def owner(files: Iterable[str], project: Path) -> str:
    """Whose code a sample was running: the innermost of its frames' files outside the standard library.

    A library that is neither the SDK nor this project (protobuf, gRPC, pydantic) is named with the one of
    those two that called it: protobuf's `Struct` work is the SDK's serialisation or the preflight's requests.
    """
    innermost = STANDARD_LIBRARY
    caller: str | None = None
    for file in files:
        if file.startswith("<"):  # <frozen importlib._bootstrap>, <string>: the interpreter's own
            continue
        path = Path(file)
        if "site-packages" in path.parts:
            package = path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
            innermost = OWNERS.get(package, package)
            if innermost == SDK:
                caller = SDK
        elif path.is_relative_to(project):
            innermost = f"this project: {path.relative_to(project).parts[0].removesuffix('.py')}"
            caller = innermost
        elif not any(path.is_relative_to(root) for root in _STDLIB_ROOTS):
            innermost = f"other: {path}"
    if innermost.startswith("this project") or innermost in (SDK, STANDARD_LIBRARY) or caller is None:
        return innermost
    return f"{innermost}, called by {caller.removeprefix('this project: ')}"


def step(functions: Iterable[str]) -> str:
    stack = list(functions)
    for name, found in STEPS:
        if any(name in frame for frame in stack):
            return found
    return OTHER_STEP


def attribute(raw: str, rate: float, project: Path) -> Attribution:
    """py-spy's raw output (one `frame;frame;... count` line per distinct stack, outermost first)."""
    seconds: collections.Counter[tuple[str, str]] = collections.Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        parsed = [_FRAME.match(frame) for frame in frames]
        files = [match.group("file") for match in parsed if match]
        seconds[(step(frames), owner(files, project))] += int(count) / rate
        samples += int(count)
    return Attribution(dict(seconds), samples)


_PREFLIGHT_TO_FILE = (
    "import os, runpy, sys\n"
    "os.dup2(os.open(sys.argv.pop(1), os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)\n"
    "runpy.run_module('preflight', run_name='__main__')\n"
)
"""`python -m preflight` with its stdout on a file: py-spy's own messages go to the stdout it shares."""


def record(project: Path, stack: str, rate: int, output: Path) -> float:
    """Run the preflight for `stack` under py-spy; its wall time."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is not installed: venv/bin/pip install -r requirements-dev.txt")
    document_path = output.with_suffix(".json")
    command = [spy, "record", "--gil", "--full-filenames", "--nolineno", "--rate", str(rate), "--format", "raw"]
    command += ["--output", str(output), "--", sys.executable, "-c", _PREFLIGHT_TO_FILE, str(document_path)]
    command += [stack, "--json"]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=project, env=preflight_bench.run_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or not output.exists():
        raise SystemExit(f"py-spy failed (exit {result.returncode}):\n{result.stderr[-3000:]}{result.stdout[-3000:]}")
    try:
        exit_code = json.loads(document_path.read_text())["exitCode"]
    except (OSError, ValueError, KeyError) as error:
        raise SystemExit(f"{stack}: the preflight wrote no report ({error}):\n{result.stderr[-3000:]}") from None
    if exit_code != 0:
        raise SystemExit(f"{stack}: the preflight exited {exit_code}, so not a full run")
    return elapsed


def _rows(seconds: Mapping[str, float]) -> list[str]:
    """One line each, largest first, with its share of their sum."""
    total = sum(seconds.values())
    ranked = sorted(seconds.items(), key=lambda item: -item[1])
    return [f"  {name:<60}{value:>7.2f} s {value / total:>6.1%}" for name, value in ranked]


def report(attribution: Attribution, wall: float) -> str:
    busy = sum(attribution.seconds.values())
    program = {who: value for (where, who), value in attribution.seconds.items() if where == "program"}
    return "\n".join(
        [
            f"wall {wall:.2f} s under py-spy; {busy:.2f} s holding the interpreter lock "
            f"({attribution.samples} samples)",
            "",
            "by step:",
            *_rows(attribution.by_step()),
            "",
            "by whose code was running:",
            *_rows(attribution.by_owner()),
            "",
            "the program step, by whose code was running:",
            *_rows(program),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--caches", type=int, default=100, help="caches in the generated stack (default 100)")
    parser.add_argument("--rate", type=int, default=100, help="samples a second (default 100)")
    parser.add_argument("--json", action="store_true", help="also print the seconds per (step, owner) as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="where-time-goes-") as temp:
        project = Path(temp)
        preflight_bench.copy_project(project)
        stack = preflight_bench.generate_stack(project, args.caches)
        # Unsampled: writes the bytecode caches (the copy has none) and checks the run is a whole one.
        warm_up = [sys.executable, "-m", "preflight", stack, "--json"]
        preflight_bench.run_once(project, preflight_bench.Runs(stack, warm_up, args.caches))
        output = project / "samples.txt"
        wall = record(project, stack, args.rate, output)
        attribution = attribute(output.read_text(), args.rate, project.resolve())
    print(f"python -m preflight {stack} --json, sampled by py-spy at {args.rate} Hz")
    print(report(attribution, wall))
    if args.json:
        print(json.dumps([[where, who, value] for (where, who), value in attribution.seconds.items()]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
