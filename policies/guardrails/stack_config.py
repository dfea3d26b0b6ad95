"""The stack's own config, as the Pulumi CLI hands it to a policy pack: where a policy finds a program's facts.

The CLI's Python language host starts a pack with the stack's decrypted config in the `PULUMI_CONFIG`
environment variable, a JSON object of `"<namespace>:<key>"` -> string, structured values JSON-encoded
(pulumi/pulumi `sdk/python/cmd/pulumi-language-python/main.go` `RunPlugin`, from the `ConfigureStack` call;
`pkg/resource/plugin/analyzer_plugin.go` fills it from the stack's config). pulumi-policy itself reads the same
variable (`PolicyPack._configure_runtime_settings`). So a policy's config can name a key in the stack config
instead of holding a second copy of its value.

A reference is `<namespace>:<key>` optionally followed by a path into a structured value:
`elasticache:network.appAvailabilityZones` is the `appAvailabilityZones` entry of the `elasticache:network`
object.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from guardrails.props import MISSING

ENVIRONMENT = "PULUMI_CONFIG"


@functools.lru_cache(maxsize=8)
def _parsed(document: str) -> dict[str, Any]:
    try:
        config = json.loads(document)
    except json.JSONDecodeError:
        return {}
    return config if isinstance(config, dict) else {}


def _decoded(value: Any) -> Any:
    """A structured value arrives as a JSON string; a plain string stays as it is."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def lookup(reference: str) -> Any:
    """The value `reference` names in the stack's config, or MISSING (no config handed over, or no such key)."""
    key, _, path = reference.strip().partition(".")
    if ":" not in key:
        return MISSING
    config = _parsed(os.environ.get(ENVIRONMENT, ""))
    if key not in config:
        return MISSING
    node = _decoded(config[key])
    for segment in path.split(".") if path else []:
        if not isinstance(node, dict) or segment not in node:
            return MISSING
        node = node[segment]
    return MISSING if node is None else node
