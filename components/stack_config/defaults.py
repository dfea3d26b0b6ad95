"""What the program chooses when the stack config leaves a key out (README's config reference lists them)."""

from __future__ import annotations

from collections.abc import Sequence

from components.spec import KmsKeyChoice

PRODUCTION_ENVIRONMENTS = frozenset({"prod", "production", "prd"})
"""An `environment` (or stack name) that makes a stack production when `production` is not set."""
DEFAULT_MAINTENANCE_WINDOW = "sun:05:00-sun:06:00"
DEFAULT_BACKUP_WINDOW = "03:00-04:00"
DEFAULT_USERS = ("app",)
DEFAULT_NODE_TYPE = {True: "cache.r7g.large", False: "cache.t4g.small"}
"""By `production`."""
DEFAULT_LOG_RETENTION_DAYS = {True: 30, False: 7}
"""By `production`."""
DEFAULT_KMS_KEY = KmsKeyChoice.AWS_OWNED
HOT_CACHE_EVICTIONS_PER_5_MINUTES = 10_000
"""Eviction alarm threshold of a `cache` workload, which evicts by design; other workloads alarm on any."""


def default_replicas(app_azs: Sequence[str]) -> int:
    """Replicas per shard when `replicas` is left out: a node in every app AZ, and at least one replica."""
    return max(1, len(app_azs) - 1)
