"""Benchmark `python -m preflight` end to end, as CI runs it: medians for dev and for generated stacks.

    venv/bin/python bench/preflight_bench.py [--repeat 7] [--sizes 1,10,50,100]

Works on a temporary copy of the project, with stacks `bench-<n>` of n caches generated from the prod stack
(its caches repeated in turn: a plain replication group, a sharded one, a small rate-limit group) and checked
with prod's policy config. Every run is a fresh `python -m preflight <stack> --json` subprocess, timed from
launch to exit; each run's exit code and cache count are checked, so a run that stopped early (a config error)
cannot pass for a fast one. One warm-up run per stack is not counted (it writes the bytecode caches, even where
the environment sets PYTHONDONTWRITEBYTECODE). Runs are interleaved across stacks so that background load
spreads evenly, and the load average is printed: on a shared machine, compare medians taken under similar load.
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
SKIPPED = {"venv", "tests", "bench"}
"""Not part of what a stack run needs; hidden entries (.git, caches) are skipped too."""


@dataclass
class Runs:
    stack: str
    caches: int
    resources: int = 0
    seconds: list[float] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def step(self, name: str) -> float:
        return statistics.median(t.get(name, 0.0) for t in self.timings)


def copy_project(destination: Path) -> None:
    """The program with everything it imports, its stacks, the pack and the preflight; not the bytecode."""
    ignore = shutil.ignore_patterns("venv", "__pycache__")
    for source in REPO.iterdir():
        if source.name.startswith(".") or source.name in SKIPPED:
            continue
        if source.is_dir():
            shutil.copytree(source, destination / source.name, ignore=ignore)
        else:
            shutil.copy2(source, destination / source.name)


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


def run_once(project: Path, runs: Runs) -> None:
    # PYTHONDONTWRITEBYTECODE would make every run compile the project's modules again: the runs measured
    # here are warm, as on a developer's machine, whatever the calling environment says.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "preflight", runs.stack, "--json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        try:
            document = json.loads(result.stdout)
            why = [error["message"] for error in document["errors"]]
            why += [f"{v['policy']}: {v['message']}" for v in document["policyResults"].get("mandatory", [])]
        except (ValueError, KeyError):
            why = [result.stdout[-2000:], result.stderr[-2000:]]
        raise SystemExit(
            f"{runs.stack}: exit {result.returncode}, so not a benchmark of a full run:\n" + "\n".join(why)
        )
    document: dict[str, Any] = json.loads(result.stdout)
    if runs.caches and document["summary"]["caches"] != runs.caches:
        raise SystemExit(f"{runs.stack}: planned {document['summary']['caches']} caches, not {runs.caches}")
    runs.resources = document["summary"]["resources"]
    runs.seconds.append(elapsed)
    runs.timings.append(document["timings"])


def slope(points: Sequence[tuple[int, float]]) -> float:
    """Least-squares seconds per cache."""
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="counted runs per stack (default 7)")
    parser.add_argument("--sizes", default="1,10,50,100", help="caches per generated stack (default 1,10,50,100)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON document")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}; {args.repeat} runs per stack",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as temp:
        project = Path(temp)
        copy_project(project)
        all_runs = [Runs("dev", 0)] + [Runs(generate_stack(project, size), size) for size in sizes]
        for runs in all_runs:
            run_once(project, runs)  # warm-up: bytecode caches
            runs.seconds.clear()
            runs.timings.clear()
        for _ in range(args.repeat):
            for runs in all_runs:
                run_once(project, runs)

    print(f"{'stack':<12}{'caches':>7}{'resources':>10}{'median':>9}{'min':>8}{'max':>8}   median of steps inside")
    for runs in all_runs:
        steps = ", ".join(f"{name} {runs.step(name):.2f}" for name in ("imports", "program", "pack", "analysis"))
        print(
            f"{runs.stack:<12}{runs.caches or '-':>7}{runs.resources:>10}{runs.median:>8.3f}s"
            f"{min(runs.seconds):>7.3f}s{max(runs.seconds):>7.3f}s   {steps}"
        )
    generated = [(runs.caches, runs.median) for runs in all_runs if runs.caches]
    if len(generated) >= 2:
        per_cache = slope(generated)
        steps = [f"{a}->{b}: {(tb - ta) / (b - a) * 1000:.1f} ms" for (a, ta), (b, tb) in itertools.pairwise(generated)]
        print(f"per extra cache: {per_cache * 1000:.1f} ms (least squares); between sizes: {', '.join(steps)}")
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if args.json:
        print(
            json.dumps(
                {
                    "repeat": args.repeat,
                    "stacks": [
                        {"stack": r.stack, "caches": r.caches, "resources": r.resources, "seconds": r.seconds}
                        for r in all_runs
                    ],
                    "perCacheSeconds": slope(generated) if len(generated) >= 2 else None,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
