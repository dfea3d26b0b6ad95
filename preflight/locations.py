"""Where the key to change lives: a file and a line in `Pulumi.<stack>.yaml` or the policy config.

A config problem names its key (`caches.sessions.backup.retentionDays`); a policy result names a resource,
which this program builds from one cache's config, so `FIXED_BY` says which config key governs what each
policy judges. A key the file does not spell out (a default applies) points at its nearest written ancestor
(`caches.sessions`), where it would be added. Lines come from the YAML parser's own marks (`yaml.compose`);
the policy config is JSON, which YAML reads too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

CACHE = "{cache}"

FIXED_BY: dict[str, tuple[str, ...]] = {
    # policy -> stack config keys, most specific first; {cache} is the cache the resource belongs to. Every
    # policy of the pack has an entry here or in POLICY_SETTING, and every key a finding's fix names
    # (policies/guardrails/program_terms.py) is one of its keys or under one (tests/policies/test_program_terms.py).
    "elasticache-authentication": ("caches.{cache}.auth.mode", "caches.{cache}.auth"),
    "elasticache-user-group-passwordless": ("caches.{cache}.auth.mode", "caches.{cache}.auth"),
    "elasticache-user-full-access": ("caches.{cache}.auth.accessString", "caches.{cache}.auth"),
    "elasticache-multi-az-failover": ("caches.{cache}.replicas", "network.appAvailabilityZones"),
    "elasticache-backup-retention": ("caches.{cache}.backup.retentionDays", "caches.{cache}.backup"),
    "elasticache-encryption-in-transit": ("caches.{cache}.transitEncryptionMode",),
    "elasticache-transit-encryption-mode": ("caches.{cache}.transitEncryptionMode",),
    "elasticache-encryption-at-rest": ("caches.{cache}.kmsKey", "encryption.kmsKey"),
    "elasticache-auto-minor-version-upgrade": ("caches.{cache}.engineVersion",),
    "elasticache-engine-version": ("caches.{cache}.engineVersion", "caches.{cache}.majorEngineVersion"),
    "elasticache-security-group-ingress": ("network.appSecurityGroupIds",),
    "elasticache-subnet-group": ("network.subnetIds",),
    "elasticache-node-type": ("caches.{cache}.nodeType",),
    "elasticache-log-delivery": ("caches.{cache}.observability.logRetentionDays", "observability.logRetentionDays"),
    "elasticache-alarms": ("caches.{cache}.observability.alarms", "observability.alarms"),
    "elasticache-data-protection": ("caches.{cache}.protect",),
    "elasticache-custom-parameter-group": ("caches.{cache}.parameters",),
    "elasticache-eviction-policy": ("caches.{cache}.evictionPolicy", "caches.{cache}.workload"),
    "elasticache-same-az-placement": (
        "network.appAvailabilityZones",
        "network.subnetIds",
        "caches.{cache}.replicas",
    ),
    "elasticache-serverless-usage-limits": ("caches.{cache}.limits",),
    "elasticache-required-tags": ("caches.{cache}.tags", "tags"),
}
"""A policy whose result concerns the whole stack (the budget) is fixed in the policy config, or by the caches."""

POLICY_SETTING = {"elasticache-monthly-budget": "monthlyBudgetUsd"}
"""The policy config setting a stack-wide result points at."""

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Location:
    path: Path
    line: int
    """1-based."""
    key: str
    """The key the line holds: the one asked for, or the nearest ancestor the file spells out."""
    exact: bool


def parts(key: str) -> list[str | int]:
    """`caches.sessions.backup.retentionDays` / `network.subnetIds[1]` -> path elements."""
    return [int(index) if index else name for name, index in _PART.findall(key)]


def locate(path: Path, elements: Sequence[str | int]) -> tuple[int, int] | None:
    """(1-based line, how many elements were found) of the deepest node along `elements` in a YAML or JSON
    file; None when the file cannot be read or parsed."""
    try:
        node = yaml.compose(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    if node is None:
        return None
    line, found = node.start_mark.line + 1, 0
    for element in elements:
        child = _child(node, element)
        if child is None:
            break
        key_node, node = child
        line, found = key_node.start_mark.line + 1, found + 1
    return line, found


def _child(node: yaml.Node, element: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(element, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == element:
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(element, int) and element < len(node.value):
        item = node.value[element]
        return item, item
    return None


def stack_key(stack_file: Path, project: str, key: str) -> Location | None:
    """Where project config key `key` (as the program names it: `caches.x.port`) is set in the stack file."""
    elements = parts(key)
    if not elements or not isinstance(elements[0], str):
        return None
    top = elements[0] if ":" in elements[0] else f"{project}:{elements[0]}"
    wanted: list[str | int] = ["config", top, *elements[1:]]
    found = locate(stack_file, wanted)
    if found is None:
        return None
    line, depth = found
    if depth < 2:
        return Location(stack_file, line, "config" if depth else "", exact=False)
    shown = [str(elements[0]), *(str(e) for e in elements[1 : depth - 1])]
    return Location(stack_file, line, ".".join(shown), exact=depth == len(wanted))


def first_written(stack_file: Path, project: str, keys: Sequence[str]) -> Location | None:
    """The first of `keys` the stack file spells out; else the deepest ancestor of the first key."""
    fallback = None
    for key in keys:
        location = stack_key(stack_file, project, key)
        if location is None:
            continue
        if location.exact:
            return location
        fallback = fallback or location
    return fallback


def policy_key(policy_config: Path, policy: str, setting: str | None = None) -> Location | None:
    """Where a policy (and one of its settings) is configured in the policy config file."""
    elements: list[str | int] = [policy] + ([setting] if setting else [])
    found = locate(policy_config, elements)
    if found is None:
        return None
    line, depth = found
    if depth == 0:
        return None
    return Location(policy_config, line, ".".join(str(e) for e in elements[:depth]), exact=depth == len(elements))


def for_policy(
    policy: str, cache: str | None, stack_file: Path, project: str, policy_config: Path | None
) -> Location | None:
    """Where the key that would fix `policy`'s result on (a resource of) `cache` lives."""
    keys = FIXED_BY.get(policy, ())
    if cache is not None:
        candidates = [key.replace(CACHE, cache) for key in keys] + [f"caches.{cache}"]
        found = first_written(stack_file, project, candidates)
        if found is not None:
            return found
    if policy_config is not None:
        found = policy_key(policy_config, policy, POLICY_SETTING.get(policy))
        if found is not None:
            return found
    stack_wide = [key for key in keys if CACHE not in key]
    return first_written(stack_file, project, stack_wide or ["caches"])


def relative(path: Path, root: Path) -> str:
    """`path` relative to the repository root, as annotations and code scanning resolve file names."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
