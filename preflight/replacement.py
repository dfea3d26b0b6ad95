"""Which input changes make the provider replace a resource instead of updating it in place.

The engine replaces a resource when the provider's `Diff` says a changed property forces it (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`, `diff.Replace()`); for the bridged AWS provider that is the Terraform
schema's `ForceNew` / `RequiresReplace`. Sources, per type:

- ElastiCache replication group, serverless cache, parameter group, subnet group:
  ../shared/reference/aws-elasticache-rules.md, "Which input changes replace the resource" (terraform-provider-aws
  `internal/service/elasticache/replication_group.go`, `serverless_cache.go`, `parameter_group.go`,
  `subnet_group.go`). The engine-version rules (a downgrade, valkey -> redis) depend on both values: the
  program's own `components.deployed_state.replacing_edits` decides those, the same function that refuses them.
- ElastiCache user: `user_id`, `user_name` are ForceNew (`internal/service/elasticache/user.go`); user group:
  `user_group_id` (`user_group.go`).
- VPC security group: `name`, `name_prefix`, `description`, `vpc_id` (`internal/service/ec2/vpc_security_group.go`);
  its ingress rules: `security_group_id` (`vpc_security_group_ingress_rule.go`, RequiresReplace).
- KMS key: `customer_master_key_spec`, `key_usage`, `multi_region` (`internal/service/kms/key.go`); alias:
  `name`, `name_prefix` (`alias.go`).
- CloudWatch log group: `name`, `name_prefix`, `log_group_class` (`internal/service/logs/group.go`); metric alarm:
  `alarm_name` (`internal/service/cloudwatch/metric_alarm.go`), `name` in Pulumi; SNS topic: `name`,
  `name_prefix`, `fifo_topic` (`internal/service/sns/topic.go`); its topic policy: `arn` (`topic_policy.go`).
- random.RandomPassword, random.RandomString: every argument, `keepers` included (terraform-provider-random
  `internal/provider/resource_password.go`, `resource_string.go`, RequiresReplace on each attribute).

A type not listed is treated as updatable in place, and the preflight says so where it matters (see
`preflight/README.md`): only a real `pulumi preview` runs the provider's own `Diff`.
"""

from __future__ import annotations

from elasticache_facts.tokens import (
    EGRESS_RULE,
    INGRESS_RULE,
    KMS_ALIAS,
    KMS_KEY,
    LOG_GROUP,
    METRIC_ALARM,
    PARAMETER_GROUP,
    RANDOM_PASSWORD,
    RANDOM_STRING,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SERVERLESS_CACHE,
    SNS_TOPIC,
    SNS_TOPIC_POLICY,
    SUBNET_GROUP,
    USER,
    USER_GROUP,
)

FORCE_NEW: dict[str, frozenset[str]] = {
    REPLICATION_GROUP: frozenset(
        {
            "replicationGroupId",
            "atRestEncryptionEnabled",
            "kmsKeyId",
            "dataTieringEnabled",
            "networkType",
            "port",
            "subnetGroupName",
            "snapshotArns",
            "snapshotName",
            "globalReplicationGroupId",
            "nodeGroupConfigurations",
        }
    ),
    SERVERLESS_CACHE: frozenset({"name", "kmsKeyId", "subnetIds", "snapshotArnsToRestores"}),
    PARAMETER_GROUP: frozenset({"name", "family", "description"}),
    SUBNET_GROUP: frozenset({"name"}),
    USER: frozenset({"userId", "userName"}),
    USER_GROUP: frozenset({"userGroupId"}),
    SECURITY_GROUP: frozenset({"name", "namePrefix", "description", "vpcId"}),
    INGRESS_RULE: frozenset({"securityGroupId"}),
    EGRESS_RULE: frozenset({"securityGroupId"}),
    KMS_KEY: frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion"}),
    KMS_ALIAS: frozenset({"name", "namePrefix"}),
    LOG_GROUP: frozenset({"name", "namePrefix", "logGroupClass"}),
    METRIC_ALARM: frozenset({"name"}),
    SNS_TOPIC: frozenset({"name", "namePrefix", "fifoTopic"}),
    SNS_TOPIC_POLICY: frozenset({"arn"}),
}

ENGINE_INPUTS = {
    REPLICATION_GROUP: {"engine": "engine", "engineVersion": "engineVersion"},
    SERVERLESS_CACHE: {"engine": "engine", "majorEngineVersion": "majorEngineVersion"},
}
"""Inputs of a cache resource whose change replaces it only in one direction: input -> the config key under
`caches.<name>` that `replacing_edits` names when it does."""

CONFIG_KEY_INPUTS = {
    REPLICATION_GROUP: {
        "": "replicationGroupId",
        "kmsKey": "kmsKeyId",
        "port": "port",
        "nodeType": "dataTieringEnabled",
    },
    SERVERLESS_CACHE: {"": "name", "kmsKey": "kmsKeyId"},
}
"""The input of a cache resource that a replacing config key (`replacing_edits`) changes. Named here because the
per-input comparison cannot always see the change: an id built from a random suffix that stays is taken as
unchanged (`preflight.diff`), and an input the new plan leaves out (`kmsKeyId` for an AWS-owned key) is absent."""

DATA_HOLDERS = frozenset({REPLICATION_GROUP, SERVERLESS_CACHE})
"""Replacing or deleting one of these empties the cache."""


def forcing(type_: str, changed: set[str], replacing_keys: set[str]) -> tuple[str, ...]:
    """The changed inputs of a resource of `type_` that force its replacement, sorted.

    `replacing_keys` are the config keys `replacing_edits` found for the resource's cache (`port`, `engine`...):
    they decide the engine inputs, whose effect depends on the direction of the change.
    """
    if type_ in (RANDOM_PASSWORD, RANDOM_STRING):
        return tuple(sorted(changed))
    found = set(changed & FORCE_NEW.get(type_, frozenset()))
    for key, config_key in ENGINE_INPUTS.get(type_, {}).items():
        if key in changed and config_key in replacing_keys:
            found.add(key)
    for config_key, key in CONFIG_KEY_INPUTS.get(type_, {}).items():
        if config_key in replacing_keys:
            found.add(key)
    return tuple(sorted(found))
