"""What the engine sends an analyzer: resources marshalled as `MarshalProperties` does with `KeepUnknowns`,
`KeepSecrets` and `SkipInternalKeys` (secrets keep their wire form, output values become their value or an
unknown, resource references their id or URN, top-level `__` keys are dropped), in the requests the engine builds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from elasticache_facts.wire import (
    ARCHIVE_SIG,
    ASSET_SIG,
    OUTPUT_VALUE_SIG,
    RESOURCE_REFERENCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
)
from preflight.model import PROVIDER_TYPE_PREFIX, ROOT_STACK_TYPE, PlannedResource, ResourceOptions, provider_urn


def engine_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """SDK wire-form properties as the engine marshals them to an analyzer (see the module docstring)."""
    return {key: _engine_value(value) for key, value in properties.items() if not str(key).startswith("__")}


def _engine_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        signature = value.get(SIG_KEY)
        if signature is None:
            return {key: _engine_value(item) for key, item in value.items()}
        if signature == SECRET_SIG:
            inner = _engine_value(value.get("value"))
            if isinstance(inner, Mapping) and inner.get(SIG_KEY) == SECRET_SIG:
                return inner
            return {SIG_KEY: SECRET_SIG, "value": inner}
        if signature == OUTPUT_VALUE_SIG:
            inner = _engine_value(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if signature == RESOURCE_REFERENCE_SIG:
            if "id" in value:
                ident = _engine_value(value["id"])
                return ident if isinstance(ident, str) and ident else UNKNOWN
            return value.get("urn", "")
        if signature in (ASSET_SIG, ARCHIVE_SIG):
            return {key: _engine_value(item) for key, item in value.items()}
        raise ValueError(f"unrecognized signature {signature!r} in property value")
    if isinstance(value, list | tuple):
        return [_engine_value(item) for item in value]
    return value


def analyze_request(resource: PlannedResource, *, provider: PlannedResource | None = None) -> Any:
    """The `AnalyzeRequest` the engine sends for one resource: its inputs, before it is created or updated."""
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        urn=resource.urn,
        name=resource.name,
        properties=_struct(engine_properties(resource.inputs)),
        options=_options(resource),
    )
    if provider is not None:
        request.provider.CopyFrom(_provider(provider))
    return request


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(properties)
    return struct


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms|us|ns)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _seconds(duration: str) -> float:
    """A Go duration (`10m`, `1h30m`) in seconds, as the engine converts custom timeouts."""
    text = duration.strip()
    if not text:
        return 0.0
    parts = _DURATION.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(number) * _SECONDS[unit] for number, unit in parts)


def _options(resource: PlannedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    options: ResourceOptions = resource.options
    timeouts = options.custom_timeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=options.protect,
        ignoreChanges=list(options.ignore_changes),
        deleteBeforeReplace=options.delete_before_replace,
        # The model records a plain bool; only an explicit True is known to have been set.
        deleteBeforeReplaceDefined=options.delete_before_replace,
        additionalSecretOutputs=list(options.additional_secret_outputs),
        aliases=list(options.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=_seconds(timeouts.get("create", "")),
            update=_seconds(timeouts.get("update", "")),
            delete=_seconds(timeouts.get("delete", "")),
        ),
        parent=resource.parent or "",
    )


def _provider(provider: PlannedResource) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=_struct(engine_properties(provider.inputs)),
    )


def analyze_stack_request(resources: Sequence[PlannedResource], *, dry_run: bool) -> Any:
    """The `AnalyzeStackRequest` the engine sends for these resources.

    In a preview (`dry_run`) each resource's planned state: its inputs, with every output-only property
    unknown; after an update the state after apply: its outputs plus the `id` the provider assigned.
    """
    by_urn = {resource.urn: resource for resource in resources}
    request = analyzer_pb2.AnalyzeStackRequest()
    for resource in resources:
        entry = request.resources.add(
            type=resource.type,
            urn=resource.urn,
            name=resource.name,
            properties=_struct(engine_properties(_stack_state(resource, dry_run))),
            options=_options(resource),
            parent=resource.parent or "",
            dependencies=list(resource.dependencies),
        )
        for key, urns in resource.property_dependencies.items():
            if urns:
                entry.propertyDependencies[key].urns.extend(urns)
        provider = by_urn.get(provider_urn(resource.provider))
        if provider is not None:
            entry.provider.CopyFrom(_provider(provider))
    return request


def _stack_state(resource: PlannedResource, dry_run: bool) -> dict[str, Any]:
    if resource.type == ROOT_STACK_TYPE and not resource.parent:
        # The root stack's state holds the stack's outputs, in a preview as after an update: `AnalyzeResources`
        # sends each state's `Outputs`, and the stack's are finalized before it runs (`Plan.root`).
        return dict(resource.outputs)
    if resource.type.startswith(PROVIDER_TYPE_PREFIX):
        # A provider's state holds its inputs, less `__internal`, and no `id` among them, in a preview as after
        # an update (pulumi/pulumi pkg/resource/deploy/providers/registry.go `Registry.Create`: `Properties:
        # FilterProviderConfig(req.Properties)`, the id apart).
        return dict(resource.inputs)
    if not dry_run:
        state = dict(resource.outputs)
        if resource.id is not None and "id" not in state:
            state["id"] = resource.id
        return state
    state = dict(resource.inputs)
    for key in resource.outputs:
        if key not in state and not key.startswith("__"):
            state[key] = UNKNOWN
    if resource.custom and "id" not in state:
        state["id"] = UNKNOWN
    return state
