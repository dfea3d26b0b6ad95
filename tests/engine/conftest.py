"""Servers for the engine tests, configured from what the program plans (see `planned.py` and `servers.py`).

Each pytest worker plans the every-mode stack once per engine, starts one server per node-based cache the first
time a test asks for that engine (all of them at once: a cluster-mode node takes two seconds to accept writes),
and stops them all at the end of the session, whatever happened.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pulumi
import pytest
import redis

from cacheclient import CacheConnection, connect
from elasticache_facts.access import ELASTICACHE_PUBSUB_DEFAULT, PUBSUB_DEFAULT_PARAMETER
from preflight.program import run_program
from preflight.stack_files import read_stack_config
from tests.connect_stacks import every_mode
from tests.engine.planned import PlannedCache, PlannedUser, planned_caches
from tests.engine.servers import (
    ENGINES,
    Certificates,
    Server,
    acl_directive,
    missing_tools,
    parameter_directives,
)

IAM_STAND_IN = "iam-stand-in-password-0123"
"""A local engine cannot check SigV4: IAM users get this password, except where a test sets a real token."""


def directives(cache: PlannedCache) -> list[str]:
    # The users start from the channels ElastiCache's default groups give them, not the engines' own default.
    lines = parameter_directives({PUBSUB_DEFAULT_PARAMETER: ELASTICACHE_PUBSUB_DEFAULT, **cache.parameters})
    if cache.token is not None:
        # Token mode: ElastiCache's AUTH token is the default user's password, with every command.
        lines.append(f"requirepass {cache.token}")
    for user in cache.users:
        password = IAM_STAND_IN if user.iam else user.password
        lines.append(acl_directive(user.name, user.access_string, [password] if password else []))
    return lines


@dataclasses.dataclass
class Cache:
    """A planned cache served by a real engine, and how an app connects to it."""

    engine: str
    planned: PlannedCache
    server: Server
    _harness: redis.Redis | None = None

    @property
    def connection(self) -> CacheConnection:
        exported = CacheConnection.from_exports(self.planned.exports)
        return dataclasses.replace(
            exported,
            endpoint="127.0.0.1",
            reader_endpoint="127.0.0.1",
            port=self.server.port,
            reader_port=self.server.port,
        )

    def password_for(self, user: PlannedUser) -> str | None:
        return IAM_STAND_IN if user.iam else user.password

    def client(self, user: PlannedUser | None = None, **options: object) -> redis.Redis | redis.RedisCluster:
        """The app's client through `cacheclient.connect`, as the cache's first app user (or `user`)."""
        connection = self.connection
        if connection.auth_mode == "token":
            return connect(connection, token=self.planned.token, ca_certs=str(self.server.certificates.ca), **options)
        user = user or self.planned.app_users[0]
        short = next(name for name, u in connection.users.items() if u.user_name == user.name)
        credentials = redis.UsernamePasswordCredentialProvider(user.name, self.password_for(user))
        return connect(
            connection,
            user=short,
            password=self.password_for(user),
            ca_certs=str(self.server.certificates.ca),
            credential_provider=credentials,
            **options,
        )

    def direct(self, user: PlannedUser) -> redis.Redis:
        """A plain connection to the server as `user`: the engine's own answer, whatever the topology."""
        return redis.Redis(
            "127.0.0.1",
            self.server.port,
            username=user.name,
            password=self.password_for(user),
            **self.server.tls_options(),
        )

    def harness(self) -> redis.Redis:
        if self._harness is None:
            self._harness = self.server.harness()
        return self._harness

    def reset(self) -> None:
        """Empty, at the planned memory settings, with no stats or ACL log of earlier tests."""
        harness = self.harness()
        harness.flushall()
        harness.config_set("maxmemory", 0)
        harness.config_resetstat()
        harness.acl_log_reset()
        for user in self.planned.users:  # a test may have changed a user's password (the IAM tests do)
            password = self.password_for(user)
            harness.execute_command(
                "ACL",
                "SETUSER",
                user.name,
                "reset",
                *user.access_string.split(),
                *([f">{password}"] if password else []),
            )


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates.create(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def servers(
    tmp_path_factory: pytest.TempPathFactory, certificates: Certificates
) -> Iterator[Callable[[str], dict[str, Cache]]]:
    """`servers(engine)`: the engine's node-based caches, started on first use."""
    missing = missing_tools()
    assert not missing, f"{', '.join(missing)} not installed: run `bash .ci/run` (it installs them) once"
    started: dict[str, dict[str, Cache]] = {}
    with ExitStack() as stack:

        def serve(engine: str) -> dict[str, Cache]:
            if engine in started:
                return started[engine]
            plan = run_program(every_mode(read_stack_config("dev"), engine))
            pulumi.runtime.settings.ROOT.set(None)
            caches = {name: c for name, c in planned_caches(plan).items() if c.exports["mode"] == "node"}
            root = Path(tmp_path_factory.mktemp(engine))

            served = {}
            for name, cache in caches.items():
                directory = root / name
                directory.mkdir()
                server = Server(engine, directory, certificates)
                stack.callback(server.stop)
                server.spawn(directives(cache), cluster=cache.exports["clusterMode"])
                served[name] = Cache(engine, cache, server)
            # Waiting runs in parallel (a cluster node takes two seconds to accept writes); processes were
            # spawned from this thread, which outlives them.
            with ThreadPoolExecutor(len(served)) as pool:
                failures = [
                    name for name, error in zip(served, pool.map(_ready, served.values()), strict=True) if error
                ]
            for name in failures:
                served[name].server.stop()
                served[name].server.start(directives(caches[name]), cluster=caches[name].exports["clusterMode"])
            started[engine] = served
            return started[engine]

        yield serve


def _ready(cache: Cache) -> Exception | None:
    try:
        cache.server.ready()
    except RuntimeError as error:
        return error
    return None


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


class Served(Mapping[str, Cache]):
    """An engine's caches for one test: each is reset the first time the test touches it."""

    def __init__(self, caches: dict[str, Cache]) -> None:
        self._caches = caches
        self._reset: set[str] = set()

    def __getitem__(self, name: str) -> Cache:
        cache = self._caches[name]
        if name not in self._reset:
            cache.reset()
            self._reset.add(name)
        return cache

    def __iter__(self) -> Iterator[str]:
        return iter(self._caches)

    def __len__(self) -> int:
        return len(self._caches)


@pytest.fixture
def caches(servers, engine: str) -> Served:
    """This engine's served caches, each emptied and back at its planned settings when the test first uses it."""
    return Served(servers(engine))
