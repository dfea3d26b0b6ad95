"""Which CloudWatch alarms a cache gets, as plain data: one per metric per cache, whatever its node count.

Metric names, dimensions and statistics follow AWS's ElastiCache metric pages (Host-Level Metrics,
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.HostLevel.html; Metrics for Valkey and
Redis OSS, https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html; serverless,
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-metrics-events-redis.html), as gathered in
../shared/reference/elasticache-metrics.md.

A node-based cache publishes each metric per node (dimension `CacheClusterId` = the member cluster id), so its
alarm is a metric math alarm, `MAX([m1, ..., mN])` over the members' series: it breaches exactly when at least
one node would have breached its own alarm, and a replica or shard change updates the alarm's queries in place
instead of creating or deleting alarms. A metric math alarm may reference at most 10 metrics, a hard limit
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html), all with the same period
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-data-queries.html); a cache of more nodes
gets one alarm per metric per 10 nodes, so only a change across a multiple of 10 nodes adds or removes alarms.
A Metrics Insights query would cover any number of nodes, but its WHERE clause documents only `=`, `!=` and AND
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html),
so it can select one node or all of the account's, not one group's members; and an account holds 200 Metrics
Insights alarms per Region by default
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html).

The alarms read no series by `ReplicationGroupId`: CloudWatch publishes it only for the metrics in
`elasticache_facts.metrics.GROUP_METRICS` (two eviction-risk percentages, UNCERTAIN), and an alarm by group on any
other metric never gets a data point; `AlarmSpec` refuses one.

ElastiCache names the members of a replication group after the group (`<id>-001`, or `<id>-0001-001` per shard
when sharded: the observed convention the reference records), so the alarms can be defined before the nodes
exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.spec import AlarmThresholds, CacheArgs, NodeBased
from elasticache_facts.metrics import (
    DATA_TIERING_METRICS,
    GROUP_DIMENSION,
    GROUP_METRICS,
    NAMESPACE,
    NODE_DIMENSION,
    SERVERLESS_DIMENSION,
)
from elasticache_facts.node_types import NodeType, catalog
from elasticache_facts.workloads import EvictionPolicy

GB = 10**9  # the serverless data limit is in decimal gigabytes; alarming a little early is the safe side
FIVE_MINUTES = 300
MAX_METRICS_PER_ALARM = 10
"""AWS's hard limit on metrics in one metric math alarm (alarm-data-queries.html above)."""


@dataclass(frozen=True)
class AlarmSpec:
    slug: str
    """Short name, unique within the cache: `engine-cpu`, `ecpu`."""
    metric: str
    statistic: str
    threshold: float
    period: int
    evaluation_periods: int
    dimension: str
    sources: tuple[str, ...]
    """The dimension values watched: the member cluster ids (node-based) or the cache's name (serverless)."""
    description: str
    treat_missing_data: str = "missing"

    def __post_init__(self) -> None:
        if self.dimension == GROUP_DIMENSION and self.metric not in GROUP_METRICS:
            raise ValueError(
                f"alarm {self.slug!r}: {self.metric} is published per node only, so an alarm on it by "
                f"{GROUP_DIMENSION} never gets data; allowed by group: {', '.join(sorted(GROUP_METRICS))}; "
                f"read each node's {NODE_DIMENSION} instead"
            )

    @property
    def aggregated(self) -> bool:
        """Node-based: the maximum over the members' series (metric math), even for a single node."""
        return self.dimension == NODE_DIMENSION


HOST_CPU_BUDGET = 90.0
"""AWS: a small node's CPUUtilization threshold is 90% divided by its vCPUs (45% on 2)."""
MAX_VCPUS_FOR_HOST_CPU = 2


MEMORY_PERCENT = 85.0
"""Early warning of a full cache where full means refused writes (noeviction) or no key left to evict
(`volatile-*` policies with keys that have no TTL)."""
ALL_KEYS_MEMORY_PERCENT = 100.0
"""Under `allkeys-*` the engine evicts "until the total memory used is back below the limit" (Redis OSS "Key
eviction"), so a warm cache sits at 99.9-100% of maxmemory (tests/engine/test_eviction.py) and an 85% alarm would
never clear; above 100% for 3 minutes is memory that eviction does not win back (buffers, a large write)."""


def memory_threshold(limits: AlarmThresholds, policy: EvictionPolicy) -> float:
    if limits.memory_percent is not None:
        return limits.memory_percent
    return ALL_KEYS_MEMORY_PERCENT if EvictionPolicy(policy).value.startswith("allkeys-") else MEMORY_PERCENT


def host_cpu_node_type(node_type: str) -> NodeType | None:
    """The catalog's entry for a node type AWS says to watch by host CPU (2 vCPUs or fewer); None for larger or
    unknown types."""
    known = catalog().get(node_type)
    if known is None or known.vcpus is None or known.vcpus > MAX_VCPUS_FOR_HOST_CPU:
        return None
    return known


def vcpus_shown(known: NodeType) -> str:
    """`2 vCPUs`, saying so where the figure is the same-named EC2 type's: whoever tunes the threshold knows."""
    if known.vcpus_uncertain:
        ec2_type = known.name.removeprefix("cache.")
        return f"{known.vcpus} vCPUs, the EC2 {ec2_type}'s: AWS's ElastiCache node table lists none"
    return f"{known.vcpus} vCPUs"


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
    members = member_cluster_ids(args.cache_id, node)
    groups = [
        tuple(members[start : start + MAX_METRICS_PER_ALARM]) for start in range(0, len(members), MAX_METRICS_PER_ALARM)
    ]
    alarms = []

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
    ) -> None:
        for index, sources in enumerate(groups):
            scope = "a node" if len(groups) == 1 else f"a node of {sources[0]}..{sources[-1]}"
            alarms.append(
                AlarmSpec(
                    slug=slug if index == 0 else f"{slug}-{index + 1}",
                    metric=metric,
                    statistic=statistic,
                    threshold=threshold,
                    period=period,
                    evaluation_periods=evaluation_periods,
                    dimension=NODE_DIMENSION,
                    sources=sources,
                    description=f"{args.cache_id}, {scope}: {what}",
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
    small = host_cpu_node_type(node.node_type)
    if small is not None and small.vcpus is not None:  # the second test only narrows the type
        # AWS's rule for small nodes ("Which Metrics Should I Monitor?",
        # https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html, as
        # elasticache-metrics.md records it): on 2 vCPUs or fewer, watch CPUUtilization at 90% divided by the
        # vCPUs; EngineCPUUtilization, kept beside it, is the rule from 4 vCPUs.
        threshold = limits.host_cpu_percent if limits.host_cpu_percent is not None else HOST_CPU_BUDGET / small.vcpus
        alarm(
            "host-cpu",
            "CPUUtilization",
            "Average",
            threshold,
            f"host CPU above {threshold:g}% for 3 minutes ({vcpus_shown(small)}): add replicas for "
            "reads, scale up or add shards for writes",
        )
    memory = "DatabaseMemoryUsagePercentage"
    # A data tiering node keeps data on SSD too: only the capacity metric says how full it is.
    memory_percent = memory_threshold(limits, node.eviction_policy)
    alarm(
        "memory",
        DATA_TIERING_METRICS[memory] if node.data_tiering else memory,
        "Average",
        memory_percent,
        f"{'memory and SSD' if node.data_tiering else 'memory'} above {memory_percent:g}% for 3 minutes "
        f"({args.workload.value}: {node.eviction_policy.value} decides what happens when it is full)",
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
    # Only replicas report ReplicationLag, and which node is a replica changes with every failover, so the alarm
    # watches every member; a cache without replicas keeps it too (it stays OK), so adding the first replica
    # creates no alarm.
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
    sources = (args.cache_id,)
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
            dimension=SERVERLESS_DIMENSION,
            sources=sources,
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
            dimension=SERVERLESS_DIMENSION,
            sources=sources,
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
            dimension=SERVERLESS_DIMENSION,
            sources=sources,
            description=f"{args.cache_id}: more than {thresholds.throttled_commands:g} commands throttled in 5 minutes",
            treat_missing_data="notBreaching",
        ),
    ]


def metric_queries(alarm: AlarmSpec) -> list[dict[str, object]]:
    """The alarm's `metricQueries`: one per member, not returned, and the maximum over them, returned."""
    ids = [f"m{index + 1}" for index in range(len(alarm.sources))]
    queries: list[dict[str, object]] = [
        {
            "id": query_id,
            "return_data": False,
            "metric": {
                "namespace": NAMESPACE,
                "metric_name": alarm.metric,
                "dimensions": {alarm.dimension: source},
                "stat": alarm.statistic,
                "period": alarm.period,
            },
        }
        for query_id, source in zip(ids, alarm.sources, strict=True)
    ]
    queries.append(
        {
            "id": "worst",
            "expression": f"MAX([{', '.join(ids)}])",
            "label": f"{alarm.metric} ({alarm.statistic}), highest node",
            "return_data": True,
        }
    )
    return queries
