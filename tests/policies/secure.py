"""A realistic, secure ElastiCache deployment (prod, us-east-1), as the resources' camelCase inputs.

Two caches: a node-based Valkey replication group for sessions (a node in each of the three app AZs, primary
in the first) and a serverless Valkey cache for a plain cache workload, each with its own security group
admitting the cache port from the application's security group only, RBAC with a disabled default user and an
IAM user, a customer-managed KMS key, and the required tags. Every policy in the pack passes it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from elasticache_facts import tokens
from preflight.model import PlannedResource, ResourceOptions
from tests.policies.harness import DROP, UNKNOWN, Item, secret, urn_of, with_

APP_AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
SUBNETS = {
    "subnet-01a2b3c4d5e6f7a81": "us-east-1a",
    "subnet-02b3c4d5e6f7a8b92": "us-east-1b",
    "subnet-03c4d5e6f7a8b9ca3": "us-east-1c",
}
APP_SG = "sg-04d5e6f7a8b9cadb4"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b9e3a4c-5d6e-4f70-8a91-b2c3d4e5f607"
SESSIONS_SG = "sg-0a1b2c3d4e5f60718"
PROMPTS_SG = "sg-0f1e2d3c4b5a69788"

STACK_CONFIG = {"aws:region": "us-east-1", "elasticache:network": json.dumps({"appAvailabilityZones": APP_AZS})}
"""The stack config this deployment's program would hand the pack (`PULUMI_CONFIG`): its region (which the budget
prices in) and where its app AZs live."""

PROD_CONFIG: dict[str, Any] = {
    "elasticache-same-az-placement": {"appAvailabilityZones": APP_AZS},
    "elasticache-backup-retention": {"minimumRetentionDays": 7},
    "elasticache-encryption-at-rest": {"requireCustomerManagedKey": True},
}


def tags(workload: str, cache: str) -> dict[str, str]:
    return {
        "environment": "prod",
        "team": "platform",
        "costCentre": "cc-1042",
        "workload": workload,
        "managedBy": "pulumi",
        "cache": cache,
    }


SESSIONS_TAGS = tags("sessions", "sessions")
PROMPTS_TAGS = tags("cache", "prompts")

REPLICATION_GROUP: dict[str, Any] = {
    "replicationGroupId": "sessions-prod",
    "description": "User sessions",
    "engine": "valkey",
    "engineVersion": "8.1",
    "nodeType": "cache.r7g.large",
    "port": 6379,
    "networkType": "ipv4",
    "ipDiscovery": "ipv4",
    "parameterGroupName": "sessions-prod-valkey8",
    "subnetGroupName": "sessions-prod",
    "securityGroupIds": [SESSIONS_SG],
    "atRestEncryptionEnabled": True,
    "kmsKeyId": KMS_KEY,
    "transitEncryptionEnabled": True,
    "transitEncryptionMode": "required",
    "automaticFailoverEnabled": True,
    "multiAzEnabled": True,
    "clusterMode": "disabled",
    "numCacheClusters": 3,
    "preferredCacheClusterAzs": APP_AZS,
    "snapshotRetentionLimit": 14,
    "snapshotWindow": "03:00-04:00",
    "finalSnapshotIdentifier": "sessions-prod-final",
    "maintenanceWindow": "sun:05:00-sun:06:00",
    "autoMinorVersionUpgrade": True,
    "applyImmediately": True,
    "logDeliveryConfigurations": [
        {
            "destination": f"/aws/elasticache/sessions-prod/{log_type}",
            "destinationType": "cloudwatch-logs",
            "logFormat": "json",
            "logType": log_type,
        }
        for log_type in ("slow-log", "engine-log")
    ],
    "userGroupIds": ["sessions-prod"],
    "tags": SESSIONS_TAGS,
}

SHARDED_GROUP: dict[str, Any] = with_(
    REPLICATION_GROUP,
    replicationGroupId="retrieval-prod",
    clusterMode="enabled",
    numCacheClusters=DROP,
    preferredCacheClusterAzs=DROP,
    numNodeGroups=3,
    replicasPerNodeGroup=1,
    nodeGroupConfigurations=[
        {
            "nodeGroupId": "0001",
            "primaryAvailabilityZone": "us-east-1a",
            "replicaAvailabilityZones": ["us-east-1b"],
            "replicaCount": 1,
        },
        {
            "nodeGroupId": "0002",
            "primaryAvailabilityZone": "us-east-1a",
            "replicaAvailabilityZones": ["us-east-1c"],
            "replicaCount": 1,
        },
        {
            "nodeGroupId": "0003",
            "primaryAvailabilityZone": "us-east-1a",
            "replicaAvailabilityZones": ["us-east-1b"],
            "replicaCount": 1,
        },
    ],
    tags=tags("cache", "retrieval"),
)

SERVERLESS_CACHE: dict[str, Any] = {
    "name": "prompts-prod",
    "description": "Prompt templates",
    "engine": "valkey",
    "majorEngineVersion": "8",
    "cacheUsageLimits": {
        "dataStorage": {"maximum": 10, "unit": "GB"},
        "ecpuPerSeconds": [{"maximum": 5000}],
    },
    "dailySnapshotTime": "03:00",
    "snapshotRetentionLimit": 7,
    "securityGroupIds": [PROMPTS_SG],
    "subnetIds": list(SUBNETS),
    "userGroupId": "prompts-prod",
    "kmsKeyId": KMS_KEY,
    "networkType": "ipv4",
    "tags": {**PROMPTS_TAGS, "subnetAvailabilityZones": " ".join(sorted(set(SUBNETS.values())))},
}

PARAMETER_GROUP: dict[str, Any] = {
    "name": "sessions-prod-valkey8",
    "family": "valkey8",
    "description": "sessions: noeviction",
    "parameters": [
        {"name": "maxmemory-policy", "value": "noeviction"},
        {"name": "cluster-enabled", "value": "no"},
    ],
    "tags": SESSIONS_TAGS,
}

SUBNET_GROUP: dict[str, Any] = {
    "name": "sessions-prod",
    "description": "Private subnets",
    "subnetIds": list(SUBNETS),
    "tags": SESSIONS_TAGS,
}


def default_user(cache: str, cache_tags: dict[str, str]) -> dict[str, Any]:
    return {
        "userId": f"{cache}-default",
        "userName": "default",
        "engine": "valkey",
        "accessString": "off -@all",
        "passwordsWo": secret("d" * 64),
        "passwordsWoVersion": 1,
        "tags": cache_tags,
    }


def iam_user(cache: str, cache_tags: dict[str, str]) -> dict[str, Any]:
    return {
        "userId": f"{cache}-app",
        "userName": f"{cache}-app",
        "engine": "valkey",
        "accessString": "on ~* &* +@all -@dangerous",
        "authenticationMode": {"type": "iam"},
        "tags": cache_tags,
    }


def user_group(cache: str, cache_tags: dict[str, str]) -> dict[str, Any]:
    return {
        "userGroupId": cache,
        "engine": "valkey",
        "userIds": [f"{cache}-default", f"{cache}-app"],
        "tags": cache_tags,
    }


def security_group(name: str, cache_tags: dict[str, str]) -> dict[str, Any]:
    return {
        "name": f"{name}-cache",
        "description": f"ElastiCache {name}: cache port from the application security groups only",
        "vpcId": "vpc-05f1e2d3c4b5a6978",
        "tags": cache_tags,
    }


def ingress_rule(group_id: str, low: int, high: int, cache_tags: dict[str, str]) -> dict[str, Any]:
    return {
        "securityGroupId": group_id,
        "referencedSecurityGroupId": APP_SG,
        "ipProtocol": "tcp",
        "fromPort": low,
        "toPort": high,
        "description": "from the application",
        "tags": cache_tags,
    }


RG = tokens.REPLICATION_GROUP
ALARM = tokens.METRIC_ALARM
SLS = tokens.SERVERLESS_CACHE
PG = tokens.PARAMETER_GROUP
SNG = tokens.SUBNET_GROUP
USER = tokens.USER
UG = tokens.USER_GROUP
SG = tokens.SECURITY_GROUP
INGRESS = tokens.INGRESS_RULE
EGRESS = tokens.EGRESS_RULE
SG_RULE = tokens.SECURITY_GROUP_RULE
CLUSTER = tokens.CLUSTER
KMS = tokens.KMS_KEY


def secure_items() -> list[Item]:
    """The whole secure deployment, with the property dependencies the program's outputs create."""
    return [
        Item(KMS, "key", {"description": "ElastiCache at rest", "enableKeyRotation": True}),
        Item(SG, "sessions-sg", security_group("sessions-prod", SESSIONS_TAGS)),
        Item(
            INGRESS,
            "sessions-ingress-0",
            ingress_rule(SESSIONS_SG, 6379, 6379, SESSIONS_TAGS),
            {"securityGroupId": ["sessions-sg"]},
        ),
        Item(SNG, "sessions-subnets", SUBNET_GROUP),
        Item(PG, "sessions-params-valkey8", PARAMETER_GROUP),
        Item(USER, "sessions-user-default", default_user("sessions-prod", SESSIONS_TAGS)),
        Item(USER, "sessions-user-app", iam_user("sessions-prod", SESSIONS_TAGS)),
        Item(
            UG,
            "sessions-users",
            user_group("sessions-prod", SESSIONS_TAGS),
            {"userIds": ["sessions-user-default", "sessions-user-app"]},
        ),
        Item(
            RG,
            "sessions-replication-group",
            REPLICATION_GROUP,
            {
                "securityGroupIds": ["sessions-sg"],
                "parameterGroupName": ["sessions-params-valkey8"],
                "subnetGroupName": ["sessions-subnets"],
                "userGroupIds": ["sessions-users"],
                "kmsKeyId": ["key"],
            },
        ),
        Item(SG, "prompts-sg", security_group("prompts-prod", PROMPTS_TAGS)),
        Item(
            INGRESS,
            "prompts-ingress-0",
            ingress_rule(PROMPTS_SG, 6379, 6380, PROMPTS_TAGS),
            {"securityGroupId": ["prompts-sg"]},
        ),
        Item(USER, "prompts-user-default", default_user("prompts-prod", PROMPTS_TAGS)),
        Item(USER, "prompts-user-app", iam_user("prompts-prod", PROMPTS_TAGS)),
        Item(
            UG,
            "prompts-users",
            user_group("prompts-prod", PROMPTS_TAGS),
            {"userIds": ["prompts-user-default", "prompts-user-app"]},
        ),
        Item(
            SLS,
            "prompts-serverless",
            SERVERLESS_CACHE,
            {"securityGroupIds": ["prompts-sg"], "userGroupId": ["prompts-users"], "kmsKeyId": ["key"]},
        ),
        *(
            Item(ALARM, f"sessions-{metric}", alarm(metric, {"CacheClusterId": "sessions-prod-001"}))
            for metric in ("EngineCPUUtilization", "DatabaseMemoryUsagePercentage")
        ),
        *(
            Item(ALARM, f"prompts-{metric}", alarm(metric, {"clusterId": "prompts-prod"}))
            for metric in ("ElastiCacheProcessingUnits", "BytesUsedForCache")
        ),
    ]


def secure_item(name: str) -> Item:
    """One resource of the secure deployment, by name."""
    return next(candidate for candidate in secure_items() if candidate.name == name)


def secure_items_with(*changes: Item, drop: tuple[str, ...] = ()) -> list[Item]:
    """The secure deployment with `changes` in place of (or beside) the resources of their names, `drop` left out."""
    by_name = {item.name: item for item in secure_items() if item.name not in drop}
    for item in changes:
        by_name[item.name] = item
    return list(by_name.values())


def alarm(metric: str, dimensions: dict[str, str]) -> dict[str, Any]:
    return {
        "namespace": "AWS/ElastiCache",
        "metricName": metric,
        "dimensions": dimensions,
        "statistic": "Average",
        "threshold": 80,
        "comparisonOperator": "GreaterThanThreshold",
        "period": 60,
        "evaluationPeriods": 3,
        "alarmActions": ["arn:aws:sns:us-east-1:123456789012:oncall"],
    }


# Serverless caches take no final snapshot: the secure deployment protects them.
PROTECTED = frozenset({"prompts-serverless"})


# What each resource's provider computes (the ids other resources' inputs were made from).
_COMPUTED: dict[str, dict[str, Any]] = {
    "key": {"arn": KMS_KEY, "keyId": KMS_KEY.rsplit("/", 1)[1]},
    "sessions-sg": {"id": SESSIONS_SG, "ingress": [], "egress": []},
    "prompts-sg": {"id": PROMPTS_SG, "ingress": [], "egress": []},
}


def as_preview(item: Item) -> Item:
    """The item as a real preview sees it: every input computed from another resource is unknown."""
    properties = dict(item.properties)
    for key in item.depends:
        value = properties.get(key)
        properties[key] = [UNKNOWN] * len(value) if isinstance(value, list) else UNKNOWN
    return replace(item, properties=properties)


def planned(items: list[Item]) -> list[PlannedResource]:
    """The items as a plan of the mocks runner holds them (resolved inputs, outputs, URN dependencies)."""
    result = []
    for item in items:
        outputs = {**item.properties, "arn": f"arn:aws:test:::{item.name}", **_COMPUTED.get(item.name, {})}
        dependencies = {
            key: tuple(urn_of(_type_of(items, name), name) for name in names) for key, names in item.depends.items()
        }
        result.append(
            PlannedResource(
                type=item.type,
                name=item.name,
                urn=item.urn,
                custom=True,
                inputs=dict(item.properties),
                outputs=outputs,
                dependencies=tuple(sorted({urn for urns in dependencies.values() for urn in urns})),
                property_dependencies=dependencies,
                options=ResourceOptions(protect=item.name in PROTECTED),
                id=outputs.get("id", f"{item.name}-id"),
            )
        )
    return result


def _type_of(items: list[Item], name: str) -> str:
    return next(item.type for item in items if item.name == name)
