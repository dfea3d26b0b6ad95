"""Property paths (`tags.team`, `a[0].b`, `a[*].b`, `a["key.with.dots"]`) and the engine's `ignoreChanges` reset.

Both as pulumi/pulumi does them: `parse` is `parsePropertyPath` (non-strict, what `ParsePropertyPath` uses) and
`reset` is `PropertyPath.reset` (`sdk/go/common/resource/properties_path.go`); `ignore_changes` is
`processIgnoreChanges` (`pkg/resource/deploy/step_generator.go`), which the engine runs on the inputs of a
resource that exists in the old state before the provider's `Check` and before any analyzer sees them.

Values are SDK wire form or public form (`preflight.values`): an object is a plain mapping (a special map such
as a resource reference or an unknown is not one), an array a list, and a wire-form secret is looked through as
the engine unwraps secrets, a reset value taken from inside an old secret staying secret.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from elasticache_facts.wire import SIG_KEY, is_secret, secret

Path = tuple[str | int, ...]
WILDCARD = "*"


def parse(path: str) -> Path:
    """`path`'s elements: names, quoted keys and `*` as str, indexes as int. ValueError when malformed."""
    elements: list[str | int] = []
    if path.startswith("."):
        raise ValueError("expected property path to start with a name or index")
    while path:
        if path[0] == ".":
            path = path[1:]
            if not path:
                raise ValueError("expected property path to end with a name or index")
            # A '.' followed by a '[' is tolerated, as the engine does outside strict mode.
        elif path[0] == "[":
            if len(path) > 1 and path[1] == '"':
                key, i = [], 2
                while True:
                    if i >= len(path):
                        raise ValueError("missing closing quote in property name")
                    if path[i] == '"':
                        i += 1
                        break
                    if path[i] == "\\" and i + 1 < len(path) and path[i + 1] == '"':
                        key.append('"')
                        i += 2
                    else:
                        key.append(path[i])
                        i += 1
                if i >= len(path) or path[i] != "]":
                    raise ValueError("missing closing bracket in property access")
                elements.append("".join(key))
                path = path[i + 1 :]
            else:
                end = path.find("]")
                if end == -1:
                    raise ValueError("missing closing bracket in array index")
                segment = path[1:end]
                elements.append(WILDCARD if segment == WILDCARD else _index(segment))
                path = path[end + 1 :]
        else:
            end = min((i for i in (path.find("."), path.find("[")) if i != -1), default=len(path))
            elements.append(path[:end])
            path = path[end:]
    return tuple(elements)


def _index(segment: str) -> int:
    # Go's strconv.ParseInt: an optional sign and decimal digits, nothing else (no spaces, no underscores).
    digits = segment[1:] if segment[:1] in ("+", "-") else segment
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"invalid array index: {segment!r}")
    index = int(segment)
    if not -(2**63) <= index < 2**63:
        raise ValueError(f"invalid array index: {segment!r} is out of range")
    return index


def ignore_changes(paths: Iterable[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """`new` with each of `paths` reset to its value in `old`, and the paths the reset failed on (an element
    added or removed on the way). A path that does not parse is skipped, as the engine skips it."""
    ignored = copy.deepcopy(dict(new))
    invalid = []
    for text in paths:
        try:
            path = parse(text)
        except ValueError:
            continue
        if not reset(path, old, ignored):
            invalid.append(text)
    return ignored, invalid


def reset(path: Path, old: Any, new: Any, old_secret: bool = False, new_secret: bool = False) -> bool:
    """Set the value(s) at `path` in `new` (changed in place) to those in `old`; False on a path error."""
    if not path:
        return False
    old, was = _unwrap(old)
    old_secret = old_secret or was
    new, was = _unwrap(new)
    new_secret = new_secret or was

    def kept(value: Any) -> Any:
        return secret(value) if old_secret and not new_secret else value

    key, rest = path[0], path[1:]
    if isinstance(key, int):
        if key < 0:
            return False
        old_array, new_array = isinstance(old, list), isinstance(new, list)
        if not rest:
            if not old_array and not new_array:
                return True
            if not old_array or not new_array:
                return False
            if key >= len(old) and key >= len(new):
                return True
            if key >= len(old) or key >= len(new):
                return False
            new[key] = kept(old[key])
            return True
        if not old_array or not new_array:
            return not old_array and not new_array
        if key >= len(old) or key >= len(new):
            return False
        return reset(rest, old[key], new[key], old_secret, new_secret)

    if key == WILDCARD:
        if not rest:
            if _is_object(new):
                if _is_object(old):
                    for name in old:
                        new[name] = kept(old[name])
                    for name in [name for name in new if name not in old]:
                        del new[name]
                return True
            if isinstance(new, list):
                if isinstance(old, list):
                    for i in range(min(len(old), len(new))):
                        new[i] = kept(old[i])
                    return len(old) == len(new)
                return True
            return False
        if _is_object(old) and _is_object(new):
            return all(name in new and reset(rest, old[name], new[name], old_secret, new_secret) for name in old)
        if isinstance(old, list) and isinstance(new, list):
            for i in range(min(len(old), len(new))):
                if not reset(rest, old[i], new[i], old_secret, new_secret):
                    return False
            return len(old) == len(new)
        return False

    if not rest:
        if _is_object(old) and key in old:
            if not _is_object(new):
                return False
            new[key] = kept(old[key])
        elif _is_object(new):
            new.pop(key, None)
        return True
    if not _is_object(old) or not _is_object(new):
        return not _is_object(old) and not _is_object(new)
    if key in old and key not in new:
        return False
    if key not in old and key not in new:
        return True
    return reset(rest, old.get(key), new[key], old_secret, new_secret)


def _unwrap(value: Any) -> tuple[Any, bool]:
    """`unwrapSecrets`: the value inside any number of secrets, and whether there was one."""
    if not is_secret(value):
        return value, False
    return _unwrap(value.get("value"))[0], True


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and SIG_KEY not in value
