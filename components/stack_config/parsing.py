"""Schema validation of one config block, its errors turned into problems at the stack file's key paths.

A block with schema errors is not simply dropped: the keys the schema refused are taken out and the block is
validated again, so the rules can still judge everything else in the same run (one pass, every problem).
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Annotated, Any, Literal, Union

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from components.stack_config.problems import MISSING, Problem, Problems
from components.stack_config.schema import (
    CACHE_CONFIG,
    CACHE_KIND_NAMES,
    CACHE_TYPES,
    PATTERN_HINTS,
    TOP_LEVEL_KEYS,
    TOP_LEVEL_MAPS,
    TOP_LEVEL_MODELS,
    CacheBaseConfig,
    Model,
    cache_type_of,
)
from components.stack_config.secrets import SET_SECRET
from elasticache_facts.workloads import Workload

_Part = str | int
M = typing.TypeVar("M", bound=Model)


def unknown_top_level_key(key: str) -> str:
    """The message for a project key the program does not read: the closest top-level key, or the block that
    has a key of that name (`kmsKey` -> `encryption.kmsKey`)."""
    allowed = f"allowed: {', '.join(TOP_LEVEL_KEYS)}"
    hint = did_you_mean(key, TOP_LEVEL_KEYS)
    if not hint:
        for block, model in TOP_LEVEL_MODELS.items():
            nested = _nested_path(model, key)
            if nested:
                hint = f"; did you mean {TOP_LEVEL_MAPS.get(block, block)}.{nested}?"
                break
    return f"unknown top-level key (the program would ignore it); {allowed}{hint}"


def _nested_path(model: type[BaseModel], key: str) -> str | None:
    """Where a key of this name (or a close one) lives inside `model`, as `a.b`."""
    aliases = _aliases(model)
    folded = {_fold(alias): alias for alias in aliases}
    if _fold(key) in folded:
        return folded[_fold(key)]
    for alias in aliases:
        field = next(f for f in model.model_fields.values() if f.alias == alias)
        inner = _model_in(field.annotation)
        if inner is not None and (found := _nested_path(inner, key)) is not None:
            return f"{alias}.{found}"
    return None


def parse(model: type[M], value: Any, path: str, problems: Problems, *, secret: bool = False) -> M | None:
    """The block validated, or with its refused keys taken out; None when even that fails."""
    return _parse(lambda v: model.model_validate(v), lambda _v: model, value, path, problems, secret=secret)


def parse_cache(value: Any, path: str, problems: Problems) -> CacheBaseConfig | None:
    """One cache body, validated as the variant its `type` selects."""
    kind = cache_type_of(value)
    if kind is None:
        problems.add(path, value, "not a map of cache settings; allowed: a map with at least workload")
        return None
    if kind not in CACHE_TYPES:
        choices = list(CACHE_TYPES)
        problems.add(
            f"{path}.type",
            kind,
            f"not an allowed value; allowed: one of {', '.join(choices)}" + did_you_mean(str(kind), choices),
        )
        return None
    return _parse(CACHE_CONFIG.validate_python, lambda v: CACHE_TYPES[kind], value, path, problems, tagged=True)


def parse_cache_under_each_workload(value: Any, path: str, problems: Problems) -> list[CacheBaseConfig]:
    """A cache body whose `workload` is refused or missing, validated once under each allowed workload; empty
    when its workload is fine or the body is refused whatever the workload. Its schema problems were reported
    by `parse_cache` already (only the keys it takes out are settled here); the caller keeps only what the rules
    find under every workload."""
    if not isinstance(value, dict) or value.get("workload") in {workload.value for workload in Workload}:
        return []
    guesses = []
    for workload in Workload:
        scratch = Problems()
        guesses.append(parse_cache({**value, "workload": workload.value}, path, scratch))
        for key in scratch.settled:
            problems.settle(key)
    parsed = [guess for guess in guesses if guess is not None]
    return parsed if len(parsed) == len(guesses) else []


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
        if (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            current = current[part]
        else:
            return
    if isinstance(current, dict):
        current.pop(point[-1], None)


def _join(path: str, parts: list[_Part]) -> str:
    """The key path as Pulumi's `--path` writes it: `a.b[0].c`."""
    text = path
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _describe(model: type[BaseModel], item: Any, parts: list[_Part], path: str, *, secret: bool) -> Problem:
    """One schema error in the house style: what is wrong, what is allowed (range and unit), the closest fix."""
    kind = item["type"]
    value = item.get("input", MISSING)
    # A secret's problem carries no part of it, not even as the value: whoever reads the problem sees none.
    shown = "[secret]" if secret and value is not MISSING and value is not None else value
    field = _field_at(model, parts)
    allowed = _allowed_values(field)
    if kind == "missing" or (kind in ("model_type", "dict_type") and value is None and not parts):
        if not allowed and not parts:
            allowed = "a map of " + ", ".join(_aliases(model))
        return Problem(path, MISSING, "required" + (f"; allowed: {allowed}" if allowed else ""))
    if kind in ("model_type", "dict_type") and not allowed:
        keys = _allowed_keys(model, [str(p) for p in parts])
        allowed = "a map of " + ", ".join(keys) if keys else "a map"
    if kind == "extra_forbidden":
        key = str(parts[-1])
        if not parts[:-1] and issubclass(model, CacheBaseConfig):
            for other, variant in CACHE_TYPES.items():
                if variant is not model and key in _aliases(variant):
                    return Problem(
                        path,
                        shown,
                        f"only for {CACHE_KIND_NAMES[other]} caches (type: {other}); remove it",
                        secret,
                    )
        keys = _allowed_keys(model, [str(p) for p in parts[:-1]])
        return Problem(path, shown, f"unknown key; allowed here: {', '.join(keys)}{did_you_mean(key, keys)}", secret)
    if kind == "string_pattern_mismatch":
        pattern = (item.get("ctx") or {}).get("pattern", "")
        allowed = PATTERN_HINTS.get(pattern, allowed or f"matching {pattern}")
    what = _WHAT.get(kind)
    if value is None and kind in _TYPE_ERRORS:
        # A key written with nothing after its colon: the YAML null a hand edit leaves, not a value of a wrong type.
        what = "no value"
    if what is None:
        what = str(item["msg"]).removeprefix("Input should be ").removeprefix("Value error, ")
    if value is None and secret and not allowed:
        allowed = f"a secret: set it with {SET_SECRET} '{path}' (it prompts for the value), or remove the key"
    message = what + (f"; allowed: {allowed}" if allowed else "")
    choices = _choices(field)
    if choices and isinstance(value, str):
        message += did_you_mean(value, choices)
    elif kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        if secret:
            # The quoting hint would repeat the secret, and a quoted one would still sit in the file in plain text.
            message += f": set it as a secret with {SET_SECRET} '{path}' (it prompts for the value)"
        else:
            message += f": quote it in YAML ('{value}')"
    elif not secret and (unquoted := _unquoted(kind, value)) is not None:
        message += f": write it without quotes ({unquoted})"
    return Problem(path, shown, message, secret)


def _unquoted(kind: str, value: Any) -> str | None:
    """The YAML a quoted number or boolean means, when the key takes that type (`"2"` -> `2`); else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if kind == "bool_type":
        return text if text in ("true", "false") else None
    try:
        number = int(text) if kind == "int_type" else float(text) if kind == "float_type" else None
    except ValueError:
        return None
    return None if number is None else text


_WHAT = {
    "int_type": "not a whole number",
    "int_parsing": "not a whole number",
    "int_from_float": "not a whole number",
    "float_type": "not a number",
    "float_parsing": "not a number",
    "bool_type": "not true or false",
    "bool_parsing": "not true or false",
    "string_type": "not a string",
    "list_type": "not a list",
    "dict_type": "not a map",
    "model_type": "not a map",
    "model_attributes_type": "not a map",
    "literal_error": "not an allowed value",
    "enum": "not an allowed value",
    "greater_than": "out of range",
    "greater_than_equal": "out of range",
    "less_than": "out of range",
    "less_than_equal": "out of range",
    "string_pattern_mismatch": "not in the expected format",
    "string_too_short": "empty",
    "too_short": "too few items",
}


_TYPE_ERRORS = frozenset(kind for kind in _WHAT if kind.endswith("_type"))


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`; did you mean 'x'?` for the closest choice (case and separators ignored first), or nothing."""
    folded = {_fold(choice): choice for choice in choices}
    if (exact := folded.get(_fold(word))) is not None and exact != word:
        return f"; did you mean {exact!r}?"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _fold(word: str) -> str:
    return word.lower().replace("-", "").replace("_", "")


def _field_at(model: type[BaseModel], parts: list[_Part]) -> FieldInfo | None:
    """The field the error is about; None for an item of a list or a map (the field's words would mislead)."""
    current: Any = model
    found: FieldInfo | None = None
    for part in parts:
        field = None
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
        if field is None:
            found = None
            continue
        found = field
        current = _model_in(field.annotation)
    return found


def _choices(field: FieldInfo | None) -> list[str]:
    if field is None:
        return []
    for arg in _leaves(field.annotation):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return [str(member.value) for member in arg]
        if typing.get_origin(arg) is Literal:
            return [str(choice) for choice in typing.get_args(arg)]
    return []


def _allowed_values(field: FieldInfo | None) -> str:
    """What the field accepts, in words: `0..5 replicas per shard`, `one of: valkey, redis`, `true or false`."""
    if field is None:
        return ""
    unit = ""
    if choices := _choices(field):
        return "one of " + ", ".join(choices)
    low = high = None
    low_open = high_open = False
    kinds: set[Any] = set()
    hint = ""
    min_items: int | None = None
    for arg, metadata in _annotated(field.annotation, _constraints_of(field)):
        if arg is not type(None):
            kinds.add(typing.get_origin(arg) or arg)
        for item in metadata:
            if isinstance(item, dict):
                unit = str(item.get("unit", unit))
            elif isinstance(item, annotated_types.Ge):
                low = item.ge
            elif isinstance(item, annotated_types.Gt):
                low, low_open = item.gt, True
            elif isinstance(item, annotated_types.Le):
                high = item.le
            elif isinstance(item, annotated_types.Lt):
                high, high_open = item.lt, True
            elif isinstance(item, annotated_types.MinLen):
                min_items = item.min_length
            elif (pattern := getattr(item, "pattern", None)) is not None:
                hint = PATTERN_HINTS.get(pattern, f"matching {pattern}")
    if hint:
        return hint
    number = "whole number" if int in kinds and float not in kinds else "number"
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        if low_open or high_open:
            above = f"{'more than' if low_open else 'at least'} {low}"
            return f"{above} and {'less than' if high_open else 'at most'} {high}{suffix}"
        return f"{low}..{high}{suffix}"
    if low is not None:
        return f"a {number} {'above' if low_open else 'of at least'} {low}{suffix}"
    if high is not None:
        return f"a {number} {'below' if high_open else 'of at most'} {high}{suffix}"
    if kinds == {bool}:
        return "true or false"
    of = f" of {unit}" if unit[:1].isalpha() else suffix
    if kinds <= {int}:
        return f"a whole number{of}"
    if kinds <= {int, float}:
        return f"a number{of}"
    if kinds == {list}:
        return f"a list of at least {min_items}" if min_items else "a list"
    if kinds == {dict}:
        return "a map"
    return ""


def _constraints_of(extra: Any) -> list[Any]:
    """A Field's constraints, and its `json_schema_extra` (the unit) as a dict among them."""
    if not isinstance(extra, FieldInfo):
        return [extra]
    return [*extra.metadata, *([extra.json_schema_extra] if isinstance(extra.json_schema_extra, dict) else [])]


def _leaves(annotation: Any) -> list[Any]:
    """The types inside Optional[...] / Annotated[...] / unions."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaves(arg)]
    if origin is Annotated:
        return _leaves(typing.get_args(annotation)[0])
    return [annotation]


def _annotated(annotation: Any, metadata: list[Any]) -> list[tuple[Any, list[Any]]]:
    """(type, constraints) for each member of a possibly Optional, possibly Annotated annotation."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [pair for arg in typing.get_args(annotation) for pair in _annotated(arg, metadata)]
    if origin is Annotated:
        base, *extras = typing.get_args(annotation)
        inner = [m for extra in extras for m in _constraints_of(extra)]
        return _annotated(base, [*metadata, *inner])
    return [(annotation, list(metadata))]


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
