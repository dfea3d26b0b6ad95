"""Drive a Python policy pack over its real Analyzer gRPC interface, the way `pulumi preview` does.

What the Pulumi CLI (3.27x, pulumi/pulumi `pkg/resource/plugin/analyzer_plugin.go` and the Python language
host's `RunPlugin`) does with `--policy-pack <dir> --policy-pack-config <file>`, reproduced here:

- start `python -u -m pulumi.policy <engine address> <pack dir>` with the pack directory as working directory
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
"""

from __future__ import annotations

import collections
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from elasticache_facts.wire import (
    ARCHIVE_SIG,
    ASSET_SIG,
    OUTPUT_VALUE_SIG,
    RESOURCE_REFERENCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
)
from preflight.model import PlannedResource, ResourceOptions

__all__ = [
    "AnalysisResult",
    "AnalyzerInfo",
    "Diagnostic",
    "NotApplicable",
    "PendingAnalysis",
    "PolicyInfo",
    "PolicyPack",
    "PolicyPackError",
    "analyze_request",
    "analyzer_info",
    "configure_request",
    "reconcile_config",
]


ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {value: key for key, value in _LEVEL_TO_PROTO.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_POLICY_TYPES = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}

# The CLI passes the engine's gRPC address; a Python pack never dials it, and there is no engine here.
_NO_ENGINE = "127.0.0.1:0"
_MAX_MESSAGE = 400 * 1024 * 1024  # what the Python policy SDK accepts
_STDERR_TAIL = 4000


class PolicyPackError(Exception):
    """The pack crashed, printed no port in time, or an RPC failed; the message ends with its stderr tail."""


@dataclass(frozen=True)
class Diagnostic:
    """One policy result the CLI would print: a violation, or an advisory "could not check" line."""

    policy_name: str
    policy_pack: str
    message: str
    enforcement_level: str
    """`advisory`, `mandatory`, `remediate` or `disabled`, as the pack reported it."""
    urn: str
    """The resource it is about ("" for a stack-level result)."""
    severity: str | None
    """`low` .. `critical`; the policy's own when the diagnostic carries none (as the CLI does)."""
    remediation: str
    description: str
    policy_pack_version: str = ""

    @property
    def mandatory(self) -> bool:
        return self.enforcement_level in ("mandatory", "remediate")


@dataclass(frozen=True)
class NotApplicable:
    policy_name: str
    reason: str
    urn: str = ""


@dataclass(frozen=True)
class AnalysisResult:
    diagnostics: tuple[Diagnostic, ...]
    not_applicable: tuple[NotApplicable, ...]


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    policy_type: str
    """`resource`, `stack` or `unknown`."""
    config_schema: Mapping[str, Any] | None
    """`{"properties": {...}, "required": [...]}` as the pack declared it (None: the policy takes no config)."""
    severity: str | None = None
    display_name: str = ""
    tags: tuple[str, ...] = ()
    remediation_steps: str = ""
    url: str = ""


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    """From `PulumiPolicy.yaml` when it has one (the CLI prefers it), else what the pack reported."""
    description: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    initial_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


class PolicyPack:
    """A policy pack process, driven over gRPC. Use as a context manager, or call `close()`.

    `start()` only launches the process; the first RPC waits for it to listen. Start it before other slow work
    (running the program) and the pack's start-up costs no wall time.

    ```python
    pack = PolicyPack(Path("policies"), project="elasticache", stack="prod")
    pack.start()
    plan = run_program(...)
    with pack:
        pack.configure(json.loads(Path("policies/config/prod.json").read_text()))
        diagnostics = [d for r in plan.resources for d in pack.analyze(r)]
        diagnostics += pack.analyze_stack(plan.resources)
    ```
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str,
        stack: str,
        python: str = sys.executable,
        dry_run: bool = True,
        start_timeout: float = 10.0,
        organization: str = "organization",
        stack_config: Mapping[str, str] | None = None,
        stack_tags: Mapping[str, str] | None = None,
        rpc_timeout: float = 60.0,
    ) -> None:
        """Nothing starts until `start()` (or `with`).

        `stack_config` is the stack's config as the CLI hands it over (`"<project>:<key>"` -> string), passed
        as `PULUMI_CONFIG`; `stack_tags` are the stack's tags, sent with `ConfigureStack`.
        """
        self.pack_dir = Path(pack_dir).resolve()
        self.project = project
        self.stack = stack
        self.python = python
        self.dry_run = dry_run
        self.start_timeout = start_timeout
        self.organization = organization
        self.stack_config = dict(stack_config or {})
        self.stack_tags = dict(stack_tags or {})
        self.rpc_timeout = rpc_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stdout_tail: collections.deque[bytes] = collections.deque(maxlen=64)
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
        self._finalizer: weakref.finalize | None = None
        self._launched = 0.0
        self._closed = False
        # RPCs may come from several threads (the stub is thread-safe); launching and connecting happen once.
        self._lock = threading.RLock()

    # -- life cycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Launch the pack process and return at once, so its start-up overlaps the caller's other work.

        Safe to call twice. The first RPC (or `connect()`) waits for the pack to listen.
        """
        with self._lock:
            if self._closed:
                raise PolicyPackError("the policy pack was closed; start a new PolicyPack")
            if self._process is None:
                self._spawn()

    def connect(self) -> None:
        """Wait (at most `start_timeout` from launch) until the pack listens, then connect. Safe to call twice.

        Raises `PolicyPackError` if the pack crashes or prints no port in time; the process is stopped then.
        """
        with self._lock:
            if self._stub is None:
                self._connect()

    def _connect(self) -> None:
        self.start()
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
            )
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            # What the CLI's policy proxy forwards before anything else.
            self._call(
                "ConfigureStack",
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=self.stack,
                    project=self.project,
                    organization=self.organization,
                    dry_run=self.dry_run,
                    config=self.stack_config,
                    tags=self.stack_tags,
                ),
            )
        except BaseException:
            self.close()
            raise

    def _spawn(self) -> None:
        if not (self.pack_dir / "__main__.py").is_file():
            raise PolicyPackError(f"{self.pack_dir} has no __main__.py: not a Python policy pack")
        env = dict(os.environ)
        env.update(
            {
                "PULUMI_ORGANIZATION": self.organization,
                "PULUMI_PROJECT": self.project,
                "PULUMI_STACK": self.stack,
                "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
            }
        )
        if self.stack_config:
            env["PULUMI_CONFIG"] = json.dumps(self.stack_config)
        else:
            env.pop("PULUMI_CONFIG", None)
        # A file, not a pipe: nobody has to drain it, and its tail is still there after a crash.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        try:
            self._process = subprocess.Popen(
                [self.python, "-u", "-m", "pulumi.policy", _NO_ENGINE, str(self.pack_dir)],
                cwd=self.pack_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                start_new_session=True,
            )
        except OSError as error:
            self._stderr.close()
            self._stderr = None
            raise PolicyPackError(f"could not start the policy pack with {self.python}: {error}") from error
        self._launched = time.monotonic()
        self._finalizer = weakref.finalize(self, _stop, self._process)

    def _read_port(self) -> int:
        """The first line of the pack's stdout, waited for with select (no polling sleeps)."""
        process = self._process
        assert process is not None
        assert process.stdout is not None
        fd = process.stdout.fileno()
        deadline = self._launched + self.start_timeout
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PolicyPackError(
                    f"the policy pack printed no port within {self.start_timeout:g}s" + self._stderr_tail()
                )
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                code = process.wait(timeout=5)
                raise PolicyPackError(
                    f"the policy pack exited (code {code}) before printing its port" + self._stderr_tail()
                )
            buffer += chunk
        line, rest = buffer.split(b"\n", 1)
        if rest:
            self._stdout_tail.append(rest)
        # Anything the pack prints later must be drained, or a chatty pack blocks on a full pipe.
        threading.Thread(target=self._drain, args=(process.stdout,), daemon=True).start()
        try:
            return int(line.strip())
        except ValueError:
            raise PolicyPackError(
                f"the policy pack printed {line[:200]!r} instead of a port" + self._stderr_tail()
            ) from None

    def _drain(self, stream: IO[bytes]) -> None:
        try:
            for chunk in iter(lambda: stream.read1(4096), b""):  # type: ignore[attr-defined]
                self._stdout_tail.append(chunk)
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        """Stop the pack (terminate, then kill) and release everything. Safe to call twice."""
        self._closed = True
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> PolicyPack:
        """Launches the pack (without waiting for it: the first RPC does)."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- RPCs ---------------------------------------------------------------------------------------------

    def info(self) -> AnalyzerInfo:
        """`GetAnalyzerInfo`: the pack's policies with names, enforcement levels and config schemas."""
        if self._info is None:
            response = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            self._info = analyzer_info(response, _yaml_version(self.pack_dir / "PulumiPolicy.yaml"))
        return self._info

    def configure(self, config: Mapping[str, Any], *, strict: bool = True) -> None:
        """`Configure` from a `--policy-pack-config` document, reconciled and validated as the CLI does.

        With `strict` (the default), config for a policy the pack does not have, or a property a policy's
        schema does not declare, is an error too (the CLI passes both on silently, so a typo weakens a
        guardrail without a word).
        """
        self._call("Configure", configure_request(self.info(), config, strict=strict))

    def analyze(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> list[Diagnostic]:
        """`Analyze` one resource with its inputs (what the engine sends before operating on it)."""
        return list(self.analyze_detailed(resource, provider=provider).diagnostics)

    def analyze_detailed(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> AnalysisResult:
        """Like `analyze`, also returning which policies declared themselves not applicable, and why."""
        return self.analyze_async(resource, provider=provider).result()

    def analyze_async(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> PendingAnalysis:
        """Send `Analyze` without waiting for the answer, as the engine does while the program is still running.

        The pack serves several calls at once and queues the rest, so a caller can keep it busy from one
        thread; `result()` waits for this one. The connection must be made first (`connect()`).
        """
        request = analyze_request(resource, provider=provider)
        return PendingAnalysis(self, "Analyze", self._call_async("Analyze", request), resource.urn)

    def analyze_stack(self, resources: Sequence[PlannedResource]) -> list[Diagnostic]:
        """`AnalyzeStack` over every resource (see the module docstring for which properties it gets)."""
        return list(self.analyze_stack_detailed(resources).diagnostics)

    def analyze_stack_detailed(self, resources: Sequence[PlannedResource]) -> AnalysisResult:
        return self.analyze_stack_async(resources).result()

    def analyze_stack_async(self, resources: Sequence[PlannedResource]) -> PendingAnalysis:
        """Send `AnalyzeStack` without waiting: the pack works through it alongside queued `Analyze` calls."""
        request = self.analyze_stack_request(resources)
        return PendingAnalysis(self, "AnalyzeStack", self._call_async("AnalyzeStack", request), "")

    def analyze_stack_request(self, resources: Sequence[PlannedResource]) -> Any:
        """The `AnalyzeStackRequest` the engine sends for these resources (their state depends on `dry_run`)."""
        by_urn = {resource.urn: resource for resource in resources}
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            entry = request.resources.add(
                type=resource.type,
                urn=resource.urn,
                name=resource.name,
                properties=_struct(engine_properties(self._stack_state(resource))),
                options=_options(resource),
                parent=resource.parent or "",
                dependencies=list(resource.dependencies),
            )
            for key, urns in resource.property_dependencies.items():
                if urns:
                    entry.propertyDependencies[key].urns.extend(urns)
            provider = by_urn.get(_provider_urn(resource.provider))
            if provider is not None:
                entry.provider.CopyFrom(_provider(provider))
        return request

    def _stack_state(self, resource: PlannedResource) -> dict[str, Any]:
        if not self.dry_run:
            state = dict(resource.outputs)
            if resource.id is not None and "id" not in state:
                state["id"] = resource.id
            return state
        state = dict(resource.inputs)
        for key in resource.outputs:
            if key not in state and not key.startswith("__"):
                state[key] = UNKNOWN
        if resource.custom and "id" not in state:
            state["id"] = UNKNOWN
        return state

    def _result(self, response: Any, *, default_urn: str) -> AnalysisResult:
        info = self.info()
        known = {policy.name: policy for policy in info.policies}
        diagnostics = []
        for item in response.diagnostics:
            policy = known.get(item.policyName)
            severity = _SEVERITIES.get(item.severity) or (policy.severity if policy else None)
            diagnostics.append(
                Diagnostic(
                    policy_name=item.policyName,
                    policy_pack=item.policyPackName,
                    message=item.message,
                    enforcement_level=_PROTO_TO_LEVEL.get(item.enforcementLevel, "advisory"),
                    urn=item.urn or default_urn,
                    severity=severity,
                    remediation=policy.remediation_steps if policy else "",
                    description=item.description,
                    policy_pack_version=info.version or item.policyPackVersion,
                )
            )
        not_applicable = tuple(
            NotApplicable(item.policy_name, item.reason, default_urn) for item in response.not_applicable
        )
        return AnalysisResult(tuple(diagnostics), not_applicable)

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            self.connect()
        assert self._stub is not None
        try:
            return getattr(self._stub, method)(request, timeout=self.rpc_timeout)
        except grpc.RpcError as error:
            raise self._rpc_failure(method, error) from error

    def _call_async(self, method: str, request: Any) -> grpc.Future:
        stub = self._stub
        if stub is None:
            self.connect()
            stub = self._stub
        assert stub is not None
        return getattr(stub, method).future(request, timeout=self.rpc_timeout)

    def _rpc_failure(self, method: str, error: grpc.RpcError) -> PolicyPackError:
        details = error.details() if hasattr(error, "details") else str(error)
        code = error.code().name if hasattr(error, "code") else "?"
        return PolicyPackError(f"{method} failed ({code}): {details}" + self._stderr_tail())

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - _STDERR_TAIL))
            text = self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"\n--- policy pack stderr (tail) ---\n{text}" if text else ""


class PendingAnalysis:
    """An `Analyze` or `AnalyzeStack` call on its way; `result()` waits for the pack's answer."""

    def __init__(self, pack: PolicyPack, method: str, call: grpc.Future, default_urn: str) -> None:
        self._pack = pack
        self._method = method
        self._call = call
        self._default_urn = default_urn

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """`callback()` once the answer (or the failure) is in; at once if it already is."""
        self._call.add_done_callback(lambda _: callback())

    def result(self) -> AnalysisResult:
        """The diagnostics; `PolicyPackError` if the call failed (the pack crashed, timed out, refused it)."""
        try:
            response = self._call.result()
        except grpc.RpcError as error:
            raise self._pack._rpc_failure(self._method, error) from error
        except grpc.FutureCancelledError as error:
            raise PolicyPackError(f"{self._method} was cancelled: the policy pack was stopped") from error
        return self._pack._result(response, default_urn=self._default_urn)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, give it a moment, then kill; always reap."""
    if process.poll() is not None:
        return
    try:
        process.terminate()
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    except ProcessLookupError:
        pass
    process.wait()


# -- what the engine sends ------------------------------------------------------------------------------------


def engine_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """SDK wire-form properties as the engine marshals them to an analyzer (see the module docstring)."""
    return {key: _engine_value(value) for key, value in properties.items() if not str(key).startswith("__")}


def _engine_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        signature = value.get(SIG_KEY)
        if signature is None:
            return {key: _engine_value(item) for key, item in value.items()}
        if signature == SECRET_SIG:
            inner = _engine_value(value.get("value"))
            if isinstance(inner, Mapping) and inner.get(SIG_KEY) == SECRET_SIG:
                return inner
            return {SIG_KEY: SECRET_SIG, "value": inner}
        if signature == OUTPUT_VALUE_SIG:
            inner = _engine_value(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if signature == RESOURCE_REFERENCE_SIG:
            if "id" in value:
                ident = _engine_value(value["id"])
                return ident if isinstance(ident, str) and ident else UNKNOWN
            return value.get("urn", "")
        if signature in (ASSET_SIG, ARCHIVE_SIG):
            return {key: _engine_value(item) for key, item in value.items()}
        raise ValueError(f"unrecognized signature {signature!r} in property value")
    if isinstance(value, list | tuple):
        return [_engine_value(item) for item in value]
    return value


def analyze_request(resource: PlannedResource, *, provider: PlannedResource | None = None) -> Any:
    """The `AnalyzeRequest` the engine sends for one resource: its inputs, before it is created or updated."""
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        urn=resource.urn,
        name=resource.name,
        properties=_struct(engine_properties(resource.inputs)),
        options=_options(resource),
    )
    if provider is not None:
        request.provider.CopyFrom(_provider(provider))
    return request


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(properties)
    return struct


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms|us|ns)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _seconds(duration: str) -> float:
    """A Go duration (`10m`, `1h30m`) in seconds, as the engine converts custom timeouts."""
    text = duration.strip()
    if not text:
        return 0.0
    parts = _DURATION.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(number) * _SECONDS[unit] for number, unit in parts)


def _options(resource: PlannedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    options: ResourceOptions = resource.options
    timeouts = options.custom_timeouts
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=options.protect,
        ignoreChanges=list(options.ignore_changes),
        deleteBeforeReplace=options.delete_before_replace,
        # The model records a plain bool; only an explicit True is known to have been set.
        deleteBeforeReplaceDefined=options.delete_before_replace,
        additionalSecretOutputs=list(options.additional_secret_outputs),
        aliases=list(options.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            create=_seconds(timeouts.get("create", "")),
            update=_seconds(timeouts.get("update", "")),
            delete=_seconds(timeouts.get("delete", "")),
        ),
        parent=resource.parent or "",
    )


def _provider_urn(reference: str | None) -> str:
    """`<urn>::<id>` -> `<urn>`."""
    if not reference:
        return ""
    urn, _, _ = reference.rpartition("::")
    return urn or reference


def _provider(provider: PlannedResource) -> analyzer_pb2.AnalyzerProviderResource:
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=_struct(engine_properties(provider.inputs)),
    )


# -- analyzer info and config ---------------------------------------------------------------------------------


def _yaml_version(path: Path) -> str:
    """`version:` of PulumiPolicy.yaml (a flat top-level key: no YAML library needed)."""
    try:
        text = path.read_text()
    except OSError:
        return ""
    match = re.search(r"^version:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else ""


def analyzer_info(response: Any, yaml_version: str = "") -> AnalyzerInfo:
    """A `GetAnalyzerInfo` answer as an `AnalyzerInfo`; `yaml_version` (PulumiPolicy.yaml's) wins if given."""
    policies = []
    for item in response.policies:
        schema: dict[str, Any] | None = None
        if item.HasField("configSchema"):
            schema = {
                "properties": json_format.MessageToDict(item.configSchema.properties),
                "required": list(item.configSchema.required),
            }
        policies.append(
            PolicyInfo(
                name=item.name,
                description=item.description,
                enforcement_level=_PROTO_TO_LEVEL.get(item.enforcementLevel, "advisory"),
                policy_type=_POLICY_TYPES.get(item.policy_type, "unknown"),
                config_schema=schema,
                severity=_SEVERITIES.get(item.severity),
                display_name=item.displayName,
                tags=tuple(item.tags),
                remediation_steps=item.remediation_steps,
                url=item.url,
            )
        )
    initial = {
        name: {
            "enforcementLevel": _PROTO_TO_LEVEL.get(value.enforcementLevel, "advisory"),
            **json_format.MessageToDict(value.properties),
        }
        for name, value in response.initialConfig.items()
    }
    return AnalyzerInfo(
        name=response.name,
        version=yaml_version or response.version,
        description=response.description,
        supports_config=response.supportsConfig,
        policies=tuple(sorted(policies, key=lambda policy: policy.name)),
        initial_config=initial,
    )


def _parse_config(document: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """`parsePolicyPackConfig`: name -> (enforcement level or None, properties)."""
    if not isinstance(document, Mapping):
        raise PolicyPackError("policy pack config must be a JSON object")
    result: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for name, value in document.items():
        if name == "environments":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise PolicyPackError('"environments" must be an array of strings')
            continue  # ESC environments: resolved by the Pulumi Cloud backend, nothing to do offline
        level: str | None = None
        properties: dict[str, Any] = {}
        if isinstance(value, str):
            level = value
        elif isinstance(value, Mapping):
            properties = dict(value)
            if "enforcementLevel" in properties:
                level = properties.pop("enforcementLevel")
                if not isinstance(level, str):
                    raise PolicyPackError(f"parsing enforcement level for {name!r}: {level!r} is not a string")
        else:
            raise PolicyPackError(f"parsing {name!r}: {value!r} is not a valid value; must be a string or object")
        if level is not None and level not in ENFORCEMENT_LEVELS:
            raise PolicyPackError(f"parsing enforcement level for {name!r}: {level!r} is not a valid level")
        if level is None and not properties:
            continue
        result[name] = (level, properties)
    return result


def configure_request(info: AnalyzerInfo, document: Mapping[str, Any], *, strict: bool = True) -> Any:
    """The `ConfigureAnalyzerRequest` for a `--policy-pack-config` document (see `reconcile_config`)."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, (level, properties) in reconcile_config(info, document, strict=strict).items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = _LEVEL_TO_PROTO[level]
        entry.properties.update(properties)
    return request


def reconcile_config(
    info: AnalyzerInfo, document: Mapping[str, Any], *, strict: bool = True
) -> dict[str, tuple[str, dict[str, Any]]]:
    """`ReconcilePolicyPackConfig`: name -> (enforcement level, properties) exactly as `Configure` gets it.

    Schema defaults first, then the pack's initial config, then the document; `all` sets every policy's
    level (and is passed on itself, as the CLI does); the result is validated against each policy's schema.
    """
    result: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for policy in info.policies:
        defaults = {
            key: spec["default"]
            for key, spec in ((policy.config_schema or {}).get("properties") or {}).items()
            if isinstance(spec, Mapping) and "default" in spec
        }
        result[policy.name] = (policy.enforcement_level, defaults or None)

    def apply(config: Mapping[str, tuple[str | None, dict[str, Any]]]) -> None:
        everything = config.get("all")
        if everything is not None and everything[0] is not None:
            for name, (_, properties) in list(result.items()):
                result[name] = (everything[0], properties)
        for name, (level, properties) in config.items():
            current_level, current = result.get(name, ("", None))
            merged = current
            if properties:
                merged = {**(current or {}), **properties}
            result[name] = (level or current_level, merged)

    initial = {
        name: (
            str(value.get("enforcementLevel")) if value.get("enforcementLevel") else None,
            {key: item for key, item in value.items() if key != "enforcementLevel"},
        )
        for name, value in info.initial_config.items()
    }
    apply(initial)
    parsed = _parse_config(document)
    apply(parsed)

    errors: list[str] = []
    policies = {policy.name: policy for policy in info.policies}
    if strict:
        for name in parsed:
            if name != "all" and name not in policies:
                errors.append(f"{name}: no such policy in pack {info.name!r}")
    for policy in info.policies:
        properties = result[policy.name][1] or {}
        if policy.config_schema is None:
            continue
        schema = {
            "type": "object",
            "properties": {
                **(policy.config_schema.get("properties") or {}),
                "enforcementLevel": {"type": "string", "enum": list(ENFORCEMENT_LEVELS)},
            },
            "required": list(policy.config_schema.get("required") or []),
        }
        if strict:
            schema["additionalProperties"] = False
        errors.extend(f"{policy.name}: {problem}" for problem in validate_json_schema(properties, schema))
    if errors:
        raise PolicyPackError(f"validating policy config for {info.name!r}: " + "; ".join(sorted(errors)))

    final: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, (level, properties) in result.items():
        if level not in ENFORCEMENT_LEVELS:
            raise PolicyPackError(f"invalid enforcement level {level!r} for {name!r}")
        final[name] = (level, dict(properties or {}))
    return final


# -- the JSON Schema subset policy config schemas use -----------------------------------------------------------

_TYPE_CHECKS = {
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    ),
    "array": lambda value: isinstance(value, list | tuple),
    "object": lambda value: isinstance(value, Mapping),
    "null": lambda value: value is None,
}
_ANNOTATIONS = frozenset({"description", "default", "title", "examples", "$comment", "format"})
_SUPPORTED = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
}


def validate_json_schema(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Problems with `value` under a JSON Schema (the subset the CLI's gojsonschema check meets in practice).

    A keyword outside that subset is reported as a problem rather than skipped: an unchecked constraint
    would let a config through that the CLI refuses.
    """
    where = path or "(root)"
    unsupported = set(schema) - _SUPPORTED
    if unsupported:
        return [f"{where}: schema uses unsupported keyword(s) {sorted(unsupported)}"]
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_TYPE_CHECKS[name](value) for name in names):
            return [f"{where}: invalid type, expected {' or '.join(names)}, got {_json_type(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: must be one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: must be {schema['const']!r}")
    if _TYPE_CHECKS["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: must be greater than or equal to {schema['minimum']:g}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: must be less than or equal to {schema['maximum']:g}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            problems.append(f"{where}: must be greater than {schema['exclusiveMinimum']:g}")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            problems.append(f"{where}: must be less than {schema['exclusiveMaximum']:g}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: must be at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: must be at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{where}: does not match {schema['pattern']!r}")
    if isinstance(value, list | tuple):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: needs at least {schema['minItems']} item(s)")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: takes at most {schema['maxItems']} item(s)")
        if schema.get("uniqueItems"):
            seen = [json.dumps(item, sort_keys=True) for item in value]
            if len(seen) != len(set(seen)):
                problems.append(f"{where}: items must be unique")
        if isinstance(schema.get("items"), Mapping):
            for index, item in enumerate(value):
                problems.extend(
                    validate_json_schema(item, schema["items"], f"{path}[{index}]" if path else f"[{index}]")
                )
    if isinstance(value, Mapping):
        declared: Mapping[str, Any] = schema.get("properties") or {}
        for key in schema.get("required") or []:
            if key not in value:
                problems.append(f"{_child(path, key)}: is required")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in declared:
                problems.extend(validate_json_schema(item, declared[key], _child(path, key)))
            elif extra is False:
                problems.append(f"{_child(path, key)}: not a setting of this policy")
            elif isinstance(extra, Mapping):
                problems.extend(validate_json_schema(item, extra, _child(path, key)))
    return problems


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPE_CHECKS[name](value):
            return name
    return type(value).__name__
