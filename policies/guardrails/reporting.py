"""How every policy's findings reach the user: in the program's own terms, and waived where the gate says so.

`guarded(policy)` wraps a policy's `validate` once, in place (the registry does it for every policy, so the pack,
the tests and the tools all run the same guarded policy): each violation it reports is
- worded for the user of the program that made the resource (`program_terms`: the stack config key and value
  that fix it), when the resource names its config key;
- waived, with its reason, when the policy config waives this policy for this resource (`waivers`): reported as
  one advisory line instead of the violation, never dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from guardrails import program_terms, waivers
from guardrails.common import tags_of
from guardrails.props import Props

Policy = ResourceValidationPolicy | StackValidationPolicy
_GUARDED = "_elasticache_guarded"


def _key_of(properties: Mapping[str, Any]) -> str | None:
    return program_terms.config_key(tags_of(Props(properties)))


def _settings(policy: Policy, config: Mapping[str, Any] | None) -> dict[str, Any]:
    schema = policy.config_schema.properties if policy.config_schema else {}
    merged = {key: copy.deepcopy(spec["default"]) for key, spec in schema.items() if "default" in spec}
    merged.update(config or {})
    return merged


class _Findings:
    """One policy run's violations: reported in program terms, or held back as waived.

    The settings (defaults merged with the policy config) are worked out at the first violation: the pack
    runs every resource policy on every resource, and nearly all of those runs report nothing.
    """

    def __init__(self, policy: Policy, report: ReportViolation, config: Mapping[str, Any] | None) -> None:
        self.policy = policy
        self.report = report
        self._config = config
        self._settings: dict[str, Any] | None = None
        self.waived: dict[str, list[str]] = {}

    @property
    def config(self) -> dict[str, Any]:
        if self._settings is None:
            self._settings = _settings(self.policy, self._config)
        return self._settings

    def add(self, message: str, urn: str | None, names: list[str | None], key: str | None, kind: str) -> None:
        text = program_terms.in_program_terms(self.policy.name, message, key, self.config, kind)
        waiver = waivers.find(self.config, names)
        if waiver is not None and not waiver.expired(waivers.today()):
            self.waived.setdefault(waiver.describe(), []).append(text)
            return
        if waiver is not None and waiver.expires is not None:
            text += f" (The waiver for {waiver.resource} expired on {waiver.expires.isoformat()}.)"
        if urn:
            self.report(text, urn)
        else:
            self.report(text)

    def finish(self, run: Callable[[], Any]) -> None:
        try:
            run()
        except UnknownValueError as undecided:
            if not self.waived:
                raise
            raise waivers.Waived(f"{self._summary()}; also: {undecided.message}") from None
        if self.waived:
            raise waivers.Waived(self._summary())

    def _summary(self) -> str:
        return "; ".join(f"{why}; the finding: {' '.join(texts)}" for why, texts in self.waived.items())


def guarded(policy: Policy) -> Policy:
    """The policy, its `validate` wrapped (once) and its config schema given `waivers`."""
    if getattr(policy, _GUARDED, False):
        return policy
    inner = policy.validate
    if isinstance(policy, StackValidationPolicy):

        def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
            findings = _Findings(policy, report, args.get_config())
            by_urn = {resource.urn: resource for resource in args.resources}

            def speaking(message: str, urn: str | None = None) -> None:
                resource = by_urn.get(urn or "")
                if resource is None:
                    findings.add(message, urn, [urn], None, "")
                    return
                key = _key_of(resource.props)
                findings.add(message, urn, [resource.name, resource.urn, key], key, resource.resource_type)

            findings.finish(lambda: inner(args, speaking))

        policy.validate = validate_stack  # type: ignore[assignment]
    else:

        def validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
            findings = _Findings(policy, report, args.get_config())

            def speaking(message: str, urn: str | None = None) -> None:
                # Read at the first violation only: most runs find nothing, and the tags are a full walk.
                key = _key_of(args.props)
                findings.add(message, urn, [args.name, args.urn, key], key, args.resource_type)

            findings.finish(lambda: inner(args, speaking))

        policy.validate = validate_resource  # type: ignore[assignment]
    schema = policy.config_schema or PolicyConfigSchema(properties={})
    schema.properties = {**schema.properties, waivers.KEY: waivers.SCHEMA}
    policy.config_schema = schema
    setattr(policy, _GUARDED, True)
    return policy
