"""Cost: the stack's ElastiCache spend stays within the environment's monthly budget.

The budget check and the pricing are separate on purpose: `budget_policy(model)` takes any `CostModel`, and
the pack registers `monthly_budget`, built from `COST_MODEL`. Until a model exists the policy reports that it
cannot price (not applicable, with the reason), never a made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from guardrails.common import CACHE_TYPES, settings
from guardrails.props import NotKnownAtPreview


@dataclass(frozen=True)
class CostLine:
    """One priced resource."""

    urn: str
    name: str
    monthly_usd: float
    basis: str
    """How the figure was reached (node type x count x hours, GB-hours, ...), shown to the reader."""


@dataclass(frozen=True)
class CostEstimate:
    lines: tuple[CostLine, ...]
    unpriced: tuple[str, ...] = ()
    """Resources the model could not price, each with why (an unknown node type at preview, no price data)."""

    @property
    def monthly_usd(self) -> float:
        return sum(line.monthly_usd for line in self.lines)


class CostModel(Protocol):
    """Prices a stack's resources; a model must say what it could not price rather than guess."""

    def estimate(self, resources: Sequence[PolicyResource]) -> CostEstimate: ...


COST_MODEL: CostModel | None = None
"""The pack's pricing. None: no model yet, the budget cannot be checked."""

SCHEMA = PolicyConfigSchema(
    properties={
        "monthlyBudgetUsd": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "Monthly ElastiCache budget of the stack in USD (on demand); 0: no budget set.",
        },
    }
)


def budget_policy(model: CostModel | None) -> StackValidationPolicy:
    """The `elasticache-monthly-budget` policy, pricing with `model`."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        budget = float(settings(args, SCHEMA)["monthlyBudgetUsd"])
        caches = [resource for resource in args.resources if resource.resource_type in CACHE_TYPES]
        if not caches:
            args.not_applicable("the stack has no ElastiCache caches")
        if budget <= 0:
            args.not_applicable("no `monthlyBudgetUsd` configured for this environment")
        if model is None:
            args.not_applicable(
                f"cannot price ElastiCache yet: this pack has no cost model, so the ${budget:,.2f}/month budget "
                "is not checked"
            )
        estimate = model.estimate(args.resources)
        total = estimate.monthly_usd
        if total > budget:
            lines = "; ".join(
                f"{line.name} ${line.monthly_usd:,.2f} ({line.basis})"
                for line in sorted(estimate.lines, key=lambda line: -line.monthly_usd)
            )
            report(
                f"ElastiCache in this stack costs about ${total:,.2f}/month (on demand), over the "
                f"${budget:,.2f} budget: {lines}."
                + (f" Not priced: {'; '.join(estimate.unpriced)}." if estimate.unpriced else "")
            )
        elif estimate.unpriced:
            raise NotKnownAtPreview(
                f"priced ${total:,.2f}/month of a ${budget:,.2f} budget, but could not price: "
                + "; ".join(estimate.unpriced)
            )

    return StackValidationPolicy(
        name="elasticache-monthly-budget",
        description="The stack's ElastiCache resources fit the environment's monthly budget.",
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        config_schema=SCHEMA,
        severity=Severity.LOW,
        tags=["cost", "budget"],
        remediation_steps=(
            "Use smaller or fewer nodes (or reserved nodes for steady load), lower serverless usage limits, or "
            "raise `monthlyBudgetUsd` for this environment."
        ),
        url="https://aws.amazon.com/elasticache/pricing/",
    )


monthly_budget = budget_policy(COST_MODEL)

POLICIES = [monthly_budget]
