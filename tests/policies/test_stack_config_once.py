"""The pack reads the stack config once at start-up; pulumi-policy would re-read it on every call.

These tests drive pulumi-policy's own Analyzer servicer in-process. The first fails when the SDK stops reading
`PULUMI_CONFIG` on every call (then `guardrails.stack_config.load_once` is no longer needed); the others fail when the
workaround stops giving policies the config, or leaves the SDK something to parse per call.
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi
import pulumi.runtime
import pytest
from google.protobuf import struct_pb2
from guardrails import stack_config
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from sdk_internals import policy_servicer

KEY = "bench-runtime-config:caches"
VALUE = json.dumps({f"c{index:03d}": {"workload": "cache"} for index in range(300)})


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """What each `get_config_env()` call returned, and what the policy read through `pulumi.Config`."""
    record: dict[str, list[Any]] = {"parsed": [], "read": []}
    original = pulumi.runtime.get_config_env

    def counting() -> dict[str, Any]:
        result = original()
        record["parsed"].append(result)
        return result

    monkeypatch.setattr(pulumi.runtime, "get_config_env", counting)
    monkeypatch.setenv(stack_config.ENVIRONMENT, json.dumps({KEY: VALUE}))
    yield record
    pulumi.runtime.config.CONFIG.get().pop(KEY, None)
    contextvars.Context().run(lambda: pulumi.runtime.config.CONFIG.get().pop(KEY, None))
    stack_config._loaded.clear()


def servicer(record: dict[str, list[Any]]) -> Any:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        record["read"].append(pulumi.Config("bench-runtime-config").get("caches"))

    policy = ResourceValidationPolicy(name="reads-config", description="reads the stack config", validate=validate)
    return policy_servicer("p", "0.0.1", [policy], EnforcementLevel.ADVISORY)


def analyze(analyzer: Any) -> None:
    analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(type="t:m:R", urn="urn:1", name="r", properties=struct_pb2.Struct()), None
    )


def test_the_sdk_parses_the_stack_config_on_every_call(seen: dict[str, list[Any]]) -> None:
    analyzer = servicer(seen)
    for _ in range(3):
        analyze(analyzer)
    assert [KEY in parsed for parsed in seen["parsed"]] == [True, True, True]


@pytest.mark.parametrize("own_config", [False, True], ids=["fresh process", "config already set in this thread"])
def test_after_load_once_nothing_is_parsed_per_call_and_policies_read_the_config(
    seen: dict[str, list[Any]], own_config: bool
) -> None:
    context = contextvars.copy_context()
    if own_config:
        # As after anything that set the whole config in this thread (a Pulumi program run in-process).
        context.run(pulumi.runtime.config.CONFIG.set, {})
    context.run(stack_config.load_once)
    analyzer = servicer(seen)
    # The gRPC server calls the servicer from its worker threads: the config must be visible there too.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: analyze(analyzer), range(4)))
    context.run(analyze, analyzer)  # and in the thread that loaded it
    assert seen["parsed"] == [{}] * 5
    assert seen["read"] == [VALUE] * 5


def test_after_load_once_policies_look_up_the_stack_config_it_took(seen: dict[str, list[Any]]) -> None:
    contextvars.copy_context().run(stack_config.load_once)
    assert stack_config.ENVIRONMENT not in os.environ
    assert stack_config.lookup(f"{KEY}.c299.workload") == "cache"
    assert stack_config.lookup(f"{KEY}.c300") is stack_config.MISSING
