"""Valkey / Redis OSS ACL access strings: parsed as ACL SETUSER rules, and judged for what clients need.

ElastiCache RBAC takes an access string per user (AWS "Role-Based Access Control (RBAC)", Clusters.RBAC.html):
the ACL rules of `ACL SETUSER`, except that passwords and `reset` may not appear in it, and a user with neither
`on` nor `off` is off. Rules apply left to right, so `+@all -@dangerous +info` allows INFO again.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum

from elasticache_facts.access import CREDENTIAL_RULES
from elasticache_facts.commands import COMMANDS, CONTAINERS

NEEDED: dict[str, frozenset[str]] = {
    "PING": frozenset({"fast", "connection"}),
    "CLIENT|SETNAME": frozenset({"slow", "connection"}),
    "INFO": frozenset({"slow", "dangerous"}),
    "ROLE": frozenset({"admin", "fast", "dangerous"}),
}
"""What clients and health checks send on connect, with each command's ACL categories (Valkey / Redis OSS 7
command reference, "ACL categories"): liveness (PING), connection names (CLIENT SETNAME), health checks and client
libraries reading server state (INFO, ROLE). Not HELLO or AUTH, which clients send first too: both carry the
`no_auth` flag (`COMMAND INFO hello`), and the engines check no ACL rule for such a command, so `-hello` still lets
HELLO run (tests/engine, Valkey 9.1 and Redis OSS 7.0)."""
CLUSTER_CLIENT: dict[str, frozenset[str]] = {
    "CLUSTER|SLOTS": frozenset({"slow"}),
    "COMMAND": frozenset({"slow", "connection"}),
    "READONLY": frozenset({"fast", "connection"}),
}
"""What the cluster client of a sharded or serverless cache (cacheclient.connect: redis-py's `RedisCluster`) sends
before its first command, each of which it cannot start without (tests/engine, Valkey 9.1 and Redis OSS 7.0):
`CLUSTER SLOTS`, its slot discovery (allowing `CLUSTER SHARDS` or `NODES` instead is not enough), `COMMAND`, the
command table it finds each command's keys by, and `READONLY`, which a reader (`read_only=True`) sends on every
connection to read from replicas."""

_CATEGORIES = frozenset(
    {
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
        "all",
    }
)
_COMMAND = re.compile(r"^[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?$")
_FORBIDDEN = {"reset": "AWS refuses reset in an access string", "nopass": "AWS sets credentials, not the string"}
_SYNTAX = "allowed: ACL rules as ACL SETUSER takes them"


class Channels(str, Enum):
    """How an access string's pub/sub channel rules relate to the channels a user starts from (`acl-pubsub-default`)."""

    NONE = "none"
    """No channel rule: the user has the channels of `acl-pubsub-default` as it was when the user was set."""
    SET = "set"
    """The first channel rule (`&*`, `allchannels`, `resetchannels`) sets them outright: the default is replaced."""
    ADDED = "added"
    """The first channel rule adds a pattern (`&app:*`) to the channels the user starts from."""


_ALL_CHANNELS = ("&*", "allchannels")
_PATTERN_AFTER_ALL = (
    "ACL SETUSER refuses a channel pattern added to all channels ('Adding a pattern after the * pattern (or the "
    "'allchannels' flag) is not valid')"
)


def pattern_after_all_channels(channel_rules: tuple[str, ...], start_all: bool) -> str | None:
    """The first channel pattern the engines refuse because the user has all channels at that point (after `&*` or
    `allchannels`, or from the start when `acl-pubsub-default` is `allchannels`), or None (tests/engine)."""
    every = start_all
    for rule in channel_rules:
        if rule in _ALL_CHANNELS:
            every = True
        elif rule == "resetchannels":
            every = False
        elif every:
            return rule
    return None


@dataclass(frozen=True)
class AccessString:
    enabled: bool
    rules: tuple[str, ...]
    """Command rules in order (`+@all`, `-@dangerous`, `+info`)."""
    has_keys: bool
    channel_rules: tuple[str, ...] = ()
    """`&pattern`, `allchannels` and `resetchannels` in order (`&*` stays as written)."""

    @property
    def channels(self) -> Channels:
        if not self.channel_rules:
            return Channels.NONE
        first = self.channel_rules[0]
        return Channels.SET if first in (*_ALL_CHANNELS, "resetchannels") else Channels.ADDED


def parse(text: str) -> tuple[AccessString | None, list[str]]:
    """The parsed string, or None and, per token ElastiCache would refuse, what is wrong and what is allowed."""
    errors: list[str] = []
    enabled = False
    rules: list[str] = []
    has_keys = False
    channel_rules: list[str] = []
    for token in text.split():
        low = token.lower()
        if low in ("on", "off"):
            enabled = low == "on"
        elif low in _FORBIDDEN:
            errors.append(f"{token!r}: {_FORBIDDEN[low]}; {_SYNTAX}")
        elif token.startswith(CREDENTIAL_RULES):
            errors.append(f"{token[0]!r}...: passwords cannot be in an access string (AWS sets them); {_SYNTAX}")
        elif low in ("allkeys",) or token.startswith(("~", "%R~", "%W~", "%RW~")):
            has_keys = True
        elif low in ("allchannels", "resetchannels") or token.startswith("&"):
            channel_rules.append(token if token.startswith("&") else low)
        elif low == "resetkeys":
            continue
        elif low in ("allcommands", "nocommands"):
            rules.append("+@all" if low == "allcommands" else "-@all")
        elif token[0] in "+-" and token[1:2] == "@":
            if token[2:].lower() not in _CATEGORIES:
                errors.append(f"{token!r}: no ACL category {token[2:]!r}; {_SYNTAX}")
            rules.append(token[0] + "@" + token[2:].lower())
        elif token[0] in "+-" and _COMMAND.match(low[1:]):
            if (why := _unknown_command(token[0], low[1:])) is not None:
                errors.append(f"{token!r}: {why}")
            rules.append(token[0] + token[1:].upper())
        else:
            errors.append(
                f"{token!r}: not an ACL rule (on/off, ~keys, &channels, +command, -command, +@category); {_SYNTAX}"
            )
    # Refused whatever the user starts from: a pattern after `&*` or `allchannels` in the string itself.
    if (rule := pattern_after_all_channels(tuple(channel_rules), start_all=False)) is not None:
        errors.append(
            f"{rule!r} after all channels (&* or allchannels): {_PATTERN_AFTER_ALL}; allowed: &* alone for every "
            "channel, or resetchannels then the patterns (resetchannels &app:*)"
        )
    if errors:
        return None, errors
    return AccessString(enabled, tuple(rules), has_keys, tuple(channel_rules)), []


def _unknown_command(sign: str, name: str) -> str | None:
    """Why `ACL SETUSER` refuses the rule `<sign><name>` ("Unknown command or category name in ACL"), or None.

    `cmd|sub` names a subcommand of a command that has them (`client|kill`); of any other command it names a first
    argument (`select|0`), which a rule may allow but never deny.
    """
    base, _, sub = name.partition("|")
    if base not in COMMANDS:
        return (
            f"no command {base!r} in the Valkey and Redis OSS versions ElastiCache runs, so ACL SETUSER refuses the "
            "rule; allowed: a command they have"
            + _closest(sign, base, sorted(command for command in COMMANDS if "|" not in command))
        )
    if sub and base in CONTAINERS and name not in COMMANDS:
        return (
            f"{base.upper()} has no subcommand {sub!r}, so ACL SETUSER refuses the rule; allowed: one of its "
            f"subcommands ({base.upper()} HELP lists them)"
            + _closest(sign, name, sorted(command for command in COMMANDS if command.startswith(f"{base}|")))
        )
    if sub and base not in CONTAINERS and sign == "-":
        return (
            f"{base.upper()} has no subcommands, so {name} names its first argument, which a rule can allow but not "
            f"deny (ACL SETUSER refuses it); allowed: +{name}, or -{base} for the whole command"
        )
    return None


def _closest(sign: str, name: str, names: list[str]) -> str:
    """`; did you mean '+info'?` for the closest name, else the fix that is left."""
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"; did you mean {sign + close[0]!r}?" if close else ": remove the rule"


def allows(access: AccessString, command: str, categories: frozenset[str]) -> bool:
    """Whether the rules leave `command` (`INFO`, `CLIENT|SETNAME`) allowed."""
    allowed = False
    base = command.split("|")[0]
    for rule in access.rules:
        sign, target = rule[0] == "+", rule[1:]
        if target.startswith("@"):
            if target[1:] == "all" or target[1:] in categories:
                allowed = sign
        elif target in (command, base):
            allowed = sign
    return allowed


def denied_needs(access: AccessString, cluster_client: bool) -> list[str]:
    """Commands clients and health checks need that the string denies (`CLIENT|SETNAME`, `CLUSTER|SLOTS` ...),
    with the cluster client's when the cache takes one: sharded and serverless caches."""
    needed = {**NEEDED, **(CLUSTER_CLIENT if cluster_client else {})}
    return [command for command, cats in needed.items() if not allows(access, command, cats)]
