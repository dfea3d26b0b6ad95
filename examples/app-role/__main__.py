"""An app's IAM role that may connect to one cache of the elasticache stack, read through a StackReference.

The cache stack exports, per cache, everything a client needs (see the README, "Connecting your app"). This
program attaches that cache's `connectPolicy`, narrowed to the cache and the `cacheUser`, to the app's role (a
new ECS task role, or an existing role named by `roleName`) and exports `connection`: the cache's export
narrowed to what `cacheclient.connect` reads, plus the app user, ready for the app's `CACHE_CONNECTION`
environment variable.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

# What `cacheclient.CacheConnection` reads; the cost figures and alarm topic are the platform's business.
CONNECTION_KEYS = (
    "cacheId",
    "region",
    "engine",
    "mode",
    "clusterMode",
    "endpoint",
    "readerEndpoint",
    "port",
    "readerPort",
    "tls",
    "authMode",
    "userIds",
)

config = pulumi.Config()
cache_name = config.require("cache")
cache_user = config.require("cacheUser")
caches = pulumi.StackReference(config.require("cacheStack"))
cache = caches.require_output(cache_name)


def connection(exported: dict[str, Any]) -> str:
    users = exported.get("userIds") or {}
    if exported["authMode"] != "token" and cache_user not in users:
        raise ValueError(
            f"app-role:cacheUser = {cache_user!r}: not an app user of cache {cache_name!r}; "
            f"its users: {', '.join(sorted(users)) or 'none'}. Set app-role:cacheUser to one of them."
        )
    return json.dumps({**{key: exported[key] for key in CONNECTION_KEYS}, "user": cache_user}, sort_keys=True)


role_name = config.get("roleName")
if role_name is None:
    role = aws.iam.Role(
        f"{cache_name}-app",
        description=f"App tasks that connect to ElastiCache {cache_name}",
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    attached_to: pulumi.Input[str] = role.id
    pulumi.export("roleArn", role.arn)
else:
    attached_to = role_name


def connect_policy(exported: dict[str, Any]) -> str:
    """The cache's `connectPolicy` narrowed to this app's own user: the role may not authenticate as the others."""
    document = json.loads(exported["connectPolicy"])
    own = (exported.get("userIds") or {}).get(cache_user)
    for statement in document["Statement"]:
        statement["Resource"] = [
            arn for arn in statement["Resource"] if ":user:" not in arn or arn.split(":user:", 1)[1] == own
        ]
    return json.dumps(document, indent=2)


# `elasticache:Connect` on the cache and the app's user: what IAM authentication checks when a token is used.
aws.iam.RolePolicy(
    f"{cache_name}-connect",
    role=attached_to,
    policy=cache.apply(connect_policy),
)

pulumi.export("connection", cache.apply(connection))
