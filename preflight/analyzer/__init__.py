"""Drive a Python policy pack over its real Analyzer gRPC interface, the way `pulumi preview` does.

What the Pulumi CLI (3.27x, pulumi/pulumi `pkg/resource/plugin/analyzer_plugin.go` and the Python language
host's `RunPlugin`) does with `--policy-pack <dir> --policy-pack-config <file>`, reproduced here:

- start `python -u -m pulumi.policy <engine address> <pack dir>`, `python` being the interpreter the pack's
  `PulumiPolicy.yaml` names (`preflight/interpreter.py`), with the pack directory as working directory
  (the module runs the pack's `__main__.py`, i.e. `python __main__.py` with the pack on `sys.path`), with
  `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_DRY_RUN`, `PULUMI_ORGANIZATION` and `PULUMI_CONFIG` set;
- read the port the pack prints on stdout, connect, and send `ConfigureStack` (project, stack, tags...);
- `GetAnalyzerInfo`, then `Configure` with the config file reconciled against the policies' schemas
  (`pkg/resource/analyzer/config.go`: schema defaults, then `all`, then per-policy settings, then JSON-schema
  validation);
- `Analyze` each resource with its inputs, `AnalyzeStack` with every resource at the end.

Property values are marshalled as the engine does (`MarshalProperties` with `KeepUnknowns`, `KeepSecrets`,
`SkipInternalKeys`): secrets keep their wire form `{sig: secret, value}`, output values become their value (or
an unknown), resource references become their id (or URN), and top-level `__` keys are dropped.

`AnalyzeStack` receives what the engine holds for each resource at that point. In a preview (`dry_run=True`,
what `pulumi preview` runs) that is the planned state: the inputs, with every output-only property unknown.
After an update (`dry_run=False`) it is the state after apply: the outputs, plus the `id` the provider
assigned (bridged providers keep it among the outputs).

The pack is a separate process: `PolicyPack` always stops it (terminate, then kill), also on exceptions and
KeyboardInterrupt, and as a last resort when the object is collected or the interpreter exits.

- `client`    `PolicyPack` (life cycle and RPCs), `PendingAnalysis` and `RelayedAnalysis`
- `relay`     the process `RelayedAnalysis` sends `Analyze` calls from, off the caller's interpreter lock
- `process`   the pack's process: launch, port, stderr, the one kill path
- `requests`  what the engine sends: marshalled properties, `Analyze`/`AnalyzeStack` requests
- `answers`   what the pack says: `AnalyzerInfo`, `Diagnostic`, `AnalysisResult`
- `config`    `--policy-pack-config` reconciled and validated once, the `Configure` request
- `schema`    the JSON Schema subset policy config schemas use
- `errors`    `PolicyPackError` and its kinds

The names below load their module on first use (PEP 562): `process` needs neither gRPC nor the Pulumi SDK, so
the preflight launches the pack before it imports them (`preflight.run`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from preflight.analyzer.answers import (
        ENFORCEMENT_LEVELS,
        AnalysisResult,
        AnalyzerInfo,
        Diagnostic,
        NotApplicable,
        PolicyInfo,
        analyzer_info,
    )
    from preflight.analyzer.client import PendingAnalysis, PolicyPack, RelayedAnalysis
    from preflight.analyzer.config import configure_request, reconcile_config
    from preflight.analyzer.errors import (
        PackCallError,
        PackClosedError,
        PackConfigError,
        PackStartError,
        PolicyPackError,
    )
    from preflight.analyzer.requests import analyze_request, analyze_stack_request, engine_properties

_HOMES = {
    "answers": (
        "ENFORCEMENT_LEVELS",
        "AnalysisResult",
        "AnalyzerInfo",
        "Diagnostic",
        "NotApplicable",
        "PolicyInfo",
        "analyzer_info",
    ),
    "client": ("PendingAnalysis", "PolicyPack", "RelayedAnalysis"),
    "config": ("configure_request", "reconcile_config"),
    "errors": ("PackCallError", "PackClosedError", "PackConfigError", "PackStartError", "PolicyPackError"),
    "requests": ("analyze_request", "analyze_stack_request", "engine_properties"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "ENFORCEMENT_LEVELS",
    "AnalysisResult",
    "AnalyzerInfo",
    "Diagnostic",
    "NotApplicable",
    "PackCallError",
    "PackClosedError",
    "PackConfigError",
    "PackStartError",
    "PendingAnalysis",
    "PolicyInfo",
    "PolicyPack",
    "PolicyPackError",
    "RelayedAnalysis",
    "analyze_request",
    "analyze_stack_request",
    "analyzer_info",
    "configure_request",
    "engine_properties",
    "reconcile_config",
]
assert sorted(__all__) == sorted(_HOME_OF), "every public name has one home module"


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
