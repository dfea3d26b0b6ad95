from __future__ import annotations

from dataclasses import replace

import pytest
from guardrails.parameters import custom_parameter_group, eviction_policy

from tests.policies.harness import DROP, UNKNOWN, Item, check, check_stack, with_
from tests.policies.secure import (
    PARAMETER_GROUP,
    PG,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SESSIONS_TAGS,
    SLS,
    as_preview,
    secure_items,
)


def test_custom_parameter_group() -> None:
    assert check(custom_parameter_group, RG, REPLICATION_GROUP).passed
    assert check(custom_parameter_group, RG, with_(REPLICATION_GROUP, parameterGroupName=UNKNOWN)).passed
    unset = check(custom_parameter_group, RG, with_(REPLICATION_GROUP, parameterGroupName=DROP))
    assert "`parameterGroupName` is unset" in unset.text()
    default = check(custom_parameter_group, RG, with_(REPLICATION_GROUP, parameterGroupName="default.valkey8"))
    assert "'default.valkey8', a shared AWS default group" in default.text()
    assert check(custom_parameter_group, SLS, SERVERLESS_CACHE).not_applicable
    assert check(custom_parameter_group, RG, with_(REPLICATION_GROUP, globalReplicationGroupId="g")).not_applicable


def fed(items: list[Item], key: str) -> list[Item]:
    """`items` with the replication group's `key` computed from another resource (the KMS key's output)."""
    return [replace(i, depends={**i.depends, key: ["key"]}) if i.type == RG else i for i in items]


def stack(policy: str | None, workload: object = "sessions", **cache: object) -> list[Item]:
    """The secure stack with the sessions cache's eviction policy and workload tag changed."""
    items = []
    for item in secure_items():
        if item.type == PG:
            parameters = [{"name": "cluster-enabled", "value": "no"}]
            if policy is not None:
                parameters.append({"name": "maxmemory-policy", "value": policy})
            item = replace(item, properties=with_(PARAMETER_GROUP, parameters=parameters))
        elif item.type == RG:
            tags = dict(SESSIONS_TAGS)
            if workload is DROP:
                tags.pop("workload")
            else:
                tags["workload"] = workload
            item = replace(item, properties=with_(REPLICATION_GROUP, **{"tags": tags, **cache}))
        items.append(item)
    return items


@pytest.mark.parametrize(
    ("workload", "policy"),
    [
        ("sessions", "noeviction"),
        ("locks", "noeviction"),
        ("rate-limit", "volatile-ttl"),
        ("rate-limit", "noeviction"),
        ("agent-memory", None),  # the family default volatile-lru
        ("agent-memory", "volatile-lfu"),
        ("cache", "allkeys-lru"),
        ("cache", "allkeys-random"),
    ],
)
def test_policies_that_fit_the_workload(workload: str, policy: str | None) -> None:
    assert check_stack(eviction_policy, stack(policy, workload)).passed


@pytest.mark.parametrize(
    ("workload", "policy"),
    [
        ("sessions", "allkeys-lru"),
        ("sessions", None),
        ("locks", "volatile-lru"),
        ("rate-limit", "allkeys-lfu"),
        ("agent-memory", "allkeys-lru"),
        ("cache", "noeviction"),
    ],
)
def test_policies_that_do_not_fit_the_workload(workload: str, policy: str | None) -> None:
    outcome = check_stack(eviction_policy, stack(policy, workload))
    assert len(outcome.violations) == 1
    assert f"a '{workload}' cache needs `maxmemory-policy` in" in outcome.text()
    assert outcome.urns == ["urn:pulumi:test::project::" + RG + "::sessions-replication-group"]


def test_unset_policy_is_named_as_the_family_default() -> None:
    outcome = check_stack(eviction_policy, stack(None, "sessions"))
    assert "it runs 'volatile-lru', the family default (no parameter group of its own sets it)" in outcome.text()


def test_a_group_that_sets_the_family_defaults_policy_is_named_as_setting_it() -> None:
    # Told "the group does not set it", a user would look for a parameter that is already there.
    outcome = check_stack(eviction_policy, stack("volatile-lru", "sessions"))
    assert "its parameter group sessions-params-valkey8 sets 'volatile-lru'" in outcome.text()
    assert "family default" not in outcome.text()


def test_default_parameter_group_means_the_family_default() -> None:
    items = [
        replace(i, depends={k: v for k, v in i.depends.items() if k != "parameterGroupName"})
        for i in stack("noeviction")
    ]
    items = [
        replace(i, properties=with_(i.properties, parameterGroupName="default.valkey8")) if i.type == RG else i
        for i in items
    ]
    assert "it runs 'volatile-lru', the family default" in check_stack(eviction_policy, items).text()
    unset = [replace(i, properties=with_(i.properties, parameterGroupName=DROP)) if i.type == RG else i for i in items]
    assert "it runs 'volatile-lru', the family default" in check_stack(eviction_policy, unset).text()


def test_without_workload_tag_the_allowed_set_applies() -> None:
    assert check_stack(eviction_policy, stack("allkeys-lru", DROP)).passed
    outcome = check_stack(eviction_policy, stack("allkeys-random", DROP))
    assert "`maxmemory-policy` is 'allkeys-random', not one of" in outcome.text()
    config = {"allowedEvictionPolicies": ["allkeys-random"]}
    assert check_stack(eviction_policy, stack("allkeys-random", DROP), config=config).passed


def test_unknown_workload_value_is_flagged() -> None:
    assert (
        "`workload` tag 'queue' is not a known workload"
        in check_stack(eviction_policy, stack("noeviction", "queue")).text()
    )


def test_found_by_name_without_property_dependencies() -> None:
    items = [replace(i, depends={}) for i in stack("allkeys-lru")]
    assert "sessions-params-valkey8 sets 'allkeys-lru'" in check_stack(eviction_policy, items).text()


def test_found_by_property_dependency_when_the_name_is_unknown() -> None:
    assert check_stack(eviction_policy, [as_preview(i) for i in stack("noeviction")]).passed
    outcome = check_stack(eviction_policy, [as_preview(i) for i in stack("allkeys-lru")])
    assert "sessions-params-valkey8 sets 'allkeys-lru'" in outcome.text()


def test_what_cannot_be_read_is_advisory() -> None:
    external = [replace(i, depends={}) for i in stack("noeviction")]
    external = [
        replace(i, properties=with_(i.properties, parameterGroupName="shared-pg")) if i.type == RG else i
        for i in external
    ]
    outcome = check_stack(eviction_policy, external)
    assert outcome.violations == []
    assert "parameter group 'shared-pg' is not managed in this stack" in (outcome.advisory or "")
    unknown_value = [
        replace(i, properties=with_(i.properties, parameters=[{"name": "maxmemory-policy", "value": UNKNOWN}]))
        if i.type == PG
        else i
        for i in stack("noeviction")
    ]
    outcome = check_stack(eviction_policy, unknown_value)
    assert "sessions-params-valkey8.parameters[0]` is not known" in (outcome.advisory or "")
    unknown_tags = check_stack(eviction_policy, fed(stack("noeviction", tags=UNKNOWN), "tags"))
    assert "`tags` is not known" in (unknown_tags.advisory or "")


def test_global_secondaries_and_serverless_are_skipped() -> None:
    assert check_stack(eviction_policy, stack("allkeys-lru", globalReplicationGroupId="g")).passed


def test_configuring_one_workload_keeps_the_others() -> None:
    config = {"workloadEvictionPolicies": {"sessions": ["volatile-ttl"]}}
    assert check_stack(eviction_policy, stack("volatile-ttl", "sessions"), config=config).passed
    assert check_stack(eviction_policy, stack("noeviction", "sessions"), config=config).violations
    assert check_stack(eviction_policy, stack("noeviction", "locks"), config=config).passed
    extra = {"workloadEvictionPolicies": {"queue": ["noeviction"]}}
    assert check_stack(eviction_policy, stack("noeviction", "queue"), config=extra).passed


@pytest.mark.parametrize(("workload", "policy"), [("rate-limit", "volatile-ttl"), ("cache", "allkeys-lfu")])
def test_data_tiering_nodes_take_only_the_policies_aws_accepts_there(workload: str, policy: str) -> None:
    """r6gd nodes take only noeviction, volatile-lru and allkeys-lru (AWS "Engine specific parameters"), whatever
    fits the workload."""
    assert check_stack(eviction_policy, stack(policy, workload)).passed
    outcome = check_stack(eviction_policy, stack(policy, workload, nodeType="cache.r6gd.xlarge"))
    assert f"`maxmemory-policy` is {policy!r}, but data tiering nodes (r6gd) take only" in outcome.text()
    assert check_stack(eviction_policy, stack("noeviction", "rate-limit", nodeType="cache.r6gd.xlarge")).passed
    assert check_stack(eviction_policy, stack("allkeys-lru", "cache", dataTieringEnabled=True)).passed
    assert check_stack(eviction_policy, stack(policy, workload, dataTieringEnabled=True)).violations
    unknown = check_stack(eviction_policy, fed(stack(policy, workload, nodeType=UNKNOWN), "nodeType"))
    assert unknown.violations == []
    assert "`nodeType` is not known until apply" in (unknown.advisory or "")


def test_a_parameter_group_the_provider_computes_at_preview_is_the_default_group() -> None:
    # A group that sets no `parameterGroupName` shows it unknown in a preview's planned state (the provider
    # computes the engine's default group AWS assigns), fed by no resource: the program set none.
    items = [
        replace(
            i,
            properties=with_(i.properties, parameterGroupName=UNKNOWN),
            depends={k: v for k, v in i.depends.items() if k != "parameterGroupName"},
        )
        if i.type == RG
        else i
        for i in stack("noeviction")
    ]
    outcome = check_stack(eviction_policy, items)
    assert "it runs 'volatile-lru', the family default" in outcome.text()


def test_a_global_datastore_id_the_provider_computes_at_preview_is_no_secondary() -> None:
    # `globalReplicationGroupId` is provider-computed: a group that joins no global datastore shows it unknown in a
    # preview's planned state, fed by no resource. It is no secondary, so its eviction policy is judged.
    outcome = check_stack(eviction_policy, stack("allkeys-lru", globalReplicationGroupId=UNKNOWN))
    assert (
        "needs `maxmemory-policy` in noeviction, but its parameter group sessions-params-valkey8 sets 'allkeys-lru'"
        in outcome.text()
    )
    secondary = fed(stack("allkeys-lru", globalReplicationGroupId=UNKNOWN), "globalReplicationGroupId")
    assert check_stack(eviction_policy, secondary).passed


@pytest.mark.parametrize(
    ("group_name", "cache_names"),
    [("sessions-prod-valkey8", "Sessions-Prod-Valkey8"), ("SESSIONS-prod-valkey8", "sessions-prod-valkey8")],
)
def test_a_parameter_group_is_found_by_name_in_any_case(group_name: str, cache_names: str) -> None:
    """AWS stores parameter group names in lower case (botocore CreateCacheParameterGroupMessage
    `CacheParameterGroupName`: "stored as a lowercase string"), so a cache naming `Sessions-Prod-Valkey8` uses the
    group `sessions-prod-valkey8`: its eviction policy is judged, not reported as outside the stack."""
    items = [replace(i, depends={}) for i in stack("allkeys-lru")]
    items = [
        replace(i, properties=with_(i.properties, parameterGroupName=cache_names))
        if i.type == RG
        else replace(i, properties=with_(i.properties, name=group_name))
        if i.type == PG
        else i
        for i in items
    ]
    outcome = check_stack(eviction_policy, items)
    assert (
        "a 'sessions' cache needs `maxmemory-policy` in noeviction, but its parameter group sessions-params-valkey8 "
        "sets 'allkeys-lru'" in outcome.text()
    )
    assert outcome.advisory is None
