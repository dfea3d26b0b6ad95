"""The ports ElastiCache caches listen on unless a node-based cache sets `port`.

Source: pulumi-aws `elasticache/replication_group.py` and `serverless_cache.py` docstrings (default port 6379;
serverless endpoints and reader endpoints), AWS "Connecting to a serverless cache" (6379 writer, 6380 reader;
Memcached 11211, 11212).
"""

from __future__ import annotations

REDIS_PORT = 6379
"""Valkey and Redis OSS, node-based default and serverless endpoint."""
SERVERLESS_READER_PORT = 6380
SERVERLESS_PORTS = (REDIS_PORT, SERVERLESS_READER_PORT)
"""A serverless Valkey/Redis OSS cache listens on both: the second is its reader endpoint."""

MEMCACHED_PORT = 11211
MEMCACHED_SERVERLESS_PORTS = (MEMCACHED_PORT, 11212)
