"""Valkey / Redis OSS ACL access strings: parsed as ACL SETUSER rules, and judged for what clients need.

ElastiCache RBAC takes an access string per user (AWS "Role-Based Access Control (RBAC)", Clusters.RBAC.html):
the ACL rules of `ACL SETUSER`, except that passwords and `reset` may not appear in it, and a user with neither
`on` nor `off` is off. Rules apply left to right, so `+@all -@dangerous +info` allows INFO again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEEDED: dict[str, frozenset[str]] = {
    "PING": frozenset({"fast", "connection"}),
    "HELLO": frozenset({"fast", "connection"}),
    "CLIENT|SETNAME": frozenset({"slow", "connection"}),
    "INFO": frozenset({"slow", "dangerous"}),
    "ROLE": frozenset({"admin", "fast", "dangerous"}),
}
"""What clients and health checks send on connect, with each command's ACL categories (Valkey / Redis OSS 7
command reference, "ACL categories"): liveness (PING), the protocol handshake (HELLO), connection names (CLIENT
SETNAME), health checks and client libraries reading server state (INFO, ROLE)."""
CLUSTER_DISCOVERY: dict[str, frozenset[str]] = {
    "CLUSTER|SLOTS": frozenset({"slow"}),
    "CLUSTER|SHARDS": frozenset({"slow"}),
    "CLUSTER|NODES": frozenset({"slow"}),
}
"""How cluster-aware clients find a sharded cache's slots (any one of them is enough)."""

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


@dataclass(frozen=True)
class AccessString:
    enabled: bool
    rules: tuple[str, ...]
    """Command rules in order (`+@all`, `-@dangerous`, `+info`)."""
    has_keys: bool


def parse(text: str) -> tuple[AccessString | None, list[str]]:
    """The parsed string, or None and one sentence per token that is not ACL syntax ElastiCache accepts."""
    errors: list[str] = []
    enabled = False
    rules: list[str] = []
    has_keys = False
    for token in text.split():
        low = token.lower()
        if low in ("on", "off"):
            enabled = low == "on"
        elif low in _FORBIDDEN:
            errors.append(f"{token!r}: {_FORBIDDEN[low]}")
        elif token[0] in "><#!":
            errors.append(f"{token[0]!r}...: passwords cannot be in an access string (AWS sets them)")
        elif low in ("allkeys",) or token.startswith(("~", "%R~", "%W~", "%RW~")):
            has_keys = True
        elif low in ("resetkeys", "allchannels", "resetchannels") or token.startswith("&"):
            continue
        elif low in ("allcommands", "nocommands"):
            rules.append("+@all" if low == "allcommands" else "-@all")
        elif token[0] in "+-" and token[1:2] == "@":
            if token[2:].lower() not in _CATEGORIES:
                errors.append(f"{token!r}: no ACL category {token[2:]!r}")
            rules.append(token[0] + "@" + token[2:].lower())
        elif token[0] in "+-" and _COMMAND.match(token[1:].lower()):
            rules.append(token[0] + token[1:].upper())
        else:
            errors.append(f"{token!r}: not an ACL rule (on/off, ~keys, &channels, +command, -command, +@category)")
    if errors:
        return None, errors
    return AccessString(enabled, tuple(rules), has_keys), []


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


def denied_needs(access: AccessString, sharded: bool) -> list[str]:
    """Commands clients and health checks need that the string denies (cluster discovery when sharded)."""
    denied = [command.replace("|", " ") for command, cats in NEEDED.items() if not allows(access, command, cats)]
    if sharded and not any(allows(access, command, cats) for command, cats in CLUSTER_DISCOVERY.items()):
        denied.append("CLUSTER SLOTS / SHARDS / NODES (cluster discovery)")
    return denied
