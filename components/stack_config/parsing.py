"""Schema validation of one config block, its errors turned into problems at the stack file's key paths.

A block with schema errors is not simply dropped: the keys the schema refused are taken out and the block is
validated again, so the rules can still judge everything else in the same run (one pass, every problem).
"""

from __future__ import annotations

import copy
import types
import typing
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError

from components.stack_config.problems import MISSING, Problem, Problems
from components.stack_config.schema import (
    CACHE_CONFIG,
    CACHE_KIND_NAMES,
    CACHE_TYPES,
    CacheBaseConfig,
    Model,
    cache_type_of,
)

_Part = str | int
M = typing.TypeVar("M", bound=Model)


def parse(model: type[M], value: Any, path: str, problems: Problems, *, secret: bool = False) -> M | None:
    """The block validated, or with its refused keys taken out; None when even that fails."""
    return _parse(lambda v: model.model_validate(v), lambda _v: model, value, path, problems, secret=secret)


def parse_cache(value: Any, path: str, problems: Problems) -> CacheBaseConfig | None:
    """One cache body, validated as the variant its `type` selects."""
    kind = cache_type_of(value)
    if kind is None:
        problems.add(path, value, "Input should be a valid dictionary")
        return None
    if kind not in CACHE_TYPES:
        allowed = " or ".join(repr(t) for t in CACHE_TYPES)
        problems.add(f"{path}.type", kind, f"Input should be {allowed}")
        return None
    return _parse(CACHE_CONFIG.validate_python, lambda v: CACHE_TYPES[kind], value, path, problems, tagged=True)


def _parse(
    validate: typing.Callable[[Any], Any],
    model_of: typing.Callable[[Any], type[BaseModel]],
    value: Any,
    path: str,
    problems: Problems,
    *,
    secret: bool = False,
    tagged: bool = False,
) -> Any:
    try:
        return validate(value)
    except ValidationError as error:
        errors = error.errors(include_url=False)
    model = model_of(value)
    deep: list[list[_Part]] = []
    for item in errors:
        loc = list(item["loc"])[1:] if tagged else list(item["loc"])
        parts = _input_parts(value, loc)
        problems.extend([_describe(model, item, parts, _join(path, parts), secret=secret)])
        deep.append(_drop_point(value, parts, item["type"]))
    if not isinstance(value, dict):
        return None
    for points in (deep, [p[:1] for p in deep]):
        if any(not point for point in points):
            continue
        trimmed = copy.deepcopy(value)
        for point in points:
            _remove(trimmed, point)
        try:
            parsed = validate(trimmed)
        except ValidationError:
            continue
        for point in points:
            problems.settle(_join(path, point))
        return parsed
    return None


def _input_parts(value: Any, loc: list[Any]) -> list[_Part]:
    """The loc's parts that are keys or indexes of the input (union member names in the loc are skipped)."""
    parts: list[_Part] = []
    current = value
    for part in loc:
        if isinstance(current, dict):
            parts.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            parts.append(part)
            current = current[part]
    return parts


def _drop_point(value: Any, parts: list[_Part], kind: str) -> list[_Part]:
    """The deepest map key of the input that holds the refused value (the enclosing block for a missing key)."""
    keys = parts[:-1] if kind == "missing" else parts
    current = value
    point: list[_Part] = []
    for index, part in enumerate(keys):
        if isinstance(current, dict) and part in current:
            point = keys[: index + 1]
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int):
            current = current[part]
        else:
            break
    while point and isinstance(point[-1], int):
        point = point[:-1]
    return point


def _remove(value: Any, point: list[_Part]) -> None:
    current = value
    for part in point[:-1]:
        current = current[part]
    if isinstance(current, dict):
        current.pop(point[-1], None)


def _join(path: str, parts: list[_Part]) -> str:
    return ".".join([path, *map(str, parts)]) if parts else path


def _describe(model: type[BaseModel], item: Any, parts: list[_Part], path: str, *, secret: bool) -> Problem:
    kind = item["type"]
    value = item.get("input", MISSING)
    if kind == "missing":
        return Problem(path, MISSING, "required")
    if kind == "extra_forbidden":
        if not parts[:-1] and issubclass(model, CacheBaseConfig):
            key = str(parts[-1])
            for other, variant in CACHE_TYPES.items():
                if variant is not model and key in _aliases(variant):
                    return Problem(path, value, f"only for {CACHE_KIND_NAMES[other]} caches; remove it", secret)
        allowed = _allowed_keys(model, [str(p) for p in parts[:-1]])
        return Problem(path, value, f"unknown key; allowed here: {', '.join(allowed)}", secret)
    return Problem(path, value, item["msg"], secret)


def _aliases(model: type[BaseModel]) -> list[str]:
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _allowed_keys(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Aliases of the model found by walking `loc` down from `model` (map keys and list indexes skipped)."""
    current: Any = model
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            break
        field = next((f for f in current.model_fields.values() if f.alias == part), None)
        if field is None:
            break
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return _aliases(current)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside Optional[...], list[...], dict[str, ...] or Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list, dict, Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
