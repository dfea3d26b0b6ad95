"""Every private SDK name `sdk_internals` uses still exists and still does what the project relies on.

A failure here after an SDK upgrade names the internal that changed: adapt `sdk_internals.py`, nothing else.
"""

from __future__ import annotations

import asyncio

from google.protobuf import empty_pb2
from pulumi_policy import EnforcementLevel

import sdk_internals
from elasticache_facts import tokens
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
