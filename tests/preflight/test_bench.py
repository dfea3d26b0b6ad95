"""The committed benchmarks still run and report what the READMEs quote (the figures themselves are not tested)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.preflight.conftest import REPO


def _run(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_the_preflight_benchmark_reports_medians_per_stack_and_the_cost_per_cache() -> None:
    out = _run("bench/preflight_bench.py", "--repeat", "1", "--sizes", "1,2")

    for stack in ("dev", "bench-1", "bench-2"):
        assert re.search(rf"^{stack}\s+\S+\s+\d+\s+\d+\.\d+s", out, re.MULTILINE), out
    assert re.search(r"per extra cache: -?\d+\.\d ms", out), out


def test_the_sdk_floor_reports_each_part_and_the_floor() -> None:
    out = _run("bench/sdk_floor.py", "--caches", "1", "--repeat", "1")

    assert re.search(r"stack bench-1: \d+ resources", out), out
    for part in ("register", "analyze", "analyze-stack"):
        assert re.search(rf"^{part}\s+\d+\.\d+s median", out, re.MULTILINE), out
    assert re.search(r"floor on two cores: .* = \d+\.\d+s", out), out
