"""The committed benchmarks still run and report what the READMEs quote (the figures themselves are not tested)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
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


def test_one_size_reports_the_ratios_it_can_and_no_per_cache_figure() -> None:
    # The quick dev check the README quotes runs a single generated size: there is no second size to divide by.
    out = _run("bench/preflight_bench.py", "--repeat", "1", "--sizes", "1", "--floor-size", "1")

    assert re.search(r"^dev / import floor\s+\d+\.\d\d", out, re.MULTILINE), out
    assert re.search(r"^1 caches / SDK floor\s+\d+\.\d\d", out, re.MULTILINE), out
    assert "per cache" not in out, out


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


def _where_time_goes() -> Any:
    spec = importlib.util.spec_from_file_location("where_time_goes", REPO / "bench" / "where_time_goes.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_samples_count_against_their_step_and_the_code_that_was_running(tmp_path: Path) -> None:
    where = _where_time_goes()
    std = sysconfig.get_paths()["stdlib"]
    site = "/opt/venv/lib/python3.11/site-packages"
    project = tmp_path.resolve()
    program = f"run_preflight ({project}/preflight/run.py);_run_program ({project}/preflight/run.py)"
    worker = f"Thread._bootstrap ({std}/threading.py);_worker ({std}/concurrent/futures/thread.py)"
    raw = "\n".join(
        [
            f'process 7:"python -m preflight";{program};__init__ ({site}/pulumi/resource.py);'
            f"get_origin ({std}/typing.py) 6",
            f"{worker};RegisterResource ({project}/preflight/mocks.py);"
            f"update ({site}/google/protobuf/internal/well_known_types.py) 3",
            f"{worker};do_rpc_call ({site}/pulumi/runtime/resource.py);"
            f"update ({site}/google/protobuf/internal/well_known_types.py) 2",
            f"_finish_analysis ({project}/preflight/run.py);result ({site}/grpc/_channel.py) 1",
            f"render_json ({project}/preflight/report.py);encode ({std}/json/encoder.py) 4",
            f"Thread._bootstrap ({std}/threading.py);wait (<frozen importlib._bootstrap>) 5",
        ]
    )

    attribution = where.attribute(raw, 10, project)

    assert attribution.samples == 21
    assert attribution.seconds == pytest.approx(
        {
            ("program", where.SDK): 0.6,
            ("program", "protobuf, called by preflight"): 0.3,
            ("program", f"protobuf, called by {where.SDK}"): 0.2,
            ("analysis", "gRPC, called by preflight"): 0.1,
            ("report", "this project: preflight"): 0.4,
            (where.OTHER_STEP, where.STANDARD_LIBRARY): 0.5,
        }
    )


def test_where_time_goes_samples_a_whole_preflight_run() -> None:
    out = _run("bench/where_time_goes.py", "--caches", "1", "--rate", "250", "--json")

    assert re.search(r"^wall \d+\.\d+ s under py-spy; \d+\.\d+ s holding the interpreter lock", out, re.MULTILINE)
    seconds: dict[tuple[str, str], float] = {}
    for where, who, value in json.loads(out.splitlines()[-1]):
        seconds[(where, who)] = value
    assert seconds[("program", "Pulumi SDK")] > 0, seconds
    assert any(who.startswith("this project: ") for _, who in seconds), seconds
