"""The serverless keys of a cache: the usage limits AWS may scale it to (and bill)."""

from __future__ import annotations

from components.spec import Serverless
from components.stack_config.context import CacheContext
from components.stack_config.problems import MISSING
from elasticache_facts.workloads import SERVERLESS_WORKLOADS


def resolve_serverless(ctx: CacheContext) -> Serverless | None:
    config = ctx.serverless_config
    assert config is not None
    if config.workload not in SERVERLESS_WORKLOADS:
        ctx.problem(
            "type",
            "serverless",
            f"a {config.workload.value} cache must never lose keys to eviction, but a serverless cache evicts "
            "keys with a TTL once limits.maxDataGb is reached: use type node",
        )
    network = ctx.stack.network
    if network is not None:
        azs_with_subnets = {network.subnet_azs[s] for s in network.subnets_in_app_azs()}
        if len(azs_with_subnets) < 2:
            ctx.problem(
                "type",
                "serverless",
                f"a serverless cache needs cache subnets in at least 2 app AZs, and network.appAvailabilityZones "
                f"has {', '.join(network.app_availability_zones)}; allowed: 2 or more app AZs, each with a cache "
                "subnet: add an app AZ and a private subnet in it to network.subnetIds, or use type node",
            )
    limits = config.limits
    if limits is None:
        ctx.problem(
            "limits",
            MISSING,
            "required for serverless caches: {maxDataGb, maxEcpuPerSecond} cap what AWS may scale to and bill",
        )
        return None
    if limits.min_data_gb is not None and limits.min_data_gb > limits.max_data_gb:
        ctx.problem("limits.minDataGb", limits.min_data_gb, f"above maxDataGb {limits.max_data_gb}")
    if limits.min_ecpu_per_second is not None and limits.min_ecpu_per_second > limits.max_ecpu_per_second:
        ctx.problem(
            "limits.minEcpuPerSecond",
            limits.min_ecpu_per_second,
            f"above maxEcpuPerSecond {limits.max_ecpu_per_second}",
        )
    return Serverless(
        max_data_gb=limits.max_data_gb,
        max_ecpu_per_second=limits.max_ecpu_per_second,
        min_data_gb=limits.min_data_gb,
        min_ecpu_per_second=limits.min_ecpu_per_second,
    )
