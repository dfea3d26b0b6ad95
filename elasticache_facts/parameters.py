"""Which parameters a custom parameter group of each family accepts, and the values AWS takes for them.

`parameters.json` is built from shared/reference/elasticache-parameters.json (AWS "Engine specific parameters",
ParameterGroups.Engine.html, read 2026-12-01) by `python -m elasticache_facts.build_parameters`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

REFERENCE_PATH = Path(__file__).resolve().with_name("parameters.json")

KEYSPACE_EVENTS = "notify-keyspace-events"
KEYSPACE_EVENT_CLASSES = "KEg$lshzxetmdnA"
"""The characters `notify-keyspace-events` may hold: `CONFIG SET` refuses any other ("Invalid event class
character") on Valkey 9.1 and Redis OSS 7.0 (tests/engine). K (keyspace) and E (keyevent) pick the channels, the
rest the events; a value without K or E is taken but publishes nothing (shared/reference/elasticache-parameters.md,
"Value conventions")."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    """`yes-no` (AWS takes the strings yes and no), `choice`, `integer` or `text`."""
    modifiable: bool
    """False: fixed by AWS (node type, topology or engine); a custom group cannot set it."""
    values: tuple[str, ...] = ()
    """For `choice`: the values AWS accepts."""
    ranges: tuple[tuple[int, int | None], ...] = ()
    """For `integer`: the ranges AWS documents, within what the engines take (`ENGINE_BOUNDS`)."""
    since: str | None = None
    """The Valkey `M.m` the parameter first appears in, where its family also spans older minor versions that lack
    it (valkey8: `commandlog-*` from 8.1, `search-*` from 8.2); None: every version of the family has it."""

    def describe_allowed(self) -> str:
        if self.name == KEYSPACE_EVENTS:
            return (
                f"empty (off), or characters of {KEYSPACE_EVENT_CLASSES} with K (keyspace) or E (keyevent) among "
                "them, e.g. Ex"
            )
        if self.kind == "yes-no":
            return "yes or no (true or false)"
        if self.kind == "choice":
            return "one of " + ", ".join(self.values)
        if self.kind == "integer":
            if not self.ranges:
                return "a whole number"
            return " or ".join(
                f"{low}" if low == high else f"{low} or more" if high in (None, LLONG_MAX) else f"{low}..{high}"
                for low, high in self.ranges
            )
        return "a string"


INT_MAX = 2**31 - 1
LLONG_MAX = 2**63 - 1
ENGINE_BOUNDS: dict[str, tuple[int, int]] = {
    # Held in a C int.
    "lfu-decay-time": (0, INT_MAX),
    "lfu-log-factor": (0, INT_MAX),
    "list-compress-depth": (0, INT_MAX),
    "maxmemory-samples": (1, INT_MAX),
    "min-replicas-max-lag": (0, INT_MAX),
    "min-replicas-to-write": (0, INT_MAX),
    "tcp-keepalive": (0, INT_MAX),
    "timeout": (0, INT_MAX),
    # No range on the AWS page; -1 is the engine's "off", no lower value is taken.
    "acllog-max-len": (0, LLONG_MAX),
    "commandlog-reply-larger-than": (-1, LLONG_MAX),
    "commandlog-request-larger-than": (-1, LLONG_MAX),
    "slowlog-log-slower-than": (-1, LLONG_MAX),
}
"""The values `CONFIG SET` takes for the integer parameters whose AWS range is open-ended or not stated ("argument
must be between 0 and 2147483647", Valkey 9.1 and Redis OSS 7.0; tests/engine checks every family's ranges against
them). Every other integer parameter is a C long long: at most LLONG_MAX. AWS applies a group's values to the
engine's config, so a value beyond these is one no node would take."""
_LONG_LONG = (-(2**63), LLONG_MAX)


def _within_engine(name: str, ranges: list[list[int | None]]) -> tuple[tuple[int, int | None], ...]:
    """AWS's documented ranges (or, with none documented, any integer) cut to what the engines take."""
    floor, ceiling = ENGINE_BOUNDS.get(name, _LONG_LONG)
    cut = []
    for low, high in ranges or [[floor, ceiling]]:
        assert low is not None
        low, high = max(low, floor), min(ceiling if high is None else high, ceiling)
        if low <= high:
            cut.append((low, high))
    return tuple(cut)


@functools.cache
def family_parameters(family: str) -> dict[str, Parameter] | None:
    """The parameters of a family (`valkey8`), or None for a family the reference does not cover."""
    families = json.loads(REFERENCE_PATH.read_text())["families"]
    if family not in families:
        return None
    return {
        name: Parameter(
            name=name,
            kind=entry["kind"],
            modifiable=entry["modifiable"],
            values=tuple(entry.get("values", ())),
            ranges=_within_engine(name, entry.get("ranges", [])) if entry["kind"] == "integer" else (),
            since=entry.get("since"),
        )
        for name, entry in families[family].items()
    }
