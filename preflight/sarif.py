"""SARIF 2.1.0 for code scanning: one run, every stack's findings, at the file and line of the key to change.

Shape per the OASIS SARIF 2.1.0 schema (`sarif-schema-2.1.0.json`; the tests validate every document against
it) and GitHub's code scanning SARIF support (rules in `tool.driver.rules`, `ruleIndex`, a
`physicalLocation` with a repository-relative `artifactLocation.uri`, `automationDetails.id` as the category).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from preflight.findings import RULES, Finding
from preflight.locations import Location, relative

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "elasticache-preflight"


def document(found: Sequence[Finding], root: Path, *, pack: tuple[str, str] | None = None) -> dict[str, Any]:
    """`pack`: the policy pack's (name, version), named as the tool's extension."""
    rules: dict[str, dict[str, Any]] = {}
    for finding in found:
        if finding.rule not in rules:
            text = RULES.get(finding.rule) or finding.description or finding.rule
            rules[finding.rule] = {
                "id": finding.rule,
                "name": finding.rule,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": finding.level},
            }
    index = {rule: position for position, rule in enumerate(rules)}
    driver: dict[str, Any] = {"name": TOOL, "rules": list(rules.values())}
    if pack is not None:
        driver["properties"] = {"policyPack": pack[0], "policyPackVersion": pack[1]}
    results = [_result(finding, index[finding.rule], root) for finding in found]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "automationDetails": {"id": f"{TOOL}/"}, "results": results}],
    }


def _result(finding: Finding, rule_index: int, root: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.level,
        "message": {"text": f"[{finding.stack}] {finding.message}"},
        "properties": {"stack": finding.stack},
    }
    # Code scanning rejects the whole upload over one result without a location: the project file stands in.
    location = finding.location or Location(root / "Pulumi.yaml", 1, "", exact=False)
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": relative(location.path, root)},
                "region": {"startLine": location.line},
            },
            "message": {"text": f"key: {location.key or 'file'}"},
        }
    ]
    return result


def render(found: Sequence[Finding], root: Path, *, pack: tuple[str, str] | None = None) -> str:
    return json.dumps(document(found, root, pack=pack), indent=2) + "\n"
