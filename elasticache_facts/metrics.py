"""Where ElastiCache publishes its CloudWatch metrics: the namespace and the dimension naming each series.

Source: AWS "Host-Level Metrics" and "Metrics for Valkey and Redis OSS"
(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.HostLevel.html,
https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html) and the serverless metrics page
(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-metrics-events-redis.html), as gathered in
../shared/reference/elasticache-metrics.md. The program's alarms and the pack's alarms policy both read these.
"""

from __future__ import annotations

NAMESPACE = "AWS/ElastiCache"
NODE_DIMENSION = "CacheClusterId"
"""A node-based cache's series are per node: the member cluster id (`<groupId>-001`, `<groupId>-0001-001`)."""
GROUP_DIMENSION = "ReplicationGroupId"
SERVERLESS_DIMENSION = "clusterId"
"""A serverless cache's series carry the cache's name."""

# UNCERTAIN, as the reference marks it: no AWS table of which metrics carry `ReplicationGroupId` was read. The
# evidence is public Terraform and sample code querying these two with it, and Application Auto Scaling's
# predefined metric `ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage`, built on them (SDK enums; "Basics"
# in ../shared/reference/elasticache-metrics.md, after aws-samples/sample-elasticache-operations-review@8ece8ba5
# references/metrics-catalog.md). Every other node-based metric (EngineCPUUtilization,
# DatabaseMemoryUsagePercentage, Evictions, ...) is published per node only, under `CacheClusterId`
# [,`CacheNodeId`], so an alarm filtered by `ReplicationGroupId` on one of them never gets a data point.
GROUP_METRICS = frozenset(
    {
        "DatabaseMemoryUsageCountedForEvictPercentage",
        "DatabaseCapacityUsageCountedForEvictPercentage",
    }
)
"""The node-based metrics CloudWatch also publishes per replication group (dimension `ReplicationGroupId`)."""

# On a data tiering node (r6gd) a cache holds data on SSD as well as in memory. The capacity percentages count
# the SSD ("On r6gd these include SSD": aws-samples/sample-elasticache-operations-review@8ece8ba5
# references/metrics-catalog.md, built on AWS "Metrics for Valkey and Redis OSS"; the node-based alarm table of
# ../shared/reference/elasticache-metrics.md), so they, not the memory percentages, say how full such a node is.
DATA_TIERING_METRICS = {
    "DatabaseMemoryUsagePercentage": "DatabaseCapacityUsagePercentage",
    "DatabaseMemoryUsageCountedForEvictPercentage": "DatabaseCapacityUsageCountedForEvictPercentage",
}
"""Each memory metric's counterpart that tracks a data tiering node's whole capacity, memory and SSD."""
