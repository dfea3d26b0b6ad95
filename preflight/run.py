"""One offline preflight of one stack: the program under the SDK's mocks, checked by the policy pack over gRPC.

`run_preflight` never raises for anything a user can get wrong (stack file, policy config, stack
config, the program, the pack): it returns a `PreflightResult` whose `failures` say what went wrong, so the
CLI, the tests and the benchmark all see one shape. Only interruptions (KeyboardInterrupt and the like)
propagate, after the pack process has been stopped.

Time goes into three places: importing the Pulumi SDK and pulumi_aws, running the program, and the pack's
start-up and analysis. The pack process is launched first and connected to (and configured) from a thread, so
that it boots on the other core while this process imports and runs the program. As in a real preview, each
resource goes to the pack as soon as the program registers it: the pack analyses on the other core while the
program is still running, and only `AnalyzeStack` (which needs every resource) waits for the program's end.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from preflight import property_path
from preflight.aliases import deployed_urn
from preflight.model import PROVIDER_TYPE_PREFIX, Plan, PlannedResource, provider_urn
from preflight.stack_files import PROJECT_DIR

if TYPE_CHECKING:
    from preflight.analyzer import AnalyzerInfo, Diagnostic, PolicyPack, RelayedAnalysis
    from preflight.analyzer.process import PackProcess
    from preflight.diff import PlanDiff
    from preflight.model import SubnetAnswer
    from preflight.previous import Previous
    from preflight.stack_files import StackConfig


ANALYZE_IN_FLIGHT = 64
"""Analyze calls sent and not yet answered. The pack serves 4 at a time and queues the rest, so it never waits
for the next call; the bound keeps a huge stack's calls from queueing past their deadline."""


class Progress(Protocol):
    """Told when a step starts and how long it took; called from the pack's start-up thread too."""

    def started(self, step: str, what: str) -> None: ...

    def finished(self, step: str, what: str, seconds: float, ok: bool = True) -> None: ...


class _Silent:
    def started(self, step: str, what: str) -> None:
        pass

    def finished(self, step: str, what: str, seconds: float, ok: bool = True) -> None:
        pass


@dataclass(frozen=True)
class Failure:
    """Why a preflight could not give a verdict (exit code 2)."""

    kind: str
    """`stack-file`, `policy-config`, `config`, `program`, `policy-pack`, or `against` (the `--against`
    document cannot be read: no stack is run)."""
    message: str
    problems: tuple[Mapping[str, str], ...] = ()
    """For `config`: one `{path, message, text}` per problem (`text` is the secret-safe one-liner)."""
    file: Path | None = None
    line: int | None = None
    """Where the problem is, when known (a stack file's YAML error or duplicate key): for the CI outputs."""
    policy_problems: tuple[tuple[str, str | None, str], ...] = ()
    """For `policy-config`: (policy, setting or None, what is wrong) per problem, each shown at its own key."""


@dataclass(frozen=True)
class PolicyPackSummary:
    name: str
    version: str
    levels: Mapping[str, str]
    """Policy name -> the enforcement level it ran with (after the policy config)."""


@dataclass(frozen=True)
class PreflightResult:
    project: str
    stack: str
    plan: Plan | None
    diagnostics: tuple[Diagnostic, ...] = ()
    failures: tuple[Failure, ...] = ()
    pack: PolicyPackSummary | None = None
    policy_config: Path | None = None
    """The policy config sent to the pack."""
    subnets: Mapping[str, SubnetAnswer] = field(default_factory=dict)
    """What `get_subnet` answered, laid out from the stack's own network config."""
    timings: Mapping[str, float] = field(default_factory=dict)
    started: bool = False
    """The program and the pack were started (every input file was readable)."""
    previous: Previous | None = None
    """What `--against` compared with: the program read its outputs back, and `diff` is against it."""
    diff: PlanDiff | None = None

    @property
    def mandatory(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.mandatory)

    @property
    def exit_code(self) -> int:
        if self.failures:
            return 2
        return 1 if self.mandatory else 0


class InputError(Exception):
    """A file the user pointed the preflight at is missing or malformed."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def stacks_in(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every stack with a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


def default_policy_config(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / "policies" / "config" / f"{stack}.json"


def run_preflight(
    stack: str,
    *,
    project_dir: Path = PROJECT_DIR,
    policy_config: Path | None = None,
    pack_dir: Path | None = None,
    python: str | None = None,
    start_timeout: float = 10.0,
    progress: Progress | None = None,
    previous: Previous | None = None,
) -> PreflightResult:
    """Check one stack with its environment's gate: `policy_config`, else `policies/config/<stack>.json`.

    A stack with neither is a `policy-config` failure (exit 2), never a run on the pack's weaker defaults.
    Subnets are answered from the stack's own config (`preflight.stack_files.stand_in_subnets`).
    `previous`: the stack before this change; the program reads its outputs back (so it refuses replacing
    edits as it would at a real preview), and the result carries the diff against it."""
    progress = progress or _Silent()
    timings: dict[str, float] = {}
    begun = time.perf_counter()

    from preflight.stack_files import StackFileError, read_stack_config, stand_in_subnets, undecryptable_secrets

    project = ""
    try:
        config = read_stack_config(stack, project_dir)
        project = config.project
        policy_path = policy_config if policy_config is not None else default_policy_config(stack, project_dir)
        if policy_config is None and not policy_path.exists():
            raise InputError(
                "policy-config",
                f"stack {stack!r} has no policy config ({policy_path.relative_to(project_dir)} does not exist): "
                "create it (copy the closest environment's, e.g. policies/config/prod.json), or name one with "
                "--policy-config PATH. Without one the pack would run on its defaults, a weaker gate than any "
                "environment's.",
            )
        if undecryptable := undecryptable_secrets(config):
            return PreflightResult(project, stack, None, failures=(_undecryptable(undecryptable, config, project_dir),))
        policy_document = _read_policy_config(policy_path)
        if not isinstance(policy_document, dict):
            raise InputError("policy-config", f"{policy_path}: expected a JSON object of policy name -> settings")
        subnets = stand_in_subnets(config)
    except StackFileError as error:
        failure = Failure("stack-file", str(error), file=error.path, line=error.line)
        return PreflightResult(project, stack, None, failures=(failure,))
    except InputError as error:
        return PreflightResult(project, stack, None, failures=(Failure(error.kind, str(error)),))

    # Launched before the SDKs are imported: the pack's interpreter boots on the other core meanwhile.
    boot = _PackBoot(policy_document, progress)
    boot.launch(
        (pack_dir or project_dir / "policies").resolve(),
        project=config.project,
        stack=stack,
        stack_config=config.values,
        python=python,
    )
    base = PreflightResult(
        project,
        stack,
        None,
        policy_config=policy_path,
        subnets=subnets,
        timings=timings,
        started=True,
        previous=previous,
    )
    stream: _AnalysisStream | None = None
    try:
        imported = time.perf_counter()
        import preflight.program  # noqa: F401 - the SDKs and the component, timed as imports
        from preflight.analyzer import PolicyPack
        from sdk_internals import unknowns

        unknowns.install()
        timings["imports"] = time.perf_counter() - imported
        pack = PolicyPack(
            boot.pack_dir,
            project=config.project,
            stack=stack,
            python=python,
            start_timeout=start_timeout,
            stack_config=config.values,
            process=boot.process,
        )
        stream = _AnalysisStream(pack)
        boot.start(pack, on_ready=stream.open)
        outputs = previous.outputs if previous is not None else None
        held = _ignoring_changes(previous)
        submit = stream.submit
        plan, program_failure = _run_program(
            config, subnets, project_dir, progress, timings, lambda resource: submit(held(resource)), outputs
        )
        if plan is not None:
            plan = replace(plan, resources=tuple(held(resource) for resource in plan.resources))
        pack_failure = boot.wait()
        timings["pack"] = boot.seconds
        failures = tuple(f for f in (program_failure, pack_failure) if f is not None)
        if failures or plan is None:
            return replace(base, plan=plan, failures=failures, pack=boot.summary)
        try:
            diagnostics = _finish_analysis(stream, pack, plan, progress, timings)
        except Exception as error:  # PolicyPackError, or the pack dying mid-analysis
            return replace(base, plan=plan, failures=(_pack_failure(error),), pack=boot.summary)
        return replace(base, plan=plan, diagnostics=diagnostics, pack=boot.summary, diff=_diff(previous, plan))
    finally:
        if stream is not None:
            stream.close()
        boot.stop()
        # The result holds this very dict, so the total (pack stopped) is in it.
        timings["total"] = time.perf_counter() - begun


def _undecryptable(keys: list[str], config: StackConfig, project_dir: Path) -> Failure:
    """A setting stored as a secret: the preflight says so at its key and line instead of judging a placeholder."""
    from preflight import locations

    stack_file = project_dir / f"Pulumi.{config.stack}.yaml"
    problems = []
    first_line = None
    for key in keys:
        where = locations.stack_key(stack_file, config.project, key)
        line = f" ({stack_file.name} line {where.line})" if where is not None else ""
        first_line = first_line or (where.line if where is not None else None)
        message = (
            f"a secret (secure:){line} that the offline preflight cannot decrypt: it has no access to the stack's "
            "secrets provider, so the program would judge a placeholder instead of the value (pulumi preview "
            "decrypts it and reads the real one). Only cacheSecrets hold credentials; keep settings in plain text: "
            f"pulumi config set --plaintext --path '{key}' <value> replaces the secure value"
        )
        problems.append({"path": key, "message": message, "text": f"{key} = [secret]: {message}"})
    count = len(problems)
    summary = "\n".join(f"  - {problem['text']}" for problem in problems)
    return Failure(
        "config",
        f"Stack config the offline preflight cannot read ({count} secret setting{'s' if count != 1 else ''}):\n"
        + summary,
        tuple(problems),
        file=stack_file,
        line=first_line,
    )


def _read_policy_config(path: Path) -> Any:
    """A `--policy-pack-config` file as the CLI reads it: an empty (or blank) file, and JSON `null`, configure
    nothing, so every policy runs with the pack's own settings (pulumi/pulumi pkg/resource/analyzer/config.go
    `parsePolicyPackConfig`: "Gracefully allow empty content", then `json.Unmarshal` into a map, which `null`
    leaves empty)."""
    try:
        if not path.read_text().strip():
            return {}
    except (OSError, UnicodeDecodeError):
        pass  # reported by _read_json, with the reason
    document = _read_json(path, "policy-config")
    return {} if document is None else document


def _read_json(path: Path, kind: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(kind, f"{path}: no such file") from None
    except OSError as error:
        raise InputError(kind, f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(kind, f"{path}: not valid JSON: {error}") from None


def _run_program(
    config: StackConfig,
    subnets: Mapping[str, SubnetAnswer],
    project_dir: Path,
    progress: Progress,
    timings: dict[str, float],
    on_resource: Callable[[PlannedResource], None],
    previous_outputs: Mapping[str, Any] | None = None,
) -> tuple[Plan | None, Failure | None]:
    import pulumi

    from preflight.program import run_program

    progress.started("program", f"running __main__.py for stack {config.stack} under the SDK's mocks")
    started = time.perf_counter()
    try:
        plan = run_program(
            config,
            subnets=subnets,
            project_dir=project_dir,
            on_resource=on_resource,
            previous_outputs=previous_outputs,
        )
    except pulumi.RunError as error:
        # ConfigError is a RunError: Pulumi shows these without a traceback, and so does the preflight.
        problems = tuple(
            {"path": str(p.path), "message": str(p.message), "text": str(p)} for p in getattr(error, "problems", ())
        )
        failure = Failure("config" if problems else "program", str(error), problems)
        plan = None
    except Exception as error:
        failure = Failure("program", _describe(error, project_dir))
        plan = None
    else:
        failure = None
    seconds = time.perf_counter() - started
    timings["program"] = seconds
    if plan is not None:
        progress.finished("program", f"program registered {len(plan.resources)} resources", seconds)
    else:
        progress.finished("program", "program failed", seconds, ok=False)
    return plan, failure


def _ignoring_changes(previous: Previous | None) -> Callable[[PlannedResource], PlannedResource]:
    """Each resource as the engine hands it to the pack and plans it: with every `ignoreChanges` path reset to
    the deployed value, or removed where the deployed inputs lack it, when the resource exists in the state
    (`continueStepsFromImport` in pulumi/pulumi `pkg/resource/deploy/step_generator.go` calls
    `processIgnoreChanges` before the provider's `Check` and `analyzeAll`; `AnalyzeStack` then sees those inputs
    in the planned state). Only a stack export holds deployed inputs (`PreviousResource.deployed_inputs`): an
    earlier preflight's document holds a plan's, secrets masked, so against it the pack gets the program's
    values and only the diff resets the paths (`preflight.diff`)."""
    resources = (previous.resources if previous is not None else None) or ()
    deployed = {
        resource.urn: resource.deployed_inputs for resource in resources if resource.deployed_inputs is not None
    }
    done: dict[str, PlannedResource] = {}

    def held(resource: PlannedResource) -> PlannedResource:
        urn = deployed_urn(resource.urn, resource.options.aliases, deployed)
        old = deployed[urn] if urn is not None else None
        if old is None or not resource.options.ignore_changes:
            return resource
        if resource.urn not in done:
            inputs, _ = property_path.ignore_changes(resource.options.ignore_changes, old, resource.inputs)
            done[resource.urn] = replace(resource, inputs=inputs)
        return done[resource.urn]

    return held


def _diff(previous: Previous | None, plan: Plan) -> PlanDiff | None:
    if previous is None:
        return None
    from preflight.diff import diff_plan

    return diff_plan(previous, plan)


def _describe(error: BaseException, project_dir: Path) -> str:
    """`Type: message (at file:line)`, the line being the innermost one in this project: no traceback."""
    import traceback

    where = ""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        if path.is_relative_to(project_dir) and "venv" not in path.relative_to(project_dir).parts[:1]:
            where = f" (at {path.relative_to(project_dir)}:{frame.lineno})"
            break
    return f"{type(error).__name__}: {error}{where}"


def _pack_failure(error: BaseException) -> Failure:
    from preflight.analyzer import PackConfigError, PolicyPackError

    if isinstance(error, PolicyPackError):
        if isinstance(error, PackConfigError):
            return Failure("policy-config", str(error), policy_problems=error.problems)
        return Failure("policy-pack", str(error))
    return Failure("policy-pack", f"{type(error).__name__}: {error}")


class _AnalysisStream:
    """`Analyze` for each resource as the program registers it, the way the engine feeds a pack during a preview.

    `submit` runs on the SDK's RPC threads, right after each registration. It queues the resource, and the
    thread that finds nobody sending sends the queue: one thread at a time hands requests over, the others
    return to the SDK at once. The requests go through a relay process (`PolicyPack.relayed`): gRPC's client
    work stays off the program's interpreter lock, as the engine's is in a preview, and the relay keeps at most
    `in_flight` calls unanswered. Resources registered before the pack is configured wait until `open()`. A
    failure to send never reaches the program: `results()` reports it.
    """

    def __init__(self, pack: PolicyPack, in_flight: int = ANALYZE_IN_FLIGHT) -> None:
        self.pack = pack
        self.in_flight = in_flight
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        """Held by the one thread sending the queue."""
        self._queue: collections.deque[PlannedResource] = collections.deque()
        self._providers: dict[str, PlannedResource] = {}
        """Providers sent so far, by URN (only the sending thread touches it)."""
        self._analyses: RelayedAnalysis | None = None
        self._error: BaseException | None = None
        self._open = False
        self._closed = False

    def submit(self, resource: PlannedResource) -> None:
        self._queue.append(resource)
        if self._open:
            self._pump()

    def open(self) -> None:
        """The pack is configured: start the relay, send what is queued, and every later resource as it comes."""
        with self._lock:
            if self._closed:
                return
            try:
                self._analyses = self.pack.relayed(self.in_flight)
            except Exception as error:  # the pack went away, or the relay cannot start: results() reports it
                self._error = error
            self._open = True
        self._pump()

    def _pump(self) -> None:
        # Checked again after letting go: what another thread queued while this one was sending is not left
        # behind (that thread found the role taken and returned).
        while self._queue and self._sending.acquire(blocking=False):
            try:
                self._drain()
            finally:
                self._sending.release()

    def _drain(self) -> None:
        while self._queue:
            self._send(self._queue.popleft())

    def _send(self, resource: PlannedResource) -> None:
        if self._closed or self._error is not None or self._analyses is None:
            return
        if resource.type.startswith(PROVIDER_TYPE_PREFIX):
            self._providers[resource.urn] = resource
        # The engine hands each resource's provider over with it (`step_generator.go` `analyzeAll`); the
        # provider was registered, and queued, before the first resource that uses it.
        provider = self._providers.get(provider_urn(resource.provider))
        try:
            self._analyses.send(resource, provider=provider)
        except Exception as error:  # the relay or the pack went away: results() reports it
            self._error = error

    def results(self) -> list[Diagnostic]:
        """Every resource's diagnostics, once the program has finished and the pack is ready (`open()`)."""
        with self._lock:
            if not self._open:
                raise RuntimeError("the pack was never ready: nothing was sent")
        with self._sending:
            self._drain()
        if self._error is not None:
            raise self._error
        assert self._analyses is not None
        return [diagnostic for result in self._analyses.results() for diagnostic in result.diagnostics]

    def close(self) -> None:
        """Send nothing more, and stop the relay (the run is over, or failed)."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            if self._analyses is not None:
                self._analyses.close()


def _finish_analysis(
    stream: _AnalysisStream, pack: PolicyPack, plan: Plan, progress: Progress, timings: dict[str, float]
) -> tuple[Diagnostic, ...]:
    """`AnalyzeStack` over the whole plan, then every answer: the Analyze calls have been going since the
    program registered its first resource, so what is left is the pack's backlog and the stack policies."""
    count = len(plan.resources)
    progress.started("analysis", f"AnalyzeStack over {count} resources, and the Analyze answers still due")
    started = time.perf_counter()
    # Every resource the engine holds: the root stack and the default providers included (`Plan.analysed`).
    stack = pack.analyze_stack_async(plan.analysed)
    diagnostics = stream.results()
    diagnostics.extend(stack.result().diagnostics)
    seconds = time.perf_counter() - started
    timings["analysis"] = seconds
    progress.finished("analysis", f"Analyze x{count} (sent as registered) and AnalyzeStack", seconds)
    return tuple(diagnostics)


class _PackBoot:
    """Launches the pack (before the SDKs are imported), then connects and configures it in a thread while the
    program runs."""

    def __init__(self, config: Mapping[str, Any], progress: Progress) -> None:
        self.config = config
        self.progress = progress
        self.pack_dir = Path()
        self.process: PackProcess | None = None
        self.pack: PolicyPack | None = None
        self.on_ready: Callable[[], None] | None = None
        """Called from the start-up thread once the pack is connected and configured."""
        self.seconds = 0.0
        self.summary: PolicyPackSummary | None = None
        self._error: BaseException | None = None
        self._started = 0.0
        self._thread = threading.Thread(target=self._connect, name="policy-pack-connect", daemon=True)

    def launch(
        self, pack_dir: Path, *, project: str, stack: str, stack_config: Mapping[str, str], python: str | None
    ) -> None:
        """Launch the process (returns at once); a pack that cannot even be launched is reported by `wait()`."""
        from preflight.analyzer.process import launch_pack

        self.pack_dir = pack_dir
        self.progress.started("pack", f"starting the policy pack in {pack_dir.name}/")
        self._started = time.perf_counter()
        try:
            self.process = launch_pack(pack_dir, project=project, stack=stack, stack_config=stack_config, python=python)
        except Exception as error:  # PackStartError: no __main__.py, or the interpreter cannot be run
            self._error = error

    def start(self, pack: PolicyPack, on_ready: Callable[[], None] | None = None) -> None:
        """Connect to and configure the launched `pack` in a thread."""
        self.pack = pack
        self.on_ready = on_ready
        if self._error is None:
            self._thread.start()

    def _connect(self) -> None:
        assert self.pack is not None
        try:
            self.pack.connect()
            info: AnalyzerInfo = self.pack.info()
            self.summary = PolicyPackSummary(info.name, info.version, {})
            reconciled = self.pack.configure(self.config)
            policies = {policy.name for policy in info.policies}
            # Not `all`: the CLI passes it on as if it were a policy, but it is only a default.
            levels = {name: level for name, (level, _) in reconciled.items() if name in policies}
            self.summary = PolicyPackSummary(info.name, info.version, levels)
        except BaseException as error:
            self._error = error
        self.seconds = time.perf_counter() - self._started
        if self._error is None and self.summary is not None:
            what = f"policy pack {self.summary.name}@{self.summary.version} ready, {len(self.summary.levels)} policies"
            self.progress.finished("pack", what, self.seconds)
            # After the start-up is timed: sending what the program has registered so far is analysis.
            if self.on_ready is not None:
                self.on_ready()
        else:
            self.progress.finished("pack", "policy pack failed", self.seconds, ok=False)

    def wait(self) -> Failure | None:
        if self._thread.ident is not None:
            self._thread.join()
        if self._error is not None and self._thread.ident is None:
            self.seconds = time.perf_counter() - self._started
            self.progress.finished("pack", "policy pack failed", self.seconds, ok=False)
        return _pack_failure(self._error) if self._error is not None else None

    def stop(self) -> None:
        """Stop the pack process. Also ends a connect still waiting in the thread: the pack's stdout closes."""
        pid = self.process.pid if self.process is not None else None
        try:
            if self.pack is not None:
                self.pack.close()
            elif self.process is not None:
                self.process.stop()
        finally:
            if self._thread.ident is not None:
                self._thread.join(timeout=5)
            if pid is not None:
                _reap(pid)


def _reap(pid: int) -> None:
    """Kill and reap the pack if it still runs: when an interruption cut `close()` short.

    `waitpid` only answers for this process's own children, so a pid reused by another process is never hit.
    """
    try:
        exited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return  # already reaped: the normal case
    if exited == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
