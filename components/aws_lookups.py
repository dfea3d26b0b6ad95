"""Read-only AWS lookups the stack config needs before anything is registered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi_aws as aws

from components.stack_config.network import SubnetInfo


def lookup_subnets(subnet_ids: Sequence[str]) -> Mapping[str, SubnetInfo | None]:
    """AZ and VPC of each subnet; None for one AWS does not know (the loader reports it with its key)."""
    found: dict[str, SubnetInfo | None] = {}
    for subnet_id in subnet_ids:
        try:
            subnet = aws.ec2.get_subnet(id=subnet_id)
        except Exception as error:  # the engine's invoke error type is not public
            if "no matching" not in str(error).lower():
                raise  # credentials, throttling...: not a config mistake, so not reported as one
            found[subnet_id] = None
            continue
        found[subnet_id] = SubnetInfo(availability_zone=subnet.availability_zone, vpc_id=subnet.vpc_id)
    return found


def lookup_account_id() -> str:
    """The account the stack deploys to: KMS key policies the component writes name it."""
    return aws.get_caller_identity().account_id
