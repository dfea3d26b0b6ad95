from __future__ import annotations

from collections.abc import Sequence

from guardrails.common import CACHE_TYPES
from guardrails.cost import COST_MODEL, CostEstimate, CostLine, budget_policy, monthly_budget
from pulumi_policy import EnforcementLevel, PolicyResource

from tests.policies.harness import check_stack
from tests.policies.secure import secure_items


class FlatModel:
    """Prices every cache at a flat rate (a stand-in for the cost model the pack will get)."""

    def __init__(self, per_cache: float, unpriced: tuple[str, ...] = ()) -> None:
        self.per_cache = per_cache
        self.unpriced = unpriced

    def estimate(self, resources: Sequence[PolicyResource]) -> CostEstimate:
        caches = [r for r in resources if r.resource_type in CACHE_TYPES]
        return CostEstimate(tuple(CostLine(r.urn, r.name, self.per_cache, "flat") for r in caches), self.unpriced)


def test_no_cost_model_yet_means_not_applicable_with_the_reason() -> None:
    assert COST_MODEL is None
    outcome = check_stack(monthly_budget, secure_items(), config={"monthlyBudgetUsd": 1000})
    assert outcome.not_applicable == (
        "cannot price ElastiCache yet: this pack has no cost model, so the $1,000.00/month budget is not checked"
    )


def test_budget_policy_is_advisory() -> None:
    assert monthly_budget.enforcement_level is EnforcementLevel.ADVISORY
    assert monthly_budget.name == "elasticache-monthly-budget"


def test_no_budget_or_no_caches() -> None:
    assert "no `monthlyBudgetUsd`" in (check_stack(monthly_budget, secure_items()).not_applicable or "")
    assert "no ElastiCache caches" in (
        check_stack(monthly_budget, [], config={"monthlyBudgetUsd": 5}).not_applicable or ""
    )


def test_a_cost_model_plugs_in() -> None:
    policy = budget_policy(FlatModel(400.0))
    assert check_stack(policy, secure_items(), config={"monthlyBudgetUsd": 1000}).passed
    over = check_stack(policy, secure_items(), config={"monthlyBudgetUsd": 500})
    assert over.violations == [
        "ElastiCache in this stack costs about $800.00/month (on demand), over the $500.00 budget: "
        "sessions-replication-group $400.00 (flat); prompts-serverless $400.00 (flat)."
    ]
    partial = check_stack(
        budget_policy(FlatModel(100.0, ("sessions: no price for cache.x1.huge",))),
        secure_items(),
        config={"monthlyBudgetUsd": 500},
    )
    assert partial.violations == []
    assert "could not price: sessions: no price for cache.x1.huge" in (partial.advisory or "")
