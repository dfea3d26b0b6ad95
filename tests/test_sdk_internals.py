"""Every private SDK name `sdk_internals` uses still exists and still does what the project relies on.

A failure here after an SDK upgrade names the internal that changed: adapt `sdk_internals.py`, nothing else.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import empty_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.output import UNKNOWN
from pulumi.runtime import rpc
from pulumi_policy import EnforcementLevel

import sdk_internals
from elasticache_facts import tokens
from sdk_internals import unknowns
from tests.policies.conftest import PACK_DIR


def test_sync_await_runs_a_coroutine_to_its_result() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert sdk_internals.sync_await(answer()) == 42


def test_the_sdk_states_every_wire_signature() -> None:
    signatures = sdk_internals.wire_signatures()
    assert set(signatures) == {
        "SIG_KEY",
        "SECRET_SIG",
        "OUTPUT_VALUE_SIG",
        "RESOURCE_REFERENCE_SIG",
        "ASSET_SIG",
        "ARCHIVE_SIG",
        "UNKNOWN",
    }
    assert all(isinstance(value, str) and len(value) >= 32 for value in signatures.values())


def test_not_applicable_is_what_a_policy_raises() -> None:
    from guardrails.nodes import node_type

    from tests.policies.harness import check

    error = sdk_internals.not_applicable_error()
    assert issubclass(error, Exception)
    assert check(node_type, tokens.SERVERLESS_CACHE, {}).not_applicable == "serverless caches have no node type"


def test_the_servicer_serves_the_policies_it_is_given() -> None:
    from guardrails.registry import POLICIES

    assert PACK_DIR.is_dir()
    servicer = sdk_internals.policy_servicer("unit", "0.0.1", POLICIES, EnforcementLevel.MANDATORY)
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    assert info.name == "unit"
    assert sorted(policy.name for policy in info.policies) == sorted(policy.name for policy in POLICIES)


def _leftover_cycles(check: Callable[[Any], bool], value: Any, calls: int = 200) -> int:
    """Objects the cyclic collector frees after `calls` checks of `value`, made with the collector off."""
    gc.collect()
    gc.disable()
    try:
        for _ in range(calls):
            check(value)
        return gc.collect()
    finally:
        gc.enable()


def test_the_sdks_unknown_check_leaves_a_cycle_per_call_and_ours_none() -> None:
    value = {"a": [1, {"b": "x"}], "c": "y"}
    assert _leftover_cycles(unknowns.SDK_CONTAINS_UNKNOWNS, value) >= 200, (
        "the SDK's contains_unknowns no longer leaves a cycle: sdk_internals.unknowns can go"
    )
    assert _leftover_cycles(unknowns.contains_unknowns, value) == 0


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4), st.just(UNKNOWN)),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=3), children, max_size=4)
            | st.tuples(children)
        ),
        max_leaves=20,
    )
)
def test_our_unknown_check_answers_as_the_sdks(value: Any) -> None:
    assert unknowns.contains_unknowns(value) is unknowns.SDK_CONTAINS_UNKNOWNS(value)


def test_our_unknown_check_answers_as_the_sdks_on_a_value_that_holds_itself() -> None:
    looping: dict[str, Any] = {"inner": []}
    looping["inner"].append(looping)
    assert unknowns.contains_unknowns(looping) is unknowns.SDK_CONTAINS_UNKNOWNS(looping) is False
    looping["inner"].append(UNKNOWN)
    assert unknowns.contains_unknowns(looping) is unknowns.SDK_CONTAINS_UNKNOWNS(looping) is True


def test_the_sdk_looks_the_check_up_where_install_puts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import pulumi.output

    monkeypatch.setattr(rpc, "contains_unknowns", rpc.contains_unknowns)
    assert unknowns.install() or rpc.contains_unknowns is unknowns.contains_unknowns
    assert rpc.contains_unknowns is unknowns.contains_unknowns
    asked: list[Any] = []
    monkeypatch.setattr(rpc, "contains_unknowns", lambda value: asked.append(value) or False)
    assert pulumi.output.contains_unknowns({"k": 1}) is False
    assert asked == [{"k": 1}]


def test_unknowns_are_found_at_any_depth() -> None:
    assert unknowns.contains_unknowns({"a": [1, {"b": UNKNOWN}]}) is True
    assert unknowns.contains_unknowns({"a": [1, {"b": "x"}]}) is False
