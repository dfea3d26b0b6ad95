"""`PolicyPack`: one pack process, driven over its Analyzer gRPC interface as the CLI drives it.

The life cycle is `start()` (launch, return at once) -> first RPC or `connect()` (wait for the port, connect,
`ConfigureStack`) -> `info()`, `configure()`, `analyze*()` -> `close()` (or the `with` block's end), which stops
the process through its one kill path (`PackProcess.stop`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from preflight.analyzer.answers import (
    AnalysisResult,
    AnalyzerInfo,
    Diagnostic,
    analysis_result,
    analyzer_info,
    pack_version,
)
from preflight.analyzer.config import configure_request, reconcile_config
from preflight.analyzer.errors import PackCallError, PackClosedError
from preflight.analyzer.process import ORGANIZATION, PackProcess, launch_pack
from preflight.analyzer.relay import AnalyzeRelay, CallFailure, RelayError
from preflight.analyzer.requests import analyze_request, analyze_stack_request
from preflight.model import PlannedResource, root_stack_urn

_MAX_MESSAGE = 400 * 1024 * 1024  # what the Python policy SDK accepts

Reconciled = dict[str, tuple[str, dict[str, Any]]]


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
        python: str | None = None,
        dry_run: bool = True,
        start_timeout: float = 10.0,
        organization: str = ORGANIZATION,
        stack_config: Mapping[str, str] | None = None,
        stack_tags: Mapping[str, str] | None = None,
        rpc_timeout: float = 60.0,
        process: PackProcess | None = None,
    ) -> None:
        """Nothing starts until `start()` (or `with`).

        `python` None: the interpreter the CLI would run the pack with (`preflight.interpreter`), resolved at
        start; a missing one is a `PackStartError` naming the command that creates it, never a fallback.
        `stack_config` is the stack's config as the CLI hands it over (`"<project>:<key>"` -> string), passed
        as `PULUMI_CONFIG`; `stack_tags` are the stack's tags, sent with `ConfigureStack`. `process`: the pack
        already launched (`process.launch_pack`, with the same project, stack and config), adopted instead of
        launching another.
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
        self.configured: Reconciled | None = None
        """The config the pack was last `configure`d with, per policy: (enforcement level, properties)."""
        self._process: PackProcess | None = process
        self._channel: grpc.Channel | None = None
        self._address: str | None = None
        self._relays: list[AnalyzeRelay] = []
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
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
                raise PackClosedError("the policy pack was closed; start a new PolicyPack")
            if self._process is None:
                self._process = launch_pack(
                    self.pack_dir,
                    project=self.project,
                    stack=self.stack,
                    stack_config=self.stack_config,
                    python=self.python,
                    organization=self.organization,
                    dry_run=self.dry_run,
                )

    def connect(self) -> None:
        """Wait (at most `start_timeout` from launch) until the pack listens, then connect. Safe to call twice.

        Raises `PackStartError` if the pack crashes or prints no port in time; the process is stopped then.
        """
        with self._lock:
            if self._stub is None:
                self._connect()

    def _connect(self) -> None:
        self.start()
        assert self._process is not None
        try:
            port = self._process.read_port(self.start_timeout)
            self._address = f"127.0.0.1:{port}"
            self._channel = grpc.insecure_channel(
                self._address, options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
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

    def close(self) -> None:
        """Stop the pack (terminate, then kill) and release everything. Safe to call twice."""
        self._closed = True
        while self._relays:
            self._relays.pop().stop()
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._process is not None:
            self._process.stop()

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
            self._info = analyzer_info(response, pack_version(self.pack_dir / "PulumiPolicy.yaml"))
        return self._info

    def configure(self, config: Mapping[str, Any], *, strict: bool = True) -> Reconciled:
        """`Configure` from a `--policy-pack-config` document, reconciled and validated as the CLI does.

        Returns (and keeps in `configured`) what each policy was configured with. With `strict` (the default),
        config for a policy the pack does not have, or a property a policy's schema does not declare, is a
        `PackConfigError` too (the CLI passes both on silently, so a typo weakens a guardrail without a word).
        """
        reconciled = reconcile_config(self.info(), config, strict=strict)
        self._call("Configure", configure_request(reconciled))
        self.configured = reconciled
        return reconciled

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

    def relayed(self, in_flight: int) -> RelayedAnalysis:
        """`Analyze` calls sent from a process of their own (`relay`), at most `in_flight` unanswered at once.

        For a caller whose own interpreter is busy (the preflight, running the program): `RelayedAnalysis.send`
        only hands the serialized request over. Connects first; `close()` stops the relay too.
        """
        with self._lock:
            if self._closed:
                raise PackClosedError("the policy pack was closed; start a new PolicyPack")
            self.connect()
            assert self._address is not None
            relay = AnalyzeRelay(self._address, in_flight=in_flight, timeout=self.rpc_timeout, max_message=_MAX_MESSAGE)
            self._relays.append(relay)
        return RelayedAnalysis(self, relay)

    def analyze_stack(self, resources: Sequence[PlannedResource]) -> list[Diagnostic]:
        """`AnalyzeStack` over every resource (see `requests.analyze_stack_request` for their state)."""
        return list(self.analyze_stack_detailed(resources).diagnostics)

    def analyze_stack_detailed(self, resources: Sequence[PlannedResource]) -> AnalysisResult:
        return self.analyze_stack_async(resources).result()

    def analyze_stack_async(self, resources: Sequence[PlannedResource]) -> PendingAnalysis:
        """Send `AnalyzeStack` without waiting: the pack works through it alongside queued `Analyze` calls."""
        request = self.analyze_stack_request(resources)
        root = root_stack_urn(self.project, self.stack)
        in_stack = frozenset(resource.urn for resource in resources)
        return PendingAnalysis(self, "AnalyzeStack", self._call_async("AnalyzeStack", request), root, in_stack)

    def analyze_stack_request(self, resources: Sequence[PlannedResource]) -> Any:
        """The `AnalyzeStackRequest` the engine sends for these resources (their state depends on `dry_run`)."""
        return analyze_stack_request(resources, dry_run=self.dry_run)

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            self.connect()
        assert self._stub is not None
        try:
            return getattr(self._stub, method)(request, timeout=self.rpc_timeout)
        except grpc.RpcError as error:
            raise self._call_failure(method, error) from error

    def _call_async(self, method: str, request: Any) -> grpc.Future:
        stub = self._stub
        if stub is None:
            self.connect()
            stub = self._stub
        assert stub is not None
        return getattr(stub, method).future(request, timeout=self.rpc_timeout)

    def _call_failure(self, method: str, error: grpc.RpcError) -> PackCallError:
        details = error.details() if hasattr(error, "details") else str(error)
        code = error.code().name if hasattr(error, "code") else "?"
        return self._failure(method, code, details)

    def _failure(self, method: str, code: str, details: str) -> PackCallError:
        tail = self._process.stderr_tail() if self._process is not None else ""
        return PackCallError(f"{method} failed ({code}): {details}" + tail)


class PendingAnalysis:
    """An `Analyze` or `AnalyzeStack` call on its way; `result()` waits for the pack's answer."""

    def __init__(
        self,
        pack: PolicyPack,
        method: str,
        call: grpc.Future,
        default_urn: str,
        in_stack: frozenset[str] | None = None,
    ) -> None:
        """`default_urn`: the resource analysed (`Analyze`), or the root stack (`AnalyzeStack`, whose resources'
        URNs are `in_stack`): see `answers.analysis_result`."""
        self._pack = pack
        self._method = method
        self._call = call
        self._default_urn = default_urn
        self._in_stack = in_stack

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """`callback()` once the answer (or the failure) is in; at once if it already is."""
        self._call.add_done_callback(lambda _: callback())

    def result(self) -> AnalysisResult:
        """The diagnostics; `PackCallError` if the call failed (the pack crashed, timed out, refused it)."""
        try:
            response = self._call.result()
        except grpc.RpcError as error:
            raise self._pack._call_failure(self._method, error) from error
        except grpc.FutureCancelledError as error:
            raise PackCallError(f"{self._method} was cancelled: the policy pack was stopped") from error
        return analysis_result(response, self._pack.info(), default_urn=self._default_urn, in_stack=self._in_stack)


class RelayedAnalysis:
    """`Analyze` for resource after resource, through a relay process; `results()` once they are all sent."""

    def __init__(self, pack: PolicyPack, relay: AnalyzeRelay) -> None:
        self._pack = pack
        self._relay = relay
        self._urns: list[str] = []

    def send(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> None:
        """Hand the resource's `AnalyzeRequest` to the relay. `PackCallError` if the relay is gone."""
        request = analyze_request(resource, provider=provider).SerializeToString()
        try:
            self._relay.send(request)
        except RelayError as error:
            raise PackCallError(str(error)) from None
        self._urns.append(resource.urn)

    def results(self) -> list[AnalysisResult]:
        """Each sent resource's result, in the order sent; `PackCallError` for the first call that failed."""
        try:
            answers = self._relay.answers()
        except RelayError as error:
            raise PackCallError(str(error)) from None
        info = self._pack.info()
        results = []
        for urn, answer in zip(self._urns, answers, strict=True):
            if isinstance(answer, CallFailure):
                raise self._pack._failure("Analyze", answer.code, answer.details)
            response = analyzer_pb2.AnalyzeResponse.FromString(answer)
            results.append(analysis_result(response, info, default_urn=urn))
        return results

    def close(self) -> None:
        """Stop the relay (whatever it is doing)."""
        self._relay.stop()
