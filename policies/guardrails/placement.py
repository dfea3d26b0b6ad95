"""Same-AZ placement: cache nodes sit in the application's availability zones, the primary in the first.

Reading a node in another AZ costs latency and cross-AZ transfer on every request; an app AZ without a node
has no local replica to read from. The app's AZs are the program's own fact: the policy reads them from the
stack config key its config names (`guardrails/stack_config.py`), or from a list in its config for a program
that keeps them nowhere in config. With none known, it checks only that nodes a program places itself span AZs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.tags import SUBNET_ZONES as SUBNET_ZONES_TAG
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails import stack_config
from guardrails.availability import is_sharded
from guardrails.common import DOCS, is_global_secondary, is_group_member, settings, tags_of
from guardrails.props import MISSING, Props, Unknown, is_unknown

APP_ZONES_KEY = "elasticache:network.appAvailabilityZones"
"""Where this repository's program keeps its app AZs (README, Stack config reference)."""

SCHEMA = PolicyConfigSchema(
    properties={
        "appAvailabilityZones": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": (
                "The application's AZs, in order; the first is where primaries belong. Empty: read them from "
                "the stack config key `appAvailabilityZonesKey` names."
            ),
        },
        "appAvailabilityZonesKey": {
            "type": "string",
            "default": APP_ZONES_KEY,
            "description": (
                "The stack config key (`<namespace>:<key>[.<path>]`) where the program keeps its app AZs, as a "
                "list; the CLI hands the pack the stack's config. Empty, or the stack has no such key: no app "
                "AZs are known, and only the spread over `minimumSpreadZones` is checked."
            ),
        },
        "primaryInFirstZone": {
            "type": "boolean",
            "default": True,
            "description": "Require every primary in the first app AZ (not just in some app AZ).",
        },
        "minimumSpreadZones": {
            "type": "integer",
            "minimum": 1,
            "default": 2,
            "description": (
                "With no app AZs known: the fewest AZs the nodes a program places itself must span (a cache of "
                "fewer nodes spans one AZ per node)."
            ),
        },
    }
)


@dataclass(frozen=True)
class AppZones:
    """The app's AZs (None: not known) and where they came from, for messages."""

    zones: list[str] | None
    source: str
    problem: str | None = None
    """The configured source holds something that is not a list of AZ names."""


def app_zones(config: dict) -> AppZones:
    literal = [str(zone) for zone in config["appAvailabilityZones"]]
    if literal:
        return AppZones(literal, "policy config `appAvailabilityZones`")
    key = str(config["appAvailabilityZonesKey"] or "").strip()
    if not key:
        return AppZones(None, "no `appAvailabilityZones` and no `appAvailabilityZonesKey` configured")
    value = stack_config.lookup(key)
    if value is MISSING:
        return AppZones(None, f"the stack config has no `{key}`")
    if not isinstance(value, list) or not value or not all(isinstance(zone, str) and zone for zone in value):
        return AppZones(None, f"stack config `{key}`", f"stack config `{key}` is {value!r}, not a list of AZ names")
    return AppZones([str(zone) for zone in value], f"stack config `{key}`")


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
    subnets = props.items("subnetIds")
    if subnets is MISSING or subnets == []:
        problems.append("`subnetIds` is unset: AWS uses the default VPC's subnets, in AZs it picks")
        return
    # AWS puts the endpoints in the AZs of the subnets given; a subnet's AZ is not on the resource, and only
    # the program that looked its subnets up can say (the tag below). Without it there is nothing to judge.
    tags = tags_of(props)
    declared = tags.get(SUBNET_ZONES_TAG, MISSING) if isinstance(tags, dict) else tags
    if is_unknown(declared):
        props.note(declared)
        return
    if not isinstance(declared, str) or not declared.split():
        args.not_applicable(
            "AWS puts a serverless cache's endpoints in the AZs of its subnets, which the resource does not "
            f"name; a program that looks its subnets up can say with the `{SUBNET_ZONES_TAG}` tag"
        )
    _judge_nodes("", None, declared.split(), app, config, problems)


def _distinct(zones: list[Any]) -> int | None:
    """How many different AZs a list names; None while any of them is unknown."""
    known = [zone for zone in zones if isinstance(zone, str)]
    return len(set(known)) if len(known) == len(zones) else None


def _spread_problem(label: str, zones: list[Any], config: dict) -> str | None:
    wanted = min(int(config["minimumSpreadZones"]), len(zones))
    distinct = _distinct(zones)
    if distinct is None or distinct >= wanted:
        return None
    return (
        f"{label}{len(zones)} nodes in {distinct} AZ(s) ({', '.join(sorted(set(zones)))}): one AZ failure takes "
        f"them all. Spread them over at least {wanted} AZs"
    )


def _spread(args: ResourceValidationArgs, props: Props, config: dict, problems: list[str], reason: str) -> None:
    """No app AZs known: what a program places itself must span AZs; what it leaves to AWS, AWS spreads."""
    left_to_aws = (
        f"{reason}, and AWS places the nodes (Multi-AZ puts replicas in other AZs than the primary; "
        "elasticache-multi-az-failover requires it)"
    )
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable(f"{reason}; AWS spreads a serverless cache over the AZs of its subnets itself")
    if args.resource_type == CLUSTER:
        count = props.number("numCacheNodes")
        count = 1.0 if count is MISSING else count
        zones = _zones(props, "preferredAvailabilityZones")
        if isinstance(zones, list) and zones:
            problem = _spread_problem("", zones, config)
            if problem:
                problems.append(problem)
            return
        if not isinstance(count, float) or is_unknown(zones):
            return
        if count < 2:
            args.not_applicable(f"{reason}, and a one-node cluster spans one AZ whatever its placement")
        mode = props.text("azMode")
        if mode == "cross-az" or is_unknown(mode):
            return
        problems.append(
            f"`azMode` is {mode if mode is not MISSING else 'unset (AWS default: single-az)'}: all "
            f"{int(count)} nodes sit in one AZ. Set `azMode: cross-az` (or list `preferredAvailabilityZones`)"
        )
        return
    if not is_sharded(props):
        zones = _zones(props, "preferredCacheClusterAzs")
        if zones is MISSING or zones == []:
            args.not_applicable(left_to_aws)
        if isinstance(zones, list):
            problem = _spread_problem("", zones, config)
            if problem:
                problems.append(problem)
        return
    shards = props.items("nodeGroupConfigurations")
    if shards is MISSING or shards == []:
        args.not_applicable(left_to_aws)
    if not isinstance(shards, list):
        return
    for index, shard in enumerate(shards):
        if isinstance(shard, Unknown):
            props.note(shard)
            continue
        primary = props.text("nodeGroupConfigurations", index, "primaryAvailabilityZone")
        replicas = _zones(props, "nodeGroupConfigurations", index, "replicaAvailabilityZones")
        if primary is MISSING or not isinstance(replicas, list):
            continue  # a shard whose AZs AWS picks is spread by Multi-AZ
        problem = _spread_problem(f"shard {index + 1}: ", [primary, *replicas], config)
        if problem:
            problems.append(problem)


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE):
        return
    config = settings(args, SCHEMA)
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP and is_global_secondary(props):
        args.not_applicable("a global datastore secondary lives in another region than the app AZs configured here")
    if args.resource_type == CLUSTER and is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")
    known = app_zones(config)
    if known.problem:
        report(
            f"{known.problem}: the app's AZs cannot be read. Give the stack config a list of AZs there, or set "
            "this policy's `appAvailabilityZonesKey` (or `appAvailabilityZones`)."
        )
        return
    problems: list[str] = []
    if known.zones is None:
        _spread(args, props, config, problems, f"no app AZs known ({known.source})")
    elif args.resource_type == REPLICATION_GROUP:
        _replication_group(props, known.zones, config, problems)
    elif args.resource_type == CLUSTER:
        _cluster(props, known.zones, config, problems)
    else:
        _serverless(args, props, known.zones, config, problems)
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
        "With the app's AZs known (policy config, or the stack config key it names), list the AZs explicitly: "
        "`preferredCacheClusterAzs` (primary first, one per node) for a single-shard "
        "group, or `nodeGroupConfigurations[].primaryAvailabilityZone` / `replicaAvailabilityZones` per shard. "
        "Use the app's AZs only, cover each of them, and put primaries in the first. AWS reads these at "
        "creation only. With none known, spread the nodes you place over at least two AZs (Memcached: "
        "`azMode: cross-az`)."
    ),
    url=f"{DOCS}/RegionsAndAZs.html",
)

POLICIES = [same_az_placement]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    same_az_placement.name: (
        "with the app's AZs known ([below](#where-the-network-comes-from)): placement is explicit "
        "(`preferredCacheClusterAzs` one per node; `nodeGroupConfigurations[]` per shard; Memcached "
        "`preferredAvailabilityZones`/`availabilityZone`); primaries in the first app AZ; no node outside the app "
        "AZs; every app AZ holds a node (per group: with fewer replicas than AZs, shards rotate their replicas). "
        "With none known: nodes a program places itself span at least `minimumSpreadZones` AZs (Memcached: "
        "`azMode: cross-az` or such a list); placement left to AWS is not applicable (Multi-AZ spreads it). "
        "Serverless: see below"
    ),
}
