"""The pack converts each resource once per call (`guardrails.policy_sdk`); pulumi-policy converts it per policy.

These tests drive pulumi-policy's own Analyzer servicer in-process, with this pack's policies. The first two fail
when the SDK stops converting the way `policy_sdk` relies on (then the sharing is no longer needed, or no longer
reaches the conversions); the others fail when the sharing changes any answer, converts a resource more than
once per call, or leaks a conversion from one call into the next.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pulumi_policy.policy as servicer_module
import pytest
from google.protobuf import json_format, struct_pb2
from guardrails import policy_sdk
from guardrails.registry import POLICIES
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from preflight.analyzer import analyze_request, analyze_stack_request
from preflight.program import run_program
from preflight.stack_files import read_stack_config
from sdk_internals import policy_servicer

PROJECT = Path(__file__).resolve().parents[2]
RESOURCE_POLICIES = sum(isinstance(policy, ResourceValidationPolicy) for policy in POLICIES)
STACK_POLICIES = sum(isinstance(policy, StackValidationPolicy) for policy in POLICIES)


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every message `MessageToDict` converted; whatever `share_conversions` patches is restored afterwards."""
    for name in policy_sdk.CONVERSIONS:
        monkeypatch.setattr(servicer_module, name, getattr(servicer_module, name))
    for name in policy_sdk.CONVERTING_METHODS:
        monkeypatch.setattr(policy_sdk._SERVICER, name, getattr(policy_sdk._SERVICER, name))
    converted: list[Any] = []

    class Counting:
        def MessageToDict(self, message: Any, *args: Any, **kwargs: Any) -> Any:
            converted.append(message)
            return json_format.MessageToDict(message, *args, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(json_format, name)

    monkeypatch.setattr(servicer_module, "json_format", Counting())
    return converted


@pytest.fixture(scope="module")
def requests() -> tuple[list[Any], Any]:
    """The `Analyze` requests and the `AnalyzeStack` request of the prod stack's plan."""
    plan = run_program(read_stack_config("prod", PROJECT), project_dir=PROJECT)
    return [analyze_request(resource) for resource in plan.resources], analyze_stack_request(
        plan.resources, dry_run=True
    )


def servicer() -> Any:
    return policy_servicer("elasticache-guardrails", "0.0.1", POLICIES, EnforcementLevel.MANDATORY)


def answers(analyzer: Any, requests: tuple[list[Any], Any]) -> list[bytes]:
    resources, stack = requests
    responses = [analyzer.Analyze(request, None) for request in resources] + [analyzer.AnalyzeStack(stack, None)]
    return [response.SerializeToString(deterministic=True) for response in responses]


def test_the_sdk_converts_every_resource_with_these_names_once_per_policy() -> None:
    for name in policy_sdk.CONVERSIONS:
        assert hasattr(servicer_module, name), f"pulumi_policy.policy no longer has {name}"
    for method in policy_sdk.CONVERTING_METHODS:
        source = inspect.getsource(getattr(policy_sdk._SERVICER, method))
        loop = source.index("for policy in self.__policies")
        assert "unknown_checking_proxy(deserialized)" in source[loop:], method
        assert "deserialize_properties(json_format.MessageToDict(" in source[loop:], method


def test_without_sharing_a_resource_is_converted_once_per_policy(
    conversions: list[Any], requests: tuple[list[Any], Any]
) -> None:
    resources, stack = requests
    analyzer = servicer()
    analyzer.Analyze(resources[0], None)
    assert len(conversions) == RESOURCE_POLICIES > 1
    conversions.clear()
    analyzer.AnalyzeStack(stack, None)
    assert len(conversions) == STACK_POLICIES * len(stack.resources)


def test_shared_conversions_give_the_same_answers_converting_each_resource_once_per_call(
    conversions: list[Any], requests: tuple[list[Any], Any]
) -> None:
    expected = answers(servicer(), requests)
    assert policy_sdk.share_conversions()
    assert not policy_sdk.share_conversions(), "installed twice"
    conversions.clear()
    assert answers(servicer(), requests) == expected
    resources, stack = requests
    # Once per Analyze call and once per resource of AnalyzeStack: never again for the next policy.
    assert len(conversions) == len(resources) + len(stack.resources)
    assert len({id(message) for message in conversions[: len(resources)]}) == len(resources)


def test_nothing_is_remembered_from_one_call_to_the_next(conversions: list[Any]) -> None:
    policy_sdk.share_conversions()
    analyzer = servicer()
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:elasticache/replicationGroup:ReplicationGroup",
        urn="urn:pulumi:s::p::aws:elasticache/replicationGroup:ReplicationGroup::g",
        name="g",
        properties=struct_pb2.Struct(),
    )
    request.properties.update({"atRestEncryptionEnabled": False})
    before = analyzer.Analyze(request, None)
    # The same message, changed in place between calls: a conversion kept across calls would hide the change.
    request.properties.update({"atRestEncryptionEnabled": True})
    after = analyzer.Analyze(request, None)
    assert len(conversions) == 2
    assert {d.policyName for d in before.diagnostics} - {d.policyName for d in after.diagnostics} >= {
        "elasticache-encryption-at-rest"
    }
