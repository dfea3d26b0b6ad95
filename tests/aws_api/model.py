r"""AWS's own API model (botocore's service definitions) as the judge of a request's parameters.

botocore's `ParamValidator` checks what the SDK checks before it sends: required members, types, unknown
members, minimum lengths and values. The service model also states what only the service checks, where a bad
value would fail ten minutes into `pulumi up`: closed sets (`enum`), patterns and maximums. Both are checked
here, the second from the same shapes' metadata. A pattern must match the whole value: the models write most
patterns unanchored and mean the value's allowed characters (a log group name's is `[\.\-_/#A-Za-z0-9]+`, the
characters CreateLogGroup's reference allows), which a search for any match would not hold.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator


@functools.cache
def _service(service: str) -> ServiceModel:
    """Each service's model loaded once (a botocore session reads and parses it from disk each time asked)."""
    return botocore.session.get_session().get_service_model(service)


def operation(service: str, name: str) -> OperationModel:
    return _service(service).operation_model(name)


def coerced(value: Any, shape: Shape) -> Any:
    """Numbers as the provider sends them: the SDK serialises every number as a float, the provider's schema
    makes an integer of what the API types as an integer."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        return {key: coerced(item, shape.members[key]) if key in shape.members else item for key, item in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [coerced(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        return {key: coerced(item, shape.value) for key, item in value.items()}
    if shape.type_name in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def problems(service: str, name: str, params: Mapping[str, Any]) -> list[str]:
    """Everything the model says is wrong with `params` for `service`'s operation `name`; empty when sound."""
    model = operation(service, name)
    params = coerced(dict(params), model.input_shape)
    report = ParamValidator().validate(params, model.input_shape)
    found = [line.strip() for line in report.generate_report().splitlines()] if report.has_errors() else []
    _constraints(params, model.input_shape, name, found)
    return found


def _constraints(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    metadata = shape.metadata
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for key, item in value.items():
            if key in shape.members:
                _constraints(item, shape.members[key], f"{path}.{key}", found)
        return
    if isinstance(shape, ListShape) and isinstance(value, list):
        if "max" in metadata and len(value) > metadata["max"]:
            found.append(f"{path}: {len(value)} items, at most {metadata['max']} allowed")
        for index, item in enumerate(value):
            _constraints(item, shape.member, f"{path}[{index}]", found)
        return
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        if "max" in metadata and len(value) > metadata["max"]:
            found.append(f"{path}: {len(value)} entries, at most {metadata['max']} allowed")
        for key, item in value.items():
            _constraints(item, shape.value, f"{path}.{key}", found)
        return
    if isinstance(value, str):
        if "enum" in metadata and value not in metadata["enum"]:
            found.append(f"{path}: {value!r} is not one of {metadata['enum']}")
        if "pattern" in metadata and not full_match(metadata["pattern"], value):
            found.append(f"{path}: {value!r} does not match {metadata['pattern']!r}")
        if "max" in metadata and len(value) > metadata["max"]:
            found.append(f"{path}: {len(value)} characters, at most {metadata['max']} allowed")
    elif isinstance(value, int | float) and not isinstance(value, bool) and value > metadata.get("max", value):
        found.append(f"{path}: {value} is above the maximum {metadata['max']}")


def closed_set(service: str, name: str, *path: str) -> set[str]:
    """The values the model allows for the member at `path` (list members are stepped through)."""
    shape: Shape = operation(service, name).input_shape
    for member in path:
        while isinstance(shape, ListShape):
            shape = shape.member
        assert isinstance(shape, StructureShape), (service, name, path)
        shape = shape.members[member]
    return set(shape.metadata["enum"])


def pattern(service: str, shape_name: str) -> str:
    """The pattern of one of the model's named shapes (`TagValue`...)."""
    return _service(service).shape_for(shape_name).metadata["pattern"]


def full_match(expression: str, value: str) -> bool:
    return regex.fullmatch(expression, value) is not None
