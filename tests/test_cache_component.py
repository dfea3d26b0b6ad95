"""The `Cache` component built directly from a spec, in the SDK's own test style: outputs awaited for real."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import rpc

from components import Cache
from components.spec import CacheArgs
from elasticache_facts.tokens import (
    KMS_KEY,
    PARAMETER_GROUP,
    RANDOM_STRING,
    REPLICATION_GROUP,
    SERVERLESS_CACHE,
    USER,
    USER_GROUP,
)
from elasticache_facts.wire import is_secret
from preflight.mocks import RecordingMonitor
from tests.conftest import unit_spec

TOKEN = "Abcdefgh12345678-token"
PASSWORD = "Pw-0123456789abcdef"


def only(caches: dict[str, Any], **values: Any) -> CacheArgs:
    [args] = unit_spec(caches, **values).caches
    return args


def registered(monitor: RecordingMonitor, type_token: str) -> list[dict[str, Any]]:
    return [rpc.deserialize_properties(req.object) for req, _ in monitor.registrations if req.type == type_token]


def plain(monitor: RecordingMonitor, name: str) -> str:
    """An AWS name with the random suffixes (as the mocks answered the RandomStrings) taken out."""
    for request, response in monitor.registrations:
        if request.type == RANDOM_STRING:
            name = name.replace(f"-{rpc.deserialize_properties(response.object)['result']}", "")
    return name


def settled(cache: Cache) -> pulumi.Output[Any]:
    """Resolves once the cache and everything it depends on are registered."""
    return pulumi.Output.all(cache.connect_policy, cache.security_group_id, cache.endpoint, cache.port)


@pulumi.runtime.test
def test_node_based_outputs_are_primary_and_reader_endpoints(component_mocks) -> pulumi.Output[Any]:
    cache = Cache("sessions", only({"sessions": {"workload": "sessions"}}))

    def check(values: list[Any]) -> None:
        policy, group_id, endpoint, port = values
        assert plain(component_mocks, endpoint).startswith("master.unit-sessions.")
        assert port == 6379
        assert group_id.startswith("sg-")
        resources = [plain(component_mocks, arn) for arn in json.loads(policy)["Statement"][0]["Resource"]]
        assert resources == [
            "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:unit-sessions",
            "arn:aws:elasticache:us-east-1:123456789012:user:unit-sessions-app",
        ]

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_production_defaults_put_a_node_in_every_app_az(component_mocks) -> pulumi.Output[Any]:
    cache = Cache("sessions", only({"sessions": {"workload": "sessions"}}))

    def check(_: Any) -> None:
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert group["nodeType"] == "cache.r7g.large"
        assert group["numCacheClusters"] == 3
        assert group["preferredCacheClusterAzs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
        assert group["snapshotRetentionLimit"] == 14  # sessions: losing them hurts
        assert group["engine"] == "valkey"
        assert group["engineVersion"] == "8.1"
        [params] = registered(component_mocks, PARAMETER_GROUP)
        assert {"name": "maxmemory-policy", "value": "noeviction"} in params["parameters"]

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_non_production_defaults_are_small_but_still_highly_available(component_mocks) -> pulumi.Output[Any]:
    spec = only({"ratelimit": {"workload": "rate-limit"}}, production=False)
    cache = Cache("ratelimit", spec)

    def check(_: Any) -> None:
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert group["nodeType"] == "cache.t4g.small"
        assert group["snapshotRetentionLimit"] == 1
        assert group["multiAzEnabled"] is True
        assert group["automaticFailoverEnabled"] is True
        [params] = registered(component_mocks, PARAMETER_GROUP)
        assert {"name": "maxmemory-policy", "value": "volatile-ttl"} in params["parameters"]

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_sharded_cache_exports_its_configuration_endpoint(component_mocks) -> pulumi.Output[Any]:
    cache = Cache("hot", only({"hot": {"workload": "cache", "shards": 4, "replicas": 2}}))

    def check(values: list[Any]) -> None:
        _, _, endpoint, _ = values
        assert plain(component_mocks, endpoint).startswith("clustercfg.unit-hot.")
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert group["clusterMode"] == "enabled"
        assert [s["nodeGroupId"] for s in group["nodeGroupConfigurations"]] == ["0001", "0002", "0003", "0004"]
        [params] = registered(component_mocks, PARAMETER_GROUP)
        assert {"name": "cluster-enabled", "value": "yes"} in params["parameters"]
        assert {"name": "maxmemory-policy", "value": "allkeys-lru"} in params["parameters"]

    return pulumi.Output.all(settled(cache), cache.reader_endpoint).apply(lambda v: check(v[0]))


@pulumi.runtime.test
def test_serverless_cache_endpoint_and_limits(component_mocks) -> pulumi.Output[Any]:
    spec = only(
        {
            "memory": {
                "workload": "agent-memory",
                "type": "serverless",
                "limits": {"maxDataGb": 10, "minDataGb": 1, "maxEcpuPerSecond": 20000, "minEcpuPerSecond": 1000},
            }
        }
    )
    cache = Cache("memory", spec)

    def check(values: list[Any]) -> None:
        policy, _, endpoint, port = values
        assert ".serverless.use1.cache.amazonaws.com" in endpoint
        assert port == 6379
        [server] = registered(component_mocks, SERVERLESS_CACHE)
        assert server["cacheUsageLimits"] == {
            "dataStorage": {"maximum": 10, "minimum": 1, "unit": "GB"},
            "ecpuPerSeconds": [{"maximum": 20000, "minimum": 1000}],
        }
        assert server["majorEngineVersion"] == "8"
        assert server["snapshotRetentionLimit"] == 14
        assert server["dailySnapshotTime"] == "03:00"
        assert "serverlesscache:unit-memory" in policy
        assert not registered(component_mocks, REPLICATION_GROUP)
        assert not registered(component_mocks, PARAMETER_GROUP)

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_token_mode_sends_the_token_write_only_and_secret(component_mocks) -> pulumi.Output[Any]:
    spec = only(
        {"legacy": {"workload": "cache", "auth": {"mode": "token", "tokenVersion": 3}}},
        cacheSecrets={"legacy": {"authToken": TOKEN}},
    )
    cache = Cache("legacy", spec)

    def check(values: list[Any]) -> None:
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert is_secret(group["authTokenWo"])
        assert group["authTokenWo"]["value"] == TOKEN
        assert group["authTokenWoVersion"] == 3
        assert "authToken" not in group
        assert "userGroupIds" not in group
        assert not registered(component_mocks, USER)
        assert not registered(component_mocks, USER_GROUP)

    return pulumi.Output.all(settled(cache), cache.user_group_id).apply(check)


@pulumi.runtime.test
def test_password_mode_users_get_write_only_secret_passwords(component_mocks) -> pulumi.Output[Any]:
    spec = only(
        {"checkout": {"workload": "locks", "auth": {"mode": "password", "users": ["svc"], "passwordVersion": 2}}},
        cacheSecrets={"checkout": {"passwords": {"svc": PASSWORD}}},
    )
    cache = Cache("checkout", spec)

    def check(_: Any) -> None:
        users = {plain(component_mocks, u["userId"]): u for u in registered(component_mocks, USER)}
        svc = users["unit-checkout-svc"]
        assert svc["userName"] == "svc"
        assert is_secret(svc["passwordsWo"])
        assert svc["passwordsWoVersion"] == 2
        assert "passwords" not in svc
        default = users["unit-checkout-default"]
        assert is_secret(default["passwordsWo"])
        assert default["accessString"] == "off -@all"
        [group] = registered(component_mocks, USER_GROUP)
        assert sorted(plain(component_mocks, user) for user in group["userIds"]) == [
            "unit-checkout-default",
            "unit-checkout-svc",
        ]

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_given_kms_key_is_used_and_none_created(component_mocks) -> pulumi.Output[Any]:
    arn = "arn:aws:kms:us-east-1:123456789012:key/0f0f0f0f-1111-2222-3333-444444444444"
    cache = Cache("sessions", only({"sessions": {"workload": "sessions", "kmsKey": arn}}))

    def check(_: Any) -> None:
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert group["kmsKeyId"] == arn
        assert group["atRestEncryptionEnabled"] is True
        assert not registered(component_mocks, KMS_KEY)

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_without_a_customer_key_the_cache_is_still_encrypted(component_mocks) -> pulumi.Output[Any]:
    cache = Cache("sessions", only({"sessions": {"workload": "sessions"}}, encryption={"kmsKey": "aws-owned"}))

    def check(_: Any) -> None:
        [group] = registered(component_mocks, REPLICATION_GROUP)
        assert "kmsKeyId" not in group
        assert group["atRestEncryptionEnabled"] is True

    return settled(cache).apply(check)


@pulumi.runtime.test
def test_redis_gets_a_redis_family_and_redis_users(component_mocks) -> pulumi.Output[Any]:
    cache = Cache("sessions", only({"sessions": {"workload": "sessions", "engine": "redis", "engineVersion": "7.1"}}))

    def check(_: Any) -> None:
        [params] = registered(component_mocks, PARAMETER_GROUP)
        assert params["family"] == "redis7"
        assert plain(component_mocks, params["name"]) == "unit-sessions-redis7"
        assert {u["engine"] for u in registered(component_mocks, USER)} == {"redis"}
        assert registered(component_mocks, USER_GROUP)[0]["engine"] == "redis"

    return settled(cache).apply(check)
