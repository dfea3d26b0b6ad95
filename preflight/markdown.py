"""A Markdown summary for a job summary or a pull-request comment: verdict, diff, policy results, cost delta.

GitHub-flavoured Markdown (tables, `<details>`); a comment holds at most 65,536 characters, so long lists are
cut with a pointer to the JSON artifact, which holds everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from preflight.diff import MARKS, REPLACE, UPDATE, PlanDiff
from preflight.run import PreflightResult
from preflight.summaries import VERDICTS, policy_results, stack_level
from preflight.values import money, plural, scalar

MAX_STEPS = 60
"""Resource rows per stack; the rest are counted, and listed in the JSON document."""
MAX_CHARS = 65_536
"""GitHub's limit on a comment's body: `gh pr comment` fails on a longer one ("Body is too long")."""
CUT = "\n\n… cut to fit a pull-request comment: the JSON document (the `preflight` artifact) holds everything.\n"
MARKER = "<!-- elasticache-preflight -->"
"""First line of every summary: lets a workflow find and edit its own earlier comment."""
ICONS = {0: "✅", 1: "❌", 2: "⚠️"}


def render(results: Sequence[PreflightResult], limit: int = MAX_CHARS) -> str:
    """The summary, at most `limit` characters: fewer resource rows first, then none, then cut at a line."""
    for steps in (MAX_STEPS, 20, 0):
        text = _render(results, steps)
        if len(text) <= limit:
            return text
    kept = text[: limit - len(CUT)]
    return kept[: kept.rfind("\n")].rstrip() + CUT


def _render(results: Sequence[PreflightResult], max_steps: int) -> str:
    worst = max((result.exit_code for result in results), default=0)
    lines = [MARKER, f"# {ICONS[worst]} Preflight: {_verdict(worst, results)}", ""]
    if len(results) > 1:
        lines += ["| stack | verdict | changes | data loss | monthly cost |", "|---|---|---|---|---|"]
        for result in results:
            lines.append(
                f"| `{result.stack}` | {ICONS[result.exit_code]} {VERDICTS[result.exit_code]} | "
                f"{_counts(result.diff)} | {_loss(result.diff)} | {_cost_cell(result)} |"
            )
        lines.append("")
    for result in results:
        lines += _stack(result, max_steps)
    return "\n".join(lines).rstrip() + "\n"


def _verdict(worst: int, results: Sequence[PreflightResult]) -> str:
    if len(results) == 1:
        return f"`{results[0].stack}` {VERDICTS[worst]}"
    failing = [result.stack for result in results if result.exit_code]
    return VERDICTS[worst] + (f" ({', '.join(f'`{stack}`' for stack in failing)})" if failing else "")


def _stack(result: PreflightResult, max_steps: int = MAX_STEPS) -> list[str]:
    lines = [f"## `{result.stack}`: {ICONS[result.exit_code]} {VERDICTS[result.exit_code]}", ""]
    for failure in result.failures:
        lines.append(f"**{failure.kind} error**: {_escape(failure.message.splitlines()[0])}")
        lines += [f"- `{problem['path']}`: {_escape(str(problem['message']))}" for problem in failure.problems]
        lines.append("")
    if result.diff is not None:
        lines += _diff(result.diff, max_steps)
    elif result.previous is not None and result.failures:
        lines += [f"Not compared with {_escape(result.previous.label)}: the stack was not planned.", ""]
    if result.pack is not None and result.plan is not None and not result.failures:
        lines += _policies(result)
    return lines


def _diff(diff: PlanDiff, max_steps: int = MAX_STEPS) -> list[str]:
    lines = [f"### Changes against {_escape(diff.previous.label)}", ""]
    if diff.resources_known:
        counts = ", ".join(f"`{MARKS[op].strip()}` {diff.counts.get(op, 0)} to {op}" for op in MARKS)
        lines += [f"{counts}, {diff.unchanged} unchanged", ""]
    else:
        lines += ["The previous document holds the stack's outputs only: changes per cache, from its exports.", ""]
    lines += [
        "| | cache | change | data loss | before | after | difference |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for cache in diff.caches:
        mark = f"`{MARKS[cache.op].strip()}`" if cache.op else ""
        change = cache.op or "unchanged"
        if cache.reasons:
            change += ": " + "; ".join(_escape(reason) for reason in cache.reasons)
        lines.append(
            f"| {mark} | `{cache.name}` | {change} | {'**yes**' if cache.data_loss else 'no'} | "
            f"{_money(cache.before_usd)} | {_money(cache.after_usd)} | {_signed(cache.delta_usd)} |"
        )
    lines.append(
        f"| | **total** | | | **{_money(diff.before_usd)}** | **{_money(diff.after_usd)}** | "
        f"**{_signed(diff.delta_usd)}** |"
    )
    lines.append("")
    if diff.refused:
        lines.append("**Refused by `pulumi up`** (protected): " + ", ".join(f"`{s.name}`" for s in diff.refused))
        lines.append("")
    if diff.steps and max_steps:
        lines += [
            "<details><summary>Resources</summary>",
            "",
            "| | resource | type | what changes |",
            "|---|---|---|---|",
        ]
        for step in diff.steps[:max_steps]:
            lines.append(f"| `{step.mark.strip()}` | `{step.name}` | `{step.type.split(':')[-1]}` | {_what(step)} |")
        if len(diff.steps) > max_steps:
            lines.append(f"| | … {len(diff.steps) - max_steps} more (in the JSON document) | | |")
        lines += ["", "</details>", ""]
    elif diff.steps:
        lines += [f"{len(diff.steps)} resource changes: listed in the JSON document.", ""]
    return lines


def _what(step: Any) -> str:
    if step.op not in (UPDATE, REPLACE):
        return "retained in AWS" if step.retained else ""
    parts = [
        f"`{c.key}`: {_escape(_short(scalar(c.before)))} → {_escape(_short(scalar(c.after)))}" for c in step.changes[:6]
    ]
    if len(step.changes) > 6:
        parts.append(f"… {len(step.changes) - 6} more")
    text = "<br>".join(parts)
    if step.op == REPLACE:
        text = f"**replaced**, forced by {', '.join(f'`{key}`' for key in step.replaced_by)}<br>{text}"
    return text


def _policies(result: PreflightResult) -> list[str]:
    pack = result.pack
    assert pack is not None
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for violations in policy_results(result.diagnostics).values():
        for violation in violations:
            by_policy.setdefault(violation["policy"], []).append(violation)
    ran = {name: level for name, level in pack.levels.items() if level != "disabled"}
    failed = sorted(name for name in ran if name in by_policy)
    passed = sorted(name for name in ran if name not in by_policy)
    lines = [
        f"### Policies: {pack.name}@{pack.version}: {len(passed)} passed, {len(failed)} failed"
        + (f", {len(pack.levels) - len(ran)} disabled" if len(pack.levels) > len(ran) else ""),
        "",
        "| policy | level | result | resources |",
        "|---|---|---|---|",
    ]
    for name in failed + passed:
        violations = by_policy.get(name, [])
        icon = ("❌" if ran[name] in ("mandatory", "remediate") else "⚠️") if violations else "✅"
        where = ", ".join(sorted({f"`{_subject(v)}`" for v in violations}))
        result_text = f"{icon} {plural(len(violations), 'violation')}" if violations else "✅ passed"
        lines.append(f"| `{name}` | {ran[name]} | {result_text} | {where} |")
    lines.append("")
    for name in failed:
        lines += [f"<details><summary><code>{name}</code></summary>", ""]
        for violation in by_policy[name]:
            lines.append(f"- `{_subject(violation)}`: {_escape(violation['message'])}")
            if violation["remediation"]:
                lines.append(f"  - fix: {_escape(violation['remediation'])}")
        lines += ["", "</details>", ""]
    return lines


def _counts(diff: PlanDiff | None) -> str:
    if diff is None:
        return "-"
    if not diff.resources_known:
        changed = [c for c in diff.caches if c.op]
        return ", ".join(f"`{MARKS[c.op].strip()}` {c.name}" for c in changed if c.op) or "none"
    return " ".join(f"`{MARKS[op].strip()}`{diff.counts.get(op, 0)}" for op in MARKS)


def _loss(diff: PlanDiff | None) -> str:
    if diff is None:
        return "-"
    return ", ".join(f"**{c.name}**" for c in diff.data_loss) or "none"


def _cost_cell(result: PreflightResult) -> str:
    if result.diff is not None:
        diff = result.diff
        return f"{_money(diff.before_usd)} → {_money(diff.after_usd)} ({_signed(diff.delta_usd)})"
    cost = (result.plan.exports.get("monthlyCost") or {}) if result.plan is not None else {}
    return _money(cost.get("usd")) if isinstance(cost, dict) else "-"


def _money(usd: float | None) -> str:
    return money(usd) if usd is not None else "-"


def _signed(usd: float | None) -> str:
    if usd is None:
        return "-"
    return ("+" if usd >= 0 else "-") + money(abs(usd))


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(text: str) -> str:
    """One table cell or list line: no pipes or newlines breaking the layout, and no `<name>` taken for an
    HTML tag (GitHub drops tags it does not know, and the placeholder with them) outside code spans."""
    parts = text.replace("|", "\\|").replace("\r", "").replace("\n", " ").split("`")
    closed = len(parts) % 2  # an odd count of backticks leaves the last one literal: its tail is plain text
    for index, part in enumerate(parts):
        if index % 2 == 0 or (not closed and index == len(parts) - 1):
            parts[index] = part.replace("<", "&lt;")
    return "`".join(parts)


def _subject(violation: Mapping[str, Any]) -> str:
    return "stack" if stack_level(violation) else str(violation["resourceName"])
