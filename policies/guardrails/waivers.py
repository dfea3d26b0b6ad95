"""Waivers: one policy, one resource, a reason and optionally an expiry, in the environment's policy config.

```json
"elasticache-data-protection": {
  "waivers": [{"resource": "prompts-serverless", "reason": "rebuilt from source on deploy", "expires": "2027-03-31"}]
}
```

`resource` is the resource's Pulumi name, its URN, or the stack config key its program tags it with
(`caches.prompts`: every resource of that cache). A waived finding is never silent: instead of the violation
the policy reports one advisory line, `waived for <resource> until <date>: <reason>; the finding: <message>`
(the Pulumi CLI prints it among the advisory results). An expired waiver waives nothing, and the finding says
that it expired. Waivers live in the policy config, next to the rest of the gate, so that whoever reviews the
gate reviews every exception to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

SCHEMA: dict[str, Any] = {
    "type": "array",
    "default": [],
    "description": (
        "Per-resource exceptions to this policy: `resource` (Pulumi name, URN, or the `stackConfigKey` tag "
        "value), `reason`, optional `expires` (YYYY-MM-DD, UTC). Reported as waived, never silently."
    ),
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        },
        "required": ["resource", "reason"],
        "additionalProperties": False,
    },
}
KEY = "waivers"


@dataclass(frozen=True)
class Waiver:
    resource: str
    reason: str
    expires: datetime.date | None

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        until = f" until {self.expires.isoformat()}" if self.expires else ""
        return f"waived for {self.resource}{until}: {self.reason}"


def _parse(entry: Any) -> Waiver | None:
    if not isinstance(entry, Mapping):
        return None
    resource, reason, expires = entry.get("resource"), entry.get("reason"), entry.get("expires")
    if not isinstance(resource, str) or not isinstance(reason, str):
        return None
    try:
        day = datetime.date.fromisoformat(expires) if isinstance(expires, str) else None
    except ValueError:
        day = None
    return Waiver(resource.strip(), reason.strip(), day)


def find(config: Mapping[str, Any] | None, names: Iterable[str | None]) -> Waiver | None:
    """The waiver in a policy's config for a resource known by any of `names` (name, URN, config key)."""
    wanted = {name for name in names if name}
    for entry in (config or {}).get(KEY) or []:
        waiver = _parse(entry)
        if waiver is not None and waiver.resource in wanted:
            return waiver
    return None


def today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


class Waived(UnknownValueError):
    """Raised at the end of a policy whose findings were all waived: the policy SDK reports an advisory line.

    The SDK turns an `UnknownValueError` into an ADVISORY diagnostic with this exception's `message`, whatever
    the policy's enforcement level (the same route `props.NotKnownAtPreview` takes); it is the only way a
    Python policy has to show a finding without blocking.
    """

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, ["waived"])
        self.message = message
