"""What can go wrong with a policy pack, by kind: callers tell them apart by class, never by message."""

from __future__ import annotations


class PolicyPackError(Exception):
    """Anything that went wrong with the pack; the message ends with the pack's stderr tail where there is one."""


class PackStartError(PolicyPackError):
    """The pack could not be started: no `__main__.py`, no interpreter, a crash or no port in time."""


class PackClosedError(PolicyPackError):
    """The `PolicyPack` was closed: start a new one."""


class PackConfigError(PolicyPackError):
    """The `--policy-pack-config` document does not fit the pack (unknown policy, setting or level; schema)."""

    def __init__(self, message: str, problems: tuple[tuple[str, str | None, str], ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems
        """(policy, setting or None, what is wrong) per problem, so that each can be shown at its own key."""


class PackCallError(PolicyPackError):
    """An RPC failed (the pack crashed, timed out or refused it) or was cancelled because the pack stopped."""
