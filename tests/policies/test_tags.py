from __future__ import annotations

from guardrails.tags import required_tags

from elasticache_facts import tokens
from tests.policies.harness import UNKNOWN, check, with_
from tests.policies.secure import (
    PARAMETER_GROUP,
    PG,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SESSIONS_TAGS,
    SLS,
    SNG,
    SUBNET_GROUP,
    UG,
    USER,
    default_user,
    user_group,
)


def test_every_elasticache_resource_carries_the_tags() -> None:
    for resource_type, props in (
        (RG, REPLICATION_GROUP),
        (SLS, SERVERLESS_CACHE),
        (PG, PARAMETER_GROUP),
        (SNG, SUBNET_GROUP),
        (USER, default_user("c", SESSIONS_TAGS)),
        (UG, user_group("c", SESSIONS_TAGS)),
    ):
        assert check(required_tags, resource_type, props).passed, resource_type
        untagged = check(required_tags, resource_type, with_(props, tags={"team": "platform"}))
        assert untagged.violations == [
            "missing tag(s) environment, costCentre (required: environment, team, costCentre). Add them to `tags` "
            "or to the provider's `defaultTags`."
        ], resource_type


def test_empty_values_do_not_count_and_config_names_the_keys() -> None:
    blank = with_(REPLICATION_GROUP, tags={**SESSIONS_TAGS, "team": "  "})
    assert "missing tag(s) team" in check(required_tags, RG, blank).text()
    config = {"requiredTags": ["owner"]}
    assert "missing tag(s) owner" in check(required_tags, RG, REPLICATION_GROUP, config=config).text()
    assert check(required_tags, RG, REPLICATION_GROUP, config={"requiredTags": []}).not_applicable


def test_provider_default_tags_count() -> None:
    provider = {"region": "us-east-1", "defaultTags": {"tags": {"environment": "prod", "costCentre": "cc-1"}}}
    props = with_(REPLICATION_GROUP, tags={"team": "platform"})
    assert check(required_tags, RG, props, provider=provider).passed


def test_unknown_tags() -> None:
    # A known key with a value computed elsewhere is there.
    assert check(required_tags, RG, with_(REPLICATION_GROUP, tags={**SESSIONS_TAGS, "team": UNKNOWN})).passed
    # `tagsAll` is computed in every preview: it must not hide known `tags`.
    assert check(required_tags, RG, with_(REPLICATION_GROUP, tagsAll=UNKNOWN)).passed
    whole = check(required_tags, RG, with_(REPLICATION_GROUP, tags=UNKNOWN))
    assert "`tags` is not known" in (whole.advisory or "")


def test_untaggable_and_foreign_resources() -> None:
    assert check(required_tags, tokens.GLOBAL_REPLICATION_GROUP, {}).not_applicable
    assert check(required_tags, "aws:s3/bucket:Bucket", {}).passed


def test_unknown_provider_default_tags_are_advisory_not_missing() -> None:
    props = with_(REPLICATION_GROUP, tags={"workload": "sessions"})
    outcome = check(required_tags, RG, props, provider={"region": "us-east-1", "defaultTags": UNKNOWN})
    assert outcome.violations == []
    assert "`p.defaultTags.tags` is not known until apply" in (outcome.advisory or "")
    known = check(required_tags, RG, props, provider={"region": "us-east-1", "defaultTags": {"tags": {"a": "b"}}})
    assert "missing tag(s)" in known.text()
