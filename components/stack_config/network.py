"""`network`: the VPC, cache subnets and app security groups, checked against the subnets' real AZs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from components.spec import Network
from components.stack_config.problems import Problems
from components.stack_config.schema import NetworkConfig


@dataclass(frozen=True)
class SubnetInfo:
    availability_zone: str
    vpc_id: str


SubnetLookup = Callable[[Sequence[str]], Mapping[str, SubnetInfo | None]]
"""Looks subnets up in AWS; None for a subnet that does not exist."""


def resolve_network(
    config: NetworkConfig, region: str, production: bool, lookup_subnets: SubnetLookup, problems: Problems
) -> Network | None:
    before = problems.count()
    app_azs = config.app_availability_zones
    refused_azs = set()
    for index, az in enumerate(app_azs):
        path = f"network.appAvailabilityZones[{index}]"
        if region and not az.startswith(region):
            problems.add(path, az, f"not an AZ of the stack's region {region}")
            refused_azs.add(index)
        if az in app_azs[:index]:
            problems.add(path, az, "listed twice")
            refused_azs.add(index)
    if production and len(set(app_azs)) < 2:
        problems.add(
            "network.appAvailabilityZones",
            app_azs,
            "a production stack needs at least 2 app AZs so that a zone failure leaves a replica",
        )
    for key, ids in (
        ("subnetIds", config.subnet_ids),
        ("appSecurityGroupIds", config.app_security_group_ids),
    ):
        seen = set()
        for index, item in enumerate(ids):
            if item in seen:
                problems.add(f"network.{key}[{index}]", item, "listed twice")
            seen.add(item)
    # The subnets are looked up even when the AZ list has a mistake: every problem comes in one run.

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
    if len(subnet_azs) < len(config.subnet_ids):
        return None  # an unknown subnet's AZ is unknown: which app AZs lack a subnet cannot be said
    for index, az in enumerate(app_azs):
        if index not in refused_azs and az not in subnet_azs.values():
            in_azs = ", ".join(sorted(set(subnet_azs.values())))
            problems.add(
                f"network.appAvailabilityZones[{index}]",
                az,
                f"no cache subnet in this AZ (cache subnets are in {in_azs}): add a private subnet of {az} "
                "to network.subnetIds, or drop the AZ",
            )
    if problems.count() > before:
        return None
    return Network(
        vpc_id=config.vpc_id,
        subnet_ids=tuple(config.subnet_ids),
        app_security_group_ids=tuple(config.app_security_group_ids),
        app_availability_zones=tuple(app_azs),
        subnet_azs=subnet_azs,
    )
