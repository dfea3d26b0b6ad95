"""The catalog of real ElastiCache node types, and how a node type's name is read.

`node_types.json` is built from shared/reference/elasticache-node-types.csv (AWS "Supported node types" and the
node-type `maxmemory` tables of "Engine specific parameters", read 2026-12-01; each entry keeps its source) by
`python -m elasticache_facts.build_node_types`. Every node type the price table (`pricing/prices.json`) prices is
in it with the same memory (tests/test_facts.py).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

CATALOG_PATH = Path(__file__).resolve().with_name("node_types.json")

_NAME = re.compile(r"^cache\.(?P<family>[a-z]+[0-9]+[a-z]*)\.(?P<size>[a-z0-9]+)$")


def parse_node_type(name: str) -> tuple[str, str] | None:
    """`cache.r7g.large` -> (`r7g`, `large`); None when it is not a `cache.<family>.<size>` name.

    Case and spaces count: callers reading another program's resources normalise first.
    """
    match = _NAME.match(name)
    return (match.group("family"), match.group("size")) if match else None


def node_family(name: str) -> str | None:
    """`cache.r7g.large` -> `r7g`; None when it is not a `cache.<family>.<size>` name."""
    parsed = parse_node_type(name)
    return parsed[0] if parsed else None


@dataclass(frozen=True)
class NodeType:
    name: str
    family: str
    size: str
    memory_gib: float | None
    """None for previous-generation types AWS no longer documents a `maxmemory` for."""
    current: bool
    """AWS lists it as current generation."""
    vcpus: int | None
    """None where the reference has no figure; for some types taken from the same-named EC2 type (UNCERTAIN)."""
    vcpus_uncertain: bool
    """`vcpus` is the same-named EC2 type's: AWS's ElastiCache node type table does not list it."""
    burstable: bool
    """T-class: CPU credits, baseline performance."""
    data_tiering: bool
    """r6gd: data on SSD as well as in memory; AWS requires data tiering on for these types."""
    engines: tuple[str, ...]
    source: str


@functools.cache
def catalog() -> dict[str, NodeType]:
    data = json.loads(CATALOG_PATH.read_text())["nodeTypes"]
    return {
        name: NodeType(
            name=name,
            family=entry["family"],
            size=entry["size"],
            memory_gib=entry["memoryGib"],
            current=entry["current"],
            vcpus=entry["vcpus"],
            vcpus_uncertain=entry["vcpusUncertain"],
            burstable=entry["burstable"],
            data_tiering=entry["dataTiering"],
            engines=tuple(entry["engines"]),
            source=entry["source"],
        )
        for name, entry in data.items()
    }


def _families(predicate: str) -> frozenset[str]:
    return frozenset(t.family for t in catalog().values() if getattr(t, predicate))


@functools.cache
def previous_generation_families() -> frozenset[str]:
    """Families AWS lists as previous generation (t2 among them: it is being moved there)."""
    return frozenset(t.family for t in catalog().values() if not t.current)


@functools.cache
def data_tiering_families() -> frozenset[str]:
    return _families("data_tiering")


@functools.cache
def burstable_families() -> frozenset[str]:
    return _families("burstable")


COSTLIER_THAN = {"m4": "m6g", "r4": "r6g"}
"""Families AWS lists as current generation that the program refuses for cost: each size costs more per node-hour
than the same size of the Graviton family named, which has as many vCPUs, in every region and engine the price
table prices both (tests/test_facts.py). Per GiB that holds for r4 only: an m4 node has more memory than its m6g
namesake, and in some regions costs less per GiB."""

REFUSED_FAMILIES = ("t1", "t2", "m1", "m2", "m3", "m4", "r3", "r4", "c1")
"""Families neither the program nor (by default) the pack accepts: AWS's previous generation (catalog), plus the
current ones of `COSTLIER_THAN`."""


def refused_because(family: str) -> str | None:
    """Why a family of `REFUSED_FAMILIES` is refused, as a message says it; None for a family not refused here."""
    if family in COSTLIER_THAN:
        successor = COSTLIER_THAN[family]
        return (
            f"{family} is refused for cost: AWS still lists it as current generation, but each {family} size costs "
            f"more per hour than the {successor} of the same size, which has as many vCPUs"
        )
    if family in previous_generation_families():
        return f"{family} is a previous-generation family"
    return None
