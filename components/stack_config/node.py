"""The node-based keys of a cache: node type, replicas and shards, eviction, parameters."""

from __future__ import annotations

import re

from components import aws_rules, placement
from components.spec import NodeBased
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_NODE_TYPE
from elasticache_facts.ports import REDIS_PORT
from elasticache_facts.workloads import PROFILES, allowed_eviction_policies

RESERVED_PARAMETERS = {
    "maxmemory-policy": "set evictionPolicy instead",
    "cluster-enabled": "set shards (cluster mode enabled) or leave it out (disabled) instead",
}
_PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def resolve_node(ctx: CacheContext) -> NodeBased | None:
    config = ctx.node_config
    assert config is not None
    problems = ctx.stack.problems
    before = problems.count()
    production = ctx.stack.production
    node_type = config.node_type or DEFAULT_NODE_TYPE[production]
    if (why := aws_rules.check_node_type(node_type)) is not None:
        ctx.problem("nodeType", node_type, why)
    tiering_capable = aws_rules.supports_data_tiering(node_type)
    data_tiering = tiering_capable if config.data_tiering is None else config.data_tiering
    if data_tiering and not tiering_capable:
        ctx.problem("dataTiering", True, "data tiering needs an r6gd node type (e.g. cache.r6gd.xlarge)")
    if tiering_capable and not data_tiering:
        ctx.problem("dataTiering", False, "r6gd node types require data tiering on; remove the key")

    network = ctx.stack.network
    app_azs = network.app_availability_zones if network else ()
    replicas = config.replicas if config.replicas is not None else max(1, len(app_azs) - 1)
    shards = config.shards
    layouts: tuple[placement.ShardLayout, ...] = ()
    if production and replicas < 1:
        ctx.problem("replicas", replicas, "production caches need at least 1 replica per shard for failover")
    elif shards is not None and replicas < 1:
        ctx.problem("replicas", replicas, "sharded caches need at least 1 replica per shard for failover")
    elif app_azs:
        layouts = placement.shard_layouts(app_azs, shards or 1, replicas)
        missing = placement.uncovered_azs(app_azs, layouts)
        if missing:
            needed = len(app_azs) - 1 if shards is None else -(-(len(app_azs) - 1) // shards)
            ctx.problem(
                "replicas",
                replicas,
                f"leaves app AZ {', '.join(missing)} without a node; every app AZ must hold one: "
                f"set replicas to at least {needed}",
            )

    eviction = config.eviction_policy or PROFILES[config.workload].eviction_policy
    allowed = allowed_eviction_policies(config.workload)
    if eviction not in allowed:
        ctx.problem(
            "evictionPolicy",
            eviction.value,
            f"contradicts workload {config.workload.value!r}; allowed: " + ", ".join(sorted(p.value for p in allowed)),
        )

    parameters: list[tuple[str, str]] = []
    for key, value in sorted((config.parameters or {}).items()):
        if key in RESERVED_PARAMETERS:
            ctx.problem(f"parameters.{key}", value, RESERVED_PARAMETERS[key])
        elif not _PARAMETER_NAME.match(key):
            ctx.problem(f"parameters.{key}", value, "parameter names are lowercase words and hyphens")
        else:
            parameters.append((key, str(value)))

    if problems.count() > before or not layouts:
        return None
    return NodeBased(
        node_type=node_type,
        replicas=replicas,
        shards=shards,
        eviction_policy=eviction,
        parameters=tuple(parameters),
        port=config.port or REDIS_PORT,
        data_tiering=data_tiering,
        layouts=layouts,
        transit_encryption_mode=config.transit_encryption_mode,
    )
