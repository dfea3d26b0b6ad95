"""The committed benchmarks still run and report what the READMEs quote (the figures themselves are not tested)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.preflight.conftest import REPO


def _run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_preflight_benchmark_reports_every_ratio_from_one_run() -> None:
    out = _run("bench/preflight_bench.py", "--repeat", "1", "--sizes", "1,2", "--floor-size", "2")

    for subject in ("import-floor", "dev", "bench-1", "bench-2", "sdk-floor"):
        assert re.search(rf"^{subject}\s+\S+\s+\S+\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+\.\d", out, re.MULTILINE), out
    assert re.search(r"CPU per extra cache .*at 2: -?\d+\.\d ms", out), out
    for figure in ("dev / import floor", "2 caches / SDK floor", "peak MiB per cache"):
        assert re.search(rf"^{figure}\s+-?\d+\.\d\d", out, re.MULTILINE), out
    assert re.search(r"^load average before [\d.]+ [\d.]+ [\d.]+, after", out, re.MULTILINE), out


def test_the_sdk_floor_reports_each_part_and_the_floor() -> None:
    out = _run("bench/sdk_floor.py", "--caches", "1", "--repeat", "1")

    assert re.search(r"stack bench-1: \d+ resources", out), out
    for part in ("register", "register-typed", "analyze", "analyze-stack"):
        assert re.search(rf"^{part}\s+\d+\.\d+s median .*, CPU \d+\.\d+s", out, re.MULTILINE), out
    assert re.search(r"floor on two cores: .* = \d+\.\d+s", out), out


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("preflight_bench", REPO / "bench" / "preflight_bench.py")
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    return bench


SPEED_PATHS = (
    "lazy-aws",
    "gc-off",
    "acyclic-unknowns",
    "relay",
    "no-teardown",
    "overlap",
    "streaming",
)


def test_the_benchmark_switches_off_these_speed_paths() -> None:
    assert tuple(_bench_module().SPEED_PATHS) == SPEED_PATHS


@pytest.mark.parametrize("name", SPEED_PATHS)
def test_with_each_speed_path_switched_off_the_preflight_still_runs_and_finds_the_same(name: str) -> None:
    # Each prelude reads what it replaces first, so a renamed function fails here, not as a silent no-op; and the
    # run it prepares must still be a whole run, or `--without` would time a failure.
    _, prelude = _bench_module().SPEED_PATHS[name]
    code = prelude + "import runpy\nrunpy.run_module('preflight', run_name='__main__')\n"
    switched_off = subprocess.run(
        [sys.executable, "-c", code, "dev", "--json"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert switched_off.returncode == 0, f"{name}: {switched_off.stdout[-2000:]}{switched_off.stderr[-2000:]}"
    as_is = subprocess.run(
        [sys.executable, "-m", "preflight", "dev", "--json"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    without, with_ = json.loads(switched_off.stdout), json.loads(as_is.stdout)
    for key in ("summary", "resources", "policyResults"):
        assert without[key] == with_[key], f"{name}: {key} differs"
