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
    for part in ("register", "analyze", "analyze-stack"):
        assert re.search(rf"^{part}\s+\d+\.\d+s median .*, CPU \d+\.\d+s", out, re.MULTILINE), out
    assert re.search(r"floor on two cores: .* = \d+\.\d+s", out), out
