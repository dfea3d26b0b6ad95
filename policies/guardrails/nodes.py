"""Node types: no refused instance family (AWS's previous generation, and m4 and r4 for cost), optionally only an
allowed list."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.node_types import COSTLIER_THAN, REFUSED_FAMILIES, refused_because
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import DOCS, is_global_secondary, is_group_member, node_family, settings
from guardrails.props import Props

_COSTLIER = " and ".join(
    f"{old} (current, but dearer per hour than {new} of the same size)" for old, new in COSTLIER_THAN.items()
)
"""The current families refused by default, as the schema and the README table name them."""

SCHEMA = PolicyConfigSchema(
    properties={
        "refusedFamilies": {
            "type": "array",
            "items": {"type": "string"},
            "default": list(REFUSED_FAMILIES),
            "description": f"Instance families refused. Default: AWS's previous generation, plus {_COSTLIER}.",
        },
        "allowedNodeTypes": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "When not empty, only these node types (e.g. `cache.r7g.large`).",
        },
    }
)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("serverless caches have no node type")
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER):
        return
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP and is_global_secondary(props):
        args.not_applicable("a global datastore secondary may not set a node type: it takes the primary's")
    if args.resource_type == CLUSTER and is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")
    config = settings(args, SCHEMA)
    key = "nodeType"
    node_type = props.text(key)
    if not isinstance(node_type, str):
        props.finish()
        return
    node_type = node_type.strip().lower()
    family = node_family(node_type)
    refused = {str(name).lower() for name in config["refusedFamilies"]}
    allowed = [str(name).lower() for name in config["allowedNodeTypes"]]
    if family is None:
        report(f"`{key}` {node_type!r} is not an ElastiCache node type (`cache.<family>.<size>`).")
    elif family in refused:
        why = refused_because(family) or f"{family} is in this pack's `refusedFamilies`"
        report(
            f"`{key}` {node_type!r}: {why}. Use a family not refused (e.g. `cache.t4g.*`, `cache.m7g.*`, "
            "`cache.r7g.*`). Node type changes in place."
        )
    elif allowed and node_type not in allowed:
        report(f"`{key}` {node_type!r} is not an allowed node type: {', '.join(allowed)}.")
    props.finish()


node_type = ResourceValidationPolicy(
    name="elasticache-node-type",
    description="ElastiCache nodes use a node type of a family not refused (and an allowed one, where configured).",
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.LOW,
    tags=["nodes", "cost"],
    remediation_steps="Change `nodeType` to a type of a family not refused (Graviton `t4g`, `m7g`, `r7g`...).",
    url=f"{DOCS}/CacheNodes.SupportedTypes.html",
)

POLICIES = [node_type]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    node_type.name: (
        f"no family in `refusedFamilies`: by default AWS's previous generation, and {_COSTLIER}; optionally only "
        "allowed types"
    ),
}
