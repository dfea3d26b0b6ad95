"""The pack's one use of pulumi-policy internals: each resource converted once per call, not once per policy.

pulumi-policy 1.21's servicer (`pulumi_policy/policy.py`, `_PolicyAnalyzerServicer.Analyze` and
`AnalyzeStack`) converts a resource's properties again for every policy it runs:
`unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(properties)))`. With 17 resource
policies that is 17 conversions of every resource in every `Analyze`, and 5 of every resource of the stack in
`AnalyzeStack`: more than half of the pack's time on a large stack, and it grows with the number of policies.

`share_conversions()` makes the three steps remember their answer for the length of one call (one
`Analyze` or one `AnalyzeStack`, on the thread that serves it), keyed by the very message object the servicer
reads (protobuf returns the same wrapper for every read of a field, and the request outlives the call). Each
policy then gets the same proxy: safe because the proxy only reads (every policy of this pack copies what it
reads through `guardrails.props.Props`; none writes to `args.props`). Outside a call, and for any other caller
of these functions, nothing changes.

`tests/policies/test_policy_sdk.py` fails when pulumi-policy stops converting this way (the names patched here,
or the conversion chain in the two methods), and checks that the answers with and without sharing are equal.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pulumi_policy.policy as servicer_module

_SERVICER = servicer_module._PolicyAnalyzerServicer
CONVERTING_METHODS = ("Analyze", "AnalyzeStack")
"""The servicer's methods that convert every resource once per policy."""
CONVERSIONS = ("json_format", "deserialize_properties", "unknown_checking_proxy")
"""The names `pulumi_policy.policy` converts with, in the order it applies them."""

_call = threading.local()


def _memo(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step(value)` remembered for the current call, keyed by the identity of `value`."""

    @functools.wraps(step)
    def remembered(value: Any, *args: Any, **kwargs: Any) -> Any:
        seen: dict[tuple[int, int], tuple[Any, Any]] | None = getattr(_call, "seen", None)
        if seen is None or args or kwargs:
            return step(value, *args, **kwargs)
        key = (id(step), id(value))
        hit = seen.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        result = step(value)
        # The input is kept with the answer: it cannot be freed, so its id cannot be reused, within the call.
        seen[key] = (value, result)
        return result

    return remembered


class _JsonFormat:
    """`google.protobuf.json_format` as `pulumi_policy.policy` sees it, `MessageToDict` remembered."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self.MessageToDict = _memo(module.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _one_call(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def serving(self: Any, request: Any, context: Any) -> Any:
        outer = getattr(_call, "seen", None)
        _call.seen = {}
        try:
            return method(self, request, context)
        finally:
            _call.seen = outer

    serving.__shares_conversions__ = True  # type: ignore[attr-defined]
    return serving


def share_conversions() -> bool:
    """Put the sharing in place (once); False when it already is."""
    if getattr(getattr(_SERVICER, CONVERTING_METHODS[0]), "__shares_conversions__", False):
        return False
    servicer_module.json_format = _JsonFormat(servicer_module.json_format)  # type: ignore[assignment]
    servicer_module.deserialize_properties = _memo(servicer_module.deserialize_properties)
    servicer_module.unknown_checking_proxy = _memo(servicer_module.unknown_checking_proxy)
    for name in CONVERTING_METHODS:
        setattr(_SERVICER, name, _one_call(getattr(_SERVICER, name)))
    return True
