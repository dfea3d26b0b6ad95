"""What the pack says: its info (`GetAnalyzerInfo`) and its analysis results, as plain values."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
LEVEL_TO_PROTO = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_PROTO_TO_LEVEL = {value: key for key, value in LEVEL_TO_PROTO.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_POLICY_TYPES = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}


@dataclass(frozen=True)
class Diagnostic:
    """One policy result the CLI would print: a violation, or an advisory "could not check" line."""

    policy_name: str
    policy_pack: str
    message: str
    enforcement_level: str
    """`advisory`, `mandatory`, `remediate` or `disabled`, as the pack reported it."""
    urn: str
    """The resource the engine files it under: for `Analyze`, the resource analysed; for `AnalyzeStack`, the
    resource the policy named when it is in the stack, else the root stack (`analysis_result`)."""
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


def pack_version(path: Path) -> str:
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


def analysis_result(
    response: Any, info: AnalyzerInfo, *, default_urn: str, in_stack: Collection[str] | None = None
) -> AnalysisResult:
    """An `Analyze`/`AnalyzeStack` answer, with what the CLI adds from the pack's info (severity, remediation).

    The URN each diagnostic is filed under is the engine's. For `Analyze` (`in_stack` None) it is always the
    resource analysed, `default_urn`, whatever URN the pack put in the diagnostic (pulumi/pulumi
    `pkg/resource/deploy/analyze_snapshot.go` `analyzeResource`: `events.OnPolicyViolation(r.URN, d)`). For
    `AnalyzeStack`, `in_stack` holds the URNs of the stack's resources and `default_urn` is the root stack's: a
    diagnostic keeps its own URN when it names a resource in the stack, and any other (none: a stack-level
    result) goes to the root stack (`step_generator.go` `AnalyzeResources`, `resolveStackPolicyViolationURN` in
    `analyze_snapshot.go`).
    """
    known = {policy.name: policy for policy in info.policies}
    diagnostics = []
    for item in response.diagnostics:
        policy = known.get(item.policyName)
        severity = _SEVERITIES.get(item.severity) or (policy.severity if policy else None)
        urn = default_urn if in_stack is None or item.urn not in in_stack else item.urn
        diagnostics.append(
            Diagnostic(
                policy_name=item.policyName,
                policy_pack=item.policyPackName,
                message=item.message,
                enforcement_level=_PROTO_TO_LEVEL.get(item.enforcementLevel, "advisory"),
                urn=urn,
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
