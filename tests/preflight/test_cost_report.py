"""The preflight's cost table: the program's cost exports, in the text report and in the JSON document."""

from __future__ import annotations

import json

from preflight.program import read_stack_config, run_program
from preflight.report import cost_document, render_json, render_text
from preflight.run import run_preflight


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
    document = json.loads(render_json([result], all_stacks=False))
    assert document["cost"]["monthlyUsd"] == total
    assert {c["name"] for c in document["cost"]["caches"]} == {"prompts", "sessions"}
