"""The CLI's policy config handling (pulumi/pulumi `pkg/resource/analyzer/config.go`), done once per `Configure`:
a `--policy-pack-config` document parsed, reconciled with the schemas' defaults and the pack's initial config,
and validated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from preflight.analyzer.answers import ENFORCEMENT_LEVELS, LEVEL_TO_PROTO, AnalyzerInfo
from preflight.analyzer.errors import PackConfigError
from preflight.analyzer.schema import validate_json_schema


def _parse_config(document: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """`parsePolicyPackConfig`: name -> (enforcement level or None, properties)."""
    if not isinstance(document, Mapping):
        raise PackConfigError("policy pack config must be a JSON object")
    result: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for name, value in document.items():
        if name == "environments":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise PackConfigError('"environments" must be an array of strings')
            continue  # ESC environments: resolved by the Pulumi Cloud backend, nothing to do offline
        level: str | None = None
        properties: dict[str, Any] = {}
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping):
            properties = dict(value)
            if "enforcementLevel" in properties:
                level = properties.pop("enforcementLevel")
                if not isinstance(level, str):
                    raise PackConfigError(f"parsing enforcement level for {name!r}: {level!r} is not a string")
        else:
            raise PackConfigError(f"parsing {name!r}: {value!r} is not a valid value; must be a string or object")
        if level is not None and level not in ENFORCEMENT_LEVELS:
            raise PackConfigError(f"parsing enforcement level for {name!r}: {level!r} is not a valid level")
        if level is None and not properties:
            continue
        result[name] = (level, properties)
    return result


def configure_request(reconciled: Mapping[str, tuple[str, Mapping[str, Any]]]) -> Any:
    """The `ConfigureAnalyzerRequest` for config `reconcile_config` produced."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, (level, properties) in reconciled.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = LEVEL_TO_PROTO[level]
        entry.properties.update(properties)
    return request


def reconcile_config(
    info: AnalyzerInfo, document: Mapping[str, Any], *, strict: bool = True
) -> dict[str, tuple[str, dict[str, Any]]]:
    """`ReconcilePolicyPackConfig`: name -> (enforcement level, properties) exactly as `Configure` gets it.

    Schema defaults first, then the pack's initial config, then the document; `all` sets every policy's
    level (and is passed on itself, as the CLI does); the result is validated against each policy's schema.
    """
    result: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for policy in info.policies:
        defaults = {
            key: spec["default"]
            for key, spec in ((policy.config_schema or {}).get("properties") or {}).items()
            if isinstance(spec, Mapping) and "default" in spec
        }
        result[policy.name] = (policy.enforcement_level, defaults or None)

    def apply(config: Mapping[str, tuple[str | None, dict[str, Any]]]) -> None:
        everything = config.get("all")
        if everything is not None and everything[0] is not None:
            for name, (_, properties) in list(result.items()):
                result[name] = (everything[0], properties)
        for name, (level, properties) in config.items():
            current_level, current = result.get(name, ("", None))
            merged = current
            if properties:
                merged = {**(current or {}), **properties}
            result[name] = (level or current_level, merged)

    initial = {
        name: (
            str(value.get("enforcementLevel")) if value.get("enforcementLevel") else None,
            {key: item for key, item in value.items() if key != "enforcementLevel"},
        )
        for name, value in info.initial_config.items()
    }
    apply(initial)
    parsed = _parse_config(document)
    apply(parsed)

    errors: list[tuple[str, str | None, str]] = []
    policies = {policy.name: policy for policy in info.policies}
    if strict:
        for name in parsed:
            if name != "all" and name not in policies:
                errors.append((name, None, f"{name}: no such policy in pack {info.name!r}"))
    for policy in info.policies:
        properties = result[policy.name][1] or {}
        if policy.config_schema is None:
            continue
        schema = {
            "type": "object",
            "properties": {
                **(policy.config_schema.get("properties") or {}),
                "enforcementLevel": {"type": "string", "enum": list(ENFORCEMENT_LEVELS)},
            },
            "required": list(policy.config_schema.get("required") or []),
        }
        if strict:
            schema["additionalProperties"] = False
        for problem in validate_json_schema(properties, schema):
            errors.append((policy.name, _setting_of(problem), f"{policy.name}: {problem}"))
    if errors:
        errors.sort(key=lambda error: error[2])
        raise PackConfigError(
            f"validating policy config for {info.name!r}: " + "; ".join(text for _, _, text in errors), tuple(errors)
        )

    final: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, (level, properties) in result.items():
        if level not in ENFORCEMENT_LEVELS:
            raise PackConfigError(f"invalid enforcement level {level!r} for {name!r}")
        final[name] = (level, dict(properties or {}))
    return final


def _setting_of(problem: str) -> str | None:
    """The setting a schema problem is about (`minimumRetentionDays[0]: ...` -> `minimumRetentionDays`)."""
    where = problem.split(": ", 1)[0]
    return None if where == "(root)" else re.split(r"[.\[]", where, maxsplit=1)[0]
