"""The preflight's program run leaves out the SDK's per-registration stack traces, and nothing else."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from pulumi.runtime import resource as sdk_resource

import preflight.program
from preflight.mocks import RecordingMonitor
from preflight.program import read_stack_config, run_program

pytestmark = pytest.mark.usefixtures("sdk_state")


def _requests(monkeypatch: pytest.MonkeyPatch, *, with_stack_traces: bool) -> list[dict[str, Any]]:
    captured: list[Any] = []

    class Capturing(RecordingMonitor):
        def RegisterResource(self, request: Any) -> Any:
            captured.append(request)
            return super().RegisterResource(request)

    with monkeypatch.context() as patch:
        patch.setattr(preflight.program, "RecordingMonitor", Capturing)
        if with_stack_traces:
            patch.setattr(preflight.program, "_without_stack_traces", contextlib.nullcontext)
        run_program(read_stack_config("prod"))
    requests = []
    # The root stack is registered by `set_mocks`, before the program (and the workaround) starts.
    for request in (r for r in captured if r.type != "pulumi:pulumi:Stack"):
        copy = type(request)()
        copy.CopyFrom(request)
        traced = len(copy.stackTrace.frames) > 0
        copy.ClearField("stackTrace")
        copy.ClearField("sourcePosition")
        requests.append({"traced": traced, "request": copy.SerializeToString(deterministic=True)})
    return requests


def test_registrations_differ_only_by_their_stack_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    traced = _requests(monkeypatch, with_stack_traces=True)
    untraced = _requests(monkeypatch, with_stack_traces=False)

    assert all(r["traced"] for r in traced), "the SDK no longer records stack traces: drop the workaround"
    assert not any(r["traced"] for r in untraced)
    # Registration order varies from run to run (the SDK registers concurrently): compare as multisets.
    assert sorted(r["request"] for r in traced) == sorted(r["request"] for r in untraced)
    assert len(untraced) > 50


def test_the_sdk_gets_its_stack_traces_back_after_a_run_that_fails() -> None:
    original = sdk_resource._get_stack_trace
    broken = read_stack_config("dev").with_values(caches={"sessions": {"engine": "memcached"}})

    with pytest.raises(Exception):  # noqa: B017, PT011 - any program error will do
        run_program(broken)
    assert sdk_resource._get_stack_trace is original

    run_program(read_stack_config("dev"))
    assert sdk_resource._get_stack_trace is original
