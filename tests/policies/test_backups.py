from __future__ import annotations

from guardrails.backups import backup_retention

from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_NUMBER, check, with_
from tests.policies.secure import CLUSTER, REPLICATION_GROUP, RG, SERVERLESS_CACHE, SLS

PROD = {"minimumRetentionDays": 7}


def test_retention_at_or_above_the_minimum_passes() -> None:
    assert check(backup_retention, RG, REPLICATION_GROUP, config=PROD).passed
    assert check(backup_retention, SLS, SERVERLESS_CACHE, config=PROD).passed
    assert check(backup_retention, RG, with_(REPLICATION_GROUP, snapshotRetentionLimit=1)).passed  # default: 1


def test_short_or_unset_retention_is_flagged() -> None:
    short = check(backup_retention, RG, with_(REPLICATION_GROUP, snapshotRetentionLimit=3), config=PROD)
    assert "`snapshotRetentionLimit` is 3; this environment keeps at least 7 day(s)" in short.text()
    unset = check(backup_retention, SLS, with_(SERVERLESS_CACHE, snapshotRetentionLimit=DROP))
    assert "unset (AWS default: 0, no backups)" in unset.text()
    off = check(backup_retention, RG, with_(REPLICATION_GROUP, snapshotRetentionLimit=0))
    assert "`snapshotRetentionLimit` is 0" in off.text()


def test_redis_and_valkey_alike_memcached_not_applicable() -> None:
    redis = with_(REPLICATION_GROUP, engine="redis", snapshotRetentionLimit=0)
    assert check(backup_retention, RG, redis).violations
    assert check(backup_retention, RG, with_(redis, engine=DROP)).violations  # Redis OSS by default
    assert check(backup_retention, RG, with_(redis, engine="Valkey")).violations
    memcached = check(backup_retention, SLS, with_(SERVERLESS_CACHE, engine="memcached", snapshotRetentionLimit=DROP))
    assert "ElastiCache takes no snapshots" in (memcached.not_applicable or "")
    assert check(backup_retention, CLUSTER, {"engine": "memcached"}).not_applicable
    assert check(backup_retention, CLUSTER, {"replicationGroupId": "g"}).not_applicable
    assert check(backup_retention, CLUSTER, {"engine": "redis", "snapshotRetentionLimit": 0}).violations


def test_unknown_is_advisory() -> None:
    outcome = check(backup_retention, RG, with_(REPLICATION_GROUP, snapshotRetentionLimit=UNKNOWN_NUMBER))
    assert outcome.violations == []
    assert "`snapshotRetentionLimit` is not known" in (outcome.advisory or "")
    engine = check(backup_retention, RG, with_(REPLICATION_GROUP, engine=UNKNOWN))
    assert "`engine` is not known" in (engine.advisory or "")


def test_a_retention_that_is_not_a_number_is_flagged() -> None:
    outcome = check(backup_retention, RG, with_(REPLICATION_GROUP, snapshotRetentionLimit="a week"))
    assert "`snapshotRetentionLimit` is 'a week'" in outcome.text()
