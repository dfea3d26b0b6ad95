from __future__ import annotations

from guardrails.encryption import encryption_at_rest, encryption_in_transit, transit_encryption_mode

from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_BOOL, check, with_
from tests.policies.secure import (
    CLUSTER,
    KMS_KEY,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SLS,
    SNG,
)

SECONDARY = with_(REPLICATION_GROUP, globalReplicationGroupId="ldgnf-sessions")
MEMCACHED = {"clusterId": "mc", "engine": "memcached", "engineVersion": "1.6.22", "nodeType": "cache.t4g.small"}


# -- in transit -----------------------------------------------------------------------------------------------


def test_in_transit_passes_a_tls_replication_group() -> None:
    assert check(encryption_in_transit, RG, REPLICATION_GROUP).passed


def test_in_transit_flags_tls_off_or_unset() -> None:
    off = check(encryption_in_transit, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled=False))
    unset = check(encryption_in_transit, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled=DROP))
    assert "`transitEncryptionEnabled` is false" in off.text()
    assert "unset (AWS default: off)" in unset.text()


def test_in_transit_unknown_is_advisory_not_a_pass() -> None:
    outcome = check(encryption_in_transit, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled=UNKNOWN_BOOL))
    assert outcome.violations == []
    assert outcome.advisory == "`transitEncryptionEnabled` is not known until apply; checked again at `pulumi up`"


def test_in_transit_memcached_cluster() -> None:
    assert check(encryption_in_transit, CLUSTER, with_(MEMCACHED, transitEncryptionEnabled=True)).passed
    assert "`transitEncryptionEnabled` is unset" in check(encryption_in_transit, CLUSTER, MEMCACHED).text()
    old = check(encryption_in_transit, CLUSTER, with_(MEMCACHED, engineVersion="1.6.6", transitEncryptionEnabled=True))
    assert "Memcached 1.6.6 cannot encrypt in transit" in old.text()


def test_in_transit_standalone_redis_cluster_is_flagged_and_members_are_not_applicable() -> None:
    standalone = check(encryption_in_transit, CLUSTER, {"clusterId": "r", "engine": "valkey", "numCacheNodes": 1})
    assert "standalone Redis OSS/Valkey" in standalone.text()
    member = check(encryption_in_transit, CLUSTER, {"clusterId": "r", "replicationGroupId": "sessions-prod"})
    assert "belongs to a replication group" in (member.not_applicable or "")


def test_in_transit_not_applicable_to_serverless_and_global_secondaries() -> None:
    assert check(encryption_in_transit, SLS, SERVERLESS_CACHE).not_applicable == (
        "serverless caches always encrypt in transit"
    )
    secondary = check(encryption_in_transit, RG, with_(SECONDARY, transitEncryptionEnabled=DROP))
    assert "global datastore secondary" in (secondary.not_applicable or "")
    unknown_id = check(encryption_in_transit, RG, with_(REPLICATION_GROUP, globalReplicationGroupId=UNKNOWN))
    assert unknown_id.not_applicable is not None


def test_in_transit_ignores_other_resource_types() -> None:
    outcome = check(encryption_in_transit, SNG, {"name": "x"})
    assert outcome.passed


# -- transit mode -----------------------------------------------------------------------------------------------


def test_mode_required_passes() -> None:
    assert check(transit_encryption_mode, RG, REPLICATION_GROUP).passed


def test_mode_preferred_explains_the_two_step_migration() -> None:
    outcome = check(transit_encryption_mode, RG, with_(REPLICATION_GROUP, transitEncryptionMode="preferred"))
    [message] = outcome.violations
    assert "accepts plaintext" in message
    assert "step 1" in message
    assert "step 2 applies `transitEncryptionMode: required`" in message
    assert "7.0.5" in message
    assert "upgrade first" not in message


def test_mode_preferred_below_705_says_to_upgrade() -> None:
    outcome = check(
        transit_encryption_mode,
        RG,
        with_(REPLICATION_GROUP, engine="redis", engineVersion="6.2", transitEncryptionMode="preferred"),
    )
    assert "Engine 6.2 is below 7.0.5: upgrade first" in outcome.text()


def test_mode_unset_on_a_tls_group_is_required_and_passes() -> None:
    # AWS creates a group with TLS on as `required` unless the same request asks for `preferred`.
    assert check(transit_encryption_mode, RG, with_(REPLICATION_GROUP, transitEncryptionMode=DROP)).passed


def test_mode_strange_is_flagged() -> None:
    odd = check(transit_encryption_mode, RG, with_(REPLICATION_GROUP, transitEncryptionMode="sometimes"))
    assert "'sometimes'" in odd.text()


def test_mode_not_applicable_without_tls_or_where_there_is_no_mode() -> None:
    no_tls = check(transit_encryption_mode, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled=False))
    assert "elasticache-encryption-in-transit reports that" in (no_tls.not_applicable or "")
    assert check(transit_encryption_mode, SLS, SERVERLESS_CACHE).not_applicable
    assert check(transit_encryption_mode, CLUSTER, MEMCACHED).not_applicable
    assert check(transit_encryption_mode, RG, SECONDARY).not_applicable


def test_mode_unknown_is_advisory() -> None:
    outcome = check(transit_encryption_mode, RG, with_(REPLICATION_GROUP, transitEncryptionMode=UNKNOWN))
    assert outcome.violations == []
    assert "`transitEncryptionMode` is not known until apply" in (outcome.advisory or "")


# -- at rest -----------------------------------------------------------------------------------------------------


def test_at_rest_passes_and_flags_off() -> None:
    assert check(encryption_at_rest, RG, REPLICATION_GROUP).passed
    off = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, atRestEncryptionEnabled=False))
    assert "`atRestEncryptionEnabled` is false" in off.text()


def test_at_rest_unset_follows_the_engine_default() -> None:
    # AWS encrypts Valkey at rest by default and Redis OSS not: unset means exactly that.
    valkey = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, atRestEncryptionEnabled=DROP))
    redis = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, atRestEncryptionEnabled=DROP, engine="redis"))
    no_engine = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, atRestEncryptionEnabled=DROP, engine=DROP))
    assert valkey.passed
    assert "AWS default for Redis OSS: off" in redis.text()
    assert "AWS default for Redis OSS: off" in no_engine.text()  # a group without engine is Redis OSS
    unknown_engine = check(
        encryption_at_rest, RG, with_(REPLICATION_GROUP, atRestEncryptionEnabled=DROP, engine=UNKNOWN)
    )
    assert unknown_engine.violations == []
    assert "`engine`" in (unknown_engine.advisory or "")


def test_at_rest_customer_managed_key_when_required() -> None:
    required = {"requireCustomerManagedKey": True}
    assert check(encryption_at_rest, RG, REPLICATION_GROUP, config=required).passed
    without = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, kmsKeyId=DROP), config=required)
    assert "AWS-owned key" in without.text()
    # Default config: the AWS-owned key is fine.
    assert check(encryption_at_rest, RG, with_(REPLICATION_GROUP, kmsKeyId=DROP)).passed
    # A key created in the same stack is unknown at preview, and still a customer-managed key.
    assert check(encryption_at_rest, RG, with_(REPLICATION_GROUP, kmsKeyId=UNKNOWN), config=required).passed


def test_at_rest_key_allow_list() -> None:
    config = {"allowedKmsKeyArns": [KMS_KEY]}
    assert check(encryption_at_rest, RG, REPLICATION_GROUP, config=config).passed
    other = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, kmsKeyId="arn:aws:kms:x:1:key/other"), config=config)
    assert "not one of the allowed KMS keys" in other.text()
    unknown = check(encryption_at_rest, RG, with_(REPLICATION_GROUP, kmsKeyId=UNKNOWN), config=config)
    assert unknown.violations == []
    assert "`kmsKeyId` is not known until apply" in (unknown.advisory or "")


def test_at_rest_serverless_only_judges_the_key() -> None:
    required = {"requireCustomerManagedKey": True}
    assert check(encryption_at_rest, SLS, SERVERLESS_CACHE, config=required).passed
    assert (
        "AWS-owned key"
        in check(encryption_at_rest, SLS, with_(SERVERLESS_CACHE, kmsKeyId=DROP), config=required).text()
    )
    assert check(encryption_at_rest, SLS, with_(SERVERLESS_CACHE, kmsKeyId=DROP)).passed


def test_at_rest_clusters_and_secondaries() -> None:
    assert "no encryption at rest" in (check(encryption_at_rest, CLUSTER, MEMCACHED).not_applicable or "")
    assert "standalone" in check(encryption_at_rest, CLUSTER, {"engine": "redis"}).text()
    assert check(encryption_at_rest, RG, with_(SECONDARY, atRestEncryptionEnabled=DROP, engine=DROP)).not_applicable


def test_a_flag_that_is_not_a_boolean_is_not_on() -> None:
    outcome = check(encryption_in_transit, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled="maybe"))
    assert "`transitEncryptionEnabled` is 'maybe'" in outcome.text()
    # The string forms a schema may carry count as booleans.
    assert check(encryption_in_transit, RG, with_(REPLICATION_GROUP, transitEncryptionEnabled="true")).passed
