"""The Markdown summary as GitHub renders it: within a comment's size limit, and no text taken for HTML."""

from __future__ import annotations

from preflight import markdown
from preflight.diff import UPDATE, Change, PlanDiff, Step
from preflight.previous import Previous
from preflight.run import Failure, PreflightResult

GITHUB_COMMENT_LIMIT = 65_536
"""A longer body is refused: `gh pr comment` fails with "Body is too long (maximum is 65536 characters)"."""


def tagged(stack: str, resources: int) -> PreflightResult:
    """Six long tags added to every resource of a stack, as a pull request adding runbook and dashboard URLs."""
    changes = tuple(
        Change(f"tags.tag{index}", None, f"https://wiki.example.com/runbooks/elasticache/{index:02d}-" + "x" * 48)
        for index in range(6)
    )
    steps = tuple(
        Step(UPDATE, f"urn:pulumi:{stack}::p::t::r{n}", "aws:cloudwatch/metricAlarm:MetricAlarm", f"r{n}", "c", changes)
        for n in range(resources)
    )
    previous = Previous("base-preflight.json", "preflight", {}, ())
    diff = PlanDiff(previous, steps, (), 0, None, None, {UPDATE: resources})
    return PreflightResult("p", stack, None, previous=previous, diff=diff)


def test_the_summary_of_several_big_changes_fits_in_a_pull_request_comment() -> None:
    results = [tagged(stack, 109) for stack in ("dev", "staging", "prod")]

    text = markdown.render(results)

    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith(markdown.MARKER)
    assert "## `prod`" in text


def test_placeholders_in_messages_are_not_taken_for_html_tags() -> None:
    problem = {
        "path": "caches.sessions.kmsKey",
        "message": "use 'create', 'aws-owned' or a KMS key ARN (arn:aws:kms:<region>:<acct>:key/<id>); `<kept>`",
        "text": "",
    }
    result = PreflightResult("p", "dev", None, failures=(Failure("config", "Invalid stack config", (problem,)),))

    text = markdown.render([result])

    assert "arn:aws:kms:&lt;region>:&lt;acct>:key/&lt;id>" in text
    assert "`<kept>`" in text, "inside a code span GitHub shows < as it is"
