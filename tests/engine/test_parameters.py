"""The loader takes a parameter value exactly when the engine's `CONFIG SET` does, where AWS adds no rule of its
own (ElastiCache applies a parameter group's values to the engine's config)."""

from __future__ import annotations

import string

import redis

from components.stack_config.problems import ConfigError
from tests.conftest import unit_spec

VERSION = {"valkey": "8.1", "redis": "7.0"}


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
