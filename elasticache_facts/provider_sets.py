"""Inputs the AWS provider keeps as sets: their order is not a change (the Terraform schema's TypeSet / SetAttribute,
which the bridge diffs as sets), though Pulumi carries them as lists.

Sources (terraform-provider-aws, read at pulumi/terraform-provider-aws@00f7dd66 and, for the framework resources,
the upstream `serverless_cache.go` the search index holds): `internal/service/elasticache/replication_group.go`
(`security_group_ids`, `security_group_names`, `snapshot_arns`, `user_group_ids`, `log_delivery_configuration`,
`availability_zones`: TypeSet), `serverless_cache.go` (`security_group_ids`, `subnet_ids`: SetAttribute;
`snapshot_arns_to_restore` is a ListAttribute, so its order counts), `subnet_group.go` (`subnet_ids`),
`user_group.go` (`user_ids`), `internal/service/cloudwatch/metric_alarm.go` (`alarm_actions`, `ok_actions`,
`insufficient_data_actions`).
"""

from __future__ import annotations

from elasticache_facts.tokens import METRIC_ALARM, REPLICATION_GROUP, SERVERLESS_CACHE, SUBNET_GROUP, USER_GROUP

SET_INPUTS: dict[str, frozenset[str]] = {
    REPLICATION_GROUP: frozenset(
        {
            "securityGroupIds",
            "securityGroupNames",
            "snapshotArns",
            "userGroupIds",
            "logDeliveryConfigurations",
            "availabilityZones",
        }
    ),
    SERVERLESS_CACHE: frozenset({"securityGroupIds", "subnetIds"}),
    SUBNET_GROUP: frozenset({"subnetIds"}),
    USER_GROUP: frozenset({"userIds"}),
    METRIC_ALARM: frozenset({"alarmActions", "okActions", "insufficientDataActions"}),
}
