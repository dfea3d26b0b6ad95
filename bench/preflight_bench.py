"""Benchmark `python -m preflight` end to end as ratios measured in one run: against the import floor, against
the SDKs' own floor, per extra cache, and in memory per cache.

    venv/bin/python bench/preflight_bench.py [--repeat 5] [--sizes 1,50,100,300] [--floor-size 100] [--json]
        [--without PATH ...]

Works on a temporary copy of the project, with stacks `bench-<n>` of n caches generated from the prod stack
(its caches repeated in turn: a plain replication group, a sharded one, a small rate-limit group) and checked
with prod's policy config. Each round runs, in turn, every subject as a fresh process:

- `import-floor`: `python -c "import pulumi, pulumi_aws.elasticache, pulumi_aws.ec2"`, the least any run of
  this program pays before doing anything;
- `dev` and every `bench-<n>`: `python -m preflight <stack> --json`, as CI runs it; each run's exit code and
  cache count are checked, so a run that stopped early (a config error) cannot pass for a fast one;
- `sdk-floor`: `bench/sdk_floor.py` on `bench-<floor-size>`: the two SDKs alone on the same resources.

Wall time is taken from launch to exit; CPU time (user + system) and peak memory (the largest resident set of
the process and the pack it starts and reaps) from `os.wait4`. One warm-up round is not counted (it writes the
bytecode caches, even where the environment sets PYTHONDONTWRITEBYTECODE). Rounds interleave the subjects, so
background load spreads over all of them, and only ratios of figures from the same run are reported, with the
load average before and after: on a shared machine absolute times drift, ratios much less.

`--without` adds subjects: `dev` and `bench-<floor-size>` with one of the preflight's speed paths switched off
(`SPEED_PATHS`), in the same rounds, and prints each one's median wall time as a ratio of the same stack's with
everything on. A speed path is kept only where it saves at least 10% (a ratio of 1.10 or more).
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SKIPPED = {"venv", "tests"}
"""Not part of what a stack run needs; hidden entries (.git, caches) are skipped too."""
IMPORT_FLOOR = "import pulumi, pulumi_aws.elasticache, pulumi_aws.ec2"
MIB = 1024 * 1024

SPEED_PATHS = {
    "lazy-aws": (
        "pulumi_aws service packages load one module at a time",
        "import sdk_internals.lazy_aws as lazy\nassert lazy.install\nlazy.install = lambda: False\n",
    ),
    "gc-off": (
        "the cyclic garbage collector is off",
        "import gc\nassert gc.disable\ngc.disable = lambda: None\n",
    ),
    "acyclic-unknowns": (
        "the SDK's unknown check is replaced by one that leaves no cycle",
        "import sdk_internals.unknowns as u\nassert u.install\nu.install = lambda: False\n",
    ),
    "relay": (
        "Analyze calls go out from a relay process, not from the program's",
        "import threading\n"
        "import preflight.analyzer.client as c\n"
        "assert c.PolicyPack.relayed\n"
        "class InProcess:\n"
        "    def __init__(self, pack, in_flight):\n"
        "        self.pack, self.calls = pack, []\n"
        "        self.window = threading.BoundedSemaphore(in_flight)\n"
        "    def send(self, resource, provider=None):\n"
        "        self.window.acquire()\n"
        "        call = self.pack.analyze_async(resource, provider=provider)\n"
        "        call.add_done_callback(self.window.release)\n"
        "        self.calls.append(call)\n"
        "    def results(self):\n"
        "        return [call.result() for call in self.calls]\n"
        "    def close(self):\n"
        "        pass\n"
        "c.PolicyPack.relayed = lambda self, in_flight: InProcess(self, in_flight)\n",
    ),
    "no-teardown": (
        "the process exits without the interpreter's teardown",
        "import os, sys\nassert os._exit\nos._exit = sys.exit\n",
    ),
    "overlap": (
        "the pack starts while the program runs",
        "import preflight.run as r\n"
        "start = r._PackBoot.start\n"
        "def sequential(self, pack, on_ready=None):\n"
        "    start(self, pack, on_ready)\n"
        "    if self._thread.ident is not None:\n"
        "        self._thread.join()\n"
        "r._PackBoot.start = sequential\n",
    ),
    "streaming": (
        "each resource is analysed as the program registers it",
        "import preflight.run as r\n"
        "def later(self, resource):\n"
        "    self._queue.append(resource)\n"
        "def ready(self):\n"
        "    with self._lock:\n"
        "        self._analyses = self.pack.relayed(self.in_flight)\n"
        "        self._open = True\n"
        "r._AnalysisStream.submit, r._AnalysisStream.open = later, ready\n",
    ),
}
"""Speed paths `--without` can switch off: name -> (what it does, code run before the preflight to undo it)."""

TARGETS = {
    "dev / import floor": 2.5,
    "100 caches / SDK floor": 1.5,
    "CPU per extra cache at 300 / at 50": 1.15,
    "peak MiB per cache": 2.5,
}


@dataclass
class Runs:
    name: str
    command: list[str]
    caches: int = 0
    """Caches the run must plan (generated stacks); 0: not checked."""
    resources: int = 0
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    floor: list[dict[str, float]] = field(default_factory=list)

    def median(self, series: str) -> float:
        return statistics.median(getattr(self, series))

    def step(self, name: str) -> float:
        return statistics.median(t.get(name, 0.0) for t in self.timings)

    def clear(self) -> None:
        for series in (self.wall, self.cpu, self.rss, self.timings, self.floor):
            series.clear()


def copy_project(destination: Path) -> None:
    """The program with everything it imports, its stacks, the pack, the preflight and this benchmark."""
    ignore = shutil.ignore_patterns("venv", "__pycache__")
    for source in REPO.iterdir():
        if source.name.startswith(".") or source.name in SKIPPED:
            continue
        if source.is_dir():
            shutil.copytree(source, destination / source.name, ignore=ignore)
        else:
            shutil.copy2(source, destination / source.name)
    # The pack's own virtualenv (the interpreter policies/PulumiPolicy.yaml names) is linked, not copied.
    pack_venv = REPO / "policies" / "venv"
    (destination / "policies" / "venv").symlink_to(pack_venv, target_is_directory=True)


def generate_stack(project: Path, caches: int) -> str:
    """`bench-<caches>`: prod's network, encryption and tags, prod's caches repeated `caches` times."""
    stack = f"bench-{caches}"
    document = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())
    config = document["config"]
    templates = list(config["elasticache:caches"].values())
    config["elasticache:caches"] = {
        f"c{index:03d}": copy.deepcopy(templates[index % len(templates)]) for index in range(caches)
    }
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    policy_config = json.loads((project / "policies" / "config" / "prod.json").read_text())
    # prod's budget is for prod's three caches: n copies of them are meant to cost more, not to fail.
    budget = policy_config.get("elasticache-monthly-budget")
    if isinstance(budget, dict) and "monthlyBudgetUsd" in budget:
        budget["monthlyBudgetUsd"] = 1_000_000_000
    (project / "policies" / "config" / f"{stack}.json").write_text(json.dumps(policy_config, indent=2))
    return stack


def run_env() -> dict[str, str]:
    """The environment of a measured run.

    PYTHONDONTWRITEBYTECODE would make every run compile the project's modules again: the runs measured here are
    warm, as on a developer's machine, whatever the calling environment says.
    """
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}


def run_once(project: Path, runs: Runs) -> None:
    env = run_env()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(runs.command, cwd=project, env=env, stdout=out, stderr=err, text=True)
        # Reaped here, not by Popen, to keep its resource usage: ru_maxrss (KiB on Linux) is the larger of the
        # child's and its own reaped children's (the pack), the CPU times include the pack's.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        why = [stdout[-2000:], stderr[-2000:]]
        try:
            document = json.loads(stdout)
            why = [error["message"] for error in document["errors"]]
            why += [f"{v['policy']}: {v['message']}" for v in document["policyResults"].get("mandatory", [])]
        except (ValueError, KeyError, TypeError):
            pass
        raise SystemExit(
            f"{runs.name}: exit {process.returncode}, so not a benchmark of a full run:\n" + "\n".join(why)
        )
    runs.wall.append(elapsed)
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.rss.append(usage.ru_maxrss * 1024.0)
    if runs.name == "sdk-floor":
        runs.floor.append(json.loads(stdout.splitlines()[-1]))
    elif runs.name != "import-floor":
        document: dict[str, Any] = json.loads(stdout)
        if runs.caches and document["summary"]["caches"] != runs.caches:
            raise SystemExit(f"{runs.name}: planned {document['summary']['caches']} caches, not {runs.caches}")
        runs.resources = document["summary"]["resources"]
        runs.timings.append(document["timings"])


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="counted rounds (default 5)")
    parser.add_argument("--sizes", default="1,50,100,300", help="caches per generated stack (default 1,50,100,300)")
    parser.add_argument("--floor-size", type=int, default=100, help="generated stack the SDK floor runs on (100)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON document")
    parser.add_argument(
        "--without", nargs="+", default=[], choices=sorted(SPEED_PATHS), help="also time with these speed paths off"
    )
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size} | {args.floor_size})
    load_before = os.getloadavg()

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{load:.2f}' for load in load_before)}; {args.repeat} rounds",
        flush=True,
    )
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as temp:
        project = Path(temp)
        copy_project(project)
        stacks = {size: generate_stack(project, size) for size in sizes}
        floor_stack = stacks[args.floor_size]
        subjects = [
            Runs("import-floor", [python, "-c", IMPORT_FLOOR]),
            Runs("dev", [python, "-m", "preflight", "dev", "--json"]),
            *(Runs(stacks[size], [python, "-m", "preflight", stacks[size], "--json"], size) for size in sizes),
            Runs(
                "sdk-floor",
                [python, "bench/sdk_floor.py", "--caches", str(args.floor_size), "--repeat", "1", "--json"],
                args.floor_size,
            ),
        ]
        run_module = "import runpy\nrunpy.run_module('preflight', run_name='__main__')\n"
        variants = [
            Runs(f"{stack} without {path}", [python, "-c", SPEED_PATHS[path][1] + run_module, stack, "--json"], caches)
            for path in args.without
            for stack, caches in (("dev", 0), (floor_stack, args.floor_size))
        ]
        subjects += variants
        for runs in subjects:
            run_once(project, runs)  # warm-up: bytecode caches
            runs.clear()
        for _ in range(args.repeat):
            for runs in subjects:
                run_once(project, runs)
    load_after = os.getloadavg()

    by_name = {runs.name: runs for runs in subjects}
    print(
        f"{'subject':<14}{'caches':>7}{'resources':>10}{'wall':>9}{'cpu':>9}{'peak MiB':>10}   median of steps inside"
    )
    for runs in subjects:
        if runs in variants:
            continue
        steps = ""
        if runs.timings:
            steps = ", ".join(f"{name} {runs.step(name):.2f}" for name in ("imports", "program", "pack", "analysis"))
        print(
            f"{runs.name:<14}{runs.caches or '-':>7}{runs.resources or '-':>10}{runs.median('wall'):>8.3f}s"
            f"{runs.median('cpu'):>8.3f}s{runs.median('rss') / MIB:>10.1f}   {steps}"
        )
    floor_runs = by_name["sdk-floor"].floor
    floor_parts = {part: statistics.median(f[part] for f in floor_runs) for part in floor_runs[0]}
    sdk_floor = max(floor_parts["register"], floor_parts["analyze"]) + floor_parts["analyze-stack"]
    sdk_floor_cpu = sum(floor_parts[f"{part}-cpu"] for part in ("register", "analyze", "analyze-stack"))
    # Beside the floor, not instead of it: the same resources through pulumi_aws's typed classes.
    typed_floor = max(floor_parts["register-typed"], floor_parts["analyze"]) + floor_parts["analyze-stack"]
    print(
        f"SDK floor on {floor_stack}: register {floor_parts['register']:.2f}s, analyze {floor_parts['analyze']:.2f}s, "
        f"analyze-stack {floor_parts['analyze-stack']:.2f}s: max(register, analyze) + analyze-stack = {sdk_floor:.2f}s "
        f"(CPU {sdk_floor_cpu:.2f}s); through the typed classes register {floor_parts['register-typed']:.2f}s, "
        f"floor {typed_floor:.2f}s"
    )

    generated = [(size, by_name[stacks[size]]) for size in sizes]
    per_cache: dict[int, float] = {}
    for (low, low_runs), (high, high_runs) in itertools.pairwise(generated):
        per_cache[high] = (high_runs.median("cpu") - low_runs.median("cpu")) / (high - low)
    smallest, largest = generated[0], generated[-1]
    # One size (`--sizes 1 --floor-size 1`, the quick dev check) has no second size to take a difference from.
    mib_per_cache = (
        (largest[1].median("rss") - smallest[1].median("rss")) / MIB / (largest[0] - smallest[0])
        if largest[0] > smallest[0]
        else None
    )
    figures = {
        "dev / import floor": ratio(by_name["dev"].median("wall"), by_name["import-floor"].median("wall")),
        f"{args.floor_size} caches / SDK floor": ratio(by_name[floor_stack].median("wall"), sdk_floor),
        f"{args.floor_size} caches / SDK floor, CPU": ratio(by_name[floor_stack].median("cpu"), sdk_floor_cpu),
        f"{args.floor_size} caches / typed SDK floor": ratio(by_name[floor_stack].median("wall"), typed_floor),
        "dev / import floor, CPU": ratio(by_name["dev"].median("cpu"), by_name["import-floor"].median("cpu")),
    }
    if 50 in per_cache and 300 in per_cache:
        figures["CPU per extra cache at 300 / at 50"] = ratio(per_cache[300], per_cache[50])
    if per_cache:
        print(
            "CPU per extra cache (between successive sizes, at the larger): "
            + ", ".join(f"at {size}: {seconds * 1000:.1f} ms" for size, seconds in per_cache.items())
        )
    if mib_per_cache is not None:
        figures["peak MiB per cache"] = mib_per_cache
        print(f"peak memory per extra cache ({smallest[0]} -> {largest[0]} caches): {mib_per_cache:.2f} MiB")
    for name, value in figures.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else f"   target <= {target:g}: {'met' if value <= target else 'MISSED'}"
        print(f"{name:<38}{value:>7.2f}{verdict}")
    for path in args.without:
        ratios = [
            f"{stack} {ratio(by_name[f'{stack} without {path}'].median('wall'), by_name[stack].median('wall')):.2f}"
            for stack in ("dev", floor_stack)
        ]
        print(f"without {path} ({SPEED_PATHS[path][0]}), wall / wall as is: {', '.join(ratios)}")
    before, after = (" ".join(f"{x:.2f}" for x in loads) for loads in (load_before, load_after))
    print(f"load average before {before}, after {after}")
    if args.json:
        print(
            json.dumps(
                {
                    "repeat": args.repeat,
                    "loadBefore": load_before,
                    "loadAfter": load_after,
                    "subjects": [
                        {
                            "name": r.name,
                            "caches": r.caches,
                            "resources": r.resources,
                            "wall": r.wall,
                            "cpu": r.cpu,
                            "rss": r.rss,
                        }
                        for r in subjects
                    ],
                    "sdkFloor": floor_parts,
                    "cpuPerExtraCache": per_cache,
                    "ratios": figures,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
