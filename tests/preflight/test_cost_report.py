"""The preflight's cost table: the program's cost exports, in the text report and in the JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from preflight.program import run_program
from preflight.report import render_json, render_text
from preflight.run import run_preflight
from preflight.stack_files import read_stack_config
from preflight.summaries import cost_document


def test_cost_document_carries_every_cache_and_the_total() -> None:
    exports = run_program(read_stack_config("prod")).exports
    cost = cost_document(exports)
    assert cost is not None
    assert cost["monthlyUsd"] == exports["monthlyCost"]["usd"]
    assert [c["name"] for c in cost["caches"]] == ["ratelimit", "retrieval", "sessions"]
    sessions = next(c for c in cost["caches"] if c["name"] == "sessions")
    assert sessions["monthlyUsd"] == exports["sessions"]["monthlyCost"]["usd"]
    assert (
        sessions["breakEvenRequestsPerSecond"]
        == exports["sessions"]["monthlyCost"]["advice"]["breakEvenRequestsPerSecond"]
    )
    assert sessions["sameAzSavingUsd"] == exports["sessions"]["monthlyCost"]["crossAz"]["savingUsd"]


def test_a_program_without_cost_exports_has_no_cost_section() -> None:
    assert cost_document({"sessions": {"endpoint": "x"}}) is None


def test_text_and_json_reports_show_the_cost() -> None:
    result = run_preflight("dev")
    text = render_text(result, unicode=False)
    total = result.plan.exports["monthlyCost"]["usd"]
    table = text[text.index("Monthly cost") : text.index("Outputs:")]
    assert f"${total:,.2f}" in table
    assert "prompts" in table
    assert "sessions" in table
    assert "node-based" in table  # sessions stays node-based whatever serverless would cost
    assert "monthlyCost" not in text[text.index("Outputs:") :].split("\n", 1)[1]
    # Right-size, reserved savings and a why line per cache, with a legend of the columns. dev sessions: 0.2 GB
    # expected fits cache.t4g.micro (0.5 GiB x 0.75 x 1.0737 = 0.40 GB): 2 x 0.0128 x 730 = $18.69 (dev:
    # burstable nodes allowed); 3-yr all-upfront saves the generic 55% of it, $10.28.
    header = table.splitlines()[1].split()
    assert header == ["cache", "monthly", "advice", "right-size", "reserved", "saves", "break-even", "same-AZ", "saves"]
    sessions_row = next(line for line in table.splitlines() if line.strip().startswith("sessions "))
    assert "2 x cache.t4g.micro $18.69" in sessions_row
    assert f"${2 * 0.0128 * 730 * 0.55:,.2f} (3yr)" in sessions_row
    assert "sessions: why node-based: serverless would cost less (at 20 req/s" in table
    assert "prompts: why serverless: at 40 req/s serverless costs $31.19/month" in table
    for column in ("monthly:", "advice:", "right-size:", "reserved saves:", "break-even:", "same-AZ saves:"):
        assert f"* {column}" in table
    document = json.loads(render_json([result], all_stacks=False))
    assert document["cost"]["monthlyUsd"] == total
    assert {c["name"] for c in document["cost"]["caches"]} == {"prompts", "sessions"}
    for cache in document["cost"]["caches"]:
        figures = [line["usd"] for line in cache["lines"]] + [cache["monthlyUsd"], cache["sameAzSavingUsd"]]
        assert all(value is None or round(value, 2) == value for value in figures), figures  # cents


def test_program_preflight_and_budget_policy_show_one_figure_for_a_stack_outside_us_east_1(project: Path) -> None:
    # The dev stack moved to us-west-2. The reference CSV prices Valkey cache.t4g.small there at 0.0256 $/h
    # (derived: 0.8 x the 2022 vantage Redis OSS row 0.032), and has no us-west-2 serverless or backup price.
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("us-east-1", "us-west-2"))
    config = json.loads((project / "policies" / "config" / "dev.json").read_text())
    config["elasticache-monthly-budget"]["monthlyBudgetUsd"] = 1
    policy_config = project / "tight-budget.json"
    policy_config.write_text(json.dumps(config))

    result = run_preflight("dev", project_dir=project, policy_config=policy_config)

    assert result.plan is not None
    sessions = 2 * 0.0256 * 730  # 37.376; its 3 daily snapshots have no us-west-2 price
    program = result.plan.exports["monthlyCost"]
    assert program["usd"] == round(sessions, 2) == 37.38
    assert program["complete"] is False
    assert result.plan.exports["sessions"]["monthlyCost"]["lines"][0]["usd"] == 37.38

    text = render_text(result, unicode=False)
    table = text[text.index("Monthly cost") : text.index("Outputs:")]
    total_row = next(line for line in table.splitlines() if line.strip().startswith("total"))
    assert "$37.38 + unpriced" in total_row
    assert "no Valkey serverless price for us-west-2" in table
    assert "no backup storage price for us-west-2" in table

    [budget] = [d for d in result.diagnostics if d.policy_name == "elasticache-monthly-budget"]
    assert "costs about $37.38/month on demand" in budget.message
    # The default provider carries the stack's aws:region, as it does for the pack in a preview.
    assert "Priced in us-west-2 (its provider's `region`)" in budget.message
    assert "prompts-serverless: data stored: no Valkey serverless price for us-west-2" in budget.message
    assert "prompts: why unknown: cannot compare: serverless data stored: no Valkey serverless price for us-west-2" in (
        table
    )
    assert "0.084" not in budget.message  # us-east-1's serverless rate is never borrowed


def test_a_total_with_a_ceiling_in_it_is_shown_as_a_ceiling(project: Path) -> None:
    # dev's prompts cache without its expected load is priced at its usage limits: at most, and so is the total.
    stack_file = project / "Pulumi.dev.yaml"
    text = stack_file.read_text()
    load = text[text.index("      expectedLoad:") : text.index("      auth:")]
    stack_file.write_text(text.replace(load, "", 1))
    result = run_preflight("dev", project_dir=project)
    assert result.plan is not None
    exports = result.plan.exports
    assert exports["prompts"]["monthlyCost"]["atMost"] is True
    assert exports["monthlyCost"]["atMost"] is True
    table = render_text(result, unicode=False)
    total_row = next(line for line in table.splitlines() if line.strip().startswith("total"))
    assert f"${exports['monthlyCost']['usd']:,.2f} at most" in total_row
    document = json.loads(render_json([result], all_stacks=False))
    assert document["cost"]["atMost"] is True
    assert run_program(read_stack_config("dev")).exports["monthlyCost"]["atMost"] is False
