"""Every policy of the pack, once: the pack serves this list, the tests and the benchmark read it, and the
README's policy table is rendered from it (`venv/bin/python -m guardrails.registry --write` from `policies/`).

A new policy: define it in the module of its concern, list it in that module's `POLICIES` and say what it
checks in its `CHECKS`; a new module: add it to `MODULES` here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from guardrails import (
    access,
    availability,
    backups,
    cost,
    encryption,
    maintenance,
    network,
    nodes,
    operations,
    parameters,
    placement,
    serverless,
    tags,
)
from guardrails.reporting import guarded
from guardrails.waivers import KEY as WAIVERS

Policy = ResourceValidationPolicy | StackValidationPolicy

MODULES: tuple[ModuleType, ...] = (
    encryption,
    availability,
    placement,
    access,
    network,
    backups,
    maintenance,
    parameters,
    nodes,
    serverless,
    tags,
    operations,
    cost,
)
"""In the order the README's table lists them, by concern."""

POLICIES: tuple[Policy, ...] = tuple(guarded(policy) for module in MODULES for policy in module.POLICIES)
"""Every policy guarded (`reporting.guarded`): findings in the program's terms, per-resource waivers."""
RESOURCE_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, ResourceValidationPolicy))
STACK_POLICIES = tuple(policy for policy in POLICIES if isinstance(policy, StackValidationPolicy))

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_START = "<!-- policy table: rendered from guardrails/registry.py, do not edit -->"
TABLE_END = "<!-- end of policy table -->"


def checks(policy: Policy) -> str:
    """What the policy checks, from its module's `CHECKS`."""
    for module in MODULES:
        if policy in module.POLICIES:
            return module.CHECKS[policy.name]
    raise KeyError(policy.name)


def _heading(policy: Policy) -> str:
    kinds = [policy.severity.value if policy.severity else "no severity"]
    if isinstance(policy, StackValidationPolicy):
        kinds.append("stack")
    if policy.enforcement_level is EnforcementLevel.ADVISORY:
        kinds.append("**advisory**")
    return f"`{policy.name}` ({', '.join(kinds)})"


def _config(policy: Policy) -> str:
    schema = policy.config_schema
    if schema is None or not schema.properties:
        return "—"
    return (
        ", ".join(
            f"`{key}` ({json.dumps(spec['default'])})" if "default" in spec else f"`{key}`"
            for key, spec in schema.properties.items()
            if key != WAIVERS  # every policy takes waivers; the README says so once
        )
        or "—"
    )


def markdown_table() -> str:
    rows = ["| policy | checks | config (default) |", "|---|---|---|"]
    rows += [f"| {_heading(policy)} | {checks(policy)} | {_config(policy)} |" for policy in POLICIES]
    return "\n".join([TABLE_START, *rows, TABLE_END])


def readme_with_table(text: str) -> str:
    """The README with its policy table replaced by the rendered one."""
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + markdown_table() + text[end:]


if __name__ == "__main__":
    current = README.read_text()
    if sys.argv[1:] == ["--write"]:
        README.write_text(readme_with_table(current))
    elif readme_with_table(current) != current:
        sys.exit(
            f"{README} has a stale policy table: run `venv/bin/python -m guardrails.registry --write` in policies/"
        )
