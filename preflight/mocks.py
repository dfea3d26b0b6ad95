"""Pulumi SDK mocks that behave like AWS: realistic computed outputs, subnet lookups, and a full record.

Used by the offline preflight and by the test suite alike, so both see the same plan.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import Mocks
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.proto import resource_pb2

from elasticache_facts import tokens
from elasticache_facts.ports import REDIS_PORT, SERVERLESS_READER_PORT
from preflight.model import ROOT_STACK_TYPE, SubnetAnswer

ACCOUNT_ID = "123456789012"
_REGION_CODES = {"us-east-1": "use1", "us-east-2": "use2", "us-west-2": "usw2", "eu-west-1": "euw1"}


def _hex(*parts: str, length: int = 17) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:length]


class AwsMocks(Mocks):
    """Answers registrations with the outputs AWS would compute, and `get_subnet` from a subnet->AZ map."""

    def __init__(
        self,
        region: str,
        subnets: Mapping[str, SubnetAnswer],
        previous_outputs: Mapping[str, Any] | None = None,
    ) -> None:
        self.region = region
        self.subnets = dict(subnets)
        self.previous_outputs = dict(previous_outputs or {})
        """The stack's outputs from its last update, as a StackReference to the stack itself would read them."""
        self._outputs: dict[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
            tokens.SECURITY_GROUP: self._security_group,
            tokens.INGRESS_RULE: self._sg_rule,
            tokens.EGRESS_RULE: self._sg_rule,
            tokens.SUBNET_GROUP: self._named("elasticache", "name", "subnetgroup:"),
            tokens.PARAMETER_GROUP: self._named("elasticache", "name", "parametergroup:"),
            tokens.USER: self._named("elasticache", "userId", "user:"),
            tokens.USER_GROUP: self._named("elasticache", "userGroupId", "usergroup:"),
            tokens.REPLICATION_GROUP: self._replication_group,
            tokens.SERVERLESS_CACHE: self._serverless_cache,
            tokens.KMS_KEY: self._kms_key,
            tokens.KMS_ALIAS: self._kms_alias,
            tokens.RANDOM_PASSWORD: self._random_password,
            tokens.RANDOM_STRING: self._random_string,
            tokens.STACK_REFERENCE: self._stack_reference,
            tokens.SNS_TOPIC: self._named("sns", "name"),
            tokens.SNS_TOPIC_POLICY: self._topic_policy,
            tokens.LOG_GROUP: self._named("logs", "name", "log-group:"),
            tokens.METRIC_ALARM: self._named("cloudwatch", "name", "alarm:"),
        }

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        handler = self._outputs.get(args.typ)
        inputs = dict(args.inputs)
        if handler is None:
            return f"{args.name}-{_hex(args.typ, args.name, length=8)}", inputs
        return handler(args.name, inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == tokens.GET_CALLER_IDENTITY:
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/preflight", "userId": "AIDA"}, []
        if args.token == tokens.GET_SUBNET:
            subnet_id = args.args.get("id", "")
            answer = self.subnets.get(subnet_id)
            if answer is None:
                # What the provider answers: a check failure, which the SDK raises in the program.
                return {}, [("id", f"no matching EC2 Subnet found for id {subnet_id}")]
            return {
                "id": subnet_id,
                "arn": self.arn("ec2", f"subnet/{subnet_id}"),
                "availabilityZone": answer.availability_zone,
                "availabilityZoneId": f"{_REGION_CODES.get(self.region, 'az')}-az{answer.availability_zone[-1]}",
                "vpcId": answer.vpc_id,
                "cidrBlock": "10.0.0.0/24",
                "mapPublicIpOnLaunch": False,
                "ownerId": ACCOUNT_ID,
            }, []
        return {}, []

    # -- per-type outputs ----------------------------------------------------------------------------------

    def _named(
        self, service: str, name_key: str, arn_prefix: str = ""
    ) -> Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        """Outputs of a resource whose id is its (given or autonamed) name and whose ARN ends with it."""

        def outputs(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            physical = inputs.get(name_key) or f"{name}-{_hex(name, length=7)}"
            return physical, {**inputs, name_key: physical, "arn": self.arn(service, f"{arn_prefix}{physical}")}

        return outputs

    def _topic_policy(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # terraform-provider-aws `internal/service/sns/topic_policy.go`: the id is the topic's ARN, `owner` the
        # topic's owning account.
        topic_arn = inputs.get("arn") or self.arn("sns", name)
        return topic_arn, {**inputs, "arn": topic_arn, "owner": topic_arn.split(":")[4]}

    def _stack_reference(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        stack = inputs.get("name", name)
        return stack, {"name": stack, "outputs": self.previous_outputs, "secretOutputNames": []}

    def _security_group(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group_id = f"sg-{_hex('sg', name)}"
        return group_id, {
            **inputs,
            "id": group_id,
            "name": inputs.get("name") or f"{name}-{_hex(name, length=7)}",
            "arn": self.arn("ec2", f"security-group/{group_id}"),
            "ownerId": ACCOUNT_ID,
            "ingress": inputs.get("ingress", []),
            "egress": inputs.get("egress", []),
        }

    def _sg_rule(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rule_id = f"sgr-{_hex('sgr', name)}"
        return rule_id, {
            **inputs,
            "securityGroupRuleId": rule_id,
            "arn": self.arn("ec2", f"security-group-rule/{rule_id}"),
        }

    def _replication_group(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group_id = inputs.get("replicationGroupId") or f"{name}-{_hex(name, length=7)}"
        domain = f"{group_id}.{_hex(group_id, length=6)}.{_REGION_CODES.get(self.region, 'xxx')}.cache.amazonaws.com"
        sharded = inputs.get("clusterMode") == "enabled"
        shards = int(inputs.get("numNodeGroups") or 1)
        per_shard = (
            int(inputs.get("replicasPerNodeGroup") or 0) + 1 if sharded else int(inputs.get("numCacheClusters") or 1)
        )
        members = [f"{group_id}-{shard + 1:04d}-{node + 1:03d}" for shard in range(shards) for node in range(per_shard)]
        if not sharded:
            members = [f"{group_id}-{node + 1:03d}" for node in range(per_shard)]
        outputs = {
            **inputs,
            "id": group_id,
            "arn": self.arn("elasticache", f"replicationgroup:{group_id}"),
            "clusterEnabled": sharded,
            "engineVersionActual": f"{inputs.get('engineVersion', '8.1')}.0",
            "memberClusters": members,
            "primaryEndpointAddress": None if sharded else f"master.{domain}",
            "readerEndpointAddress": None if sharded else f"replica.{domain}",
            "configurationEndpointAddress": f"clustercfg.{domain}" if sharded else None,
        }
        return group_id, outputs

    def _serverless_cache(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        cache_name = inputs.get("name") or f"{name}-{_hex(name, length=7)}"
        host = f"{cache_name}-{_hex(cache_name, length=6)}.serverless.{_REGION_CODES.get(self.region, 'xxx')}"
        host += ".cache.amazonaws.com"
        major = inputs.get("majorEngineVersion", "8")
        return cache_name, {
            **inputs,
            "id": cache_name,
            "arn": self.arn("elasticache", f"serverlesscache:{cache_name}"),
            "endpoints": [{"address": host, "port": REDIS_PORT}],
            "readerEndpoints": [{"address": host, "port": SERVERLESS_READER_PORT}],
            "fullEngineVersion": f"{major}.0",
            "status": "available",
        }

    def _kms_key(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        digest = _hex("kms", name, length=32)
        key_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return key_id, {**inputs, "keyId": key_id, "arn": self.arn("kms", f"key/{key_id}")}

    def _kms_alias(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        alias = inputs.get("name") or f"alias/{name}"
        return alias, {**inputs, "arn": self.arn("kms", alias), "targetKeyArn": self.arn("kms", "key/x")}

    def _random_password(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        length = int(inputs.get("length", 32))
        value = (_hex("password", name, length=64) * 4)[:length]
        return "none", {**inputs, "result": value, "bcryptHash": f"$2a$10${_hex('bcrypt', name, length=53)}"}

    def _random_string(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # Lowercase hex: within any character set the program asks for (it never asks for upper-case only). New
        # keepers make a new value, as they replace the resource (terraform-provider-random `keepers`).
        keepers = json.dumps(inputs.get("keepers") or {}, sort_keys=True)
        value = (_hex("string", name, keepers, length=64) * 4)[: int(inputs.get("length", 16))]
        return value, {**inputs, "result": value}


Registered = Callable[[Any, resource_pb2.RegisterResourceResponse], None]
"""Told of each registration as it happens (on the SDK's RPC thread), with the request and the mock's answer."""


class RecordingMonitor(MockMonitor):
    """The SDK's mock monitor, handing every `RegisterResourceRequest` with the mock's answer to `on_registered`
    (the root stack's included), or, without one, keeping them in `registrations` (the root stack's left out).

    Not both: the requests carry each resource's inputs and stack trace as protobuf, about a third of a MiB per
    cache that nothing reads once `on_registered` has taken what it needs.
    """

    def __init__(self, mocks: Mocks, on_registered: Registered | None = None) -> None:
        super().__init__(mocks)
        self.registrations: list[tuple[Any, resource_pb2.RegisterResourceResponse]] = []
        self.on_registered = on_registered

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives (`resource.NewURN`, `step_generator.go`): the parent's full qualified type,
        and none for the root stack, so that a top-level resource is `urn:...::elasticache:index:Cache::x`, as in
        `pulumi stack export`. The SDK's own mock prefixes `pulumi:pulumi:Stack$` and keeps only the parent's
        last type, URNs no real state holds."""
        if parent:
            qualified = parent.split("::")[2]
            if qualified.split("$")[-1] != ROOT_STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([pulumi.get_stack(), pulumi.get_project(), type_, name])

    def RegisterResource(self, request: Any) -> resource_pb2.RegisterResourceResponse:
        response = super().RegisterResource(request)
        if self.on_registered is not None:
            # The root stack too: the engine analyses it like any resource (`preflight.program.run_program`).
            self.on_registered(request, response)
        elif request.type != ROOT_STACK_TYPE:
            self.registrations.append((request, response))
        return response
