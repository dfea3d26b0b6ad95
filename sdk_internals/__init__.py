"""The SDKs' private names and internal layouts this project relies on, each in one place with why.

`tests/test_sdk_internals.py` (and `tests/preflight/test_lazy_aws.py`, `tests/test_deployed_state.py`) check every
one against the installed SDKs and fail, naming it, when an upgrade renames, removes or changes it.
Nothing else in the program, the preflight or the tools touches a private name of `pulumi`, `pulumi_policy` or
`pulumi_aws`. The pack, which is published on its own and so cannot import this package, has its one such
place in `policies/guardrails/policy_sdk.py` (checked by `tests/policies/test_policy_sdk.py`).
`pulumi_policy` is imported only when asked for: the program's own virtualenv (`requirements.txt`) lacks it.

- here: `sync_await` (pulumi), `not_applicable_error`, `policy_servicer` (pulumi_policy), `wire_signatures`
  (pulumi's values of `elasticache_facts.wire`)
- `stand_ins`: a package waiting in `sys.modules` until first used, what `lazy_aws` and `lazy_pulumi` put in place
- `lazy_aws`: pulumi_aws service packages loaded one module at a time (the generated SDK's file layout)
- `lazy_pulumi`: `pulumi.automation` and `pulumi.dynamic` loaded on first use (`pulumi/__init__.py` imports both)
- `unknowns`: the SDK's check for unknowns (`pulumi.runtime.rpc.contains_unknowns`) without the reference cycle
  it leaves per call

`lazy_aws` is a speed path, kept because `bench/preflight_bench.py --without lazy-aws` shows it saves more than
10%; `unknowns` is kept for memory (`--without acyclic-unknowns`: 0.36 MiB per cache); figures in
preflight/README.md, "Speed". All three are installed by the preflight only (`preflight/__main__.py`,
`preflight/run.py`): a program run by the CLI never sees them. The package itself imports no SDK, so the
preflight can install the stand-ins before anything imports `pulumi`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
# The SDKs are imported where they are used: the preflight imports `lazy_aws` (and so this package) first of
# all, before it launches the policy pack and before pulumi_aws may be imported.


def sync_await(awaitable: Awaitable[T]) -> T:
    """Run `awaitable` to completion from synchronous code on the SDK's event loop.

    The SDK's own mechanism for synchronous invokes (`pulumi/runtime/sync_await.py`): the program needs the
    deployed state before it validates config and registers anything, and the preflight runs a program the way
    the language host does (`run_pulumi_func` on the SDK's loop). The public API has no blocking read.
    """
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(awaitable)


def wire_signatures() -> Mapping[str, str]:
    """The SDK's own values for the wire signatures `elasticache_facts.wire` states (`pulumi/runtime/rpc.py`)."""
    from pulumi.runtime import rpc

    return {
        "SIG_KEY": rpc._special_sig_key,
        "SECRET_SIG": rpc._special_secret_sig,
        "OUTPUT_VALUE_SIG": rpc._special_output_value_sig,
        "RESOURCE_REFERENCE_SIG": rpc._special_resource_sig,
        "ASSET_SIG": rpc._special_asset_sig,
        "ARCHIVE_SIG": rpc._special_archive_sig,
        "UNKNOWN": rpc.UNKNOWN,
    }


def not_applicable_error() -> type[Exception]:
    """What `args.not_applicable(reason)` raises inside a policy (`pulumi_policy/policy.py`).

    The policy harness calls a policy's `validate` directly, as the servicer does, and must tell "not
    applicable" from a crash; the SDK catches it itself and exports no name for it.
    """
    from pulumi_policy import policy

    return policy._NotApplicableError


def policy_servicer(name: str, version: str, policies: Sequence[Any], enforcement_level: Any) -> Any:
    """pulumi-policy's Analyzer servicer without its gRPC server (`PolicyPack.__init__` builds the same one).

    The SDK floor benchmark times the servicer alone, in-process; `PolicyPack` would start serving forever.
    """
    from pulumi_policy import policy

    return policy._PolicyAnalyzerServicer(
        name, version, list(policies), enforcement_level, None, None, None, None, None, None, None
    )
