"""The JSON Schema subset policy config schemas use, checked as the CLI's gojsonschema check meets it."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_TYPE_CHECKS = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    ),
    "array": lambda value: isinstance(value, list | tuple),
    "object": lambda value: isinstance(value, Mapping),
    "null": lambda value: value is None,
}
_ANNOTATIONS = frozenset({"description", "default", "title", "examples", "$comment", "format"})
_SUPPORTED = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
}


def validate_json_schema(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Problems with `value` under a JSON Schema (the subset the CLI's gojsonschema check meets in practice).

    A keyword outside that subset is reported as a problem rather than skipped: an unchecked constraint
    would let a config through that the CLI refuses.
    """
    where = path or "(root)"
    unsupported = set(schema) - _SUPPORTED
    if unsupported:
        return [f"{where}: schema uses unsupported keyword(s) {sorted(unsupported)}"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_TYPE_CHECKS[name](value) for name in names):
            return [f"{where}: invalid type, expected {' or '.join(names)}, got {_json_type(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: must be one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: must be {schema['const']!r}")
    if _TYPE_CHECKS["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: must be greater than or equal to {schema['minimum']:g}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: must be less than or equal to {schema['maximum']:g}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            problems.append(f"{where}: must be greater than {schema['exclusiveMinimum']:g}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            problems.append(f"{where}: must be less than {schema['exclusiveMaximum']:g}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: must be at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: must be at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: does not match {schema['pattern']!r}")
    if isinstance(value, list | tuple):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: needs at least {schema['minItems']} item(s)")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: takes at most {schema['maxItems']} item(s)")
        if schema.get("uniqueItems"):
            seen = [json.dumps(item, sort_keys=True) for item in value]
            if len(seen) != len(set(seen)):
                problems.append(f"{where}: items must be unique")
        if isinstance(schema.get("items"), Mapping):
            for index, item in enumerate(value):
                problems.extend(
                    validate_json_schema(item, schema["items"], f"{path}[{index}]" if path else f"[{index}]")
                )
    if isinstance(value, Mapping):
        declared: Mapping[str, Any] = schema.get("properties") or {}
        for key in schema.get("required") or []:
            if key not in value:
                problems.append(f"{_child(path, key)}: is required")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in declared:
                problems.extend(validate_json_schema(item, declared[key], _child(path, key)))
            elif extra is False:
                problems.append(f"{_child(path, key)}: not a setting of this policy")
            elif isinstance(extra, Mapping):
                problems.extend(validate_json_schema(item, extra, _child(path, key)))
    return problems


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPE_CHECKS[name](value):
            return name
    return type(value).__name__
