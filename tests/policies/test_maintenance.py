from __future__ import annotations

import pytest
from guardrails.maintenance import auto_minor_version_upgrade, engine_version

from elasticache_facts import tokens
from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_BOOL, check, with_
from tests.policies.secure import CLUSTER, REPLICATION_GROUP, RG, SERVERLESS_CACHE, SLS

GLOBAL = tokens.GLOBAL_REPLICATION_GROUP


def test_minor_upgrades_on_or_unset_pass() -> None:
    assert check(auto_minor_version_upgrade, RG, REPLICATION_GROUP).passed
    # Unset: AWS turns it on.
    assert check(auto_minor_version_upgrade, RG, with_(REPLICATION_GROUP, autoMinorVersionUpgrade=DROP)).passed


def test_minor_upgrades_off_is_flagged() -> None:
    outcome = check(auto_minor_version_upgrade, RG, with_(REPLICATION_GROUP, autoMinorVersionUpgrade=False))
    assert "`autoMinorVersionUpgrade` is false" in outcome.text()
    # Cluster.autoMinorVersionUpgrade is a string in the schema.
    assert check(
        auto_minor_version_upgrade, CLUSTER, {"engine": "redis", "autoMinorVersionUpgrade": "false"}
    ).violations
    assert check(auto_minor_version_upgrade, CLUSTER, {"engine": "redis", "autoMinorVersionUpgrade": "true"}).passed


def test_minor_upgrades_unknown_and_not_applicable() -> None:
    unknown = check(auto_minor_version_upgrade, RG, with_(REPLICATION_GROUP, autoMinorVersionUpgrade=UNKNOWN_BOOL))
    assert "`autoMinorVersionUpgrade` is not known" in (unknown.advisory or "")
    assert check(auto_minor_version_upgrade, SLS, SERVERLESS_CACHE).not_applicable
    assert check(auto_minor_version_upgrade, CLUSTER, {"engine": "memcached"}).not_applicable
    assert check(auto_minor_version_upgrade, CLUSTER, {"replicationGroupId": "g"}).not_applicable


@pytest.mark.parametrize(
    ("engine", "version"),
    [("valkey", "7.2"), ("valkey", "8.1"), ("redis", "7.0"), ("redis", "7.1"), ("Valkey", "9.0"), ("valkey", None)],
)
def test_supported_engines_and_versions_pass(engine: str, version: str | None) -> None:
    props = with_(REPLICATION_GROUP, engine=engine, engineVersion=version if version else DROP)
    assert check(engine_version, RG, props).passed


@pytest.mark.parametrize(
    ("engine", "version", "message"),
    [
        ("redis", "6.2", "redis 6.2 is below the minimum 7.0"),
        ("redis", "6.x", "redis 6.x is below the minimum 7.0"),
        ("valkey", "7.1", "valkey 7.1 is below the minimum 7.2"),
        ("valkey", "latest", "'latest' is not an engine version"),
        ("dragonfly", "1.0", "engine 'dragonfly' is not allowed here"),
    ],
)
def test_unsupported_engines_and_versions_are_flagged(engine: str, version: str, message: str) -> None:
    outcome = check(engine_version, RG, with_(REPLICATION_GROUP, engine=engine, engineVersion=version))
    assert message in outcome.text()


def test_memcached_is_judged_by_its_own_versions_not_refused() -> None:
    assert check(engine_version, CLUSTER, {"engine": "memcached", "engineVersion": "1.6.22"}).passed
    assert check(engine_version, SLS, {**SERVERLESS_CACHE, "engine": "memcached", "majorEngineVersion": "1"}).passed
    old = check(engine_version, CLUSTER, {"engine": "memcached", "engineVersion": "1.5.16"})
    assert "memcached 1.5.16 is below the minimum 1.6" in old.text()
    refused = check(engine_version, CLUSTER, {"engine": "memcached"}, config={"allowedEngines": ["valkey"]})
    assert "engine 'memcached' is not allowed here" in refused.text()


def test_a_group_without_engine_is_redis_oss() -> None:
    outcome = check(engine_version, RG, with_(REPLICATION_GROUP, engine=DROP, engineVersion="6.2"))
    assert "redis 6.2 is below the minimum 7.0" in outcome.text()


def test_engine_config() -> None:
    config = {"allowedEngines": ["valkey"], "minimumEngineVersions": {"valkey": "8.0"}}
    assert "not allowed" in check(engine_version, RG, with_(REPLICATION_GROUP, engine="redis"), config=config).text()
    old = check(engine_version, RG, with_(REPLICATION_GROUP, engineVersion="7.2"), config=config)
    assert "below the minimum 8.0" in old.text()
    memcached = {"allowedEngines": ["memcached"], "minimumEngineVersions": {"memcached": "1.6.12"}}
    assert check(engine_version, CLUSTER, {"engine": "memcached", "engineVersion": "1.6.22"}, config=memcached).passed
    assert check(
        engine_version, CLUSTER, {"engine": "memcached", "engineVersion": "1.6.6"}, config=memcached
    ).violations


def test_serverless_compares_major_versions() -> None:
    assert check(engine_version, SLS, SERVERLESS_CACHE).passed
    assert check(engine_version, SLS, with_(SERVERLESS_CACHE, majorEngineVersion="7")).passed  # valkey 7 is 7.2
    assert (
        "below the minimum"
        in check(engine_version, SLS, with_(SERVERLESS_CACHE, engine="redis", majorEngineVersion="6")).text()
    )


def test_engine_unknown_secondary_and_global_datastore() -> None:
    unknown = check(engine_version, RG, with_(REPLICATION_GROUP, engineVersion=UNKNOWN))
    assert "`engineVersion` is not known" in (unknown.advisory or "")
    secondary = with_(REPLICATION_GROUP, globalReplicationGroupId="g", engine="redis", engineVersion="5.0.6")
    assert check(engine_version, RG, secondary).not_applicable
    assert check(
        engine_version, GLOBAL, {"globalReplicationGroupIdSuffix": "x", "primaryReplicationGroupId": "p"}
    ).not_applicable
    assert check(engine_version, GLOBAL, {"engine": "redis", "engineVersion": "6.2"}).violations


def test_a_global_datastore_version_without_an_engine_is_judged() -> None:
    """pulumi-aws `GlobalReplicationGroup`: with `engineVersion` set, the datastore and all its members move to it,
    and `engine` defaults to redis; a version below every Redis-protocol minimum is refused, a Valkey one is not."""
    base = {"globalReplicationGroupIdSuffix": "x", "primaryReplicationGroupId": "p"}
    old = check(engine_version, GLOBAL, {**base, "engineVersion": "6.2"})
    assert "`engineVersion` 6.2 is below the minimum for this environment (redis 7.0, valkey 7.2)" in old.text()
    assert "below the minimum" in check(engine_version, GLOBAL, {**base, "engineVersion": "6.x"}).text()
    for fine in ("7.0", "7.1", "7.2", "8.0", "9.0"):
        assert check(engine_version, GLOBAL, {**base, "engineVersion": fine}).passed, fine
    # A Valkey-only environment does not refuse a version alone for the provider's default engine.
    valkey_only = {"allowedEngines": ["valkey"]}
    assert check(engine_version, GLOBAL, {**base, "engineVersion": "8.0"}, config=valkey_only).passed
    assert "is not an engine version" in check(engine_version, GLOBAL, {**base, "engineVersion": "latest"}).text()
    unknown = check(engine_version, GLOBAL, {**base, "engineVersion": UNKNOWN})
    assert "`engineVersion` is not known" in (unknown.advisory or "")
