"""Remediation in the user's words: the stack config key, and the value, that fix a finding of this program's.

A resource made from one entry of a stack config in this repository's schema carries that entry's key in the
`stackConfigKey` tag (`elasticache_facts.tags.CONFIG_KEY`), e.g. `caches.sessions`. Its user never writes
`preferredCacheClusterAzs` or the `protect` resource option: they write `caches.sessions.replicas` or
`caches.sessions.protect: true`. For such a resource the finding ends with the config change that fixes it;
any other program's resources keep the provider's terms. The keys are those of the README's stack config
reference (a test checks each against the program's schema).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from elasticache_facts.tags import CONFIG_KEY
from elasticache_facts.tokens import SERVERLESS_CACHE

Fix = Callable[[str, Mapping[str, Any], str], str]
"""(the resource's config key, the policy's settings, the resource type) -> the change, in config terms."""


def _at_rest(key: str, config: Mapping[str, Any], _kind: str) -> str:
    return (
        f"`{key}.kmsKey: create` (or `encryption.kmsKey: create` for every cache) with "
        f"`{key}.allowReplacement: true`: AWS takes the key only at creation, so the cache is replaced, empty"
    )


def _engine(key: str, config: Mapping[str, Any], kind: str) -> str:
    field = "majorEngineVersion" if kind == SERVERLESS_CACHE else "engineVersion"
    return f"`{key}.{field}` to an allowed version at least this environment's minimum"


def _placement(key: str, _config: Mapping[str, Any], kind: str) -> str:
    if kind == SERVERLESS_CACHE:
        return (
            "`network.appAvailabilityZones` listing the app's AZs, with a subnet of each in `network.subnetIds`; "
            f"AWS takes a serverless cache's subnets only at creation, so also `{key}.allowReplacement: true`"
        )
    return (
        f"`network.appAvailabilityZones` listing the app's AZs and `{key}.replicas` at least one fewer than them: "
        "the program puts the primary in the first and a node in each"
    )


FIXES: dict[str, Fix] = {
    "elasticache-data-protection": lambda key, _config, _kind: f"`{key}.protect: true`",
    "elasticache-encryption-at-rest": _at_rest,
    "elasticache-transit-encryption-mode": lambda key, _config, _kind: (
        f"remove `{key}.transitEncryptionMode` (the default is `required`) once every client uses TLS"
    ),
    "elasticache-backup-retention": lambda key, config, _kind: (
        f"`{key}.backup.retentionDays: {int(config.get('minimumRetentionDays', 1))}` (or more)"
    ),
    "elasticache-multi-az-failover": lambda key, config, _kind: (
        f"`{key}.replicas: {max(int(config.get('minimumNodesPerShard', 2)) - 1, 1)}` (or more)"
    ),
    "elasticache-same-az-placement": _placement,
    "elasticache-engine-version": _engine,
    "elasticache-node-type": lambda key, _config, _kind: f"`{key}.nodeType` of a current-generation family",
    "elasticache-serverless-usage-limits": lambda key, _config, _kind: (
        f"`{key}.limits.maxDataGb` and `{key}.limits.maxEcpuPerSecond` within this environment's caps"
    ),
    "elasticache-required-tags": lambda key, _config, _kind: (
        f"the missing keys under `tags` (every resource of the stack) or `{key}.tags`"
    ),
    "elasticache-authentication": lambda key, _config, _kind: f"`{key}.auth.mode: iam` (or `password`)",
    "elasticache-user-full-access": lambda key, _config, _kind: (
        f"`{key}.auth.accessString` to the key patterns and command categories the app uses "
        "(or remove it: the default takes `@dangerous` away)"
    ),
    "elasticache-security-group-ingress": lambda _key, _config, _kind: (
        "`network.appSecurityGroupIds` to the app's security groups (the program admits only those)"
    ),
    "elasticache-eviction-policy": lambda key, _config, _kind: (
        f"`{key}.evictionPolicy` to one that fits its `workload` (or drop it: the workload's default fits)"
    ),
}


def serverless_pricing_inputs(key: str) -> dict[str, str]:
    """The stack config keys that give a serverless cache of this program what the budget could not price it
    without (`pricing.ServerlessTerms` fields): its expected load, from which the program sets the tags the
    budget reads, and its usage limits."""
    return {
        "data_gb": f"`{key}.expectedLoad.averageDataGb`",
        "requests_per_second": f"`{key}.expectedLoad.requestsPerSecond`",
        "snapshot_gb": f"`{key}.expectedLoad.snapshotGb`",
        "max_data_gb": f"`{key}.limits.maxDataGb`",
        "max_ecpu_per_second": f"`{key}.limits.maxEcpuPerSecond`",
    }


def config_key(tags: Any) -> str | None:
    """The stack config key a resource came from, when its program says (`stackConfigKey`)."""
    if not isinstance(tags, Mapping):
        return None
    value = tags.get(CONFIG_KEY)
    return value.strip() if isinstance(value, str) and value.strip() else None


def in_program_terms(policy: str, message: str, key: str | None, config: Mapping[str, Any], kind: str) -> str:
    """The finding, ending with the stack config change that fixes it when the resource names its key."""
    fix = FIXES.get(policy)
    if key is None or fix is None:
        return message
    return f"{message} In the stack config: set {fix(key, config, kind)}."
