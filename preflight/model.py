"""What an offline plan is made of: the resources a program registers, as the Pulumi engine would see them.

The mock runner fills these in from the SDK's real `RegisterResourceRequest`s; the policy-pack driver sends
them to the pack over the Analyzer gRPC interface. Both sides share this one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUBNET_RULE = "network.subnetIds[i] in network.appAvailabilityZones[i % n]"
"""How every offline run (this preflight, the tests) answers `get_subnet`: from the stack's own network config
(`preflight.stack_files.stand_in_subnets`)."""


PROVIDER_TYPE_PREFIX = "pulumi:providers:"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def root_stack_urn(project: str, stack: str) -> str:
    """The root stack resource's URN (pulumi/pulumi `sdk/go/common/resource/stack.go` `DefaultRootStackURN`: type
    `pulumi:pulumi:Stack`, named `<project>-<stack>`, no parent)."""
    return f"urn:pulumi:{stack}::{project}::{ROOT_STACK_TYPE}::{project}-{stack}"


def provider_urn(reference: str | None) -> str:
    """A provider reference, `<urn>::<id>`, -> `<urn>`."""
    if not reference:
        return ""
    urn, _, _ = reference.rpartition("::")
    return urn or reference


@dataclass(frozen=True)
class SubnetAnswer:
    """What `get_subnet` answers for one subnet: its availability zone and VPC."""

    availability_zone: str
    vpc_id: str


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options the engine passes on to a policy pack (`AnalyzerResourceOptions`)."""

    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    ignore_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    custom_timeouts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedResource:
    """One registered resource.

    `inputs` are the camelCase inputs exactly as the SDK serialised them (secrets in their wire form);
    `outputs` are what the mocks computed (ids, ARNs, endpoints) merged over the inputs, i.e. the state the
    engine would hold after `pulumi up`.
    """

    type: str
    name: str
    urn: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: ResourceOptions = field(default_factory=ResourceOptions)
    id: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything one run of a program registered, plus the stack outputs it exported."""

    project: str
    stack: str
    resources: tuple[PlannedResource, ...]
    exports: dict[str, Any]
    providers: tuple[PlannedResource, ...] = ()
    """The default providers the engine registers for `resources` (`preflight.program.DefaultProviders`): sent
    to the policy pack like any resource, not part of the plan the report shows, as a preview hides them."""
    root: PlannedResource | None = None
    """The root stack resource (`pulumi:pulumi:Stack`, `<project>-<stack>`), which the program registers first
    and every top-level resource names as its parent. Not in `resources` (the report shows it as the tree's
    root, a diff never plans it), but sent to the policy pack as the engine sends it (`analysed`); its
    `outputs` are the stack's outputs."""

    @property
    def analysed(self) -> tuple[PlannedResource, ...]:
        """Every resource the engine hands the policy pack: `Analyze` for each as it is registered, and all of
        them in `AnalyzeStack`. That is every registration, the root stack and the default providers included
        (pulumi/pulumi `pkg/resource/deploy/step_generator.go`: `continueStepsFromImport` calls `analyzeAll` for
        each registered resource, and `AnalyzeResources` sends every state in `deployment.news`), and no read:
        a read (the program's StackReference to its own stack, `GenerateReadSteps`) is stored in
        `deployment.reads`, not `news` (`step_executor.go`), and is never analysed."""
        return (*((self.root,) if self.root is not None else ()), *self.providers, *self.resources)

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]
