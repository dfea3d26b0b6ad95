"""Run the pack's real policy objects the way the policy SDK runs them, without the gRPC server.

Properties go through what the engine and the SDK do to them on the way to a policy: the engine's marshalling
(`preflight.analyzer.engine_properties`), a protobuf `Struct`, the SDK's `deserialize_properties` and its
unknown-checking proxy. Config goes through a `Struct` too (numbers come out as floats, as from `Configure`).
The outcome is classified exactly as the SDK's servicer does: an `UnknownValueError` becomes an advisory
line, `args.not_applicable(...)` a not-applicable entry, `report_violation` calls violations.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import guardrails.registry  # noqa: F401 - guards every policy in place, as the pack serves them
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE as UNKNOWN_ARRAY,
)
from pulumi_policy.proxy import (
    UNKNOWN_BOOLEAN_VALUE as UNKNOWN_BOOL,
)
from pulumi_policy.proxy import (
    UNKNOWN_NUMBER_VALUE as UNKNOWN_NUMBER,
)
from pulumi_policy.proxy import (
    UNKNOWN_OBJECT_VALUE as UNKNOWN_OBJECT,
)
from pulumi_policy.proxy import (
    UnknownValueError,
    unknown_checking_proxy,
)

from elasticache_facts.wire import UNKNOWN, secret
from preflight.analyzer import engine_properties
from sdk_internals import not_applicable_error

__all__ = ["UNKNOWN", "UNKNOWN_ARRAY", "UNKNOWN_BOOL", "UNKNOWN_NUMBER", "UNKNOWN_OBJECT", "secret"]

NotApplicableError = not_applicable_error()


def _through_the_wire(properties: Mapping[str, Any]) -> Any:
    return _wired(json.dumps(properties, sort_keys=True))


@functools.lru_cache(maxsize=4096)
def _wired(document: str) -> Any:
    # Cached by content: the same properties meet many policies, and policies only read them.
    struct = struct_pb2.Struct()
    struct.update(engine_properties(json.loads(document)))
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(struct)))


def _config(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if config is None:
        return None
    struct = struct_pb2.Struct()
    struct.update(config)
    return json_format.MessageToDict(struct)


def _options(parent: str | None = None, *, protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


@dataclass
class Outcome:
    violations: list[str] = field(default_factory=list)
    """Violation messages (without the policy description the SDK prepends)."""
    urns: list[str | None] = field(default_factory=list)
    not_applicable: str | None = None
    advisory: str | None = None
    """The "not known until apply" line, reported by the SDK as an advisory diagnostic."""

    @property
    def passed(self) -> bool:
        return not self.violations and self.not_applicable is None and self.advisory is None

    def text(self) -> str:
        return " | ".join(self.violations)


@contextlib.contextmanager
def _stack_config(config: Mapping[str, str] | None) -> Iterator[None]:
    """`PULUMI_CONFIG` as the CLI's language host sets it for the pack process (None: the stack has no config)."""
    before = os.environ.pop("PULUMI_CONFIG", None)
    if config is not None:
        os.environ["PULUMI_CONFIG"] = json.dumps(dict(config))
    try:
        yield
    finally:
        os.environ.pop("PULUMI_CONFIG", None)
        if before is not None:
            os.environ["PULUMI_CONFIG"] = before


def _run(
    policy: ResourceValidationPolicy | StackValidationPolicy, args: Any, stack_config: Mapping[str, str] | None = None
) -> Outcome:
    outcome = Outcome()

    def report(message: str, urn: str | None = None) -> None:
        outcome.violations.append(message)
        outcome.urns.append(urn)

    try:
        with _stack_config(stack_config):
            result = policy.validate(args, report)
        assert result is None, "these policies are synchronous"
    except UnknownValueError as error:
        outcome.advisory = error.message
    except NotApplicableError as error:
        outcome.not_applicable = error.reason or ""
    return outcome


def check(
    policy: ResourceValidationPolicy,
    resource_type: str,
    properties: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    provider: Mapping[str, Any] | None = None,
    name: str = "subject",
    protect: bool = False,
    stack_config: Mapping[str, str] | None = None,
) -> Outcome:
    """Run one resource policy on one resource's inputs (`stack_config`: the stack's, as `PULUMI_CONFIG`)."""
    urn = f"urn:pulumi:test::project::{resource_type}::{name}"
    provider_resource = (
        PolicyProviderResource(
            "pulumi:providers:aws",
            _through_the_wire(provider),
            "urn:pulumi:test::project::pulumi:providers:aws::p",
            "p",
        )
        if provider is not None
        else None
    )
    args = ResourceValidationArgs(
        resource_type,
        _through_the_wire(properties),
        urn,
        name,
        _options(protect=protect),
        provider_resource,
        _config(config),
    )
    return _run(policy, args, stack_config)


@dataclass(frozen=True)
class Item:
    """One resource of a stack for a stack policy: properties plus the names its properties depend on."""

    type: str
    name: str
    properties: Mapping[str, Any]
    depends: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Property key -> names of the resources (in the same stack) that property was computed from."""

    @property
    def urn(self) -> str:
        return urn_of(self.type, self.name)


def urn_of(resource_type: str, name: str) -> str:
    return f"urn:pulumi:test::project::{resource_type}::{name}"


def check_stack(
    policy: StackValidationPolicy,
    items: Sequence[Item],
    *,
    config: Mapping[str, Any] | None = None,
    stack_config: Mapping[str, str] | None = None,
) -> Outcome:
    """Run one stack policy over resources, linked (parents, property dependencies) as the SDK links them."""
    urns = {item.name: item.urn for item in items}
    resources = {
        item.urn: PolicyResource(
            item.type, _through_the_wire(item.properties), item.urn, item.name, _options(), None, None, [], {}
        )
        for item in items
    }
    for item in items:
        resource = resources[item.urn]
        for key, names in item.depends.items():
            deps = [resources[urns[name]] for name in names if name in urns]
            resource.property_dependencies[key] = deps
            resource.dependencies.extend(dep for dep in deps if dep not in resource.dependencies)
    args = StackValidationArgs(list(resources.values()), _config(config))
    return _run(policy, args, stack_config)


DROP = object()
"""An override that removes the key."""


def with_(base: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    """A copy of `base` with keys replaced (`DROP` removes one)."""
    result = dict(base)
    for key, value in overrides.items():
        if value is DROP:
            result.pop(key, None)
        else:
            result[key] = value
    return result


__all__ = [
    "DROP",
    "UNKNOWN",
    "UNKNOWN_ARRAY",
    "UNKNOWN_BOOL",
    "UNKNOWN_NUMBER",
    "UNKNOWN_OBJECT",
    "Item",
    "Outcome",
    "check",
    "check_stack",
    "secret",
    "urn_of",
    "with_",
]
