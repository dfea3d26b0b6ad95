"""The SDK's check for unknowns inside a value, without the reference cycle the SDK's own leaves on every call.

`pulumi.runtime.rpc.contains_unknowns` (called for every `Output` value the SDK resolves, through
`pulumi.output.contains_unknowns`) defines a recursive closure each time it runs: the function and its cell refer
to each other, a cycle only the cyclic garbage collector frees. The preflight runs with that collector off
(`preflight/__main__.py`: it would cost a quarter of a large stack's run), so each cache left about 0.35 MiB of
these cycles behind until the exit. `install()` puts the same check in its place as a plain recursive function.
`tests/test_sdk_internals.py` checks that both answer alike, and fails once the SDK's own stops leaving a cycle
(then this module can go).

Imports the Pulumi SDK: install it once the SDK is imported anyway (the preflight launches its pack first).
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime import known_types, rpc

SDK_CONTAINS_UNKNOWNS = rpc.contains_unknowns
"""The SDK's own function, as found before `install()`."""


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Exactly these types are never an unknown and hold nothing: most values the SDK checks are one of them."""


def contains_unknowns(value: Any) -> bool:
    """Whether `value` is, or holds in its dicts and lists, an unknown (the SDK's semantics, cycles included)."""
    if type(value) in _SCALARS:
        return False
    return _holds_unknown(value, set())


def _holds_unknown(value: Any, seen: set[int]) -> bool:
    if type(value) in _SCALARS:
        return False
    if known_types.is_unknown(value):
        return True
    if id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        for key in value:
            if _holds_unknown(value[key], seen):
                return True
    elif isinstance(value, list):
        for item in value:
            if _holds_unknown(item, seen):
                return True
    return False


def install() -> bool:
    """Put the check in place of the SDK's (where `pulumi.output` looks it up at each call); False if it is."""
    if rpc.contains_unknowns is contains_unknowns:
        return False
    rpc.contains_unknowns = contains_unknowns
    return True
