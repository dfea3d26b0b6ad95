"""High availability: Multi-AZ, automatic failover, and a replica for every primary to fail over to."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.engines import REDIS_PROTOCOL
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import DOCS, STANDALONE_CLUSTER, engine, integer, is_group_member, settings
from guardrails.props import MISSING, Props, Unknown, off, state

SCHEMA = PolicyConfigSchema(
    properties={
        "minimumNodesPerShard": {
            "type": "integer",
            "minimum": 1,
            "maximum": 6,
            "default": 2,
            "description": "Nodes (primary + replicas) every shard must have; automatic failover needs 2.",
        },
        "requireMultiAz": {
            "type": "boolean",
            "default": True,
            "description": "Require `multiAzEnabled: true`.",
        },
        "requireAutomaticFailover": {
            "type": "boolean",
            "default": True,
            "description": "Require `automaticFailoverEnabled: true`.",
        },
    }
)


def is_sharded(props: Props) -> bool:
    """Cluster mode enabled: shards are described by node-group settings, not `numCacheClusters`."""
    if any(props.present(key) is True for key in ("numNodeGroups", "replicasPerNodeGroup")):
        return True
    if props.present("nodeGroupConfigurations") is True:
        return True
    # Cluster mode enabled with `numCacheClusters` is one shard of that many nodes: AWS uses NumCacheClusters
    # unless there is more than one node group (CreateReplicationGroup), and `numNodeGroups` (default 1) and
    # `replicasPerNodeGroup` conflict with it (pulumi-aws `replication_group.py`).
    if props.present("numCacheClusters") is True:
        return False
    return props.text("clusterMode") == "enabled"


def nodes_per_shard(props: Props) -> list[Any]:
    """Nodes in each shard (a float, or Unknown). A single-shard group gives a one-element list."""
    if not is_sharded(props):
        count = props.number("numCacheClusters")
        return [1.0 if count is MISSING else count]
    replicas = props.number("replicasPerNodeGroup")
    shards = props.number("numNodeGroups")
    configurations = props.items("nodeGroupConfigurations")
    counts: list[Any] = []
    if isinstance(configurations, list):
        for index, shard in enumerate(configurations):
            if isinstance(shard, Unknown):
                counts.append(props.note(shard))
                continue
            own = props.number("nodeGroupConfigurations", index, "replicaCount")
            if own is MISSING:
                own = replicas
            counts.append(own + 1 if isinstance(own, float) else (1.0 if own is MISSING else own))
    if not counts:
        per_shard = replicas + 1 if isinstance(replicas, float) else (1.0 if replicas is MISSING else replicas)
        total = int(shards) if isinstance(shards, float) else 1
        counts = [per_shard] * max(total, 1)
    return counts


def _size_key(props: Props, index: int) -> str:
    """The input that sets the size of a sharded group's shard `index`: its own `replicaCount` wins over
    `replicasPerNodeGroup` (as `nodes_per_shard` counts it), so raising the other would change nothing."""
    if props.number("nodeGroupConfigurations", index, "replicaCount") is not MISSING:
        return f"nodeGroupConfigurations[{index}].replicaCount"
    return "replicasPerNodeGroup"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("AWS replicates serverless caches across availability zones itself")
    if args.resource_type == CLUSTER:
        props = Props(args.props)
        if is_group_member(props):
            args.not_applicable("the cluster belongs to a replication group, which is judged instead")
        kind = engine(props, CLUSTER)
        if kind == "memcached":
            args.not_applicable("Memcached has no replication or failover; clients shard across nodes")
        if kind in REDIS_PROTOCOL:
            report(STANDALONE_CLUSTER + ".")
        props.finish()
        return
    if args.resource_type != REPLICATION_GROUP:
        return
    config = settings(args, SCHEMA)
    props = Props(args.props)
    minimum = integer(config["minimumNodesPerShard"])

    counts = nodes_per_shard(props)
    short = [(index, count) for index, count in enumerate(counts) if isinstance(count, float) and count < minimum]
    garbage = [count for count in counts if not isinstance(count, float | Unknown)]
    if garbage:
        report(f"the node count {garbage[0]!r} is not a number; set `numCacheClusters` or `replicasPerNodeGroup`.")
    if short:
        sharded = is_sharded(props)
        where = (
            ", ".join(f"shard {index + 1} has {int(count)} node(s)" for index, count in short)
            if sharded
            else f"the group has {int(short[0][1])} node(s)"
        )
        keys = dict.fromkeys(_size_key(props, index) if sharded else "numCacheClusters" for index, _ in short)
        report(
            f"{where}; every shard needs at least {minimum} (a primary and {minimum - 1} replica(s)) so that a "
            f"node or AZ failure has a replica to promote. Raise " + " and ".join(f"`{key}`" for key in keys) + "."
        )

    for key, wanted, why in (
        ("automaticFailoverEnabled", config["requireAutomaticFailover"], "a failed primary is not replaced"),
        ("multiAzEnabled", config["requireMultiAz"], "AWS does not keep the replicas in other AZs"),
    ):
        if not wanted:
            continue
        value = props.boolean(key)
        if off(value):
            report(f"`{key}` is {state(value)}: {why}. Set it to true (it needs at least 2 nodes per shard).")
    props.finish()


multi_az_failover = ResourceValidationPolicy(
    name="elasticache-multi-az-failover",
    description=(
        "ElastiCache replication groups run Multi-AZ with automatic failover and at least two nodes per shard."
    ),
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
    tags=[
        "availability",
        "CKV2_AWS_50",
        "AwsSolutions-AEC4",
        "ElastiCache.3",
        "elasticache-repl-grp-auto-failover-enabled",
    ],
    remediation_steps=(
        "Set `multiAzEnabled: true`, `automaticFailoverEnabled: true`, and `numCacheClusters >= 2` (or "
        "`replicasPerNodeGroup >= 1` with `numNodeGroups`). All of these change in place."
    ),
    url=f"{DOCS}/AutoFailover.html",
)

POLICIES = [multi_az_failover]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    multi_az_failover.name: (
        "`multiAzEnabled`, `automaticFailoverEnabled`, and nodes per shard (`numCacheClusters`, or "
        "`replicasPerNodeGroup`/`nodeGroupConfigurations[].replicaCount` + 1)"
    ),
}
