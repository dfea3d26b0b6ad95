"""Connect to a cache from its stack export, over TLS, in the cache's auth mode.

    from cacheclient import CacheConnection, connect
    cache = connect(CacheConnection.from_env("CACHE_CONNECTION"))   # the example app-role's `connection`

Node-based caches with cluster mode disabled get a `redis.Redis`; sharded and serverless caches (AWS serves
serverless caches to cluster-mode clients) get a `redis.RedisCluster`, which discovers the shards with
`CLUSTER SLOTS` and follows `MOVED` after resharding or failover.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.cluster import LoadBalancingStrategy
from redis.credentials import CredentialProvider, UsernamePasswordCredentialProvider
from redis.exceptions import ReadOnlyError
from redis.retry import Retry

from cacheclient.iam import IAMCredentialProvider

HEALTH_CHECK_INTERVAL_SECONDS = 30
"""A connection idle this long is PINGed before use, so one the cache or a failover closed is replaced first."""


@dataclass(frozen=True)
class User:
    user_id: str
    """The IAM token's `User` (`<cacheId>-<name>`)."""
    user_name: str
    """What to AUTH as: the user id in IAM mode, the short name in password mode."""


@dataclass(frozen=True)
class CacheConnection:
    """One cache's stack export, as far as a client needs it (the README lists every key)."""

    cache_id: str
    region: str
    endpoint: str
    reader_endpoint: str
    port: int
    reader_port: int
    auth_mode: str
    serverless: bool
    cluster_mode: bool
    users: Mapping[str, User] = field(default_factory=dict)
    tls: bool = True
    user: str | None = None
    """The app user to connect as, when the export names one (the example app-role program's does)."""

    @classmethod
    def from_exports(cls, exported: Mapping[str, Any] | str) -> CacheConnection:
        """From `pulumi stack output <cache> --json`, a StackReference's value, or that as JSON text."""
        value = json.loads(exported) if isinstance(exported, str) else exported
        return cls(
            cache_id=value["cacheId"],
            region=value["region"],
            endpoint=value["endpoint"],
            reader_endpoint=value["readerEndpoint"],
            port=int(value["port"]),
            reader_port=int(value["readerPort"]),
            auth_mode=value["authMode"],
            serverless=value["mode"] == "serverless",
            cluster_mode=bool(value["clusterMode"]),
            users={
                # IAM authentication requires the user name to be the user id; a password user AUTHs by its name.
                name: User(user_id, user_id if value["authMode"] == "iam" else name)
                for name, user_id in (value.get("userIds") or {}).items()
            },
            tls=bool(value["tls"]),
            user=value.get("user"),
        )

    @classmethod
    def from_env(cls, variable: str = "CACHE_CONNECTION") -> CacheConnection:
        text = os.environ.get(variable)
        if not text:
            raise RuntimeError(f"{variable} is not set: give the app the cache's export as JSON (examples/app-role)")
        return cls.from_exports(text)


def credentials(
    connection: CacheConnection,
    *,
    user: str | None = None,
    password: str | None = None,
    token: str | None = None,
    session: Any = None,
) -> CredentialProvider:
    """What the client authenticates with, by auth mode (one clear error when something is missing)."""
    mode = connection.auth_mode
    if mode == "token":
        if not token:
            raise ValueError(f"cache {connection.cache_id} is in token mode: pass token= (its AUTH token)")
        return UsernamePasswordCredentialProvider(None, token)
    name = user or connection.user or (next(iter(connection.users)) if len(connection.users) == 1 else None)
    if name not in connection.users:
        known = ", ".join(sorted(connection.users)) or "none"
        raise ValueError(f"cache {connection.cache_id}: user={name!r} is not one of its app users ({known})")
    account = connection.users[name]
    if mode == "password":
        if not password:
            raise ValueError(f"cache {connection.cache_id} is in password mode: pass password= for user {name}")
        return UsernamePasswordCredentialProvider(account.user_name, password)
    if mode == "iam":
        return IAMCredentialProvider(
            connection.cache_id, account.user_id, connection.region, serverless=connection.serverless, session=session
        )
    raise ValueError(f"cache {connection.cache_id}: unknown authMode {mode!r} (iam, password, token)")


def connect(
    connection: CacheConnection,
    *,
    user: str | None = None,
    password: str | None = None,
    token: str | None = None,
    read_only: bool = False,
    ca_certs: str | None = None,
    client_name: str | None = None,
    session: Any = None,
    **client_options: Any,
) -> redis.Redis | redis.RedisCluster:
    """A client for the cache, authenticated in its mode, over TLS with the server's certificate verified.

    `read_only` connects to the reader endpoint (port 6380 on serverless caches; replicas of every shard on
    sharded ones). `ca_certs` is a CA bundle path; by default the system's, which trusts the Amazon CAs that
    sign ElastiCache's certificates. `session` is a botocore session for IAM credentials (default chain).
    Other keyword arguments go to the redis-py client.
    """
    if not connection.tls:
        raise ValueError(f"cache {connection.cache_id} does not require TLS: this library connects only over TLS")
    provider = credentials(connection, user=user, password=password, token=token, session=session)
    host, port = (
        (connection.reader_endpoint, connection.reader_port) if read_only else (connection.endpoint, connection.port)
    )
    options: dict[str, Any] = {
        "credential_provider": provider,
        "ssl_cert_reqs": "required",
        "ssl_check_hostname": True,
        "ssl_ca_certs": ca_certs,
        "client_name": client_name,
        "health_check_interval": HEALTH_CHECK_INTERVAL_SECONDS,
        "socket_connect_timeout": 5,
        "socket_timeout": 5,
        **client_options,
    }
    if connection.cluster_mode or connection.serverless:
        if read_only:
            options.setdefault("load_balancing_strategy", LoadBalancingStrategy.ROUND_ROBIN_REPLICAS)
        return redis.RedisCluster(host=host, port=port, ssl=True, **options)
    options.setdefault("retry", Retry(ExponentialWithJitterBackoff(base=0.1, cap=2), retries=3))
    # After a failover the old primary is a replica and answers writes with READONLY on the connections it keeps
    # (ElastiCache closes them only under `close-on-replica-write yes`): such a connection is dropped and the
    # write retried on a new one, which the primary endpoint's DNS name takes to the promoted replica.
    options.setdefault("retry_on_error", [ReadOnlyError])
    return redis.Redis(host=host, port=port, ssl=True, **options)
