"""The AWS API calls the provider makes to create a planned resource, built as the provider builds them.

pulumi-aws is the Terraform AWS provider behind the bridge: each function below follows that provider's create
function for the type (hashicorp/terraform-provider-aws, the file named in its docstring), from Pulumi's camelCase
inputs to the API's members. Where the provider reads an input with `d.GetOk`, a zero value (false, 0, "", an
empty list) is not sent, and that is kept. The `*Wo` inputs are pulumi-aws's write-only forms of the inputs they
are named after (their docstrings in `pulumi_aws/elasticache/replication_group.py` and `user.py`) and reach the
same member. Secrets arrive revealed: the provider receives them decrypted.

Every input a function neither sends nor names as the provider's own (`Inputs.provider_side`: used on update or
delete, or only by the provider) is left over, and the tests fail on it: an input the program starts to set is
checked against the API model or explicitly set aside, never skipped unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from elasticache_facts import tokens
from elasticache_facts.wire import revealed
from preflight.model import PlannedResource

MANAGED_BY_PULUMI = "Managed by Pulumi"
"""The description pulumi-aws's schema defaults to where the API requires one (subnet and parameter groups,
security groups): `pulumi_aws/elasticache/subnet_group.py` and the others' docstrings."""


@dataclass(frozen=True)
class Request:
    service: str
    """botocore's service name."""
    operation: str
    params: dict[str, Any]


class Inputs:
    """A resource's inputs, each read at most once; what is never read is left over."""

    def __init__(self, inputs: Mapping[str, Any]) -> None:
        self._values = revealed(dict(inputs))
        self._read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self._values.get(key, default)

    def provider_side(self, *keys: str) -> None:
        """Inputs the provider uses itself, or in a call other than the create."""
        self._read.update(keys)

    def left_over(self) -> set[str]:
        return set(self._values) - self._read


def _set(params: dict[str, Any], member: str, value: Any) -> None:
    """`d.GetOk`: a zero value is not sent."""
    if value not in (None, False, 0, "", [], {}):
        params[member] = value


def _copy(params: dict[str, Any], inputs: Inputs, members: Mapping[str, str]) -> None:
    """API member <- input, for the members the provider reads one to one with `d.GetOk`."""
    for member, key in members.items():
        _set(params, member, inputs.get(key))


def _tags(tags: Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def replication_group(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/replication_group.go` `resourceReplicationGroupCreate`;
    log delivery: `log_delivery_configurations.go` `expandLogDeliveryConfigurationRequests`."""
    params: dict[str, Any] = {"ReplicationGroupId": inputs.get("replicationGroupId")}
    _set(params, "Tags", _tags(inputs.get("tags")))
    at_rest = inputs.get("atRestEncryptionEnabled")
    if at_rest is not None:  # a nullable bool: false is sent too
        params["AtRestEncryptionEnabled"] = at_rest
    _set(params, "AuthToken", inputs.get("authToken") or inputs.get("authTokenWo"))
    minor = inputs.get("autoMinorVersionUpgrade")
    if minor is not None:
        params["AutoMinorVersionUpgrade"] = minor
    _copy(params, inputs, _REPLICATION_GROUP_MEMBERS)
    if inputs.get("globalReplicationGroupId"):
        params["GlobalReplicationGroupId"] = inputs.get("globalReplicationGroupId")
    else:
        params["AutomaticFailoverEnabled"] = bool(inputs.get("automaticFailoverEnabled", False))
        params["CacheNodeType"] = inputs.get("nodeType")
        params["TransitEncryptionEnabled"] = bool(inputs.get("transitEncryptionEnabled", False))
        params["Engine"] = inputs.get("engine") or "redis"
    _set(params, "LogDeliveryConfigurations", [_log_delivery(c) for c in inputs.get("logDeliveryConfigurations") or []])
    _set(params, "NodeGroupConfiguration", [_node_group(g) for g in inputs.get("nodeGroupConfigurations") or []])
    replicas = inputs.get("replicasPerNodeGroup")
    if replicas is not None:  # read from the raw config: 0 is sent
        params["ReplicasPerNodeGroup"] = replicas
    # Modify-only inputs, and the version that triggers a new write of the write-only token.
    inputs.provider_side("applyImmediately", "authTokenUpdateStrategy", "authTokenWoVersion", "region")
    requests = [Request("elasticache", "CreateReplicationGroup", params)]
    final = inputs.get("finalSnapshotIdentifier")  # named in the delete (`resourceReplicationGroupDelete`)
    if final:
        requests.append(
            Request(
                "elasticache",
                "DeleteReplicationGroup",
                {"ReplicationGroupId": params["ReplicationGroupId"], "FinalSnapshotIdentifier": final},
            )
        )
    return requests


_REPLICATION_GROUP_MEMBERS = {
    "ClusterMode": "clusterMode",
    "DataTieringEnabled": "dataTieringEnabled",
    "ReplicationGroupDescription": "description",
    "EngineVersion": "engineVersion",
    "IpDiscovery": "ipDiscovery",
    "KmsKeyId": "kmsKeyId",
    "PreferredMaintenanceWindow": "maintenanceWindow",
    "MultiAZEnabled": "multiAzEnabled",
    "NetworkType": "networkType",
    "NotificationTopicArn": "notificationTopicArn",
    "NumCacheClusters": "numCacheClusters",
    "NumNodeGroups": "numNodeGroups",
    "CacheParameterGroupName": "parameterGroupName",
    "Port": "port",
    "PreferredCacheClusterAZs": "preferredCacheClusterAzs",
    "CacheSubnetGroupName": "subnetGroupName",
    "SecurityGroupIds": "securityGroupIds",
    "CacheSecurityGroupNames": "securityGroupNames",
    "SnapshotArns": "snapshotArns",
    "SnapshotName": "snapshotName",
    "SnapshotRetentionLimit": "snapshotRetentionLimit",
    "SnapshotWindow": "snapshotWindow",
    "TransitEncryptionMode": "transitEncryptionMode",
    "UserGroupIds": "userGroupIds",
}
"""API member -> input, each read with `d.GetOk`."""


def _log_delivery(config: Mapping[str, Any]) -> dict[str, Any]:
    destination = config.get("destination")
    details = (
        {"CloudWatchLogsDetails": {"LogGroup": destination}}
        if config.get("destinationType") == "cloudwatch-logs"
        else {"KinesisFirehoseDetails": {"DeliveryStream": destination}}
    )
    return {
        "DestinationType": config.get("destinationType"),
        "DestinationDetails": details,
        "LogType": config.get("logType"),
        "LogFormat": config.get("logFormat"),
        "Enabled": True,
    }


def _node_group(group: Mapping[str, Any]) -> dict[str, Any]:
    """`expandNodeGroupConfigurations`: every member it knows, as set."""
    members = {
        "nodeGroupId": "NodeGroupId",
        "primaryAvailabilityZone": "PrimaryAvailabilityZone",
        "primaryOutpostArn": "PrimaryOutpostArn",
        "replicaAvailabilityZones": "ReplicaAvailabilityZones",
        "replicaOutpostArns": "ReplicaOutpostArns",
        "replicaCount": "ReplicaCount",
        "slots": "Slots",
    }
    unknown = set(group) - set(members)
    assert not unknown, f"node group members the provider does not send: {sorted(unknown)}"
    return {members[key]: value for key, value in group.items() if value not in (None, "", [])}


def serverless_cache(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/serverless_cache.go` `Create`: `fwflex.Expand` of the resource model into
    `CreateServerlessCacheInput`, member by field name (`name` is `ServerlessCacheName`)."""
    params: dict[str, Any] = {"ServerlessCacheName": inputs.get("name"), "Engine": inputs.get("engine")}
    _copy(params, inputs, _SERVERLESS_MEMBERS)
    limits = inputs.get("cacheUsageLimits")
    if limits:
        usage: dict[str, Any] = {}
        if limits.get("dataStorage"):
            usage["DataStorage"] = _limit(limits["dataStorage"])
        for ecpu in limits.get("ecpuPerSeconds") or []:  # a one-element block in the schema
            usage["ECPUPerSecond"] = _limit(ecpu)
        params["CacheUsageLimits"] = usage
    _set(params, "Tags", _tags(inputs.get("tags")))
    inputs.provider_side("region")
    return [Request("elasticache", "CreateServerlessCache", params)]


_SERVERLESS_MEMBERS = {
    "Description": "description",
    "MajorEngineVersion": "majorEngineVersion",
    "DailySnapshotTime": "dailySnapshotTime",
    "KmsKeyId": "kmsKeyId",
    "NetworkType": "networkType",
    "SecurityGroupIds": "securityGroupIds",
    "SnapshotArnsToRestore": "snapshotArnsToRestores",
    "SnapshotRetentionLimit": "snapshotRetentionLimit",
    "SubnetIds": "subnetIds",
    "UserGroupId": "userGroupId",
}
_LIMIT_MEMBERS = {"maximum": "Maximum", "minimum": "Minimum", "unit": "Unit"}


def _limit(block: Mapping[str, Any]) -> dict[str, Any]:
    return {member: block[key] for key, member in _LIMIT_MEMBERS.items() if block.get(key) is not None}


def user(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/user.go` `resourceUserCreate` (`expandAuthenticationMode`)."""
    params: dict[str, Any] = {
        "AccessString": inputs.get("accessString"),
        "Engine": inputs.get("engine"),
        "NoPasswordRequired": bool(inputs.get("noPasswordRequired", False)),
        "UserId": inputs.get("userId"),
        "UserName": inputs.get("userName"),
    }
    _set(params, "Tags", _tags(inputs.get("tags")))
    mode = inputs.get("authenticationMode")
    if mode:
        params["AuthenticationMode"] = {"Type": mode.get("type")}
        _set(params["AuthenticationMode"], "Passwords", mode.get("passwords"))
    write_only = inputs.get("passwordsWo")
    _set(params, "Passwords", inputs.get("passwords") or ([write_only] if write_only else None))
    inputs.provider_side("passwordsWoVersion", "region")
    return [Request("elasticache", "CreateUser", params)]


def user_group(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/user_group.go` `resourceUserGroupCreate`."""
    params: dict[str, Any] = {"UserGroupId": inputs.get("userGroupId"), "Engine": inputs.get("engine")}
    _set(params, "UserIds", inputs.get("userIds"))
    _set(params, "Tags", _tags(inputs.get("tags")))
    inputs.provider_side("region")
    return [Request("elasticache", "CreateUserGroup", params)]


def subnet_group(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/subnet_group.go` `resourceSubnetGroupCreate`."""
    params = {
        "CacheSubnetGroupName": inputs.get("name"),
        "CacheSubnetGroupDescription": inputs.get("description") or MANAGED_BY_PULUMI,
        "SubnetIds": inputs.get("subnetIds"),
    }
    _set(params, "Tags", _tags(inputs.get("tags")))
    inputs.provider_side("region")
    return [Request("elasticache", "CreateCacheSubnetGroup", params)]


MAX_PARAMETERS_PER_MODIFY = 20
"""`parameter_group.go`: the provider sends parameters in chunks of 20, the most `ModifyCacheParameterGroup`
takes in one call (AWS API reference, ModifyCacheParameterGroup `ParameterNameValues`)."""


def parameter_group(inputs: Inputs) -> list[Request]:
    """`internal/service/elasticache/parameter_group.go` `resourceParameterGroupCreate`, then its update with
    the parameters (`ModifyCacheParameterGroup`, in chunks)."""
    name = inputs.get("name")
    params = {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": inputs.get("family"),
        "Description": inputs.get("description") or MANAGED_BY_PULUMI,
    }
    _set(params, "Tags", _tags(inputs.get("tags")))
    requests = [Request("elasticache", "CreateCacheParameterGroup", params)]
    values = [{"ParameterName": p["name"], "ParameterValue": p["value"]} for p in inputs.get("parameters") or []]
    for start in range(0, len(values), MAX_PARAMETERS_PER_MODIFY):
        chunk = values[start : start + MAX_PARAMETERS_PER_MODIFY]
        requests.append(
            Request(
                "elasticache",
                "ModifyCacheParameterGroup",
                {"CacheParameterGroupName": name, "ParameterNameValues": chunk},
            )
        )
    inputs.provider_side("region")
    return requests


def metric_alarm(inputs: Inputs) -> list[Request]:
    """`internal/service/cloudwatch/metric_alarm.go` `expandPutMetricAlarmInput` (`expandMetricAlarmMetrics`,
    `expandMetricAlarmMetricsMetric`, `expandMetricAlarmDimensions`)."""
    params: dict[str, Any] = {
        "AlarmName": inputs.get("name"),
        "ComparisonOperator": inputs.get("comparisonOperator"),
        "EvaluationPeriods": inputs.get("evaluationPeriods"),
        "TreatMissingData": inputs.get("treatMissingData", "missing"),
        "ActionsEnabled": inputs.get("actionsEnabled", True),
    }
    _set(params, "Tags", _tags(inputs.get("tags")))
    _copy(params, inputs, _ALARM_MEMBERS)
    _set(params, "Dimensions", _dimensions(inputs.get("dimensions")))
    _set(params, "Metrics", [_metric_query(q) for q in inputs.get("metricQueries") or [] if q.get("id")])
    if inputs.get("thresholdMetricId"):
        params["ThresholdMetricId"] = inputs.get("thresholdMetricId")
    else:
        params["Threshold"] = float(inputs.get("threshold") or 0)
    inputs.provider_side("region")
    return [Request("cloudwatch", "PutMetricAlarm", params)]


_ALARM_MEMBERS = {
    "AlarmActions": "alarmActions",
    "AlarmDescription": "alarmDescription",
    "DatapointsToAlarm": "datapointsToAlarm",
    "EvaluateLowSampleCountPercentile": "evaluateLowSampleCountPercentiles",
    "ExtendedStatistic": "extendedStatistic",
    "InsufficientDataActions": "insufficientDataActions",
    "MetricName": "metricName",
    "Namespace": "namespace",
    "OKActions": "okActions",
    "Period": "period",
    "Statistic": "statistic",
    "Unit": "unit",
}


def _dimensions(dimensions: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in (dimensions or {}).items()]


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"Id": query["id"]}
    _set(result, "AccountId", query.get("accountId"))
    _set(result, "Expression", query.get("expression"))
    _set(result, "Label", query.get("label"))
    if query.get("returnData") is not None:
        result["ReturnData"] = query["returnData"]
    metric = query.get("metric")
    if metric:
        stat: dict[str, Any] = {"Metric": {"MetricName": metric.get("metricName")}, "Stat": metric.get("stat")}
        _set(stat["Metric"], "Dimensions", _dimensions(metric.get("dimensions")))
        _set(stat["Metric"], "Namespace", metric.get("namespace"))
        if metric.get("period") is not None:
            stat["Period"] = metric["period"]
        _set(stat, "Unit", metric.get("unit"))
        result["MetricStat"] = stat
    _set(result, "Period", query.get("period"))
    return result


def log_group(inputs: Inputs) -> list[Request]:
    """`internal/service/logs/group.go` `resourceGroupCreate`: the group, then its retention policy."""
    name = inputs.get("name")
    params: dict[str, Any] = {"logGroupName": name}
    _set(params, "kmsKeyId", inputs.get("kmsKeyId"))
    _set(params, "logGroupClass", inputs.get("logGroupClass"))
    _set(params, "tags", dict(inputs.get("tags") or {}))
    requests = [Request("logs", "CreateLogGroup", params)]
    retention = inputs.get("retentionInDays")
    if retention:
        requests.append(Request("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": retention}))
    inputs.provider_side("skipDestroy", "region")
    return requests


def kms_key(inputs: Inputs) -> list[Request]:
    """`internal/service/kms/key.go` `resourceKeyCreate` (then `updateKeyRotationEnabled`) and
    `resourceKeyDelete`, which schedules the deletion with the key's window."""
    params: dict[str, Any] = {
        "KeyUsage": inputs.get("keyUsage", "ENCRYPT_DECRYPT"),
        "KeySpec": inputs.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT"),
    }
    _set(params, "BypassPolicyLockoutSafetyCheck", inputs.get("bypassPolicyLockoutSafetyCheck"))
    _set(params, "Description", inputs.get("description"))
    _set(params, "MultiRegion", inputs.get("multiRegion"))
    _set(params, "Policy", inputs.get("policy"))
    _set(params, "Tags", _tags(inputs.get("tags"), key="TagKey", value="TagValue"))
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"  # the id AWS returns; the later calls name the key by it
    requests = [Request("kms", "CreateKey", params)]
    if inputs.get("enableKeyRotation"):
        rotation: dict[str, Any] = {"KeyId": key_id}
        _set(rotation, "RotationPeriodInDays", inputs.get("rotationPeriodInDays"))
        requests.append(Request("kms", "EnableKeyRotation", rotation))
    window = inputs.get("deletionWindowInDays")
    deletion: dict[str, Any] = {"KeyId": key_id}
    _set(deletion, "PendingWindowInDays", window)
    requests.append(Request("kms", "ScheduleKeyDeletion", deletion))
    inputs.provider_side("region")
    return requests


def kms_alias(inputs: Inputs) -> list[Request]:
    """`internal/service/kms/alias.go` `resourceAliasCreate`."""
    inputs.provider_side("region")
    return [Request("kms", "CreateAlias", {"AliasName": inputs.get("name"), "TargetKeyId": inputs.get("targetKeyId")})]


_TOPIC_ATTRIBUTES = {"displayName": "DisplayName", "kmsMasterKeyId": "KmsMasterKeyId", "policy": "Policy"}


def sns_topic(inputs: Inputs) -> list[Request]:
    """`internal/service/sns/topic.go` `resourceTopicCreate`: attributes by their API names."""
    attributes = {member: inputs.get(key) for key, member in _TOPIC_ATTRIBUTES.items() if inputs.get(key)}
    params: dict[str, Any] = {"Name": inputs.get("name")}
    _set(params, "Attributes", attributes)
    _set(params, "Tags", _tags(inputs.get("tags")))
    inputs.provider_side("region")
    return [Request("sns", "CreateTopic", params)]


def sns_topic_policy(inputs: Inputs) -> list[Request]:
    """`internal/service/sns/topic_policy.go` `resourceTopicPolicyUpsert` (create and update): `putTopicPolicy`,
    the topic's `Policy` attribute set to the normalised JSON."""
    inputs.provider_side("region")
    params = {"TopicArn": inputs.get("arn"), "AttributeName": "Policy", "AttributeValue": inputs.get("policy")}
    return [Request("sns", "SetTopicAttributes", params)]


def security_group(inputs: Inputs) -> list[Request]:
    """`internal/service/ec2/vpc_security_group.go` `resourceSecurityGroupCreate`."""
    params: dict[str, Any] = {
        "GroupName": inputs.get("name"),
        "Description": inputs.get("description") or MANAGED_BY_PULUMI,
    }
    _set(params, "VpcId", inputs.get("vpcId"))
    tags = _tags(inputs.get("tags"))
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tags}]
    inputs.provider_side("revokeRulesOnDelete", "region")
    return [Request("ec2", "CreateSecurityGroup", params)]


def ingress_rule(inputs: Inputs) -> list[Request]:
    """`internal/service/ec2/vpc_security_group_ingress_rule.go` `expandIPPermission`."""
    description = inputs.get("description")
    permission: dict[str, Any] = {"IpProtocol": inputs.get("ipProtocol")}
    _set(permission, "FromPort", inputs.get("fromPort"))
    _set(permission, "ToPort", inputs.get("toPort"))
    sources = {
        "cidrIpv4": ("IpRanges", "CidrIp"),
        "cidrIpv6": ("Ipv6Ranges", "CidrIpv6"),
        "prefixListId": ("PrefixListIds", "PrefixListId"),
        "referencedSecurityGroupId": ("UserIdGroupPairs", "GroupId"),
    }
    for key, (member, field) in sources.items():
        value = inputs.get(key)
        if value:
            permission[member] = [{field: value, **({"Description": description} if description else {})}]
    params: dict[str, Any] = {"GroupId": inputs.get("securityGroupId"), "IpPermissions": [permission]}
    tags = _tags(inputs.get("tags"))
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "security-group-rule", "Tags": tags}]
    inputs.provider_side("region")
    return [Request("ec2", "AuthorizeSecurityGroupIngress", params)]


BUILDERS: Mapping[str, Callable[[Inputs], list[Request]]] = {
    tokens.REPLICATION_GROUP: replication_group,
    tokens.SERVERLESS_CACHE: serverless_cache,
    tokens.USER: user,
    tokens.USER_GROUP: user_group,
    tokens.SUBNET_GROUP: subnet_group,
    tokens.PARAMETER_GROUP: parameter_group,
    tokens.METRIC_ALARM: metric_alarm,
    tokens.LOG_GROUP: log_group,
    tokens.KMS_KEY: kms_key,
    tokens.KMS_ALIAS: kms_alias,
    tokens.SNS_TOPIC: sns_topic,
    tokens.SNS_TOPIC_POLICY: sns_topic_policy,
    tokens.SECURITY_GROUP: security_group,
    tokens.INGRESS_RULE: ingress_rule,
}
"""Every AWS type the program creates. `random:` resources never reach AWS."""


def requests_for(resources: Iterable[PlannedResource]) -> list[tuple[PlannedResource, Request, set[str]]]:
    """(resource, request, inputs left over) for every resource of a type in `BUILDERS`."""
    found = []
    for resource in resources:
        build = BUILDERS.get(resource.type)
        if build is None:
            continue
        inputs = Inputs(resource.inputs)
        built = build(inputs)
        left_over = inputs.left_over()
        found.extend((resource, request, left_over) for request in built)
    return found
