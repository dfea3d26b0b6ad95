"""Resource type tokens: pulumi-aws's (as its schema names them, in any language) and this project's component.

Source: the `pulumi_aws` package's `@pulumi.type_token` / resource registrations
(`venv/lib/python3.11/site-packages/pulumi_aws/elasticache/*.py`, `ec2`, `vpc`, `kms`, `sns`, `cloudwatch`).
"""

from __future__ import annotations

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
CLUSTER = "aws:elasticache/cluster:Cluster"
SERVERLESS_CACHE = "aws:elasticache/serverlessCache:ServerlessCache"
GLOBAL_REPLICATION_GROUP = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
USER = "aws:elasticache/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
USER_GROUP_ASSOCIATION = "aws:elasticache/userGroupAssociation:UserGroupAssociation"
RESERVED_CACHE_NODE = "aws:elasticache/reservedCacheNode:ReservedCacheNode"
ELASTICACHE_PREFIX = "aws:elasticache/"
CACHE_TYPES = (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE)

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_STRING = "random:index/randomString:RandomString"

GET_SUBNET = "aws:ec2/getSubnet:getSubnet"
GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"

COMPONENT = "elasticache:index:Cache"
"""This project's `Cache` ComponentResource."""
STACK_REFERENCE = "pulumi:pulumi:StackReference"
