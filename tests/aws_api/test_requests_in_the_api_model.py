"""Every AWS call `pulumi up` would make for the planned stacks is one AWS's API model accepts.

The program's resources are turned into the provider's create (and follow-up) requests
(`provider_requests`), and each is checked against botocore's model of the service (`model`): members,
types, required members, lengths, closed sets and patterns. A value only the service would refuse (a log
group name with a space, an unknown transit encryption mode, a sixth alarm action) fails here, not ten
minutes into an update.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.aws_rules import check_tag_characters
from components.spec import TokenUpdateStrategy, TransitEncryptionMode
from elasticache_facts import tokens
from preflight.model import Plan, PlannedResource
from preflight.stack_files import StackConfig
from tests.aws_api import refusals
from tests.aws_api.model import closed_set, full_match, pattern
from tests.aws_api.provider_requests import BUILDERS, Inputs, requests_for
from tests.conftest import edit_cache
from tests.connect_stacks import every_mode

STACKS: dict[str, Callable[[StackConfig, StackConfig], StackConfig]] = {
    "dev, every mode (valkey)": lambda dev, prod: every_mode(dev),
    "dev, every mode (redis)": lambda dev, prod: every_mode(dev, engine="redis"),
    "prod": lambda dev, prod: prod,
    # 4 shards x 6 nodes: alarms past CloudWatch's 10 metrics per alarm, the most replicas AWS allows.
    "prod, 24-node sharded cache": lambda dev, prod: edit_cache(prod, "retrieval", shards=4, replicas=5),
}


@pytest.fixture(params=list(STACKS))
def plan(request: pytest.FixtureRequest, dev: StackConfig, prod: StackConfig, run: Callable[..., Plan]) -> Plan:
    return run(STACKS[request.param](dev, prod))


def test_every_request_is_one_the_api_model_accepts(plan: Plan) -> None:
    planned = {r.type for r in plan.resources if r.custom and r.type.startswith("aws:")}
    assert planned - set(BUILDERS) == set(), "an AWS type whose requests are not built"
    assert refusals(plan.resources) == {}
    tagged = [(r.name, key, value) for r in plan.resources for key, value in (r.inputs.get("tags") or {}).items()]
    assert [t for t in tagged if check_tag_characters(t[1]) or check_tag_characters(t[2])] == []


def test_the_requests_carry_what_the_program_set(dev: StackConfig, run: Callable[..., Plan]) -> None:
    """The builders read the inputs: the requests are the program's, not empty shells that pass any model."""
    plan = run(every_mode(dev))
    built = requests_for(plan.resources)
    operations = {request.operation for _, request, _ in built}
    assert {"CreateReplicationGroup", "PutMetricAlarm", "CreateUser", "AuthorizeSecurityGroupIngress"} <= operations
    assert {
        "CreateServerlessCache",
        "ModifyCacheParameterGroup",
        "PutRetentionPolicy",
        "SetTopicAttributes",
    } <= operations
    for resource, request, _ in built:
        if request.operation == "CreateReplicationGroup":
            assert request.params["ReplicationGroupId"] == resource.inputs["replicationGroupId"]
            assert request.params["TransitEncryptionMode"] == "required"
            assert request.params["CacheSubnetGroupName"] == resource.inputs["subnetGroupName"]
        if request.operation == "SetTopicAttributes":
            assert request.params["TopicArn"] == resource.inputs["arn"]
            assert (request.params["AttributeName"], request.params["AttributeValue"]) == (
                "Policy",
                resource.inputs["policy"],
            )
        if request.operation == "PutMetricAlarm" and "metricQueries" in resource.inputs:
            assert len(request.params["Metrics"]) == len(resource.inputs["metricQueries"])
            assert [m["ReturnData"] for m in request.params["Metrics"]].count(True) == 1


def _first(plan: Plan, type_token: str, has: str | None = None) -> PlannedResource:
    return next(r for r in plan.resources if r.type == type_token and (has is None or has in r.inputs))


def _refused(resource: PlannedResource, **inputs: Any) -> list[str]:
    """What AWS would refuse in the calls for `resource` with `inputs` set."""
    changed = dataclasses.replace(resource, inputs={**resource.inputs, **inputs})
    return [line for lines in refusals([changed]).values() for line in lines]


@pytest.fixture
def prod_plan(prod: StackConfig, run: Callable[..., Plan]) -> Plan:
    return run(prod)


def test_the_model_refuses_what_the_service_would(prod_plan: Plan) -> None:
    group = _first(prod_plan, tokens.REPLICATION_GROUP, has="nodeGroupConfigurations")
    alarm = _first(prod_plan, tokens.METRIC_ALARM, has="metricQueries")
    user = _first(prod_plan, tokens.USER, has="authenticationMode")
    logs = _first(prod_plan, tokens.LOG_GROUP)
    alias = _first(prod_plan, tokens.KMS_ALIAS)
    key = _first(prod_plan, tokens.KMS_KEY)
    assert _refused(group) == []
    cases = {
        "TransitEncryptionMode": _refused(group, transitEncryptionMode="require"),
        "NodeGroupId": _refused(
            group, nodeGroupConfigurations=[{**group.inputs["nodeGroupConfigurations"][0], "nodeGroupId": "00001"}]
        ),
        "LogFormat": _refused(
            group, logDeliveryConfigurations=[{**group.inputs["logDeliveryConfigurations"][0], "logFormat": "yaml"}]
        ),
        "AlarmActions": _refused(alarm, alarmActions=[f"arn:aws:sns:us-east-1:123456789012:t{i}" for i in range(6)]),
        "AlarmDescription": _refused(alarm, alarmDescription="x" * 1025),
        "ComparisonOperator": _refused(alarm, comparisonOperator="Above"),
        "EvaluationPeriods": _refused(alarm, evaluationPeriods=0),
        "AuthenticationMode.Type": _refused(user, authenticationMode={"type": "oauth"}),
        "UserId": _refused(user, userId="1-starts-with-a-digit"),
        "logGroupName": _refused(logs, name="/aws/elasticache/has a space"),
        "AliasName": _refused(alias, name="alias/elasticache/prod sessions"),
        "PendingWindowInDays": _refused(key, deletionWindowInDays=400),
    }
    for member, refused in cases.items():
        assert any(member in line for line in refused), (member, refused)


def test_a_required_member_left_out_is_refused(prod_plan: Plan) -> None:
    group = _first(prod_plan, tokens.REPLICATION_GROUP)
    inputs = {key: value for key, value in group.inputs.items() if key != "description"}
    create = refusals([dataclasses.replace(group, inputs=inputs)])[f"{group.name}: elasticache CreateReplicationGroup"]
    assert any("ReplicationGroupDescription" in line for line in create)


def test_an_input_no_builder_reads_is_left_over() -> None:
    inputs = Inputs({"name": "/aws/elasticache/x/slow-log", "retentionInDays": 7.0, "newInput": True})
    BUILDERS[tokens.LOG_GROUP](inputs)
    assert inputs.left_over() == {"newInput"}


def test_the_transit_encryption_modes_the_config_offers_are_the_api_models() -> None:
    """What a user may choose is what AWS accepts: a mode AWS adds or drops fails here."""
    modes = {mode.value for mode in TransitEncryptionMode}
    assert modes == closed_set("elasticache", "CreateReplicationGroup", "TransitEncryptionMode")
    # AWS's third strategy, DELETE, drops the token altogether: a change of auth mode, not a way to update it.
    strategies = {strategy.value for strategy in TokenUpdateStrategy}
    assert strategies | {"DELETE"} == closed_set("elasticache", "ModifyReplicationGroup", "AuthTokenUpdateStrategy")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.text(alphabet="aZ09 _.:/=+-@|#é\t", max_size=8))
def test_a_tag_the_config_accepts_is_one_cloudwatch_logs_accepts(text: str) -> None:
    """The config's tag rule (ElastiCache's) is within CloudWatch Logs' model, which tags the same log groups."""
    if check_tag_characters(text) is None:
        assert full_match(pattern("logs", "TagValue"), text)
        assert text == "" or full_match(pattern("logs", "TagKey"), text)
