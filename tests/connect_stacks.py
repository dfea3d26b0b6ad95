"""A stack of every cache mode an app can meet, built from the repo's dev stack for the connection tests."""

from __future__ import annotations

from preflight.stack_files import StackConfig

PASSWORD = "Locks-password-0123456789"
TOKEN = "Ratelimit-token-0123456789"

EXTRA_CACHES = {
    "ratelimit": {"workload": "rate-limit", "replicas": 1, "auth": {"mode": "token"}},
    "locks": {"workload": "locks", "replicas": 1, "auth": {"mode": "password", "users": ["svc"]}},
    "memory": {"workload": "agent-memory", "replicas": 1, "auth": {"mode": "iam", "users": ["agent"]}},
    "hot": {"workload": "cache", "shards": 2, "replicas": 1, "auth": {"mode": "iam", "users": ["app", "worker"]}},
}
"""With dev's serverless `prompts` (IAM) and node-based `sessions` (IAM): every workload, auth mode and topology."""


def every_mode(dev: StackConfig, engine: str = "valkey") -> StackConfig:
    """`engine="redis"`: the same caches on Redis OSS 7.0 (serverless: 7)."""
    caches = {**dev.get("caches"), **EXTRA_CACHES}
    if engine == "redis":
        caches = {
            name: {
                **cache,
                "engine": "redis",
                **({"majorEngineVersion": "7"} if cache.get("type") == "serverless" else {"engineVersion": "7.0"}),
            }
            for name, cache in caches.items()
        }
    return dev.with_values(caches=caches).with_secret_values(
        cacheSecrets={"ratelimit": {"authToken": TOKEN}, "locks": {"passwords": {"svc": PASSWORD}}},
    )
