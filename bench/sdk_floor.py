"""What the two SDKs alone cost for a generated stack's resources: the floor under any preflight of it.

    venv/bin/python bench/sdk_floor.py [--caches 100] [--repeat 5]

Plans the generated stack `bench-<n>` once (as `bench/preflight_bench.py` makes it), then times, medians of
`--repeat` runs, three things that involve none of this project's code:

- `register`: the Pulumi SDK registering the same resources (same types, names and input values, secrets
  as plain values) under the SDK's own mock monitor, with mocks that echo the inputs back, stack traces
  recorded (as the preflight runs it). This is the cost of `pulumi.CustomResource(...)`
  itself: no component, no config validation, no cost model, no recording.
- `register-typed`: the same, through `pulumi_aws`'s and `pulumi_random`'s own classes (`aws.elasticache.
  ReplicationGroup(name, **inputs)`...) instead of bare `CustomResource`s: what the typed SDK adds (an `Output`
  per declared property, typed translation). Reported beside the floor, not part of it.
- `analyze`: pulumi-policy's Analyzer servicer handling one `Analyze` per resource, called in-process with the
  requests the preflight sends (no gRPC), with this pack's policies and the stack config set up as the pack
  sets it up (read once).
- `analyze-stack`: the same servicer handling the one `AnalyzeStack`.

`register` runs in this process and `analyze` in the pack's: on two cores they can at best overlap, and
`AnalyzeStack` can only start once every resource is registered. So no preflight of this stack on this
machine can finish faster than about max(register, analyze) + analyze-stack, before counting gRPC, imports
and the program's own work.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import inspect
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import preflight_bench  # noqa: E402 - the stack generator lives beside this script

from elasticache_facts.wire import revealed  # noqa: E402
from preflight.analyzer import (  # noqa: E402
    PolicyPack,
    analyze_request,
    analyzer_info,
    configure_request,
    reconcile_config,
)
from preflight.model import PlannedResource  # noqa: E402


def _timed_under_echo_mocks(create: Callable[[], None]) -> tuple[float, float]:
    """(wall, CPU) of a program that calls `create()` under the SDK's own mock monitor, mocks echoing the inputs."""
    from pulumi.runtime import Mocks, set_mocks, settings
    from pulumi.runtime.stack import run_pulumi_func

    from sdk_internals import sync_await

    class Echo(Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: Any) -> tuple[dict[str, Any], list[Any]]:
            return {}, []

    settings.ROOT.set(None)
    set_mocks(Echo(), project="floor", stack="floor", preview=False)

    async def program() -> None:
        create()

    return timed(lambda: sync_await(run_pulumi_func(program)))


def register(resources: list[PlannedResource]) -> tuple[float, float]:
    import pulumi

    inputs = [(r.type, r.name, revealed(r.inputs)) for r in resources if r.custom]

    def create() -> None:
        for type_token, name, properties in inputs:
            pulumi.CustomResource(type_token, name, dict(properties))

    return _timed_under_echo_mocks(create)


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")
_SDK_PACKAGES = {"aws": "pulumi_aws", "random": "pulumi_random"}


def typed_calls(resources: list[PlannedResource]) -> list[tuple[Any, str, dict[str, Any]]]:
    """(class, name, keyword arguments) registering each custom resource through its SDK's own class.

    Top-level inputs become the class's snake_case arguments; nested values stay in their wire (camelCase) form,
    which the SDK passes on unchanged. An input the class has no argument for is an error: the typed floor must
    register exactly what the plan holds.
    """
    calls = []
    for resource in resources:
        if not resource.custom:
            continue
        package, module, name = resource.type.split(":")
        root = _SDK_PACKAGES[package]
        service = module.split("/")[0]
        cls = getattr(importlib.import_module(root if service == "index" else f"{root}.{service}"), name)
        accepted = set(inspect.signature(cls._internal_init).parameters)
        arguments = {}
        for key, value in revealed(resource.inputs).items():
            if key.startswith("__"):
                continue
            argument = _SNAKE.sub("_", key).lower()
            if argument not in accepted:
                raise SystemExit(f"{resource.type} has no argument for input {key!r}: the typed floor would differ")
            arguments[argument] = value
        calls.append((cls, resource.name, arguments))
    return calls


def register_typed(resources: list[PlannedResource]) -> tuple[float, float]:
    calls = typed_calls(resources)

    def create() -> None:
        for cls, name, arguments in calls:
            cls(name, **arguments)

    return _timed_under_echo_mocks(create)


def servicer(pack_dir: Path, policy_config: dict[str, Any]) -> Any:
    """pulumi-policy's own servicer with this pack's policies, configured as the preflight configures it."""
    from google.protobuf import empty_pb2
    from pulumi_policy import EnforcementLevel

    from sdk_internals import policy_servicer

    sys.path.insert(0, str(pack_dir))
    policies = importlib.import_module("guardrails.registry").POLICIES
    analyzer = policy_servicer("floor", "0.0.1", policies, EnforcementLevel.MANDATORY)
    info = analyzer_info(analyzer.GetAnalyzerInfo(empty_pb2.Empty(), None))
    analyzer.Configure(configure_request(reconcile_config(info, policy_config)), None)
    return analyzer


def requests(resources: list[PlannedResource]) -> tuple[list[Any], Any]:
    """The `Analyze` requests and the `AnalyzeStack` request the preflight sends for these resources."""
    driver = PolicyPack(REPO / "policies", project="floor", stack="floor")  # builds requests; never started
    return [analyze_request(r) for r in resources], driver.analyze_stack_request(resources)


def timed(action: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) the action took."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--caches", type=int, default=100, help="caches in the generated stack (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each part (default 5)")
    parser.add_argument("--json", action="store_true", help="also print the medians as one JSON line, last")
    args = parser.parse_args()
    gc.disable()  # as the preflight runs

    with tempfile.TemporaryDirectory(prefix="sdk-floor-") as temp:
        project = Path(temp)
        preflight_bench.copy_project(project)
        stack = preflight_bench.generate_stack(project, args.caches)
        from preflight.program import run_program
        from preflight.stack_files import read_stack_config

        config = read_stack_config(stack, project)
        plan = run_program(config, project_dir=project)
        policy_config = json.loads((project / "policies" / "config" / f"{stack}.json").read_text())
        resources = list(plan.resources)
        analyzer = servicer(project / "policies", policy_config)
        # The stack's config as the CLI hands it to the pack, read once at start-up as the pack's entry point does.
        os.environ["PULUMI_CONFIG"] = json.dumps(dict(config.values))
        importlib.import_module("guardrails.stack_config").load_once()
        analyze_requests, stack_request = requests(resources)

        times: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for part, (wall, cpu) in (
                ("register", register(resources)),
                ("register-typed", register_typed(resources)),
                ("analyze", timed(lambda: [analyzer.Analyze(r, None) for r in analyze_requests])),
                ("analyze-stack", timed(lambda: analyzer.AnalyzeStack(stack_request, None))),
            ):
                times.setdefault(part, []).append(wall)
                times.setdefault(f"{part}-cpu", []).append(cpu)

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}; stack {stack}: {len(resources)} resources, "
        f"{args.repeat} runs each"
    )
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name in ("register", "register-typed", "analyze", "analyze-stack"):
        print(
            f"{name:<14}{medians[name]:>8.3f}s median  ({min(times[name]):.3f}-{max(times[name]):.3f}s), "
            f"CPU {medians[name + '-cpu']:.3f}s"
        )
    floor = max(medians["register"], medians["analyze"]) + medians["analyze-stack"]
    print(f"floor on two cores: max(register, analyze) + analyze-stack = {floor:.2f}s")
    if args.json:
        print(json.dumps(medians))
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown of a few hundred thousand objects


if __name__ == "__main__":
    main()
