"""Network: a cache is reachable only from the security groups (or CIDRs) meant to reach it, in its own subnets.

The security group check is a stack policy: it follows each cache to its security groups and those to their
rules, whether inline (`ingress`/`egress` on the group) or separate rule resources. At preview the ids that
link them are unknown, so links come from property dependencies first (`securityGroupIds` on the cache,
`securityGroupId` on a rule name the resources they were computed from) and from ids where they are known.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from elasticache_facts.engines import MEMCACHED
from elasticache_facts.ports import MEMCACHED_PORT, MEMCACHED_SERVERLESS_PORTS, REDIS_PORT, SERVERLESS_PORTS
from elasticache_facts.tokens import (
    CLUSTER,
    DEFAULT_SECURITY_GROUP,
    DEFAULT_VPC,
    EGRESS_RULE,
    INGRESS_RULE,
    REPLICATION_GROUP,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SERVERLESS_CACHE,
    VPC,
)
from guardrails.common import DOCS, engine, is_group_member, planned, settings
from guardrails.props import MISSING, Props, Unknown, as_number, finish_all, is_unknown

PRIVATE_CIDRS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
"""RFC 1918 and the IPv6 unique local range: reachable only from the VPC and what is routed into it (peering,
VPN, Transit Gateway), never from the internet."""


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None


def is_world(cidr: Any) -> bool:
    """Whether a CIDR source is all of IPv4 or all of IPv6, however it is spelled (`::/0`, `::0/0`, `0::/0`:
    the provider accepts every spelling of a network address, `verify.ValidateIPv6CIDRBlock`)."""
    if not isinstance(cidr, str):
        return False
    network = _network(cidr)
    return network is not None and network.prefixlen == 0


def within(cidr: str, allowed: Iterable[str]) -> bool:
    """Whether `cidr` lies inside one of the `allowed` CIDRs (a CIDR that is no CIDR never does)."""
    source = _network(cidr)
    if source is None:
        return False
    for entry in allowed:
        network = _network(entry)
        if network is not None and source.version == network.version and source.subnet_of(network):  # type: ignore[arg-type]
            return True
    return False


ALL_PROTOCOLS = frozenset({"-1", "all"})
TCP = frozenset({"tcp", "6"})

SCHEMA = PolicyConfigSchema(
    properties={
        "allowedIngressCidrs": {
            "type": "array",
            "items": {"type": "string"},
            "default": list(PRIVATE_CIDRS),
            "description": (
                "CIDRs that may reach the cache port besides security groups; a source passes when it lies within "
                "one of them (0.0.0.0/0 and ::/0 never may). Default: the private ranges (RFC 1918, IPv6 ULA). "
                "[] admits security groups only."
            ),
        },
        "allowedPrefixListIds": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Managed prefix lists that may reach the cache port.",
        },
        "allowOpenEgress": {
            "type": "boolean",
            "default": False,
            "description": "Allow egress to 0.0.0.0/0 or ::/0 from a cache's security groups.",
        },
    }
)


@dataclass
class Rule:
    """One ingress or egress permission, from an inline block or a rule resource."""

    direction: str
    origin: str
    urn: str
    protocol: Any
    from_port: Any
    to_port: Any
    sources: list[tuple[str, Any]] = field(default_factory=list)
    """(kind, value): kind is cidr, prefix-list, security-group or self; value may be Unknown."""

    def covers(self, ports: Iterable[int], props: Props) -> bool | None:
        """Whether the rule admits TCP on any of the ports; None when that is not known yet."""
        protocol = self.protocol
        if is_unknown(protocol):
            props.note(protocol)
            return None
        if isinstance(protocol, int | float) and not isinstance(protocol, bool) and float(protocol).is_integer():
            # A number where the schema has a string (`ipProtocol: -1` in YAML, an int in an untyped SDK): the
            # bridge sends it as its decimal string (pulumi-terraform-bridge `pkg/convert/string.go`).
            protocol = str(int(protocol))
        protocol = str(protocol).lower() if protocol is not MISSING else "tcp"
        if protocol in ALL_PROTOCOLS:
            return True
        if protocol not in TCP:
            return False
        low, high = self.from_port, self.to_port
        for bound in (low, high):
            if is_unknown(bound):
                props.note(bound)
                return None
        low = 0.0 if low is MISSING else low
        high = 65535.0 if high is MISSING else high
        if not isinstance(low, float) or not isinstance(high, float):
            props.cannot_check(f"{self.origin}: port range {low!r}..{high!r} is not numeric")
            return None
        # -1 is AWS's "all ports" for all-protocol and ICMP rules.
        return any(low <= port <= high for port in ports) or (low == -1 and high == -1)


@dataclass
class Group:
    """A security group the stack manages (or, with `external`, one it only references by id)."""

    key: str
    label: str
    urn: str
    rules: list[Rule] = field(default_factory=list)
    external: bool = False


def _text(value: Any) -> Any:
    return value if isinstance(value, Unknown) or value is MISSING else str(value)


def _inline_rules(group: Group, props: Props) -> None:
    for direction in ("ingress", "egress"):
        blocks = props.peek(direction)
        if isinstance(blocks, Unknown):
            props.note(blocks)
        if not isinstance(blocks, list):
            continue
        for index, block in enumerate(blocks):
            if isinstance(block, Unknown):
                props.note(block)
                continue
            rule = Rule(
                direction,
                f"{group.label} inline {direction}[{index}]",
                group.urn,
                props.get(direction, index, "protocol"),
                props.number(direction, index, "fromPort"),
                props.number(direction, index, "toPort"),
            )
            for key, kind in (
                ("cidrBlocks", "cidr"),
                ("ipv6CidrBlocks", "cidr"),
                ("prefixListIds", "prefix-list"),
                ("securityGroups", "security-group"),
            ):
                values = props.items(direction, index, key)
                if isinstance(values, Unknown):
                    rule.sources.append((kind, values))
                elif isinstance(values, list):
                    rule.sources.extend((kind, _text(value)) for value in values)
            if props.boolean(direction, index, "self") is True:
                rule.sources.append(("self", group.key))
            group.rules.append(rule)


def _rule_resource(resource: PolicyResource, props: Props) -> tuple[str, Rule] | None:
    """A separate rule resource: (its security group's id or Unknown-marker key, the rule)."""
    if resource.resource_type == SECURITY_GROUP_RULE:
        direction = props.text("type")
        if is_unknown(direction):
            return None
        rule = Rule(
            str(direction),
            resource.name,
            resource.urn,
            props.get("protocol"),
            props.number("fromPort"),
            props.number("toPort"),
        )
        for key in ("cidrBlocks", "ipv6CidrBlocks"):
            values = props.items(key)
            if isinstance(values, Unknown):
                rule.sources.append(("cidr", values))
            elif isinstance(values, list):
                rule.sources.extend(("cidr", _text(value)) for value in values)
        prefixes = props.items("prefixListIds")
        if isinstance(prefixes, Unknown):
            rule.sources.append(("prefix-list", prefixes))
        elif isinstance(prefixes, list):
            rule.sources.extend(("prefix-list", _text(value)) for value in prefixes)
        if props.present("sourceSecurityGroupId") is True:
            rule.sources.append(("security-group", _text(props.peek("sourceSecurityGroupId"))))
        if props.boolean("self") is True:
            rule.sources.append(("self", None))
    else:
        direction = "ingress" if resource.resource_type == INGRESS_RULE else "egress"
        rule = Rule(
            direction,
            resource.name,
            resource.urn,
            props.get("ipProtocol"),
            props.number("fromPort"),
            props.number("toPort"),
        )
        for key, kind in (
            ("cidrIpv4", "cidr"),
            ("cidrIpv6", "cidr"),
            ("prefixListId", "prefix-list"),
            ("referencedSecurityGroupId", "security-group"),
        ):
            value = props.peek(key)
            if value is not MISSING:
                rule.sources.append((kind, _text(value)))
    target = props.peek("securityGroupId")
    return (target if isinstance(target, str) else "", rule)


def _groups_of(
    cache: PolicyResource, props: Props, by_urn: dict[str, Group], by_id: dict[str, Group]
) -> list[Group] | None:
    """The cache's security groups; None when it has none (the VPC default group applies)."""
    ids = props.peek("securityGroupIds")
    linked = [
        by_urn[dependency.urn]
        for dependency in cache.property_dependencies.get("securityGroupIds", [])
        if dependency.urn in by_urn
    ]
    if ids is MISSING or ids == []:
        return linked or None
    if isinstance(ids, Unknown):
        if not linked:
            props.note(ids)
        return linked
    if not isinstance(ids, list):
        ids = [ids]
    ids = [value if isinstance(value, Unknown) else str(value) for value in ids]
    groups: dict[str, Group] = {group.key: group for group in linked}
    unresolved = 0
    unmatched: list[str] = []
    for value in ids:
        if isinstance(value, Unknown):
            unresolved += 1
        elif value in by_id:
            groups.setdefault(by_id[value].key, by_id[value])
        else:
            unmatched.append(str(value))
    # A known id with no known group id, next to a group it depends on whose id is not known (yet): the id
    # was computed from that group.
    anonymous = [group for group in linked if group.key not in {by_id[v].key for v in ids if v in by_id}]
    for value in unmatched:
        if anonymous:
            by_id[value] = anonymous.pop(0)
        else:
            groups.setdefault(f"id:{value}", by_id.setdefault(value, Group(f"id:{value}", value, "", external=True)))
    if unresolved > len(linked):
        props.cannot_check("some of `securityGroupIds` are unknown and not traceable to a security group")
    return list(groups.values())


def _ports(resource: PolicyResource, props: Props) -> list[int] | None:
    kind = engine(props, resource.resource_type)
    if is_unknown(kind):
        return None
    if resource.resource_type == SERVERLESS_CACHE:
        # Serverless caches listen on a second port for the reader endpoint.
        return list(MEMCACHED_SERVERLESS_PORTS if kind == MEMCACHED else SERVERLESS_PORTS)
    port = as_number(props.peek("port"))
    if is_unknown(port):
        props.note(port)
        return None
    if port is MISSING:
        return [MEMCACHED_PORT if kind == MEMCACHED else REDIS_PORT]
    if not isinstance(port, float):
        props.cannot_check(f"`port` {port!r} is not a number")
        return None
    return [int(port)]


def _validate_security_groups(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings(args, SCHEMA)
    allowed_cidrs = {str(cidr) for cidr in config["allowedIngressCidrs"] if not is_world(str(cidr))}
    allowed_prefixes = {str(prefix) for prefix in config["allowedPrefixListIds"]}
    readers: list[Props] = []

    # A VPC's default security group: adopted as a resource, or read off the VPC (`defaultSecurityGroupId`).
    default_urns: set[str] = set()
    default_ids: set[str] = set()
    for resource in args.resources:
        if resource.resource_type in (DEFAULT_SECURITY_GROUP, VPC, DEFAULT_VPC):
            default_urns.add(resource.urn)
            key = "id" if resource.resource_type == DEFAULT_SECURITY_GROUP else "defaultSecurityGroupId"
            known = planned(resource).peek(key)
            if isinstance(known, str) and known:
                default_ids.add(known)

    def from_default(resource: PolicyResource, keys: Iterable[str]) -> bool:
        return any(dep.urn in default_urns for key in keys for dep in resource.property_dependencies.get(key, []))

    def mark_default(
        rule: Rule, computed_from_default: bool, *, inline: bool = False, also_from_others: bool = False
    ) -> None:
        """Mark the sources that are the VPC's default group: by id, or computed from it.

        Inline rules share one dependency list for the whole `ingress`/`egress` property, so there the
        dependency only speaks for an id that is not known yet, and only when nothing else that makes security
        group ids fed the property too (`also_from_others`: then the unknown id is left undecided).
        """
        marked: list[tuple[str, Any]] = []
        for kind, value in rule.sources:
            if kind == "security-group":
                if isinstance(value, str) and value in default_ids:
                    kind = "default-security-group"
                elif computed_from_default and (not inline or isinstance(value, Unknown)):
                    kind = "undecided-security-group" if also_from_others else "default-security-group"
            marked.append((kind, value))
        rule.sources = marked

    by_urn: dict[str, Group] = {}
    by_id: dict[str, Group] = {}
    for resource in args.resources:
        if resource.resource_type != SECURITY_GROUP:
            continue
        props = planned(resource, subject=resource.name)
        readers.append(props)
        group = Group(resource.urn, resource.name, resource.urn)
        _inline_rules(group, props)
        for rule in group.rules:
            others = [
                dep
                for dep in resource.property_dependencies.get(rule.direction, [])
                if dep.urn not in default_urns and dep.resource_type == SECURITY_GROUP
            ]
            mark_default(rule, from_default(resource, [rule.direction]), inline=True, also_from_others=bool(others))
        by_urn[resource.urn] = group
        known_id = props.peek("id")
        if isinstance(known_id, str) and known_id:
            by_id[known_id] = group

    for resource in args.resources:
        if resource.resource_type not in (SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE):
            continue
        props = planned(resource, subject=resource.name)
        readers.append(props)
        found = _rule_resource(resource, props)
        if found is None:
            continue
        target_id, rule = found
        mark_default(rule, from_default(resource, ("referencedSecurityGroupId", "sourceSecurityGroupId")))
        targets = [
            by_urn[dependency.urn]
            for dependency in resource.property_dependencies.get("securityGroupId", [])
            if dependency.urn in by_urn
        ]
        if targets and target_id and target_id not in by_id:
            by_id[target_id] = targets[0]
        if not targets and target_id in by_id:
            targets = [by_id[target_id]]
        if not targets and not target_id:
            props.cannot_check(
                "its `securityGroupId` is unknown and traces to no security group in this stack, so a cache's "
                "group may have a rule this policy cannot see"
            )
            continue
        if not targets:
            targets = [by_id.setdefault(target_id, Group(f"id:{target_id}", target_id, "", external=True))]
        for target in targets:
            target.rules.append(rule)

    reported: set[tuple[str, str]] = set()

    def violation(rule_urn: str, fallback_urn: str, message: str) -> None:
        key = (rule_urn or fallback_urn, message)
        if key not in reported:
            reported.add(key)
            report(message, rule_urn or fallback_urn)

    for cache in args.resources:
        if cache.resource_type not in (REPLICATION_GROUP, SERVERLESS_CACHE, CLUSTER):
            continue
        props = planned(cache, subject=cache.name)
        readers.append(props)
        if cache.resource_type == CLUSTER and is_group_member(props):
            continue
        groups = _groups_of(cache, props, by_urn, by_id)
        if groups is None:
            violation(
                cache.urn,
                cache.urn,
                f"{cache.name}: `securityGroupIds` is unset, so the VPC's default security group applies "
                "(anything else in that group reaches the cache). Give the cache its own security group.",
            )
            continue
        ids = props.peek("securityGroupIds")
        # Only an id (a string) can name the default group; anything else a foreign program put in the list
        # is no group id, and may not even be hashable.
        listed = [value for value in ids if isinstance(value, str)] if isinstance(ids, list) else []
        if from_default(cache, ["securityGroupIds"]) or any(value in default_ids for value in listed):
            violation(
                cache.urn,
                cache.urn,
                f"{cache.name}: `securityGroupIds` includes the VPC's default security group: every resource "
                "launched without a group of its own is in it, and reaches the cache. Give the cache its own group.",
            )
        ports = _ports(cache, props)
        for group in groups:
            if group.external:
                props.cannot_check(
                    f"security group {group.label} is not managed in this stack: rules it has beyond the ones "
                    "this stack adds cannot be checked"
                )
            for rule in group.rules:
                _judge(cache, group, rule, ports, props, config, allowed_cidrs, allowed_prefixes, violation)
    finish_all(readers)


def _judge(
    cache: PolicyResource,
    group: Group,
    rule: Rule,
    ports: list[int] | None,
    props: Props,
    config: dict,
    allowed_cidrs: set[str],
    allowed_prefixes: set[str],
    violation: Any,
) -> None:
    where = f"{cache.name}: {rule.origin} (security group {group.label})"
    open_sources = [value for kind, value in rule.sources if kind == "cidr" and is_world(value)]
    if rule.direction == "egress":
        if open_sources and not config["allowOpenEgress"]:
            violation(
                rule.urn,
                cache.urn,
                f"{where} allows egress to {', '.join(open_sources)}; a cache opens no connections. Remove it.",
            )
        return
    if rule.direction != "ingress":
        return
    if open_sources:
        violation(
            rule.urn,
            cache.urn,
            f"{where} admits {', '.join(open_sources)}: the whole internet (or all of the VPC's peers) may "
            "connect. Admit the application's security groups instead.",
        )
        return
    if ports is None:
        props.cannot_check(f"the cache port is not known, so {rule.origin} cannot be matched to it")
        return
    covers = rule.covers(ports, props)
    if not covers:
        return
    for kind, value in rule.sources:
        if kind == "default-security-group":
            shown = "" if isinstance(value, Unknown) else f" ({value})"
            violation(
                rule.urn,
                cache.urn,
                f"{where} admits the VPC's default security group{shown} to the cache port: every resource "
                "launched without a group of its own is in it. Admit the application's own security group instead.",
            )
            continue
        if isinstance(value, Unknown):
            if kind in ("cidr", "prefix-list", "undecided-security-group"):
                props.note(value)  # undecided: it may be the VPC's default group, which fed the same property
            continue  # an unknown security group id is still a security group
        if kind == "cidr" and not within(str(value), allowed_cidrs):
            violation(
                rule.urn,
                cache.urn,
                f"{where} admits CIDR {value} to the cache port; only security groups"
                + (f" and {', '.join(sorted(allowed_cidrs))}" if allowed_cidrs else "")
                + " may reach it.",
            )
        elif kind == "prefix-list" and value not in allowed_prefixes:
            violation(
                rule.urn,
                cache.urn,
                f"{where} admits prefix list {value} to the cache port; it is not in `allowedPrefixListIds`.",
            )


security_group_ingress = StackValidationPolicy(
    name="elasticache-security-group-ingress",
    description=(
        "A cache's security groups admit its port only from other security groups or configured CIDRs, never "
        "from 0.0.0.0/0 or ::/0, and allow no open egress."
    ),
    validate=_validate_security_groups,
    config_schema=SCHEMA,
    severity=Severity.CRITICAL,
    tags=["network", "CKV_AWS_382", "AVD-AWS-0049"],
    remediation_steps=(
        "Give every cache its own security group (`securityGroupIds`) and admit the cache port with "
        "`aws.vpc.SecurityGroupIngressRule(referencedSecurityGroupId=<app security group>)` rules; no CIDR "
        "sources (unless listed in `allowedIngressCidrs`), never 0.0.0.0/0 or ::/0, and no egress rules."
    ),
    url=f"{DOCS}/elasticache-vpc-accessing.html",
)


def _validate_subnet_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE):
        return
    props = Props(args.props)
    if args.resource_type == SERVERLESS_CACHE:
        subnets = props.items("subnetIds")
        if subnets is MISSING or subnets == []:
            report("`subnetIds` is unset: AWS puts the cache's endpoints in the default VPC's subnets.")
        props.finish()
        return
    if args.resource_type == CLUSTER and is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")
    # An unknown name comes from a SubnetGroup resource, and AWS reserves the name "default": it is custom.
    name = props.peek("subnetGroupName")
    if name is MISSING or name == "":
        report(
            "`subnetGroupName` is unset: AWS uses the `default` subnet group (the default VPC's subnets). "
            "Create an `aws:elasticache/subnetGroup:SubnetGroup` of private subnets and name it here (setting it "
            "later replaces the cache)."
        )
    elif isinstance(name, str) and name.strip().lower() == "default":
        report(
            "`subnetGroupName` is `default`: the default VPC's subnets. Use a subnet group of private subnets "
            "(changing it replaces the cache)."
        )
    props.finish()


subnet_group = ResourceValidationPolicy(
    name="elasticache-subnet-group",
    description="ElastiCache caches run in their own private subnets, never the `default` subnet group.",
    validate=_validate_subnet_group,
    severity=Severity.MEDIUM,
    tags=["network", "CKV_AWS_323", "AwsSolutions-AEC1", "ElastiCache.7", "elasticache-subnet-group-check"],
    remediation_steps=(
        "Create an `aws:elasticache/subnetGroup:SubnetGroup` of private subnets and set `subnetGroupName` "
        "(replication groups, clusters) or `subnetIds` (serverless caches)."
    ),
    url=f"{DOCS}/SubnetGroups.html",
)

POLICIES = [security_group_ingress, subnet_group]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    security_group_ingress.name: (
        "every cache has its own security groups (unset = the VPC default group); their ingress — inline "
        "`ingress`, `aws:vpc/securityGroupIngressRule`, `aws:ec2/securityGroupRule` — admits the cache port "
        "(6379, 11211, or `port`; 6379-6380 for serverless) only from security groups other than the VPC's "
        "default group (`DefaultSecurityGroup`, or a VPC's `defaultSecurityGroupId`, by dependency or id) or "
        "configured CIDRs/prefix lists, and nothing on any port from 0.0.0.0/0 or ::/0 (however spelled: any /0); "
        "no egress to 0.0.0.0/0 or ::/0 (inline, `aws:vpc/securityGroupEgressRule`, `securityGroupRule`); a "
        "numeric protocol is read as the string the provider sends (`-1`, `6`). A group this stack does not manage"
        " is reported as not checkable"
    ),
    subnet_group.name: (
        "`subnetGroupName` set and not `default` (replication groups, standalone clusters); `subnetIds` set "
        "on serverless caches"
    ),
}
