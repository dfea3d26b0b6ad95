"""Preview robustness, for every resource policy at once.

1. Never a false pass: wherever some value of a property makes a policy report a violation, the same
   property unknown at preview must not pass silently (it is reported, at least as advisory).
2. Never a crash: any property of any cache turned unknown, or into any JSON value at all, gives a
   classified outcome (violation, not applicable, advisory or pass), never an exception.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from guardrails.registry import RESOURCE_POLICIES, STACK_POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy import ResourceValidationPolicy

from tests.policies.harness import (
    DROP,
    UNKNOWN,
    UNKNOWN_ARRAY,
    UNKNOWN_BOOL,
    UNKNOWN_NUMBER,
    UNKNOWN_OBJECT,
    check,
    check_stack,
    with_,
)
from tests.policies.secure import (
    CLUSTER,
    PARAMETER_GROUP,
    PG,
    PROD_CONFIG,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SESSIONS_TAGS,
    SHARDED_GROUP,
    SLS,
    SNG,
    SUBNET_GROUP,
    USER,
    default_user,
    iam_user,
    secure_items,
)

POLICIES = RESOURCE_POLICIES
MEMCACHED = {
    "clusterId": "mc",
    "engine": "memcached",
    "engineVersion": "1.6.22",
    "nodeType": "cache.t4g.small",
    "numCacheNodes": 3,
    "preferredAvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"],
    "transitEncryptionEnabled": True,
    "subnetGroupName": "mc",
    "tags": SESSIONS_TAGS,
}
RESOURCES: list[tuple[str, dict[str, Any]]] = [
    (RG, REPLICATION_GROUP),
    (RG, SHARDED_GROUP),
    (SLS, SERVERLESS_CACHE),
    (USER, default_user("c", SESSIONS_TAGS)),
    (USER, iam_user("c", SESSIONS_TAGS)),
    (PG, PARAMETER_GROUP),
    (SNG, SUBNET_GROUP),
    (CLUSTER, MEMCACHED),
]
CANDIDATES: list[Any] = [
    DROP,
    False,
    0,
    "",
    "preferred",
    "default",
    "6.2",
    "cache.t2.micro",
    "on ~* +@all",
    "us-east-1d",
    ["us-east-1d"],
    {"type": "no-password-required"},
]

# An unknown value here can only come from another resource's output, which cannot be the insecure literal:
# a KMS key this stack creates is a customer-managed key; AWS reserves `default`/`default.*` names, so a
# subnet or parameter group resource never has one; a user group's id is a user group; a final snapshot
# identifier computed from another resource is an identifier (data protection asks only that one is set).
UNKNOWN_MEANS_SET = {"kmsKeyId", "subnetGroupName", "parameterGroupName", "userGroupId", "finalSnapshotIdentifier"}


def unknown_like(value: Any) -> str:
    if isinstance(value, bool):
        return UNKNOWN_BOOL
    if isinstance(value, int | float):
        return UNKNOWN_NUMBER
    if isinstance(value, list):
        return UNKNOWN_ARRAY
    if isinstance(value, dict):
        return UNKNOWN_OBJECT
    return UNKNOWN


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
def test_unknown_is_never_a_false_pass(policy: ResourceValidationPolicy) -> None:
    config = PROD_CONFIG.get(policy.name)
    silent = []
    for resource_type, properties in RESOURCES:
        if not check(policy, resource_type, properties, config=config).passed:
            continue  # not applicable to this kind of resource
        for key in properties:
            if key in UNKNOWN_MEANS_SET:
                continue
            if not any(
                check(policy, resource_type, with_(properties, **{key: value}), config=config).violations
                for value in CANDIDATES
            ):
                continue  # no value of this property matters to this policy
            unknown = with_(properties, **{key: unknown_like(properties[key])})
            if check(policy, resource_type, unknown, config=config).passed:
                silent.append(f"{resource_type.split(':')[-1]}.{key}")
    assert silent == [], f"unknown at preview, these pass {policy.name} silently"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
replacement = st.sampled_from([UNKNOWN, UNKNOWN_BOOL, UNKNOWN_NUMBER, UNKNOWN_ARRAY, UNKNOWN_OBJECT]) | json_values


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_policy_crashes_on_any_property_values(data: st.DataObject) -> None:
    resource_type, properties = data.draw(st.sampled_from(RESOURCES))
    keys = data.draw(st.lists(st.sampled_from(sorted(properties)), unique=True, max_size=5))
    mutated = with_(properties, **{key: data.draw(replacement) for key in keys})
    for policy in POLICIES:
        check(policy, resource_type, mutated, config=PROD_CONFIG.get(policy.name))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_policy_crashes_on_unknowns_inside_nested_values(data: st.DataObject) -> None:
    resource_type, properties = data.draw(st.sampled_from(RESOURCES[:3]))

    def sprinkle(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sprinkle(v) for k, v in value.items()}
        if isinstance(value, list):
            return [sprinkle(v) for v in value]
        return unknown_like(value) if data.draw(st.booleans()) else value

    mutated = sprinkle(properties)
    for policy in POLICIES:
        check(policy, resource_type, mutated, config=PROD_CONFIG.get(policy.name))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_stack_policy_crashes_on_any_property_values(data: st.DataObject) -> None:
    items = secure_items()
    for index in data.draw(st.lists(st.integers(0, len(items) - 1), unique=True, min_size=1, max_size=4)):
        item = items[index]
        keys = data.draw(st.lists(st.sampled_from(sorted(item.properties)), unique=True, min_size=1, max_size=3))
        properties = with_(item.properties, **{key: data.draw(replacement) for key in keys})
        items[index] = replace(item, properties=properties)
    for policy in STACK_POLICIES:
        check_stack(policy, items, config=PROD_CONFIG.get(policy.name))
