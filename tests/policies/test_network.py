from __future__ import annotations

from dataclasses import replace

import pytest
from guardrails.network import security_group_ingress, subnet_group

from elasticache_facts.tokens import VPC
from tests.policies.harness import DROP, UNKNOWN, Item, check, check_stack, with_
from tests.policies.secure import (
    APP_SG,
    CLUSTER,
    EGRESS,
    INGRESS,
    PROMPTS_SG,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SESSIONS_SG,
    SESSIONS_TAGS,
    SG,
    SG_RULE,
    SLS,
    as_preview,
    secure_item,
    secure_items,
    secure_items_with,
    security_group,
)


def items_with(*changes: Item, drop: tuple[str, ...] = ()) -> list[Item]:
    """The secure stack with items replaced (matched by name) or added, and some removed."""
    by_name = {item.name: item for item in secure_items() if item.name not in drop}
    for item in changes:
        by_name[item.name] = item
    return list(by_name.values())


def item(name: str) -> Item:
    return next(candidate for candidate in secure_items() if candidate.name == name)


def test_secure_stack_passes_with_ids_known_and_at_preview() -> None:
    assert check_stack(security_group_ingress, secure_items()).passed
    assert check_stack(security_group_ingress, [as_preview(i) for i in secure_items()]).passed


def test_linked_by_ids_alone_without_property_dependencies() -> None:
    # Another program may build its inputs from plain ids; the links then come from the ids.
    items = [replace(i, depends={}) for i in secure_items()]
    items = [
        replace(i, properties={**i.properties, "id": SESSIONS_SG if i.name == "sessions-sg" else PROMPTS_SG})
        if i.type == SG
        else i
        for i in items
    ]
    assert check_stack(security_group_ingress, items).passed
    world = replace(item("sessions-ingress-0"), depends={})
    world = replace(world, properties=with_(world.properties, referencedSecurityGroupId=DROP, cidrIpv4="0.0.0.0/0"))
    outcome = check_stack(security_group_ingress, [*(i for i in items if i.name != world.name), world])
    assert "admits 0.0.0.0/0" in outcome.text()


def test_world_open_ingress_rule_resource() -> None:
    rule = item("sessions-ingress-0")
    open_rule = replace(rule, properties=with_(rule.properties, referencedSecurityGroupId=DROP, cidrIpv4="0.0.0.0/0"))
    outcome = check_stack(security_group_ingress, items_with(open_rule))
    assert len(outcome.violations) == 1
    assert (
        "sessions-replication-group: sessions-ingress-0 (security group sessions-sg) admits 0.0.0.0/0" in outcome.text()
    )
    assert outcome.urns == [rule.urn]  # reported against the offending rule
    ipv6 = replace(rule, properties=with_(rule.properties, referencedSecurityGroupId=DROP, cidrIpv6="::/0"))
    assert "admits ::/0" in check_stack(security_group_ingress, items_with(ipv6)).text()


def test_world_open_on_any_port_is_flagged_even_off_the_cache_port() -> None:
    ssh = Item(
        INGRESS,
        "ssh",
        {"securityGroupId": SESSIONS_SG, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 22, "toPort": 22},
        {"securityGroupId": ["sessions-sg"]},
    )
    assert "admits 0.0.0.0/0" in check_stack(security_group_ingress, items_with(ssh)).text()


SECURITY_GROUPS_ONLY = {"allowedIngressCidrs": []}


def test_private_cidr_sources_pass_by_default_public_ones_do_not() -> None:
    def rule(cidr: str, key: str = "cidrIpv4") -> Item:
        return Item(
            INGRESS,
            "vpc-wide",
            {"securityGroupId": SESSIONS_SG, key: cidr, "ipProtocol": "-1"},
            {"securityGroupId": ["sessions-sg"]},
        )

    for private in ("10.0.0.0/16", "172.20.4.0/24", "192.168.1.10/32"):
        assert check_stack(security_group_ingress, items_with(rule(private))).passed, private
    assert check_stack(security_group_ingress, items_with(rule("fd12:3456::/48", "cidrIpv6"))).passed
    for public in ("203.0.113.0/24", "10.0.0.0/7", "not-a-cidr"):
        outcome = check_stack(security_group_ingress, items_with(rule(public)))
        assert f"admits CIDR {public} to the cache port" in outcome.text(), public


def test_cidr_sources_are_judged_against_the_configured_ranges() -> None:
    vpc = Item(
        INGRESS,
        "vpc-wide",
        {"securityGroupId": SESSIONS_SG, "cidrIpv4": "10.0.0.0/16", "ipProtocol": "-1"},
        {"securityGroupId": ["sessions-sg"]},
    )
    outcome = check_stack(security_group_ingress, items_with(vpc), config=SECURITY_GROUPS_ONLY)
    assert "admits CIDR 10.0.0.0/16 to the cache port; only security groups may reach it" in outcome.text()
    assert check_stack(security_group_ingress, items_with(vpc), config={"allowedIngressCidrs": ["10.0.0.0/16"]}).passed
    inside = {"allowedIngressCidrs": ["10.0.0.0/8"]}
    assert check_stack(security_group_ingress, items_with(vpc), config=inside).passed
    narrower = check_stack(security_group_ingress, items_with(vpc), config={"allowedIngressCidrs": ["10.0.1.0/24"]})
    assert "admits CIDR 10.0.0.0/16" in narrower.text()
    # Even listed, the whole internet stays out.
    world = Item(INGRESS, "world", {"securityGroupId": SESSIONS_SG, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"})
    assert check_stack(
        security_group_ingress, items_with(world), config={"allowedIngressCidrs": ["0.0.0.0/0"]}
    ).violations
    # A CIDR on another port is not the cache port's business.
    other_port = Item(
        INGRESS,
        "metrics",
        {
            "securityGroupId": SESSIONS_SG,
            "cidrIpv4": "10.0.0.0/16",
            "ipProtocol": "tcp",
            "fromPort": 9100,
            "toPort": 9100,
        },
    )
    assert check_stack(security_group_ingress, items_with(other_port)).passed


def test_prefix_lists_need_config() -> None:
    rule = Item(
        INGRESS,
        "prefix",
        {
            "securityGroupId": SESSIONS_SG,
            "prefixListId": "pl-123",
            "ipProtocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
        },
        {"securityGroupId": ["sessions-sg"]},
    )
    assert "prefix list pl-123" in check_stack(security_group_ingress, items_with(rule)).text()
    assert check_stack(security_group_ingress, items_with(rule), config={"allowedPrefixListIds": ["pl-123"]}).passed


def test_inline_rules_on_the_security_group() -> None:
    group = item("sessions-sg")
    inline = replace(
        group,
        properties=with_(
            group.properties,
            ingress=[
                {"protocol": "tcp", "fromPort": 6379, "toPort": 6379, "securityGroups": [APP_SG]},
                {"protocol": "tcp", "fromPort": 6300, "toPort": 6400, "cidrBlocks": ["192.168.0.0/24"]},
            ],
            egress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
        ),
    )
    outcome = check_stack(security_group_ingress, items_with(inline), config=SECURITY_GROUPS_ONLY)
    assert "sessions-sg inline ingress[1] (security group sessions-sg) admits CIDR 192.168.0.0/24" in outcome.text()
    assert "inline egress[0] (security group sessions-sg) allows egress to 0.0.0.0/0" in outcome.text()
    assert len(outcome.violations) == 2
    allowed = check_stack(
        security_group_ingress, items_with(inline), config={**SECURITY_GROUPS_ONLY, "allowOpenEgress": True}
    )
    assert len(allowed.violations) == 1


def test_legacy_security_group_rule_and_egress_rule_resources() -> None:
    legacy = Item(
        SG_RULE,
        "legacy",
        {
            "type": "ingress",
            "securityGroupId": SESSIONS_SG,
            "protocol": "tcp",
            "fromPort": 0,
            "toPort": 65535,
            "cidrBlocks": ["0.0.0.0/0"],
        },
        {"securityGroupId": ["sessions-sg"]},
    )
    assert (
        "legacy (security group sessions-sg) admits 0.0.0.0/0"
        in check_stack(security_group_ingress, items_with(legacy)).text()
    )
    from_group = Item(
        SG_RULE,
        "from-app",
        {
            "type": "ingress",
            "securityGroupId": SESSIONS_SG,
            "protocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
            "sourceSecurityGroupId": APP_SG,
        },
        {"securityGroupId": ["sessions-sg"]},
    )
    assert check_stack(security_group_ingress, items_with(from_group)).passed
    egress = Item(
        EGRESS,
        "out",
        {"securityGroupId": PROMPTS_SG, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
        {"securityGroupId": ["prompts-sg"]},
    )
    assert (
        "prompts-serverless: out (security group prompts-sg) allows egress"
        in check_stack(security_group_ingress, items_with(egress)).text()
    )


def test_serverless_reader_port_is_the_cache_port_too() -> None:
    reader_only = Item(
        INGRESS,
        "reader",
        {
            "securityGroupId": PROMPTS_SG,
            "cidrIpv4": "10.1.0.0/16",
            "ipProtocol": "tcp",
            "fromPort": 6380,
            "toPort": 6380,
        },
        {"securityGroupId": ["prompts-sg"]},
    )
    outcome = check_stack(security_group_ingress, items_with(reader_only), config=SECURITY_GROUPS_ONLY)
    assert "prompts-serverless: reader" in outcome.text()


def test_rules_of_another_groups_do_not_count() -> None:
    app = Item(SG, "app-sg", security_group("app", SESSIONS_TAGS))
    public = Item(
        INGRESS,
        "app-https",
        {"securityGroupId": UNKNOWN, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443},
        {"securityGroupId": ["app-sg"]},
    )
    assert check_stack(security_group_ingress, items_with(app, public)).passed


def test_cache_without_security_groups_uses_the_default_group() -> None:
    cache = item("sessions-replication-group")
    bare = replace(cache, properties=with_(cache.properties, securityGroupIds=DROP), depends={})
    outcome = check_stack(security_group_ingress, items_with(bare))
    assert "sessions-replication-group: `securityGroupIds` is unset" in outcome.text()
    serverless = item("prompts-serverless")
    bare = replace(serverless, properties=with_(serverless.properties, securityGroupIds=[]), depends={})
    assert (
        "prompts-serverless: `securityGroupIds` is unset"
        in check_stack(security_group_ingress, items_with(bare)).text()
    )


def test_external_security_group_cannot_be_checked() -> None:
    cache = item("sessions-replication-group")
    external = replace(cache, properties=with_(cache.properties, securityGroupIds=["sg-0external"]), depends={})
    outcome = check_stack(security_group_ingress, items_with(external))
    assert outcome.violations == []
    assert "security group sg-0external is not managed in this stack" in (outcome.advisory or "")


def test_unknown_links_and_values_are_advisory() -> None:
    cache = item("sessions-replication-group")
    # Computed from a resource that is no security group (a component's output): undecided until apply.
    network = Item("shop:index:Network", "network", {})
    untraceable = replace(
        cache, properties=with_(cache.properties, securityGroupIds=UNKNOWN), depends={"securityGroupIds": ["network"]}
    )
    outcome = check_stack(security_group_ingress, items_with(network, untraceable))
    assert "`securityGroupIds` is not known until apply" in (outcome.advisory or "")
    rule = item("sessions-ingress-0")
    lost = replace(
        rule, properties=with_(rule.properties, securityGroupId=UNKNOWN), depends={"securityGroupId": ["network"]}
    )
    outcome = check_stack(security_group_ingress, items_with(network, lost))
    assert "traces to no security group in this stack" in (outcome.advisory or "")
    cidr = replace(
        rule,
        properties=with_(rule.properties, referencedSecurityGroupId=DROP, cidrIpv4=UNKNOWN),
        depends={**rule.depends, "cidrIpv4": ["network"]},
    )
    outcome = check_stack(security_group_ingress, items_with(network, cidr))
    assert outcome.violations == []
    assert "`cidrIpv4` is not known" in (outcome.advisory or "")
    port = replace(
        rule,
        properties=with_(rule.properties, fromPort=UNKNOWN, cidrIpv4="10.0.0.0/8"),
        depends={**rule.depends, "fromPort": ["network"]},
    )
    outcome = check_stack(security_group_ingress, items_with(network, port))
    assert "`fromPort` is not known" in (outcome.advisory or "")


def test_provider_computed_values_at_preview_are_not_unknowns() -> None:
    # At preview the provider leaves `ingress`/`egress` (and an unset `port`) unknown; the program set none.
    group = item("sessions-sg")
    computed = replace(group, properties=with_(group.properties, ingress=UNKNOWN, egress=UNKNOWN))
    cache = item("sessions-replication-group")
    no_port = replace(cache, properties=with_(cache.properties, port=UNKNOWN))
    assert check_stack(security_group_ingress, items_with(computed, no_port)).passed
    derived = replace(computed, depends={"ingress": ["prompts-sg"]})
    outcome = check_stack(security_group_ingress, items_with(derived))
    assert "`ingress` is not known until apply" in (outcome.advisory or "")


def test_security_group_ids_the_provider_computes_at_preview_are_unset() -> None:
    # A cache that sets no `securityGroupIds` shows them unknown in a preview's planned state (the provider
    # computes the ids AWS assigns: the VPC's default group), fed by no resource: the program set none.
    for name in ("sessions-replication-group", "prompts-serverless"):
        cache = item(name)
        depends = {key: names for key, names in cache.depends.items() if key != "securityGroupIds"}
        computed = replace(cache, properties=with_(cache.properties, securityGroupIds=UNKNOWN), depends=depends)
        outcome = check_stack(security_group_ingress, items_with(computed))
        assert f"{name}: `securityGroupIds` is unset, so the VPC's default security group applies" in outcome.text()


def test_an_engine_the_provider_computes_at_preview_is_redis_on_its_default_port() -> None:
    # A replication group that sets no `engine` is Redis OSS (AWS's default); a preview's planned state shows
    # the provider-computed engine unknown, fed by no resource, and its port is still the default 6379.
    cache = item("sessions-replication-group")
    computed = replace(cache, properties=with_(cache.properties, engine=UNKNOWN, port=DROP))
    rule = item("sessions-ingress-0")
    public = replace(rule, properties=with_(rule.properties, referencedSecurityGroupId=DROP, cidrIpv4="203.0.113.0/24"))
    outcome = check_stack(security_group_ingress, items_with(computed, public))
    assert (
        "sessions-ingress-0 (security group sessions-sg) admits CIDR 203.0.113.0/24 to the cache port" in outcome.text()
    )
    fed = replace(computed, depends={**cache.depends, "engine": ["sessions-sg"]})
    outcome = check_stack(security_group_ingress, items_with(fed, public))
    assert outcome.violations == []
    assert "`engine` is not known until apply" in (outcome.advisory or "")


def test_group_members_are_not_judged() -> None:
    member = Item(CLUSTER, "member", {"replicationGroupId": "sessions-prod"})
    assert check_stack(security_group_ingress, items_with(member)).passed


# -- subnet group --------------------------------------------------------------------------------------------------


def test_subnet_group() -> None:
    assert check(subnet_group, RG, REPLICATION_GROUP).passed
    assert check(subnet_group, RG, with_(REPLICATION_GROUP, subnetGroupName=UNKNOWN)).passed
    assert (
        "`subnetGroupName` is unset" in check(subnet_group, RG, with_(REPLICATION_GROUP, subnetGroupName=DROP)).text()
    )
    assert "is `default`" in check(subnet_group, RG, with_(REPLICATION_GROUP, subnetGroupName="default")).text()
    assert check(subnet_group, SLS, SERVERLESS_CACHE).passed
    assert "`subnetIds` is unset" in check(subnet_group, SLS, with_(SERVERLESS_CACHE, subnetIds=DROP)).text()
    assert check(subnet_group, CLUSTER, {"engine": "memcached"}).violations
    assert check(subnet_group, CLUSTER, {"replicationGroupId": "g"}).not_applicable


VPC_TYPE = "aws:ec2/vpc:Vpc"
DEFAULT_SG_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def test_ingress_from_the_vpcs_default_security_group_is_reported() -> None:
    vpc = Item(VPC_TYPE, "vpc", {"cidrBlock": "10.0.0.0/16", "defaultSecurityGroupId": "sg-0defa0170000000001"})
    by_dependency = Item(
        INGRESS,
        "from-default",
        {
            "securityGroupId": SESSIONS_SG,
            "referencedSecurityGroupId": UNKNOWN,
            "ipProtocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
        },
        {"securityGroupId": ["sessions-sg"], "referencedSecurityGroupId": ["vpc"]},
    )
    outcome = check_stack(security_group_ingress, [*items_with(by_dependency), vpc])
    assert "from-default (security group sessions-sg) admits the VPC's default security group to the cache port" in (
        outcome.text()
    )
    by_id = Item(
        INGRESS,
        "from-default",
        {"securityGroupId": SESSIONS_SG, "referencedSecurityGroupId": "sg-0defa0170000000001", "ipProtocol": "-1"},
        {"securityGroupId": ["sessions-sg"]},
    )
    assert (
        "default security group (sg-0defa0170000000001)"
        in check_stack(security_group_ingress, [*items_with(by_id), vpc]).text()
    )
    adopted = Item(DEFAULT_SG_TYPE, "default-sg", {"vpcId": "vpc-1"})
    legacy = Item(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "legacy",
        {
            "type": "ingress",
            "securityGroupId": SESSIONS_SG,
            "sourceSecurityGroupId": UNKNOWN,
            "protocol": "tcp",
            "fromPort": 6379,
            "toPort": 6379,
        },
        {"securityGroupId": ["sessions-sg"], "sourceSecurityGroupId": ["default-sg"]},
    )
    assert (
        "admits the VPC's default security group"
        in check_stack(security_group_ingress, [*items_with(legacy), adopted]).text()
    )


def test_a_cache_in_the_default_security_group_is_reported_and_other_groups_pass() -> None:
    vpc = Item(VPC_TYPE, "vpc", {"cidrBlock": "10.0.0.0/16", "defaultSecurityGroupId": "sg-0defa0170000000001"})
    # Not applicable: a VPC in the stack whose default group nothing uses changes nothing.
    assert check_stack(security_group_ingress, [*items_with(), vpc]).passed
    items = [
        Item(i.type, i.name, {**i.properties, "securityGroupIds": [SESSIONS_SG, "sg-0defa0170000000001"]}, i.depends)
        if i.name == "sessions-replication-group"
        else i
        for i in items_with()
    ]
    outcome = check_stack(security_group_ingress, [*items, vpc])
    assert "sessions-replication-group: `securityGroupIds` includes the VPC's default security group" in outcome.text()


def test_a_non_id_in_security_group_ids_is_no_crash_and_no_default_group() -> None:
    """A foreign program's malformed list (a nested list beside the id) is judged, not a crash of the policy."""
    vpc = Item(VPC_TYPE, "vpc", {"cidrBlock": "10.0.0.0/16", "defaultSecurityGroupId": "sg-0defa0170000000001"})
    items = [
        replace(i, properties={**i.properties, "securityGroupIds": [SESSIONS_SG, []]})
        if i.name == "sessions-replication-group"
        else i
        for i in items_with()
    ]
    outcome = check_stack(security_group_ingress, [*items, vpc])
    assert "includes the VPC's default security group" not in outcome.text()


def test_inline_ingress_computed_partly_from_the_vpc_does_not_make_every_group_the_default_one() -> None:
    """Inline rules share one dependency list: a VPC feeding a CIDR in one rule does not make the app's group in
    another the VPC's default group."""
    vpc = Item(VPC, "vpc", {"cidrBlock": "10.0.0.0/16", "defaultSecurityGroupId": "sg-0defa0170000000001"})
    app = Item(SG, "app-sg", {"name": "app", "vpcId": "vpc-1", "id": APP_SG})
    ingress = [
        {"protocol": "tcp", "fromPort": 6379, "toPort": 6379, "securityGroups": [APP_SG]},
        {"protocol": "tcp", "fromPort": 9100, "toPort": 9100, "cidrBlocks": ["10.0.0.0/16"]},
    ]
    group = secure_item("sessions-sg")
    group = replace(group, properties=with_(group.properties, ingress=ingress), depends={"ingress": ["vpc", "app-sg"]})
    without_rule = ("sessions-ingress-0",)
    assert check_stack(security_group_ingress, [*secure_items_with(group, drop=without_rule), vpc, app]).passed
    # At preview the app group's id is unknown: undecided, not a violation.
    preview = replace(group, properties=with_(group.properties, ingress=[{**ingress[0], "securityGroups": [UNKNOWN]}]))
    outcome = check_stack(security_group_ingress, [*secure_items_with(preview, drop=without_rule), vpc, app])
    assert outcome.violations == []
    assert "not known until apply" in (outcome.advisory or "")
    # Fed by the VPC alone, the unknown id is its default group.
    alone = replace(preview, depends={"ingress": ["vpc"]})
    outcome = check_stack(security_group_ingress, [*secure_items_with(alone, drop=without_rule), vpc])
    assert "admits the VPC's default security group" in outcome.text()
    # A known id that is the default group's is still caught.
    default_id = [{**ingress[0], "securityGroups": ["sg-0defa0170000000001"]}]
    by_id = replace(group, properties=with_(group.properties, ingress=default_id))
    outcome = check_stack(security_group_ingress, [*secure_items_with(by_id, drop=without_rule), vpc, app])
    assert "admits the VPC's default security group (sg-0defa0170000000001)" in outcome.text()


@pytest.mark.parametrize("protocol", [-1, 6])
def test_a_numeric_protocol_is_the_protocol_the_bridge_sends(protocol: int) -> None:
    properties = {
        "securityGroupId": SESSIONS_SG,
        "cidrIpv4": "203.0.113.0/24",
        "ipProtocol": protocol,
        "fromPort": 6379,
        "toPort": 6379,
    }
    rule = Item(INGRESS, "wide", properties, {"securityGroupId": ["sessions-sg"]})
    outcome = check_stack(security_group_ingress, secure_items_with(rule))
    assert "admits CIDR 203.0.113.0/24 to the cache port" in outcome.text()


@pytest.mark.parametrize("cidr", ["::0/0", "0::/0", "0:0:0:0:0:0:0:0/0"])
def test_every_spelling_of_the_whole_ipv6_internet_is_open(cidr: str) -> None:
    ssh = Item(
        INGRESS,
        "ssh",
        {"securityGroupId": SESSIONS_SG, "cidrIpv6": cidr, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22},
        {"securityGroupId": ["sessions-sg"]},
    )
    assert f"admits {cidr}: the whole internet" in check_stack(security_group_ingress, secure_items_with(ssh)).text()
    out = Item(
        EGRESS,
        "out",
        {"securityGroupId": SESSIONS_SG, "cidrIpv6": cidr, "ipProtocol": "-1"},
        {"securityGroupId": ["sessions-sg"]},
    )
    assert f"allows egress to {cidr}" in check_stack(security_group_ingress, secure_items_with(out)).text()


def test_a_standalone_cluster_whose_group_id_the_provider_computes_is_judged() -> None:
    # A standalone cluster's `replicationGroupId` (and unset `securityGroupIds`) is provider-computed: unknown in a
    # preview's planned state, fed by no resource. It is no group member, so its security groups are judged.
    memcached = {"engine": "memcached", "nodeType": "cache.t4g.small", "numCacheNodes": 2}
    computed = Item(CLUSTER, "mc", {**memcached, "replicationGroupId": UNKNOWN, "securityGroupIds": UNKNOWN})
    outcome = check_stack(security_group_ingress, items_with(computed))
    assert "mc: `securityGroupIds` is unset, so the VPC's default security group applies" in outcome.text()
    member = replace(computed, depends={"replicationGroupId": ["sessions-replication-group"]})
    assert check_stack(security_group_ingress, items_with(member)).passed
