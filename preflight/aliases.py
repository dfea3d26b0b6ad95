"""The URNs a resource's aliases name, as the engine computes them from the specs the SDK sends.

The Python SDK sends each `pulumi.Alias` as a spec (`alias_pb2.Alias.Spec`: name, type, project, stack and a
parent URN or `noParent`) when the monitor supports `aliasSpecs`, as the SDK's mock monitor does; the engine
turns a spec into a URN in `stepGenerator.collapseAliasToUrn` (pulumi/pulumi
`pkg/resource/deploy/step_generator.go`): a field the spec leaves empty is the resource's own, a parent that is
the root stack or `noParent` means no parent, and `resource.CreateURN` (`sdk/go/common/resource/alias.go`)
builds the URN. `getOldResource` then looks up the previous state by the resource's own URN first and by each
alias after, and an old resource matched through an alias is renamed, not deleted.

Not modelled: the aliases a child inherits from an aliased parent (`inheritedChildAlias`); this project's
program aliases no component.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from preflight.model import ROOT_STACK_TYPE


def create_urn(name: str, type_: str, parent: str, project: str, stack: str) -> str:
    """`resource.CreateURN`: under a parent, the parent's qualified type then `$`; without one, the stack's."""
    prefix = parent[: parent.rindex("::")] + "$" if parent else f"urn:pulumi:{stack}::{project}::"
    return f"{prefix}{type_}::{name}"


def _qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def alias_urns(
    aliases: Iterable[Any], *, name: str, type_: str, parent: str, project: str, stack: str
) -> tuple[str, ...]:
    """The URNs of `RegisterResourceRequest.aliases` (each an `alias_pb2.Alias`), in order, each once."""
    urns: list[str] = []
    for alias in aliases:
        if alias.WhichOneof("alias") == "urn":
            urn = alias.urn
        else:
            spec = alias.spec
            alias_parent = parent
            if spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
                alias_parent = spec.parentUrn
            if (spec.WhichOneof("parent") == "noParent" and spec.noParent) or (
                alias_parent and _qualified_type(alias_parent) == ROOT_STACK_TYPE
            ):
                alias_parent = ""
            urn = create_urn(
                spec.name or name, spec.type or type_, alias_parent, spec.project or project, spec.stack or stack
            )
        if urn not in urns:
            urns.append(urn)
    return tuple(urns)


def deployed_urn(urn: str, aliases: Iterable[str], deployed: Container[str]) -> str | None:
    """The deployed resource a planned one continues, as `getOldResource` looks it up: its own URN, else the
    first alias that names a deployed resource. (The engine refuses a program in which two resources claim
    one deployed resource; the preflight leaves that error to it.)"""
    for candidate in (urn, *aliases):
        if candidate in deployed:
            return candidate
    return None
