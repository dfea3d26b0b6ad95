"""Each resource goes to the pack as the program registers it, as in a preview; the verdict is the same."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

import preflight.program
from preflight.analyzer import AnalysisResult, Diagnostic, PolicyPack, PolicyPackError, RelayedAnalysis
from preflight.analyzer.requests import analyze_stack_request
from preflight.model import PlannedResource, provider_urn
from preflight.program import UNKNOWN_ID, run_program
from preflight.run import _AnalysisStream, run_preflight
from preflight.stack_files import read_stack_config
from tests.preflight.conftest import REPO

pytestmark = pytest.mark.usefixtures("sdk_state")


def _key(diagnostic: Diagnostic) -> tuple[str, str, str, str]:
    return (diagnostic.policy_name, diagnostic.urn, diagnostic.enforcement_level, diagnostic.message)


def test_resources_go_to_the_pack_while_the_program_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    ready = threading.Event()
    program_done = threading.Event()
    queued_during_program: list[bool] = []
    sent_during_program: list[bool] = []
    real_open = _AnalysisStream.open
    real_submit = _AnalysisStream.submit
    real_send = RelayedAnalysis.send
    real_run_program = preflight.program.run_program

    def open_then_signal(self: _AnalysisStream) -> None:
        real_open(self)
        ready.set()

    def recording_submit(self: _AnalysisStream, resource: PlannedResource) -> None:
        queued_during_program.append(not program_done.is_set())
        real_submit(self, resource)

    def recording_send(
        self: RelayedAnalysis, resource: PlannedResource, *, provider: PlannedResource | None = None
    ) -> None:
        sent_during_program.append(not program_done.is_set())
        real_send(self, resource, provider=provider)

    def program_once_the_pack_listens(*args: object, **kwargs: object) -> object:
        # However slowly the pack starts here, the program runs only once it is ready to take resources.
        assert ready.wait(30), "the pack was never configured"
        try:
            return real_run_program(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            program_done.set()

    monkeypatch.setattr(_AnalysisStream, "open", open_then_signal)
    monkeypatch.setattr(_AnalysisStream, "submit", recording_submit)
    monkeypatch.setattr(RelayedAnalysis, "send", recording_send)
    monkeypatch.setattr(preflight.program, "run_program", program_once_the_pack_listens)

    result = run_preflight("dev")

    assert result.failures == ()
    assert result.plan is not None
    analysed = len(result.plan.analysed)
    assert len(queued_during_program) == len(sent_during_program) == analysed
    assert all(queued_during_program), "a resource was handed over only after the program's end"
    assert all(sent_during_program), "a resource waited for the end of the program to be analysed"


def test_streaming_gives_exactly_the_diagnostics_of_one_call_per_resource_after_the_run(tmp_path: Path) -> None:
    # prod passes; a stricter config makes resource and stack policies find something on many resources.
    config = json.loads((REPO / "policies" / "config" / "prod.json").read_text())
    config["elasticache-required-tags"]["requiredTags"].append("dataClassification")
    config["elasticache-backup-retention"]["minimumRetentionDays"] = 30
    config["elasticache-monthly-budget"]["monthlyBudgetUsd"] = 1
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(config))

    streamed = run_preflight("prod", policy_config=strict)
    assert streamed.failures == ()

    plan = run_program(read_stack_config("prod"))
    stack_config = read_stack_config("prod").values
    providers = {provider.urn: provider for provider in plan.providers}
    with PolicyPack(REPO / "policies", project=plan.project, stack=plan.stack, stack_config=stack_config) as pack:
        pack.configure(config)
        one_by_one = [
            d
            for resource in plan.analysed
            for d in pack.analyze(resource, provider=providers.get(provider_urn(resource.provider)))
        ]
        one_by_one += pack.analyze_stack(plan.analysed)

    assert sorted(map(_key, streamed.diagnostics)) == sorted(map(_key, one_by_one))
    policies = {d.policy_name for d in streamed.diagnostics}
    assert {"elasticache-required-tags", "elasticache-backup-retention", "elasticache-monthly-budget"} <= policies
    assert len({d.urn for d in streamed.diagnostics}) > 3


def test_the_program_hands_over_each_resource_once_in_registration_order() -> None:
    seen: list[PlannedResource] = []

    plan = run_program(read_stack_config("prod"), on_resource=seen.append)

    assert [resource for resource in seen if resource not in plan.providers] == [
        replace(plan.root, outputs={}),  # its outputs come at the program's end
        *plan.resources,
    ]
    assert len({resource.urn for resource in seen}) == len(seen)


def test_the_pack_is_handed_the_root_stack_and_no_read_as_the_engine_hands_them() -> None:
    # pulumi/pulumi pkg/resource/deploy/step_generator.go: every registration, the root stack's included, goes
    # through analyzeAll, and AnalyzeResources sends every state in deployment.news; a read (the program's
    # StackReference) is stored in deployment.reads instead (step_executor.go) and never analysed.
    seen: list[PlannedResource] = []

    plan = run_program(read_stack_config("dev"), on_resource=seen.append)

    root = "urn:pulumi:dev::elasticache::pulumi:pulumi:Stack::elasticache-dev"
    assert seen[0].urn == root
    assert seen[0].inputs == {}
    assert seen[0].parent is None
    assert plan.root is not None
    assert plan.analysed[0] == plan.root
    assert root not in {resource.urn for resource in plan.resources}  # the report's tree and the diff are as before
    assert {resource.parent for resource in plan.resources if resource.type == "elasticache:index:Cache"} == {root}
    assert not [resource for resource in plan.analysed if resource.type == "pulumi:pulumi:StackReference"]
    [entry] = [entry for entry in analyze_stack_request(plan.analysed, dry_run=True).resources if entry.urn == root]
    # Its state in AnalyzeStack holds the stack's outputs, finalized before the stack is analysed.
    assert set(entry.properties) == set(plan.exports)
    assert "deployedCaches" in entry.properties


def test_each_custom_resource_uses_a_default_provider_registered_before_it_as_the_engine_does() -> None:
    # pulumi/pulumi pkg/resource/deploy/default_providers.go newRegisterDefaultProviderEvent: one
    # pulumi:providers:<package> per package and version, its inputs the stack's <package>:* config and version;
    # step_generator.go loadResourceProvider: every custom resource has a provider.
    seen: list[PlannedResource] = []

    plan = run_program(read_stack_config("dev"), on_resource=seen.append)

    aws = next(provider for provider in plan.providers if provider.type == "pulumi:providers:aws")
    assert aws.name == "default_7_51_1"
    assert aws.urn == "urn:pulumi:dev::elasticache::pulumi:providers:aws::default_7_51_1"
    assert aws.inputs == {"region": "us-east-1", "version": "7.51.1"}
    assert aws.parent is None
    assert {provider.type for provider in plan.providers} == {"pulumi:providers:aws", "pulumi:providers:random"}
    position = {resource.urn: index for index, resource in enumerate(seen)}
    providers = {provider.urn for provider in plan.providers}
    custom = [resource for resource in plan.resources if resource.custom]
    assert custom
    for resource in custom:
        assert resource.provider == f"{provider_urn(resource.provider)}::{UNKNOWN_ID}"
        assert provider_urn(resource.provider) in providers, resource.urn
        assert position[provider_urn(resource.provider)] < position[resource.urn]
    assert all(resource.provider is None for resource in plan.resources if not resource.custom)


def test_the_pack_prices_a_cache_in_its_default_providers_region_as_in_a_preview(tmp_path: Path) -> None:
    config = json.loads((REPO / "policies" / "config" / "prod.json").read_text())
    config["elasticache-monthly-budget"]["monthlyBudgetUsd"] = 1
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(config))

    result = run_preflight("prod", policy_config=strict)

    (budget,) = [d for d in result.diagnostics if d.policy_name == "elasticache-monthly-budget"]
    assert "Priced in us-east-1 (its provider's `region`)" in budget.message


# -- the stream on its own, with a pack that records what it is handed --------------------------------------


@dataclass
class _Relayed:
    """What `PolicyPack.relayed` returns, recording instead of relaying."""

    sent: list[PlannedResource] = field(default_factory=list)
    closed: bool = False

    providers: list[PlannedResource | None] = field(default_factory=list)

    def send(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> None:
        self.sent.append(resource)
        self.providers.append(provider)

    def results(self) -> list[AnalysisResult]:
        return [AnalysisResult((_diagnostic(resource),), ()) for resource in self.sent]

    def close(self) -> None:
        self.closed = True


@dataclass
class _ManualPack:
    relays: list[_Relayed] = field(default_factory=list)
    windows: list[int] = field(default_factory=list)

    def relayed(self, in_flight: int) -> _Relayed:
        self.windows.append(in_flight)
        self.relays.append(_Relayed())
        return self.relays[-1]

    @property
    def sent(self) -> list[str]:
        return [resource.name for relay in self.relays for resource in relay.sent]


def _diagnostic(resource: PlannedResource) -> Diagnostic:
    return Diagnostic("p", "pack", f"about {resource.name}", "mandatory", resource.urn, None, "", "")


def _resource(index: int) -> PlannedResource:
    return PlannedResource("t:index:T", f"r{index}", f"urn:r{index}", True, {}, {})


def test_resources_before_the_pack_is_ready_wait_and_go_out_in_order_when_it_is() -> None:
    pack = _ManualPack()
    stream = _AnalysisStream(pack, in_flight=7)  # type: ignore[arg-type]

    stream.submit(_resource(0))
    stream.submit(_resource(1))
    assert pack.relays == [], "a relay started before the pack was configured"

    stream.open()
    assert pack.windows == [7], "one relay, with the stream's bound on unanswered calls"
    assert pack.sent == ["r0", "r1"]
    stream.submit(_resource(2))
    assert pack.sent == ["r0", "r1", "r2"], "not sent at once"

    assert [d.message for d in stream.results()] == ["about r0", "about r1", "about r2"]


def test_each_resource_goes_out_with_the_provider_sent_before_it() -> None:
    pack = _ManualPack()
    stream = _AnalysisStream(pack, in_flight=7)  # type: ignore[arg-type]
    provider = PlannedResource("pulumi:providers:t", "default_1_0_0", "urn:p", True, {"version": "1.0.0"}, {})
    consumer = PlannedResource("t:index:T", "r", "urn:r", True, {}, {}, provider=f"urn:p::{UNKNOWN_ID}")
    component = PlannedResource("t:index:C", "c", "urn:c", False, {}, {})

    stream.open()
    for resource in (provider, consumer, component):
        stream.submit(resource)

    assert pack.relays[0].providers == [None, provider, None]


def test_a_submit_while_another_thread_sends_returns_at_once_and_its_resource_still_goes_out() -> None:
    sending = threading.Event()
    go_on = threading.Event()

    class SlowFirst(_Relayed):
        def send(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> None:
            if resource.name == "r0":
                sending.set()
                assert go_on.wait(5)
            super().send(resource)

    class Pack(_ManualPack):
        def relayed(self, in_flight: int) -> _Relayed:
            self.relays.append(SlowFirst())
            return self.relays[-1]

    pack = Pack()
    stream = _AnalysisStream(pack)  # type: ignore[arg-type]
    stream.open()
    first = threading.Thread(target=stream.submit, args=(_resource(0),), daemon=True)
    first.start()
    assert sending.wait(5)

    stream.submit(_resource(1))  # returns although the first send is still under way
    assert pack.sent == [], "a second thread handed a request over while another was sending"

    go_on.set()
    first.join(5)
    assert not first.is_alive()
    assert pack.sent == ["r0", "r1"], "the queued resource was left behind"
    assert [d.message for d in stream.results()] == ["about r0", "about r1"]


def test_a_closed_stream_sends_nothing_more_and_stops_its_relay() -> None:
    pack = _ManualPack()
    stream = _AnalysisStream(pack)  # type: ignore[arg-type]
    stream.open()
    stream.submit(_resource(0))
    stream.close()
    stream.submit(_resource(1))
    assert pack.sent == ["r0"]
    assert pack.relays[0].closed

    late = _AnalysisStream(_ManualPack())  # type: ignore[arg-type]
    late.close()
    late.open()  # the pack came up after the run had already failed
    assert late.pack.relays == []  # type: ignore[attr-defined]


def test_a_failed_send_never_reaches_the_program_and_is_reported_by_results() -> None:
    class Gone(_Relayed):
        def send(self, resource: PlannedResource, *, provider: PlannedResource | None = None) -> None:
            raise PolicyPackError("the Analyze relay stopped taking requests")

    class Pack(_ManualPack):
        def relayed(self, in_flight: int) -> _Relayed:
            return Gone()

    stream = _AnalysisStream(Pack())  # type: ignore[arg-type]
    stream.open()
    stream.submit(_resource(0))  # on the SDK's RPC thread: raising here would fail the program instead

    with pytest.raises(PolicyPackError, match="stopped taking requests"):
        stream.results()


def test_a_relay_that_cannot_start_is_reported_by_results() -> None:
    class Closed(_ManualPack):
        def relayed(self, in_flight: int) -> _Relayed:
            raise PolicyPackError("the policy pack was closed; start a new PolicyPack")

    stream = _AnalysisStream(Closed())  # type: ignore[arg-type]
    stream.open()
    stream.submit(_resource(0))

    with pytest.raises(PolicyPackError, match="closed"):
        stream.results()


def test_a_program_that_fails_midway_still_ends_with_its_own_error(project: Path) -> None:
    # Resources are already on their way to the pack when the program fails: the run reports the program.
    main = project / "__main__.py"
    main.write_text(main.read_text() + '\nraise RuntimeError("stopped after the caches were registered")\n')

    result = run_preflight("dev", project_dir=project)

    assert result.exit_code == 2
    assert [failure.kind for failure in result.failures] == ["program"]
    assert "stopped after the caches were registered" in result.failures[0].message
    assert result.diagnostics == ()
