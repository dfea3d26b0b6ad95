"""Which CloudWatch alarms a cache gets, as plain data: one per node and metric, or per serverless limit.

ElastiCache names the nodes of a replication group after the group (`<id>-001`, or `<id>-0001-001` per shard
when sharded), so per-node alarms can be defined before the nodes exist, and each names its node.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.spec import CacheArgs, NodeBased

NAMESPACE = "AWS/ElastiCache"
GB = 10**9  # the serverless data limit is in decimal gigabytes; alarming a little early is the safe side
FIVE_MINUTES = 300


@dataclass(frozen=True)
class AlarmSpec:
    slug: str
    """Short name, unique within the cache: `<node>-engine-cpu`, `ecpu`."""
    metric: str
    statistic: str
    threshold: float
    period: int
    evaluation_periods: int
    dimensions: dict[str, str]
    description: str
    treat_missing_data: str = "missing"


def member_cluster_ids(cache_id: str, node: NodeBased) -> list[str]:
    """The node (cache cluster) ids AWS gives the members of a replication group."""
    if node.cluster_mode_enabled:
        assert node.shards is not None
        return [
            f"{cache_id}-{shard + 1:04d}-{member + 1:03d}"
            for shard in range(node.shards)
            for member in range(node.nodes_per_shard)
        ]
    return [f"{cache_id}-{member + 1:03d}" for member in range(node.nodes_per_shard)]


def node_alarms(args: CacheArgs) -> list[AlarmSpec]:
    node = args.node
    assert node is not None
    limits = args.observability.thresholds
    alarms = []
    for member in member_cluster_ids(args.cache_id, node):
        dims = {"CacheClusterId": member}

        def alarm(
            slug: str,
            metric: str,
            statistic: str,
            threshold: float,
            what: str,
            *,
            period: int = 60,
            evaluation_periods: int = 3,
            treat_missing_data: str = "missing",
            member: str = member,
            dims: dict[str, str] = dims,
        ) -> None:
            alarms.append(
                AlarmSpec(
                    slug=f"{member.removeprefix(args.cache_id + '-')}-{slug}",
                    metric=metric,
                    statistic=statistic,
                    threshold=threshold,
                    period=period,
                    evaluation_periods=evaluation_periods,
                    dimensions=dims,
                    description=f"{args.cache_id} node {member}: {what}",
                    treat_missing_data=treat_missing_data,
                )
            )

        alarm(
            "engine-cpu",
            "EngineCPUUtilization",
            "Average",
            limits.engine_cpu_percent,
            f"engine CPU above {limits.engine_cpu_percent:g}% for 3 minutes (the engine is single-threaded: "
            "scale up or out)",
        )
        alarm(
            "memory",
            "DatabaseMemoryUsagePercentage",
            "Average",
            limits.memory_percent,
            f"memory above {limits.memory_percent:g}% for 3 minutes ({args.workload.value}: "
            f"{node.eviction_policy.value} decides what happens when it is full)",
        )
        alarm(
            "evictions",
            "Evictions",
            "Sum",
            limits.evictions,
            f"more than {limits.evictions:g} keys evicted in 5 minutes",
            period=FIVE_MINUTES,
            evaluation_periods=1,
            treat_missing_data="notBreaching",
        )
        alarm(
            "connections",
            "CurrConnections",
            "Maximum",
            limits.connections,
            f"more than {limits.connections:g} client connections for 3 minutes (connection leak or pool sizing)",
        )
        if node.nodes_per_shard >= 2:
            # Only replicas report ReplicationLag, and which node is a replica changes with every failover.
            alarm(
                "replication-lag",
                "ReplicationLag",
                "Maximum",
                limits.replication_lag_seconds,
                f"replica more than {limits.replication_lag_seconds:g} s behind its primary for 3 minutes",
                treat_missing_data="notBreaching",
            )
    return alarms


def serverless_alarms(args: CacheArgs) -> list[AlarmSpec]:
    limits = args.serverless
    assert limits is not None
    thresholds = args.observability.thresholds
    dims = {"clusterId": args.cache_id}
    ecpu_share = thresholds.ecpu_percent_of_limit / 100
    data_share = thresholds.data_percent_of_limit / 100
    return [
        AlarmSpec(
            slug="ecpu",
            metric="ElastiCacheProcessingUnits",
            statistic="Sum",
            threshold=limits.max_ecpu_per_second * 60 * ecpu_share,
            period=60,
            evaluation_periods=3,
            dimensions=dims,
            description=f"{args.cache_id}: ECPUs above {thresholds.ecpu_percent_of_limit:g}% of "
            f"limits.maxEcpuPerSecond ({limits.max_ecpu_per_second}) for 3 minutes: raise the limit before "
            "requests are throttled",
        ),
        AlarmSpec(
            slug="data-stored",
            metric="BytesUsedForCache",
            statistic="Maximum",
            threshold=limits.max_data_gb * GB * data_share,
            period=60,
            evaluation_periods=3,
            dimensions=dims,
            description=f"{args.cache_id}: data above {thresholds.data_percent_of_limit:g}% of limits.maxDataGb "
            f"({limits.max_data_gb} GB): at the limit keys with a TTL are evicted and writes fail",
        ),
        AlarmSpec(
            slug="throttled",
            metric="ThrottledCmds",
            statistic="Sum",
            threshold=thresholds.throttled_commands,
            period=FIVE_MINUTES,
            evaluation_periods=1,
            dimensions=dims,
            description=f"{args.cache_id}: more than {thresholds.throttled_commands:g} commands throttled in 5 minutes",
            treat_missing_data="notBreaching",
        ),
    ]
