"""What is wrong with a stack config: one `Problem` per mistake, all raised together as one `ConfigError`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pulumi


class _Missing:
    def __repr__(self) -> str:
        return "missing"


MISSING: Any = _Missing()
"""The value of a problem whose key is not set at all."""


def as_written(value: Any) -> Any:
    """A closed-set value as its author wrote it: the Enum member's value (a hand-built args may hold either)."""
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True)
class Problem:
    path: str
    """The config key path as written in the stack file (`caches.sessions.auth.users[0]`)."""
    value: Any
    message: str
    secret: bool = False

    def __str__(self) -> str:
        if self.value is MISSING:
            shown = "missing"
        elif self.secret:
            shown = "[secret]"
        elif isinstance(self.value, bool):
            # As the stack file spells it: `shards = true`, not Python's `True`.
            shown = "true" if self.value else "false"
        else:
            shown = repr(self.value)
        return f"{self.path} = {shown}: {self.message}"


class ConfigError(pulumi.RunError):
    """Raised before any resource is registered; Pulumi prints it without a traceback."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"Invalid stack config ({count} problem{'s' if count != 1 else ''}):\n{lines}")


@dataclass
class Problems:
    """Collects every problem of one load.

    Keys whose value the schema refused are `settled`: the rules then judge the rest of the config with the
    key's default, and say nothing more about the key itself or anything under it (its one problem is enough).
    """

    found: list[Problem] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)
    warnings: list[Problem] = field(default_factory=list)
    """Allowed, but probably not meant: shown, never fatal."""

    def add(self, path: str, value: Any, message: str, *, secret: bool = False) -> None:
        if any(path == key or path.startswith((f"{key}.", f"{key}[")) for key in self.settled):
            return
        # A stack-wide key every cache inherits (observability.logRetentionDays) is judged once per cache: its
        # problem is still one problem.
        problem = Problem(path, value, message, secret)
        if problem not in self.found:
            self.found.append(problem)

    def warn(self, path: str, value: Any, message: str) -> None:
        self.warnings.append(Problem(path, value, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.found.extend(problems)

    def settle(self, path: str) -> None:
        self.settled.add(path)

    def settled_under(self, path: str) -> bool:
        """Whether a key inside `path` was refused by the schema (and taken out of the block)."""
        return any(key.startswith((f"{path}.", f"{path}[")) for key in self.settled)

    def count(self) -> int:
        return len(self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError(self.found)
