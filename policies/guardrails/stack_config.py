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

Read once: pulumi-policy's servicer calls `_configure_runtime_settings()` at the start of every `Analyze`,
`AnalyzeStack` and `Remediate` (pulumi_policy/policy.py, 1.21.0), which `json.loads` the whole of
`PULUMI_CONFIG` through `pulumi.runtime.get_config_env()` (pulumi/runtime/config.py) and `set_config`s every key
again: a cost per resource that grows with the stack's config (seconds for a few hundred caches). The variable
never changes for the pack's process, so `load_once()` (the pack's entry point calls it) does that work once
with the same two public functions, keeps the parsed config for `lookup`, and removes the variable, leaving
each call nothing to parse. `pulumi.Config(...)` in a policy reads what was set here (`get_config` looks at set
values first). `tests/policies/test_stack_config_once.py` fails when the SDK stops reading config this way.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
from typing import Any

import pulumi.runtime

from guardrails.props import MISSING

ENVIRONMENT = "PULUMI_CONFIG"
_loaded: dict[str, Any] = {}
"""The config `load_once()` took from the environment."""


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
    document = os.environ.get(ENVIRONMENT)
    config = _parsed(document) if document is not None else _loaded
    if key not in config:
        return MISSING
    node = _decoded(config[key])
    for segment in path.split(".") if path else []:
        if not isinstance(node, dict) or segment not in node:
            return MISSING
        node = node[segment]
    return MISSING if node is None else node


def load_once() -> None:
    """Take the stack config from the environment for the whole process, and leave the SDK nothing to re-read."""
    document = os.environ.pop(ENVIRONMENT, None)
    if document is None:
        return
    _loaded.clear()
    _loaded.update(_parsed(document))
    values = dict(_loaded)

    def set_all() -> None:
        for key, value in values.items():
            pulumi.runtime.set_config(key, value)

    set_all()
    # The SDK's config is a context variable: `set_config` writes into this context's dict. Threads that never
    # set their own (the gRPC server's workers) read the variable's default dict, which an empty context reaches.
    contextvars.Context().run(set_all)
