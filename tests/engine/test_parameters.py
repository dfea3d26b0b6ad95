"""The loader takes a parameter value exactly when the engine's `CONFIG SET` does, where AWS adds no rule of its
own (ElastiCache applies a parameter group's values to the engine's config)."""

from __future__ import annotations

import string

import redis

from components.stack_config.problems import ConfigError
from elasticache_facts.parameters import family_parameters
from tests.conftest import unit_spec

VERSION = {"valkey": "8.1", "redis": "7.0"}
FAMILIES = {"valkey": ("valkey8", "valkey9"), "redis": ("redis7",)}
"""The families whose engine runs here: Valkey 9.1 (valkey8's ranges are within its own) and Redis OSS 7.0."""
ANY = [(-(2**64), 2**64)]
"""What the loader took for an integer with no stated range: any whole number."""


def loader_takes(engine: str, name: str, value: str) -> bool:
    cache = {"workload": "sessions", "nodeType": "cache.r7g.large", "replicas": 2, "engine": engine}
    try:
        unit_spec({"c": {**cache, "engineVersion": VERSION[engine], "parameters": {name: value}}})
    except ConfigError:
        return False
    return True


def engine_takes(harness: redis.Redis, name: str, value: str) -> bool:
    try:
        harness.config_set(name, value)
    except redis.ResponseError:
        return False
    return True


def test_keyspace_events_take_exactly_the_event_classes_the_engine_takes(caches, engine) -> None:
    harness = caches["sessions"].harness()
    try:
        for character in string.printable.strip():
            value = f"K{character}"  # with K: the channel the events go to, so only the class is judged
            assert loader_takes(engine, "notify-keyspace-events", value) == engine_takes(
                harness, "notify-keyspace-events", value
            ), value
    finally:
        harness.config_set("notify-keyspace-events", "")


def test_every_integer_range_the_loader_takes_ends_where_the_engine_takes_it(caches, engine) -> None:
    harness = caches["sessions"].harness()
    checked = 0
    for family in FAMILIES[engine]:
        for name, parameter in sorted((family_parameters(family) or {}).items()):
            if parameter.kind != "integer" or not parameter.modifiable:
                continue
            current = harness.config_get(name)
            if name not in current:
                continue  # ElastiCache's own (reserved-memory-percent): AWS's range is the only one
            try:
                for low, high in parameter.ranges or ANY:
                    for edge in (low, 2**64 if high is None else high):
                        assert engine_takes(harness, name, str(edge)), f"{family} {name} = {edge}"
                        checked += 1
            finally:
                harness.config_set(name, current[name])
    assert checked > 50
