"""The `Cache` component: one validated `CacheArgs` in, one secure ElastiCache deployment out."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components import args_check, aws_rules, naming
from components.observability import NAMESPACE, AlarmSpec, metric_queries, node_alarms, serverless_alarms
from components.spec import (
    NETWORK_TYPE,
    RBAC_TOKEN_UPDATE_STRATEGY,
    AuthMode,
    CacheArgs,
    KmsKeyChoice,
    TokenUpdateStrategy,
    TransitEncryptionMode,
)
from elasticache_facts.access import DISABLED_DEFAULT_ACCESS
from elasticache_facts.engines import parameter_group_family
from elasticache_facts.ports import SERVERLESS_PORTS, SERVERLESS_READER_PORT
from elasticache_facts.tags import SUBNET_ZONES
from elasticache_facts.tokens import COMPONENT

TOKEN = COMPONENT


class Cache(pulumi.ComponentResource):
    """A Valkey or Redis OSS cache in a VPC: replication group (sharded or not) or serverless cache.

    TLS is always required, data is always encrypted at rest, authentication is always on, every app AZ
    holds a node with the primary in the app's first AZ, and every setting a policy checks is set explicitly.
    """

    cache_id: pulumi.Output[str]
    """The replication group id or serverless cache name AWS knows: `<cacheId>-<suffix>` (see `naming`)."""
    user_ids: dict[str, pulumi.Output[str]]
    endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: pulumi.Output[int]
    security_group_id: pulumi.Output[str]
    user_group_id: pulumi.Output[str | None]
    connect_policy: pulumi.Output[str]
    arn: pulumi.Output[str]
    final_snapshot_name: pulumi.Output[str | None]
    """The backup AWS takes when the replication group is deleted (`restoreFrom.snapshot` restores it); a
    serverless cache takes none."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Hand-built args (the component reused from another program) meet the loader's AWS rules here, before
        # the component or any child is registered.
        if problems := args_check.check(args):
            raise args_check.InvalidCacheArgs(name, problems)
        super().__init__(TOKEN, name, {}, opts)
        self._name = name
        self._args = args
        self._child = pulumi.ResourceOptions(parent=self)
        self._suffix = naming.suffix(f"{name}-name-suffix", self._child)
        self.cache_id = naming.unique(args.cache_id, self._suffix)

        kms_key_arn, own_key_arn = self._kms_key_arn()
        # ElastiCache cannot publish its events to an encrypted topic (AWS marks such a notification topic
        # inactive: "The Amazon SNS topic you are publishing to cannot be encrypted", ElastiCacheSNS.html), so
        # the topic of a node-based cache, which receives its events, stays unencrypted; a serverless cache's
        # topic receives alarms only, which CloudWatch can publish under this component's key.
        topic_arn, topic_ready = self._alarm_topic(own_key_arn if args.serverless is not None else None)
        security_group = self._security_group()
        users, user_group = self._users()

        if args.serverless is not None:
            self.final_snapshot_name = pulumi.Output.from_input(None)
            self._serverless(security_group, user_group, kms_key_arn)
            self._alarms(serverless_alarms(args), topic_arn, topic_ready)
        else:
            self.final_snapshot_name = self._final_snapshot_name()
            self._replication_group(security_group, user_group, kms_key_arn, topic_arn, topic_ready, own_key_arn)
            self._alarms(node_alarms(args), topic_arn, topic_ready)

        self.security_group_id = security_group.id
        self.user_group_id = user_group.user_group_id if user_group else pulumi.Output.from_input(None)
        self.user_ids = {user: resource.user_id for user, resource in zip(args.auth.users, users, strict=True)}
        self.connect_policy = _connect_policy(self.arn, [user.arn for user in users])
        self.port = pulumi.Output.from_input(args.port)
        self.alarm_topic_arn = pulumi.Output.from_input(topic_arn)
        self.register_outputs(self.exports)

    @property
    def exports(self) -> dict[str, Any]:
        """One shape for every mode, as exported per cache by the stack; `cacheclient` connects from it."""
        args = self._args
        return {
            "cacheId": self.cache_id,
            "region": args.region,
            "endpoint": self.endpoint,
            "readerEndpoint": self.reader_endpoint,
            "port": self.port,
            "readerPort": SERVERLESS_READER_PORT if args.serverless else self.port,
            "tls": True,
            "authMode": args.auth.mode.value,
            "engine": args.engine.value,
            "engineVersion": args.engine_version,
            "mode": "serverless" if args.serverless else "node",
            "clusterMode": bool(args.node and args.node.cluster_mode_enabled),
            "workload": args.workload.value,
            "securityGroupId": self.security_group_id,
            "userGroupId": self.user_group_id,
            "userIds": self.user_ids,
            "connectPolicy": self.connect_policy,
            "alarmTopicArn": self.alarm_topic_arn,
            "finalSnapshotName": self.final_snapshot_name,
        }

    # -- building blocks -----------------------------------------------------------------------------------

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(**kwargs))

    def _protected(self) -> pulumi.ResourceOptions:
        """For what holds or unlocks the data: the cache itself and the key its snapshots are encrypted with."""
        protection = self._args.protection
        # `protect=False` must not override a `protect` the component inherits or was given (`opts`): None lets
        # the SDK take the component's, as every other child does.
        return self._opts(protect=protection.protect or None, retain_on_delete=protection.retain_on_delete)

    def _kms_key_arn(self) -> tuple[pulumi.Input[str] | None, pulumi.Output[str] | None]:
        """(key for the cache, key this component created and may also use for its logs and topic)."""
        args = self._args
        choice = args.kms_key
        if choice.choice is KmsKeyChoice.ARN:
            return choice.arn, None
        if choice.choice is KmsKeyChoice.AWS_OWNED:
            return None, None
        key = aws.kms.Key(
            f"{self._name}-key",
            description=f"At-rest encryption of ElastiCache {args.cache_id}, its logs and alarm topic",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=self.cache_id.apply(lambda cache_id: _key_policy(args.account_id or "", args.region, cache_id))
            if args.account_id
            else None,
            tags=dict(args.tags),
            opts=self._protected(),
        )
        aws.kms.Alias(
            f"{self._name}-key-alias",
            name=pulumi.Output.concat("alias/elasticache/", self.cache_id),
            target_key_id=key.key_id,
            opts=self._child,
        )
        # Logs and the topic can only use a key whose policy admits CloudWatch: only one written here.
        return key.arn, key.arn if args.account_id else None

    def _alarm_topic(self, own_key_arn: pulumi.Output[str] | None) -> tuple[pulumi.Input[str], list[pulumi.Resource]]:
        """(the topic's ARN, what must exist before anything publishes to it)."""
        args = self._args
        if args.observability.alarm_topic_arn:
            return args.observability.alarm_topic_arn, []
        # CloudWatch cannot publish to a topic under the AWS-managed SNS key, so the topic is encrypted only
        # with a key of this component's whose policy admits CloudWatch (and never when ElastiCache publishes
        # its events to it: see `__init__`).
        topic = aws.sns.Topic(
            f"{self._name}-alarms",
            name=naming.unique(f"{args.cache_id}-alarms", self._suffix),
            display_name=f"ElastiCache {args.cache_id} alarms and events",
            kms_master_key_id=own_key_arn,
            tags=dict(args.tags),
            opts=self._child,
        )
        if args.serverless is not None:
            return topic.arn, []
        # ElastiCache publishes its events only to a topic whose access policy admits it under AWS:SourceOwner,
        # and a new topic's default policy uses aws:SourceAccount, for which it marks the topic inactive (AWS
        # "Managing ElastiCache Amazon SNS notifications", ECEvents.SNS.html, "SNS topic access policy
        # requirement"). The replication group and the alarms wait for this policy (an ordering only: their
        # inputs take the topic's ARN, so a stack deployed before it sees no change to them).
        policy = aws.sns.TopicPolicy(
            f"{self._name}-alarms-policy",
            arn=topic.arn,
            policy=topic.arn.apply(_topic_policy),
            opts=self._child,
        )
        return topic.arn, [policy]

    def _alarms(
        self, alarms: list[AlarmSpec], topic_arn: pulumi.Input[str], topic_ready: list[pulumi.Resource]
    ) -> None:
        args = self._args
        for alarm in alarms:
            # `observability` names the watched nodes after the readable id; AWS names them after the real one.
            deployed = self.cache_id.apply(
                lambda cache_id, alarm=alarm: replace(
                    alarm, sources=tuple(_as_deployed(source, args.cache_id, cache_id) for source in alarm.sources)
                )
            )
            watched: dict[str, Any]
            if alarm.aggregated:
                watched = {"metric_queries": deployed.apply(metric_queries)}
            else:
                watched = {
                    "namespace": NAMESPACE,
                    "metric_name": alarm.metric,
                    "statistic": alarm.statistic,
                    "dimensions": deployed.apply(lambda spec: {spec.dimension: spec.sources[0]}),
                    "period": alarm.period,
                }
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-alarm-{alarm.slug}",
                name=naming.unique(f"{args.cache_id}-{alarm.slug}", self._suffix),
                alarm_description=self.cache_id.apply(
                    lambda cache_id, text=alarm.description: text.replace(args.cache_id, cache_id)
                ),
                evaluation_periods=alarm.evaluation_periods,
                threshold=alarm.threshold,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data=alarm.treat_missing_data,
                alarm_actions=[topic_arn],
                ok_actions=[topic_arn],
                tags=dict(args.tags),
                opts=self._opts(depends_on=topic_ready),
                **watched,
            )

    def _log_delivery(self, own_key_arn: pulumi.Output[str] | None) -> list[dict[str, Any]]:
        args = self._args
        deliveries = []
        for log_type in ("slow-log", "engine-log"):
            group = aws.cloudwatch.LogGroup(
                f"{self._name}-{log_type}",
                name=pulumi.Output.concat("/aws/elasticache/", self.cache_id, f"/{log_type}"),
                retention_in_days=args.observability.log_retention_days,
                kms_key_id=own_key_arn,
                tags=dict(args.tags),
                opts=self._child,
            )
            deliveries.append(
                {
                    "destination": group.name,
                    "destination_type": "cloudwatch-logs",
                    "log_format": "json",
                    "log_type": log_type,
                }
            )
        return deliveries

    def _security_group(self) -> aws.ec2.SecurityGroup:
        args = self._args
        # No inline rules and no egress: the cache never opens connections, and separate rule resources keep
        # one app security group's change from rewriting the others.
        group = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            name=naming.unique(f"{args.cache_id}-cache", self._suffix),
            description=f"ElastiCache {args.cache_id}: cache port from the application security groups only",
            vpc_id=args.network.vpc_id,
            tags=dict(args.tags),
            opts=self._child,
        )
        low, high = SERVERLESS_PORTS if args.serverless else (args.port, args.port)
        for index, app_group in enumerate(args.network.app_security_group_ids):
            # Named by the source group, not its place in the list: under a positional name, dropping the first
            # app group would rewrite rule 0 in place (ModifySecurityGroupRules) into a copy of rule 1, which EC2
            # refuses as a duplicate. The alias keeps the rules of stacks planned under positional names.
            aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-ingress-{app_group}",
                security_group_id=group.id,
                referenced_security_group_id=app_group,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description=f"Cache port (TLS) from application security group {app_group}",
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions.merge(
                    self._child, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{self._name}-ingress-{index}")])
                ),
            )
        return group

    def _users(self) -> tuple[list[aws.elasticache.User], aws.elasticache.UserGroup | None]:
        """The application users (not the disabled default one) and their user group."""
        args = self._args
        auth = args.auth
        if auth.mode is AuthMode.TOKEN:
            return [], None
        engine = args.engine.value
        tags = dict(args.tags)
        # New ids whenever AWS would replace the users or their group (see `naming`): never the same id twice.
        identity = naming.suffix(
            f"{self._name}-users-suffix", self._child, keepers={"engine": engine, "authMode": auth.mode.value}
        )
        # Every user group needs a user named "default"; this one can never log in. Its random password is sent
        # write-only, yet sits in state as a secret twice: RandomPassword.result, and the write-only input the
        # bridge keeps from the first create (pulumi-terraform-bridge#3201); see README "What is in state".
        default_password = random.RandomPassword(
            f"{self._name}-default-password", length=64, special=False, opts=self._child
        )
        default_user = aws.elasticache.User(
            f"{self._name}-user-default",
            user_id=naming.unique(naming.user_readable(args.cache_id, naming.DEFAULT_USER), identity),
            user_name=naming.DEFAULT_USER,
            engine=engine,
            access_string=DISABLED_DEFAULT_ACCESS,
            passwords_wo=default_password.result,
            passwords_wo_version=1,
            tags=tags,
            opts=self._child,
        )
        users = []
        for user in auth.users:
            user_id = naming.unique(naming.user_readable(args.cache_id, user), identity)
            if auth.mode is AuthMode.IAM:
                # IAM authentication requires user_name == user_id.
                credentials: dict[str, Any] = {"authentication_mode": {"type": "iam"}, "user_name": user_id}
            else:
                password = auth.passwords[user].get_secret_value()
                credentials = {
                    "user_name": user,
                    "passwords_wo": pulumi.Output.secret(password),
                    "passwords_wo_version": auth.password_version,
                }
            users.append(
                aws.elasticache.User(
                    f"{self._name}-user-{user}",
                    user_id=user_id,
                    engine=engine,
                    access_string=auth.access_string,
                    tags=tags,
                    opts=self._child,
                    **credentials,
                )
            )
        group = aws.elasticache.UserGroup(
            f"{self._name}-users",
            user_group_id=naming.unique(args.cache_id, identity),
            engine=engine,
            user_ids=[default_user.user_id, *(user.user_id for user in users)],
            tags=tags,
            opts=self._child,
        )
        return users, group

    def _final_snapshot_name(self) -> pulumi.Output[str]:
        """`<id>-final-<suffix>`: new with every creation of the group, the same across in-place updates.

        The suffix is keyed on what the guard compares (the inputs that make AWS replace the group) minus the
        engine version and the auth mode, which change in place; destroy and re-create make a new cache id anyway.
        """
        facts = self._args.deployed().to_export()
        # A fact with no value is no keeper: a fact recorded later (`restoredFrom`) leaves the keepers, and so the
        # suffix, of caches that do not use it as they were.
        keepers = {
            key: str(value)
            for key, value in facts.items()
            if key not in ("engineVersion", "authMode") and value not in ("", None)
        }
        creation = naming.suffix(f"{self._name}-final-snapshot-suffix", self._child, keepers=keepers)
        return pulumi.Output.concat(self.cache_id, "-final-", creation)

    def _replication_group(
        self,
        security_group: aws.ec2.SecurityGroup,
        user_group: aws.elasticache.UserGroup | None,
        kms_key_arn: pulumi.Input[str] | None,
        topic_arn: pulumi.Input[str],
        topic_ready: list[pulumi.Resource],
        own_key_arn: pulumi.Output[str] | None,
    ) -> None:
        args = self._args
        node = args.node
        assert node is not None
        tags = dict(args.tags)
        subnet_group = aws.elasticache.SubnetGroup(
            f"{self._name}-subnets",
            name=self.cache_id,
            description=f"Private subnets of ElastiCache {args.cache_id}",
            subnet_ids=list(args.network.subnet_ids),
            tags=tags,
            opts=self._child,
        )
        family = parameter_group_family(args.engine, args.engine_version)
        parameters = [
            ("maxmemory-policy", node.eviction_policy.value),
            ("cluster-enabled", "yes" if node.cluster_mode_enabled else "no"),
            *node.parameters,
        ]
        # The family is in the name: a major upgrade or a redis->valkey move makes a new group, created and
        # attached before the old one (which AWS will not delete while attached) goes.
        parameter_group = aws.elasticache.ParameterGroup(
            f"{self._name}-params-{family}",
            name=naming.unique(f"{args.cache_id}-{family}", self._suffix),
            family=family,
            # Only what never changes for this name: AWS replaces a parameter group whose description changes,
            # and the replacement would collide with the old group's name.
            description=f"ElastiCache {args.cache_id} ({family})",
            parameters=[{"name": key, "value": value} for key, value in parameters],
            tags=tags,
            opts=self._child,
        )

        highly_available = node.nodes_per_shard >= 2
        restore = args.restore_from
        seeded_from_files = restore is not None and bool(restore.arns)
        # Seeding a sharded cache from RDB files needs each shard's slots (`aws_rules.even_slots`); a backup
        # restored by name brings its own.
        slots = aws_rules.even_slots(node.shards) if node.shards and seeded_from_files else ()
        topology: dict[str, Any]
        if node.cluster_mode_enabled:
            topology = {
                "cluster_mode": "enabled",
                "num_node_groups": node.shards,
                "replicas_per_node_group": node.replicas,
                "node_group_configurations": [
                    {
                        "node_group_id": f"{index + 1:04d}",
                        "primary_availability_zone": layout.primary_az,
                        "replica_availability_zones": list(layout.replica_azs),
                        "replica_count": node.replicas,
                        **({"slots": slots[index]} if slots else {}),
                    }
                    for index, layout in enumerate(node.layouts)
                ],
            }
        else:
            topology = {
                "cluster_mode": "disabled",
                "num_cache_clusters": node.nodes_per_shard,
                "preferred_cache_cluster_azs": list(node.layouts[0].azs),
            }

        if user_group is not None:
            access: dict[str, Any] = {
                "user_group_ids": [user_group.user_group_id],
                # Sent on every RBAC group so that moving a token-protected cache to iam or password is AWS's
                # documented one-call migration (ModifyReplicationGroup with AuthTokenUpdateStrategy DELETE and
                # UserGroupIdsToAdd). terraform-provider-aws `replication_group.go` (resourceReplicationGroupUpdate)
                # sends DELETE beside the added user group only when the strategy changes, and makes no token call
                # for DELETE; without it, it would send a second call setting an empty token. The pulumi_aws
                # docstring: with DELETE, `auth_token` and `auth_token_wo` must be omitted, as they are here.
                "auth_token_update_strategy": RBAC_TOKEN_UPDATE_STRATEGY,
            }
        else:
            token = args.auth.token
            assert token is not None
            access = {
                "auth_token_wo": pulumi.Output.secret(token.get_secret_value()),
                "auth_token_wo_version": args.auth.token_version,
                "auth_token_update_strategy": TokenUpdateStrategy(args.auth.token_update_strategy).value,
            }

        group = aws.elasticache.ReplicationGroup(
            f"{self._name}-replication-group",
            replication_group_id=self.cache_id,
            description=args.description,
            engine=args.engine.value,
            engine_version=args.engine_version,
            node_type=node.node_type,
            port=node.port,
            network_type=NETWORK_TYPE,
            ip_discovery=NETWORK_TYPE,
            parameter_group_name=parameter_group.name,
            subnet_group_name=subnet_group.name,
            security_group_ids=[security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=kms_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode=TransitEncryptionMode(node.transit_encryption_mode).value,
            automatic_failover_enabled=highly_available,
            multi_az_enabled=highly_available,
            data_tiering_enabled=node.data_tiering,
            snapshot_retention_limit=args.backup.retention_days,
            snapshot_window=args.backup.window,
            final_snapshot_identifier=self.final_snapshot_name,
            maintenance_window=args.maintenance_window,
            auto_minor_version_upgrade=True,
            apply_immediately=args.apply_immediately,
            log_delivery_configurations=self._log_delivery(own_key_arn),
            notification_topic_arn=topic_arn,
            tags={**tags, **args.expected_load.as_tags()},
            snapshot_name=restore.snapshot if restore else None,
            snapshot_arns=list(restore.arns) if restore and restore.arns else None,
            **topology,
            **access,
            # Placement is create-time only in AWS, and the provider replaces the group when the configured
            # node groups differ from those it reads back from AWS (`ForceNewIf("node_group_configuration")`,
            # `hasSignificantNodeGroupConfigChanges` in terraform-provider-aws `replication_group.go`): their count,
            # replica counts and the `slots` AWS assigns, which the inputs never carry. Ignored as a whole property,
            # the bridge drops that replacement flag (pulumi-terraform-bridge `pkg/tfshim/sdk-v2`
            # `processIgnoreChanges`); a narrower path would let every update after a shard or replica change
            # replace the cache.
            opts=pulumi.ResourceOptions.merge(
                self._protected(),
                pulumi.ResourceOptions(ignore_changes=["nodeGroupConfigurations"], depends_on=topic_ready),
            ),
        )
        self.arn = group.arn
        if node.cluster_mode_enabled:
            self.endpoint = group.configuration_endpoint_address
            self.reader_endpoint = group.configuration_endpoint_address
        else:
            self.endpoint = group.primary_endpoint_address
            self.reader_endpoint = group.reader_endpoint_address

    def _serverless(
        self,
        security_group: aws.ec2.SecurityGroup,
        user_group: aws.elasticache.UserGroup | None,
        kms_key_arn: pulumi.Input[str] | None,
    ) -> None:
        args = self._args
        limits = args.serverless
        assert limits is not None
        assert user_group is not None  # serverless caches are RBAC-only: the loader refuses token mode
        data_storage: dict[str, Any] = {"maximum": limits.max_data_gb, "unit": "GB"}
        if limits.min_data_gb is not None:
            data_storage["minimum"] = limits.min_data_gb
        ecpu: dict[str, Any] = {"maximum": limits.max_ecpu_per_second}
        if limits.min_ecpu_per_second is not None:
            ecpu["minimum"] = limits.min_ecpu_per_second
        subnets = args.network.subnets_in_app_azs()
        subnet_zones = sorted({args.network.subnet_azs[subnet] for subnet in subnets})
        cache = aws.elasticache.ServerlessCache(
            f"{self._name}-serverless",
            name=self.cache_id,
            description=args.description,
            engine=args.engine.value,
            major_engine_version=args.engine_version,
            cache_usage_limits={"data_storage": data_storage, "ecpu_per_seconds": [ecpu]},
            daily_snapshot_time=args.backup.window.split("-")[0],
            snapshot_retention_limit=args.backup.retention_days,
            security_group_ids=[security_group.id],
            # Only subnets in the app's AZs: AWS puts an endpoint in each, so clients resolve to their own AZ.
            subnet_ids=list(subnets),
            user_group_id=user_group.user_group_id,
            kms_key_id=kms_key_arn,
            network_type=NETWORK_TYPE,
            snapshot_arns_to_restores=list(args.restore_from.arns) if args.restore_from else None,
            tags={**args.tags, **args.expected_load.as_tags(), SUBNET_ZONES: " ".join(subnet_zones)},
            # AWS replaces a serverless cache whose subnets change; a subnet for a newly added app AZ waits for
            # the next deliberate replacement rather than emptying the cache.
            opts=pulumi.ResourceOptions.merge(self._protected(), pulumi.ResourceOptions(ignore_changes=["subnetIds"])),
        )
        self.arn = cache.arn
        self.endpoint = cache.endpoints.apply(lambda endpoints: endpoints[0].address)
        self.reader_endpoint = cache.reader_endpoints.apply(lambda endpoints: endpoints[0].address)


def _as_deployed(value: str, readable_id: str, cache_id: str) -> str:
    """An alarm dimension written against the readable id (`observability`), against the id AWS knows."""
    if value == readable_id or value.startswith(f"{readable_id}-"):
        return cache_id + value[len(readable_id) :]
    return value


def _key_policy(account_id: str, region: str, cache_id: str) -> str:
    """The account administers the key; CloudWatch may use it for this cache's logs and alarm topic only."""
    statements = [
        {
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsThisCachesLogs",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:aws:logs:{region}:{account_id}:log-group:/aws/elasticache/{cache_id}/*"
                    )
                }
            },
        },
        {
            "Sid": "AlarmsPublishToTheEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _topic_policy(topic_arn: str) -> str:
    """The access policy of a topic that receives a replication group's events and its alarms.

    The account, region and partition are the topic ARN's (`arn:<partition>:sns:<region>:<account>:<name>`).
    The policy replaces SNS's default one, so it keeps the default's grant to the owning account (the statement
    terraform-provider-aws `internal/service/sns/topic_policy.go` `defaultTopicPolicy` writes back on delete),
    then admits ElastiCache's events as AWS documents (ECEvents.SNS.html, "SNS topic access policy
    requirement") and this account's CloudWatch alarms.
    """
    _, partition, _, region, account_id, _ = topic_arn.split(":", 5)
    statements = [
        {
            "Sid": "AccountAdministersTheTopic",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "SNS:GetTopicAttributes",
                "SNS:SetTopicAttributes",
                "SNS:AddPermission",
                "SNS:RemovePermission",
                "SNS:DeleteTopic",
                "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic",
                "SNS:Publish",
            ],
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}},
        },
        {
            "Sid": "AllowElastiCachePublish",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}},
        },
        {
            "Sid": "AlarmsOfThisAccountPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*"},
                "StringEquals": {"aws:SourceAccount": account_id},
            },
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _connect_policy(cache_arn: pulumi.Output[str], user_arns: list[pulumi.Output[str]]) -> pulumi.Output[str]:
    """IAM policy JSON an app role attaches to connect: `elasticache:Connect` needs the cache and the user."""

    def document(arns: list[str]) -> str:
        statement = {"Effect": "Allow", "Action": "elasticache:Connect", "Resource": arns}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)

    return pulumi.Output.all(cache_arn, *user_arns).apply(document)
