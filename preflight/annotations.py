"""GitHub Actions annotations: one workflow command per finding, at the file and line of the key to change.

Format and escaping as the runner parses them (`::error file=F,line=N,title=T::message`; data escapes `%`,
CR and LF, properties also `:` and `,`): GitHub's "Workflow commands for GitHub Actions" documentation, and
actions/toolkit `packages/core/src/command.ts` (`escapeData`, `escapeProperty`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from preflight.findings import Finding
from preflight.locations import relative


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, root: Path) -> str:
    properties = []
    if finding.location is not None:
        properties.append(f"file={escape_property(relative(finding.location.path, root))}")
        properties.append(f"line={finding.location.line}")
    properties.append(f"title={escape_property(f'preflight {finding.stack}: {finding.title}')}")
    level = "notice" if finding.level == "note" else finding.level
    return f"::{level} {','.join(properties)}::{escape_data(finding.message)}"


def render(found: Iterable[Finding], root: Path) -> str:
    return "".join(command(finding, root) + "\n" for finding in found)
