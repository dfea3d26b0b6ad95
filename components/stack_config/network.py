"""`network`: the VPC, cache subnets and app security groups, checked against the subnets' real AZs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from components import aws_rules
from components.spec import Network
from components.stack_config.problems import Problems
from components.stack_config.schema import NetworkConfig


@dataclass(frozen=True)
class SubnetInfo:
    availability_zone: str
    vpc_id: str


NAMES = {
    "subnet_ids": "network.subnetIds",
    "app_security_group_ids": "network.appSecurityGroupIds",
    "app_availability_zones": "network.appAvailabilityZones",
}
"""Each `spec.Network` list as the stack file names it."""

SubnetLookup = Callable[[Sequence[str]], Mapping[str, SubnetInfo | None]]
"""Looks subnets up in AWS; None for a subnet that does not exist."""


def resolve_network(
    config: NetworkConfig, region: str, production: bool, lookup_subnets: SubnetLookup, problems: Problems
) -> Network | None:
    before = problems.count()
    app_azs = config.app_availability_zones
    lists = {
        "subnet_ids": config.subnet_ids,
        "app_security_group_ids": config.app_security_group_ids,
        "app_availability_zones": app_azs,
    }

    if production and len(set(app_azs)) < 2:
        problems.add(
            "network.appAvailabilityZones",
            app_azs,
            "a production stack needs at least 2 app AZs so that a zone failure leaves a replica",
        )
    # The subnets are looked up even when the lists have a mistake: every problem comes in one run.
    found = lookup_subnets(config.subnet_ids)
    subnet_azs: dict[str, str] = {}
    for index, subnet_id in enumerate(config.subnet_ids):
        info = found.get(subnet_id)
        path = f"network.subnetIds[{index}]"
        if info is None:
            problems.add(path, subnet_id, "no such subnet in this account and region")
            continue
        if info.vpc_id != config.vpc_id:
            problems.add(path, subnet_id, f"is in {info.vpc_id}, not network.vpcId {config.vpc_id}")
        subnet_azs[subnet_id] = info.availability_zone
    # The rules AWS enforces on the lists, which `args_check` applies to hand-built args too; which app AZs lack a
    # subnet is judged only when every subnet's AZ is known.
    known = subnet_azs if all(subnet in subnet_azs for subnet in config.subnet_ids) else None
    for problem in aws_rules.check_network(region, lists, known, NAMES):
        index = "" if problem.index is None else f"[{problem.index}]"
        problems.add(f"{NAMES[problem.field]}{index}", problem.value, problem.why)
    if problems.count() > before:
        return None
    return Network(
        vpc_id=config.vpc_id,
        subnet_ids=tuple(config.subnet_ids),
        app_security_group_ids=tuple(config.app_security_group_ids),
        app_availability_zones=tuple(app_azs),
        subnet_azs=subnet_azs,
    )
