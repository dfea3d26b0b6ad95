"""Values as the SDK hands them over, made fit to show: secrets masked, numbers as people write them.

Every resource input and stack output crosses the SDK's serialisation: secrets arrive in the wire form
`{sig: secret, value}` and integral numbers as floats. Everything the preflight prints or writes goes through
`public` first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from elasticache_facts.wire import is_secret

SECRET = "[secret]"


def public(value: Any) -> Any:
    """`value` with every secret masked and integral floats as ints: safe to print and to put in JSON."""
    if is_secret(value):
        return SECRET
    if isinstance(value, Mapping):
        # Sorted: the SDK's maps have no meaningful order, and CI diffs want a stable one.
        return {str(key): public(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [public(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def num(value: Any) -> str:
    """A number as written (`3`, not `3.0`); `?` when it is not known."""
    value = public(value)
    return str(value) if value is not None else "?"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def money(value: Any) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else "unknown"


def scalar(value: Any) -> str:
    """One value on one line: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        if "\n" in value:
            try:
                # Multi-line JSON documents (an IAM policy) read better on one line here.
                return json.dumps(json.loads(value), separators=(",", ":"))
            except ValueError:
                return json.dumps(value)
        return value
    return json.dumps(value)
