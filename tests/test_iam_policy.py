"""`iam/deployer-policy.json`, what whoever runs `pulumi up` needs: valid for an IAM linter, and enough for every
resource type the program registers (create, update, delete, tag), in every auth and key mode."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from parliament import analyze_policy_string

from elasticache_facts import tokens
from preflight.program import run_program
from preflight.stack_files import StackConfig
from tests.aws_api.provider_requests import requests_for
from tests.conftest import edit_cache

POLICY = Path(__file__).resolve().parents[1] / "iam" / "deployer-policy.json"
TOKEN = "Abcdefgh12345678-token"
PASSWORD = "Pw-0123456789abcdef"

# Per type the program registers: the API calls the provider makes to create, update, delete and tag it
# (terraform-provider-aws internal/service/<service>/<resource>.go call these; tags through the service's API).
ELASTICACHE_TAGS = ("elasticache:AddTagsToResource", "elasticache:RemoveTagsFromResource")
REQUIRED: dict[str, tuple[str, ...]] = {
    tokens.REPLICATION_GROUP: (
        "elasticache:CreateReplicationGroup",
        "elasticache:ModifyReplicationGroup",
        "elasticache:DeleteReplicationGroup",
        "elasticache:CreateSnapshot",  # the final snapshot taken on delete
        *ELASTICACHE_TAGS,
    ),
    tokens.SERVERLESS_CACHE: (
        "elasticache:CreateServerlessCache",
        "elasticache:ModifyServerlessCache",
        "elasticache:DeleteServerlessCache",
        *ELASTICACHE_TAGS,
    ),
    tokens.PARAMETER_GROUP: (
        "elasticache:CreateCacheParameterGroup",
        "elasticache:ModifyCacheParameterGroup",
        "elasticache:DeleteCacheParameterGroup",
        *ELASTICACHE_TAGS,
    ),
    tokens.SUBNET_GROUP: (
        "elasticache:CreateCacheSubnetGroup",
        "elasticache:ModifyCacheSubnetGroup",
        "elasticache:DeleteCacheSubnetGroup",
        *ELASTICACHE_TAGS,
    ),
    tokens.USER: ("elasticache:CreateUser", "elasticache:ModifyUser", "elasticache:DeleteUser", *ELASTICACHE_TAGS),
    tokens.USER_GROUP: (
        "elasticache:CreateUserGroup",
        "elasticache:ModifyUserGroup",
        "elasticache:DeleteUserGroup",
        *ELASTICACHE_TAGS,
    ),
    tokens.SECURITY_GROUP: (
        "ec2:CreateSecurityGroup",
        "ec2:RevokeSecurityGroupEgress",  # the provider removes AWS's default allow-all egress rule
        "ec2:DeleteSecurityGroup",
        "ec2:CreateTags",
        "ec2:DeleteTags",
    ),
    tokens.INGRESS_RULE: (
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:ModifySecurityGroupRules",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:CreateTags",
        "ec2:DeleteTags",
    ),
    tokens.KMS_KEY: (
        "kms:CreateKey",
        "kms:PutKeyPolicy",
        "kms:EnableKeyRotation",
        "kms:UpdateKeyDescription",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
    ),
    tokens.KMS_ALIAS: ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"),  # aliases take no tags
    tokens.LOG_GROUP: (
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:AssociateKmsKey",
        "logs:DeleteLogGroup",
        "logs:TagResource",
        "logs:UntagResource",
    ),
    tokens.SNS_TOPIC: (
        "sns:CreateTopic",
        "sns:SetTopicAttributes",
        "sns:DeleteTopic",
        "sns:TagResource",
        "sns:UntagResource",
    ),
    # Create, update and delete all set the topic's Policy attribute (delete restores SNS's default); no tags.
    tokens.SNS_TOPIC_POLICY: ("sns:SetTopicAttributes",),
    tokens.METRIC_ALARM: (
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
    ),
    # Local providers and engine built-ins: no AWS call.
    tokens.RANDOM_PASSWORD: (),
    tokens.RANDOM_STRING: (),
    tokens.COMPONENT: (),
    tokens.STACK_REFERENCE: (),
}
INVOKES = ("sts:GetCallerIdentity", "ec2:DescribeSubnets")


def policy() -> dict[str, Any]:
    return json.loads(POLICY.read_text())


def allowed(action: str, document: dict[str, Any]) -> bool:
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action, pattern) for pattern in actions):
            return True
    return False


def test_the_linter_finds_nothing() -> None:
    findings = analyze_policy_string(POLICY.read_text()).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_the_linter_would_catch_an_unknown_action_or_a_mismatched_resource() -> None:
    document = policy()
    document["Statement"][1]["Action"].append("elasticache:CreateReplicationGroups")
    document["Statement"].append({"Effect": "Allow", "Action": "sns:CreateTopic", "Resource": "arn:aws:s3:::x"})
    issues = {f.issue for f in analyze_policy_string(json.dumps(document)).findings}
    assert {"UNKNOWN_ACTION", "RESOURCE_MISMATCH"} <= issues


def variants(dev: StackConfig, prod: StackConfig) -> list[StackConfig]:
    token = edit_cache(prod, "ratelimit", auth={"mode": "token"})
    password = edit_cache(token, "sessions", auth={"mode": "password", "users": ["api"]})
    password = password.with_secret_values(
        cacheSecrets={"ratelimit": {"authToken": TOKEN}, "sessions": {"passwords": {"api": PASSWORD}}}
    )
    return [dev, prod, password]


def test_every_registered_type_has_its_create_update_delete_and_tag_actions(dev, prod) -> None:
    document = policy()
    registered = {r.type for config in variants(dev, prod) for r in run_program(config).resources}
    assert registered - set(REQUIRED) == set(), "a resource type without its IAM actions in this test"
    missing = [
        f"{type_token}: {action}"
        for type_token in sorted(registered)
        for action in REQUIRED[type_token]
        if not allowed(action, document)
    ]
    assert missing == []
    assert [action for action in INVOKES if not allowed(action, document)] == []


@pytest.mark.parametrize("action", ["elasticache:DeleteSnapshot", "iam:PassRole", "kms:Decrypt", "s3:GetObject"])
def test_nothing_beyond_what_deploying_needs(action: str) -> None:
    assert not allowed(action, policy())


def test_every_request_the_provider_sends_is_listed_and_allowed(dev, prod) -> None:
    """The requests `tests/aws_api` builds as the provider does: each one's action is in this test's list for its
    type and allowed by the policy (botocore's names of these six services are their IAM prefixes)."""
    document = policy()
    actions = {
        (resource.type, f"{request.service}:{request.operation}")
        for config in variants(dev, prod)
        for resource, request, _ in requests_for(run_program(config).resources)
    }
    assert {action for _, action in actions} >= {"elasticache:CreateReplicationGroup", "kms:EnableKeyRotation"}
    assert [(t, a) for t, a in sorted(actions) if a not in REQUIRED[t] or not allowed(a, document)] == []
