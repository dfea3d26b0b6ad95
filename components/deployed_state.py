"""What the last `pulumi up` of this stack deployed, read back before anything is registered.

The program exports `deployedCaches` (engine, version, port, key, ...) on every update; the next run reads it
through a StackReference to its own stack, so an edit that AWS could only apply by replacing a cache is refused
at preview, with the key to change, instead of showing up as a replace in a long diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components import aws_rules, naming
from components.spec import NETWORK_TYPE, AuthMode, DeployedCache
from sdk_internals import sync_await

DEPLOYED_CACHES_OUTPUT = "deployedCaches"


def read_deployed_caches() -> dict[str, DeployedCache]:
    """Empty on a stack's first update (no outputs yet)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference("deployed-state", stack_name=stack)
    # Known before the config is validated and before any resource is registered (the SDK's own mechanism for
    # synchronous invokes: see sdk_internals).
    details = sync_await(reference.get_output_details(DEPLOYED_CACHES_OUTPUT))
    return parse_deployed(details.value)


def parse_deployed(value: Any) -> dict[str, DeployedCache]:
    if not isinstance(value, Mapping):
        return {}
    found = {}
    for name, facts in value.items():
        try:
            found[str(name)] = DeployedCache(
                cache_id=str(facts["cacheId"]),
                type=str(facts["type"]),
                engine=str(facts["engine"]),
                engine_version=str(facts["engineVersion"]),
                port=int(facts["port"]),
                kms_key=str(facts["kmsKey"]),
                sharded=bool(facts["sharded"]),
                data_tiering=bool(facts["dataTiering"]),
                # Recorded since the network type is compared; every earlier record was deployed with the one.
                network_type=str(facts.get("networkType", NETWORK_TYPE)),
                # Recorded since a move from RBAC to a token is refused; an earlier record cannot tell.
                auth_mode=None if facts.get("authMode") is None else str(facts["authMode"]),
                # Recorded since caches can be seeded; every earlier record was of a cache created empty.
                restored_from=str(facts.get("restoredFrom") or ""),
            )
        except (KeyError, TypeError, ValueError):
            continue  # written by an older version of this program: nothing reliable to compare against
    return found


@dataclass(frozen=True)
class ReplacingEdit:
    """One difference between what was deployed and what the config now asks for that AWS can only apply by
    replacing the cache (aws-elasticache-rules.md, "Which input changes replace the resource")."""

    key: str
    """The config key under `caches.<name>` that makes the difference (`port`); empty for the cache id."""
    reason: str
    """What changes, in the user's terms (`was 6379`)."""
    hint: str = ""
    """Another way out than reverting or accepting the replacement, if there is one."""


def replacing_edits(before: DeployedCache, after: DeployedCache) -> list[ReplacingEdit]:
    """Every edit from `before` to `after` that replaces the cache; none means every change is in place."""
    edits = []
    # `before` holds the id AWS knows (suffix included, see `naming`); `after` the part the config derives.
    if not naming.is_id_of(before.cache_id, after.cache_id):
        edits.append(ReplacingEdit("", f"changes the cache id from {before.cache_id}"))
    if before.type != after.type:
        # Nothing else compares between a node-based and a serverless cache.
        return [*edits, ReplacingEdit("type", f"was {before.type}")]
    if before.engine == "valkey" and after.engine == "redis":
        # Both kinds: the provider replaces a replication group moved back to Redis OSS (terraform-provider-aws
        # `replication_group.go`, customizeDiffEngineForceNewOnDowngrade), and a serverless cache's engine is
        # RequiresReplace but for redis -> valkey (`serverless_cache.go`; hashicorp/terraform-provider-aws
        # PR #42208 made only that way in place, and issue #45204 shows valkey 7 -> redis 7 replacing the cache).
        edits.append(ReplacingEdit("engine", "was valkey; moving back to Redis OSS is not in place"))
    if aws_rules.version_older(after.engine_version, before.engine_version):
        # Compared across engines, as the provider compares them: valkey 8.1 -> redis 7.1 also downgrades the
        # version, which replaces the cache whatever the engine (terraform-provider-aws
        # `internal/service/elasticache/engine_version.go` engineVersionForceNewOnDowngrade compares
        # `engine_version` alone; `serverless_cache.go` the major version; aws-elasticache-rules.md, "Which input
        # changes replace the resource").
        key = "majorEngineVersion" if after.type == "serverless" else "engineVersion"
        edits.append(ReplacingEdit(key, f"downgrades {before.engine_version}"))
    if before.port != after.port:
        edits.append(ReplacingEdit("port", f"was {before.port}"))
    if before.kms_key != after.kms_key:
        edits.append(ReplacingEdit("kmsKey", f"changes the at-rest key from {before.kms_key}"))
    if before.data_tiering != after.data_tiering:
        edits.append(ReplacingEdit("nodeType", "toggles data tiering"))
    if before.network_type != after.network_type:
        edits.append(ReplacingEdit("", f"changes the network type from {before.network_type}"))
    if before.restored_from != after.restored_from:
        was = f"was {before.restored_from}" if before.restored_from else "the cache was created empty"
        edits.append(
            ReplacingEdit(
                "restoreFrom",
                f"{was}; AWS seeds a cache only when it creates it, so the provider replaces it for any change here",
                "put restoreFrom back as deployed: it only ever seeded the cache once"
                if before.restored_from
                else "leave restoreFrom out: to load data into this cache, restore it as a new cache under another "
                "caches.<name> key, move the clients and remove this one",
            )
        )
    return edits


def unsafe_edits(before: DeployedCache, after: DeployedCache) -> list[ReplacingEdit]:
    """Every edit from `before` to `after` that the provider applies in place but leaves the cache open on the
    way: refused whatever `allowReplacement` says, since no replacement is involved.

    RBAC (iam or password) to an AUTH token is one: terraform-provider-aws `replication_group.go`
    (resourceReplicationGroupUpdate) removes the user group in the group's standard ModifyReplicationGroup and
    sets the token in a later, separate one, waiting in between, so for that while the cache has neither; and
    ROTATE, the default strategy, on a group with no token leaves passwordless access open
    (aws-elasticache-rules.md, "Replication group").
    """
    rbac = (AuthMode.IAM.value, AuthMode.PASSWORD.value)
    if before.type != "node" or before.auth_mode not in rbac or after.auth_mode != AuthMode.TOKEN.value:
        return []
    return [
        ReplacingEdit(
            "auth.mode",
            f"was {before.auth_mode}; moving a deployed cache from RBAC to a token leaves it without "
            "authentication between the provider's two calls (user group removed, then token set)",
            f"keep auth.mode {before.auth_mode}, or add the new cache under another caches.<name> key, move the "
            "clients and remove this one; allowReplacement does not apply",
        )
    ]


def impossible_edits(before: DeployedCache, after: DeployedCache) -> list[ReplacingEdit]:
    """Every edit from `before` to `after` that neither AWS nor the provider can apply, replacement or not:
    `allowReplacement` does not let these through.

    Cluster mode on or off is one: `cluster_mode`, `num_node_groups` and `replicas_per_node_group` are not
    ForceNew in terraform-provider-aws `internal/service/elasticache/replication_group.go`, so the provider
    modifies the group in place, and AWS turns cluster mode on only through `compatible` and never off again
    (aws-elasticache-rules.md, "Replication group"; botocore `ModifyReplicationGroup` `ClusterMode`). A preview
    shows an update and `pulumi up` fails at AWS, with the cache as it was.
    """
    if before.type != "node" or after.type != "node" or before.sharded == after.sharded:
        return []
    if after.sharded:
        reason = (
            "turns cluster mode on, which AWS applies only through cluster mode compatible, by hand, and which "
            "the provider would try in place rather than by replacing the cache"
        )
    else:
        reason = "turns cluster mode off, which AWS never does for a replication group, in place or by the provider"
    return [
        ReplacingEdit(
            "shards",
            reason,
            "keep shards as deployed, or add the new cache under another caches.<name> key, move the data and "
            "remove this one; allowReplacement does not apply",
        )
    ]
