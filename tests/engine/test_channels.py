"""Pub/sub channels on real engines started as ElastiCache starts them (`acl-pubsub-default allchannels`): the
planned app users reach every channel, and the loader judges channel rules against the channels a user starts
from as the engines do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import redis

from components import acl
from components.stack_config.problems import ConfigError
from elasticache_facts.access import ELASTICACHE_PUBSUB_DEFAULT, PUBSUB_DEFAULT_PARAMETER
from tests.conftest import unit_spec
from tests.engine.test_connect import PROBE, probe_user

CHANNEL_RULES = [
    "",
    "&*",
    "allchannels",
    "resetchannels",
    "&app:*",
    "&app:* &jobs:*",
    "resetchannels &app:*",
    "&* &app:*",
    "allchannels &app:*",
    "&* resetchannels &app:*",
    "resetchannels &app:* allchannels",
]
STARTS = ("allchannels", "resetchannels")


@contextlib.contextmanager
def pubsub_default(harness: redis.Redis, value: str) -> Iterator[None]:
    before = harness.config_get(PUBSUB_DEFAULT_PARAMETER)[PUBSUB_DEFAULT_PARAMETER]
    harness.config_set(PUBSUB_DEFAULT_PARAMETER, value)
    try:
        yield
    finally:
        harness.config_set(PUBSUB_DEFAULT_PARAMETER, before)


def loader_verdict(access: str, start: str) -> str:
    """`refused` (a config error), `warned` (a warning on the access string) or `taken`, for a node-based cache
    whose parameter group sets `acl-pubsub-default` to `start`."""
    cache = {
        "c": {"workload": "sessions", "auth": {"accessString": access}, "parameters": {PUBSUB_DEFAULT_PARAMETER: start}}
    }
    try:
        spec = unit_spec(cache)
    except ConfigError as error:
        paths = {problem.path for problem in error.problems}
    else:
        paths = set()
    if paths:
        assert paths == {"caches.c.auth.accessString"}, paths
        return "refused"
    path = "caches.c.auth.accessString = "
    return "warned" if any(w.startswith(path) and "resetchannels before" in w for w in spec.warnings) else "taken"


def test_the_servers_start_users_from_elasticache_s_default_channels(caches) -> None:
    harness = caches["sessions"].harness()
    assert harness.config_get(PUBSUB_DEFAULT_PARAMETER) == {PUBSUB_DEFAULT_PARAMETER: ELASTICACHE_PUBSUB_DEFAULT}


def test_every_app_user_publishes_and_subscribes_on_any_channel(caches) -> None:
    for name, cache in caches.items():
        for user in cache.planned.app_users:
            client = cache.direct(user)
            subscriber = client.pubsub()
            subscriber.subscribe(f"{name}:events")
            assert subscriber.get_message(timeout=2)["type"] == "subscribe"
            assert client.publish(f"{name}:events", "hello") >= 0
            assert client.publish("any:other", "hello") >= 0
            subscriber.close()


@pytest.mark.parametrize("start", STARTS)
def test_the_loader_refuses_or_warns_about_a_channel_rule_exactly_when_the_engine_refuses_it(caches, start) -> None:
    harness = caches["sessions"].harness()
    with pubsub_default(harness, start), probe_user(harness):
        for rules in CHANNEL_RULES:
            access = f"on ~* {rules} +@all".replace("  ", " ")
            why = ""
            try:
                harness.execute_command("ACL", "SETUSER", PROBE, "reset", *access.split())
            except redis.ResponseError as error:
                why = str(error)
            assert not why or "Adding a pattern after the * pattern" in why, why
            engine = "refused" if why else "taken"
            loader = loader_verdict(access, start)
            # The loader refuses what every start refuses, and warns about what only this one does.
            expected = "taken" if engine == "taken" else ("refused" if loader == "refused" else "warned")
            assert loader == expected, (access, start, engine, loader)
            parsed = acl.parse(access)[0]
            if parsed is not None:
                refused = acl.pattern_after_all_channels(parsed.channel_rules, start_all=start == "allchannels")
                assert (refused is None) == (engine == "taken"), (access, start)


def test_a_changed_default_leaves_the_users_that_exist_as_they_are(caches) -> None:
    harness = caches["sessions"].harness()
    with probe_user(harness):
        harness.execute_command("ACL", "SETUSER", PROBE, "reset", "on", "~*", "+@all")
        before = harness.acl_getuser(PROBE)["channels"]
        assert before == ["&*"]
        with pubsub_default(harness, "resetchannels"):
            assert harness.acl_getuser(PROBE)["channels"] == before
            harness.execute_command("ACL", "SETUSER", PROBE, "reset", "on", "~*", "+@all")
            assert [channel for channel in harness.acl_getuser(PROBE)["channels"] if channel] == []
