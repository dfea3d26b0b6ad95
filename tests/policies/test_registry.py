"""The registry is the one list of the pack's policies, and the README's policy table is rendered from it."""

from __future__ import annotations

import importlib
from pathlib import Path

from guardrails import registry

GUARDRAILS = Path(registry.__file__).resolve().parent


def test_every_rule_module_is_registered() -> None:
    with_policies = {
        path.stem
        for path in GUARDRAILS.glob("*.py")
        if hasattr(importlib.import_module(f"guardrails.{path.stem}"), "POLICIES") and path.stem != "registry"
    }
    assert {module.__name__.removeprefix("guardrails.") for module in registry.MODULES} == with_policies


def test_every_policy_once_with_what_it_checks() -> None:
    names = [policy.name for policy in registry.POLICIES]
    assert len(names) == len(set(names)) == 22
    for module in registry.MODULES:
        assert sorted(module.CHECKS) == sorted(policy.name for policy in module.POLICIES), module.__name__
    assert set(registry.RESOURCE_POLICIES) | set(registry.STACK_POLICIES) == set(registry.POLICIES)
    assert {"elasticache-log-delivery", "elasticache-data-protection"} <= {p.name for p in registry.RESOURCE_POLICIES}


def test_the_readme_table_is_the_rendered_one() -> None:
    text = registry.README.read_text()
    assert registry.readme_with_table(text) == text, "run `venv/bin/python -m guardrails.registry --write` in policies/"
    for policy in registry.POLICIES:
        assert f"| `{policy.name}` (" in text
