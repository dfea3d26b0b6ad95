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
    """For `integer`: the ranges AWS documents (high None: no upper bound); empty: none documented."""

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
                f"{low}" if low == high else f"{low}..{high}" if high is not None else f"{low} or more"
                for low, high in self.ranges
            )
        return "a string"


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
            ranges=tuple((low, high) for low, high in entry.get("ranges", ())),
        )
        for name, entry in families[family].items()
    }
