"""Apps connect to real engines configured as the program plans: TLS, each auth mode, the planned access string;
and the loader judges an access string's rules as the engines do."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from cacheclient import connect
from components import acl
from elasticache_facts.access import APP_USER_ACCESS
from elasticache_facts.commands import COMMANDS
from scripts import engine_commands
from tests.engine.servers import free_port

ONCE = Retry(NoBackoff(), 0)
"""Refusals are asserted on the first answer: a client's default retries would only repeat it."""
PROBE = "probe"
"""A user the access-string tests create and delete, so the planned users stay as planned."""


@contextlib.contextmanager
def probe_user(harness: redis.Redis) -> Iterator[None]:
    try:
        yield
    finally:
        harness.execute_command("ACL", "DELUSER", PROBE)


def app_clients(caches):
    for name, cache in caches.items():
        users = cache.planned.app_users or (None,)
        for user in users:
            yield name, cache, user


def test_every_app_user_passes_the_health_checks_clients_and_probes_send(caches) -> None:
    checked = set()
    for name, cache, user in app_clients(caches):
        client = cache.client(user, client_name=f"health-{name}")
        target = {"target_nodes": client.get_random_node()} if isinstance(client, redis.RedisCluster) else {}
        assert client.ping() is True
        info = client.info("server", **target)
        assert "redis_version" in info or all("redis_version" in node for node in info.values())
        assert client.execute_command("ROLE", **target)[0] in (b"master", "master")
        assert client.execute_command("CLIENT", "LIST", **target)
        assert client.execute_command("CLIENT", "INFO", **target)
        assert client.execute_command("HELLO", 3, **target)
        assert client.execute_command("DBSIZE", **target) == 0 or isinstance(client, redis.RedisCluster)
        if isinstance(client, redis.RedisCluster):
            assert client.execute_command("CLUSTER", "SHARDS", **target)
            assert client.execute_command("CLUSTER", "SLOTS", **target)
        checked.add(name)
    assert checked == {"sessions", "ratelimit", "locks", "memory", "hot"}


@pytest.mark.parametrize(
    "command",
    [
        ("FLUSHALL",),
        ("FLUSHDB",),
        ("KEYS", "*"),
        ("CONFIG", "GET", "maxmemory"),
        ("SLOWLOG", "RESET"),
        ("CLIENT", "KILL", "ID", "1"),
        ("SWAPDB", "0", "1"),
        ("SORT", "k"),
    ],
)
def test_app_users_cannot_run_dangerous_commands(caches, command) -> None:
    for name, cache, user in app_clients(caches):
        if user is None:
            continue  # token mode: the AUTH token is the default user, with every command (as on ElastiCache)
        client = cache.direct(user)
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.execute_command(*command)
        assert client.ping(), name


def test_the_planned_default_user_cannot_log_in(caches) -> None:
    for name, cache in caches.items():
        default = cache.planned.default_user
        if cache.planned.token is not None:
            assert default is None
            continue
        assert default is not None, name
        assert default.access_string.startswith("off"), name
        anonymous = redis.Redis("127.0.0.1", cache.server.port, retry=ONCE, **cache.server.tls_options())
        with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
            anonymous.set("k", "v")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(
                "127.0.0.1",
                cache.server.port,
                username="default",
                password=default.password,
                retry=ONCE,
                **cache.server.tls_options(),
            ).ping()


def test_wrong_password_and_wrong_token_are_refused(caches) -> None:
    locks, ratelimit = caches["locks"], caches["ratelimit"]
    [svc] = locks.planned.app_users
    with pytest.raises(redis.AuthenticationError):
        connect(
            locks.connection, password="not-the-password-123", ca_certs=str(locks.server.certificates.ca), retry=ONCE
        ).ping()
    assert connect(locks.connection, password=svc.password, ca_certs=str(locks.server.certificates.ca)).ping()
    with pytest.raises(redis.AuthenticationError):
        connect(
            ratelimit.connection, token="not-the-token-12345", ca_certs=str(ratelimit.server.certificates.ca)
        ).ping()
    assert connect(
        ratelimit.connection, token=ratelimit.planned.token, ca_certs=str(ratelimit.server.certificates.ca)
    ).ping()


def test_password_mode_authenticates_as_the_short_user_name(caches) -> None:
    locks = caches["locks"]
    client = connect(
        locks.connection, password=locks.planned.app_users[0].password, ca_certs=str(locks.server.certificates.ca)
    )
    assert client.acl_whoami() in (b"svc", "svc")


def test_plaintext_and_unverified_servers_are_refused(caches, tmp_path) -> None:
    sessions = caches["sessions"]
    with pytest.raises(redis.ConnectionError):
        redis.Redis("127.0.0.1", sessions.server.port, socket_timeout=2, retry=ONCE).ping()
    # Without the CA the server's certificate does not verify: connect() never turns verification off.
    connection = sessions.connection
    with pytest.raises(redis.ConnectionError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        connect(connection, credential_provider=redis.UsernamePasswordCredentialProvider("a", "b"), retry=ONCE).ping()


def test_connect_refuses_missing_credentials_clearly(caches) -> None:
    locks, ratelimit = caches["locks"], caches["ratelimit"]
    with pytest.raises(ValueError, match="password mode: pass password="):
        connect(locks.connection)
    with pytest.raises(ValueError, match="token mode: pass token="):
        connect(ratelimit.connection)
    with pytest.raises(ValueError, match=r"user='nobody' is not one of its app users \(app, worker\)"):
        connect(caches["hot"].connection, user="nobody")


def test_the_command_table_is_what_the_engine_has(caches, engine) -> None:
    """As scripts/engine_commands.py reads it: the table is Valkey's, which has every command of Redis OSS 7.0."""
    has = engine_commands.provisioned(engine_commands.read_commands(caches["sessions"].harness()))
    assert sorted(has - COMMANDS) == []
    if engine == "valkey":
        assert sorted(COMMANDS - has) == []


COMMAND_RULES = [
    "+info",
    "+infoo",
    "-flushal",
    "+CLIENT|LIST",
    "-client|kill",
    "-client|kil",
    "+client|kil",
    "+cluster|slots",
    "-cluster|slotz",
    "+select|0",
    "-select|0",
    "+get|x",
    "-get|x",
    "-debug|object",
]


def test_the_loader_refuses_a_command_rule_exactly_when_the_engine_does(caches) -> None:
    harness = caches["sessions"].harness()
    with probe_user(harness):
        for rule in COMMAND_RULES:
            try:
                harness.execute_command("ACL", "SETUSER", PROBE, rule)
                engine_takes = True
            except redis.ResponseError:
                engine_takes = False
            loader_takes = acl.parse(f"on ~* {rule}")[0] is not None
            assert loader_takes == engine_takes, rule


NO_AUTH = {"HELLO": ("HELLO",), "AUTH": ("AUTH", PROBE, "probe-password-0123456789")}
"""Commands with the `no_auth` flag that clients send: the engines check no ACL rule for them."""


def test_a_rule_denies_each_command_the_loader_warns_about_and_never_hello_or_auth(caches) -> None:
    cache = caches["sessions"]
    harness = cache.harness()
    password = NO_AUTH["AUTH"][2]
    with probe_user(harness):
        for command in [*acl.NEEDED, *NO_AUTH]:
            harness.execute_command(
                "ACL", "SETUSER", PROBE, "reset", "on", f">{password}", "~*", "+@all", f"-{command}"
            )
            client = redis.Redis(
                "127.0.0.1",
                cache.server.port,
                username=PROBE,
                password=password,
                retry=ONCE,
                **cache.server.tls_options(),
            )
            if command in acl.NEEDED:
                with pytest.raises(redis.exceptions.NoPermissionError):
                    client.execute_command(*command.split("|"), *(["probe"] if command == "CLIENT|SETNAME" else []))
            else:
                assert client.execute_command(*NO_AUTH[command]), command


def test_the_cluster_client_starts_exactly_when_the_loader_finds_nothing_it_needs_denied(caches) -> None:
    """Each command in `acl.CLUSTER_CLIENT` is one cacheclient's cluster client cannot start without, and CLUSTER
    SHARDS or NODES do not stand in for CLUSTER SLOTS."""
    hot = caches["hot"]
    harness = hot.harness()
    password = "probe-password-0123456789"
    allowed = "+cluster|shards +cluster|nodes"
    strings = [APP_USER_ACCESS, *(f"{APP_USER_ACCESS} {allowed} -{command}" for command in acl.CLUSTER_CLIENT)]
    with probe_user(harness):
        for access in strings:
            parsed, errors = acl.parse(access)
            assert parsed is not None, errors
            harness.execute_command("ACL", "SETUSER", PROBE, "reset", *access.split(), f">{password}")
            denied = acl.denied_needs(parsed, cluster_client=True)
            for read_only in (False, True):
                try:
                    client = connect(
                        hot.connection,
                        user="app",
                        read_only=read_only,
                        credential_provider=redis.UsernamePasswordCredentialProvider(PROBE, password),
                        ca_certs=str(hot.server.certificates.ca),
                        retry=ONCE,
                    )
                    client.get("k") if read_only else client.set("k", "v")
                    starts = True
                except (redis.exceptions.NoPermissionError, redis.exceptions.RedisClusterException):
                    starts = False
                needed = denied if read_only else [command for command in denied if command != "READONLY"]
                assert starts == (not needed), (access, read_only)


def test_a_write_refused_by_a_demoted_primary_drops_the_connection(caches) -> None:
    """After a failover the old primary is a replica: it answers writes with READONLY (unless ElastiCache's
    `close-on-replica-write` closes the connection). The standalone client drops that connection and retries, so it
    reconnects through the primary endpoint, which then names the promoted replica, instead of staying on it."""
    locks = caches["locks"]
    client = locks.client()
    assert client.set("k", "before")
    connection_id = client.client_id()
    harness = locks.harness()
    harness.execute_command("REPLICAOF", "127.0.0.1", free_port())  # a primary that never answers: it stays demoted
    try:
        with pytest.raises(redis.exceptions.ReadOnlyError):
            client.set("k", "during")
    finally:
        harness.execute_command("REPLICAOF", "NO", "ONE")
    assert client.set("k", "after")
    assert client.client_id() != connection_id, "the connection that met READONLY was closed, not reused"
