"""Same-AZ placement: cache nodes sit in the application's availability zones, the primary in the first.

Reading a node in another AZ costs latency and cross-AZ transfer on every request; an app AZ without a node
has no local replica to read from. The app's AZs are per environment, so they come from policy config.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.availability import is_sharded
from guardrails.common import DOCS, is_global_secondary, is_group_member, settings
from guardrails.props import MISSING, Props, Unknown, is_unknown

SCHEMA = PolicyConfigSchema(
    properties={
        "appAvailabilityZones": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                "The application's AZs, in order; the first is where primaries belong. Empty: the policy "
                "does not apply."
            ),
        },
        "primaryInFirstZone": {
            "type": "boolean",
            "default": True,
            "description": "Require every primary in the first app AZ (not just in some app AZ).",
        },
        "subnetAvailabilityZones": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {},
            "description": (
                "Subnet id -> AZ, so serverless caches (placed by AWS in every subnet given) can be judged. "
                "Empty: serverless caches are not applicable."
            ),
        },
    }
)


def _zones(props: Props, *path: str | int) -> Any:
    """A list of AZ names (elements may be Unknown, and are noted), MISSING, or Unknown."""
    zones = props.items(*path)
    if isinstance(zones, list):
        for zone in zones:
            if isinstance(zone, Unknown):
                props.note(zone)
    return zones


def _judge_nodes(
    label: str,
    primary: Any,
    nodes: list[Any],
    app: list[str],
    config: dict,
    problems: list[str],
    *,
    coverage: bool = True,
) -> None:
    """Problems with one shard (or one cluster): primary AZ, nodes outside the app AZs, app AZs left bare."""
    if primary is not None and not is_unknown(primary):
        if primary not in app:
            problems.append(f"{label}primary is in {primary}, outside the app AZs {app}")
        elif config["primaryInFirstZone"] and primary != app[0]:
            problems.append(f"{label}primary is in {primary}; it belongs in the app's first AZ {app[0]}")
    known = [zone for zone in nodes if isinstance(zone, str)]
    outside = sorted({zone for zone in known if zone not in app})
    if outside:
        problems.append(f"{label}node(s) in {', '.join(outside)}, outside the app AZs {app}")
    if coverage and len(known) == len(nodes):
        bare = [zone for zone in app if zone not in known]
        if bare:
            problems.append(f"{label}no node in app AZ(s) {', '.join(bare)}")


def _replication_group(props: Props, app: list[str], config: dict, problems: list[str]) -> None:
    if not is_sharded(props):
        zones = _zones(props, "preferredCacheClusterAzs")
        if zones is MISSING or zones == []:
            problems.append(
                "`preferredCacheClusterAzs` is unset: AWS picks the AZs. List one AZ per node, the primary first"
            )
            return
        if is_unknown(zones):
            return
        count = props.number("numCacheClusters")
        count = 1.0 if count is MISSING else count
        if isinstance(count, float) and len(zones) != int(count):
            problems.append(
                f"`preferredCacheClusterAzs` lists {len(zones)} AZ(s) for {int(count)} node(s); AWS requires one "
                "per node"
            )
        _judge_nodes("", zones[0], zones, app, config, problems)
        return

    shards = props.items("nodeGroupConfigurations")
    if shards is MISSING or shards == []:
        problems.append(
            "`nodeGroupConfigurations` is unset: AWS picks every shard's AZs. Give each shard a "
            "`primaryAvailabilityZone` and `replicaAvailabilityZones`"
        )
        return
    if is_unknown(shards):
        return
    # Coverage is judged over the whole group: with one replica per shard and three app AZs, no single shard
    # can cover every AZ, but rotating replicas across shards puts a node of the group in each.
    every_node: list[Any] = []
    wanted = props.number("numNodeGroups")
    if isinstance(wanted, float) and len(shards) < int(wanted):
        problems.append(f"`nodeGroupConfigurations` places {len(shards)} of {int(wanted)} shards; AWS places the rest")
    for index, shard in enumerate(shards):
        label = f"shard {index + 1}: "
        if isinstance(shard, Unknown):
            props.note(shard)
            continue
        primary = props.text("nodeGroupConfigurations", index, "primaryAvailabilityZone")
        replicas = _zones(props, "nodeGroupConfigurations", index, "replicaAvailabilityZones")
        if primary is MISSING:
            problems.append(f"{label}`primaryAvailabilityZone` is unset: AWS picks it")
            primary = None
        if replicas is MISSING:
            replicas = []
            count = props.number("nodeGroupConfigurations", index, "replicaCount")
            if count is MISSING:
                count = props.number("replicasPerNodeGroup")
            if isinstance(count, float) and count > 0:
                problems.append(f"{label}`replicaAvailabilityZones` is unset: AWS picks the replicas' AZs")
                continue
        if is_unknown(replicas):
            continue
        nodes = ([primary] if primary is not None else []) + list(replicas)
        every_node.extend(nodes)
        _judge_nodes(label, primary, nodes, app, config, problems, coverage=False)
    if every_node and all(isinstance(zone, str) for zone in every_node):
        bare = [zone for zone in app if zone not in every_node]
        if bare:
            problems.append(f"no node of any shard in app AZ(s) {', '.join(bare)}")


def _cluster(props: Props, app: list[str], config: dict, problems: list[str]) -> None:
    zones = _zones(props, "preferredAvailabilityZones")
    if zones is MISSING or zones == []:
        single = props.text("availabilityZone")
        if single is MISSING:
            problems.append("neither `preferredAvailabilityZones` nor `availabilityZone` is set: AWS picks the AZs")
            return
        zones = [single]
    if is_unknown(zones):
        return
    _judge_nodes("", None, zones, app, config, problems)


def _serverless(args: ResourceValidationArgs, props: Props, app: list[str], config: dict, problems: list[str]) -> None:
    mapping: dict[str, str] = dict(config["subnetAvailabilityZones"])
    if not mapping:
        args.not_applicable(
            "AWS puts a serverless cache's endpoints in the AZs of the subnets it is given, and subnet AZs "
            "cannot be resolved offline; set `subnetAvailabilityZones` (subnet id -> AZ) to check them"
        )
    subnets = props.items("subnetIds")
    if subnets is MISSING or subnets == []:
        problems.append("`subnetIds` is unset: AWS uses the default VPC's subnets, in AZs it picks")
        return
    if is_unknown(subnets):
        return
    zones: list[str] = []
    for subnet in subnets:
        if isinstance(subnet, Unknown):
            props.note(subnet)
        elif str(subnet) not in mapping:
            props.cannot_check(f"subnet {subnet} is not in `subnetAvailabilityZones`; its AZ is unknown")
        else:
            zones.append(mapping[str(subnet)])
    if len(zones) == len(subnets):
        _judge_nodes("", None, zones, app, config, problems)
    else:
        outside = sorted({zone for zone in zones if zone not in app})
        if outside:
            problems.append(f"subnet(s) in {', '.join(outside)}, outside the app AZs {app}")


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE):
        return
    config = settings(args, SCHEMA)
    app = [str(zone) for zone in config["appAvailabilityZones"]]
    if not app:
        args.not_applicable("no `appAvailabilityZones` configured for this environment")
    props = Props(args.props)
    problems: list[str] = []
    if args.resource_type == REPLICATION_GROUP:
        if is_global_secondary(props):
            args.not_applicable("a global datastore secondary lives in another region than the app AZs configured here")
        _replication_group(props, app, config, problems)
    elif args.resource_type == CLUSTER:
        if is_group_member(props):
            args.not_applicable("the cluster belongs to a replication group, which is judged instead")
        _cluster(props, app, config, problems)
    else:
        _serverless(args, props, app, config, problems)
    for problem in problems:
        report(problem + ".")
    props.finish()


same_az_placement = ResourceValidationPolicy(
    name="elasticache-same-az-placement",
    description=(
        "ElastiCache nodes sit in the application's AZs: the primary in the first app AZ, a node in every app "
        "AZ, none elsewhere."
    ),
    validate=_validate,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
    tags=["placement", "latency", "cost"],
    remediation_steps=(
        "List the AZs explicitly: `preferredCacheClusterAzs` (primary first, one per node) for a single-shard "
        "group, or `nodeGroupConfigurations[].primaryAvailabilityZone` / `replicaAvailabilityZones` per shard. "
        "Use the app's AZs only, cover each of them, and put primaries in the first. AWS reads these at "
        "creation only."
    ),
    url=f"{DOCS}/RegionsAndAZs.html",
)

POLICIES = [same_az_placement]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    same_az_placement.name: (
        "placement is explicit (`preferredCacheClusterAzs` one per node; `nodeGroupConfigurations[]` per "
        "shard; Memcached `preferredAvailabilityZones`/`availabilityZone`); primaries in the first app AZ; no"
        " node outside the app AZs; every app AZ holds a node (per group: with fewer replicas than AZs, "
        "shards rotate their replicas). Serverless: see below"
    ),
}
