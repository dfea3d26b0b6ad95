"""What a preflight shows: a preview-like resource tree, the policy results by enforcement level, the exports.

`render_text` is for people, `render_json` for CI (one document, nothing else on stdout). Both mask every
secret as `[secret]` and show integral numbers as integers (`preflight.values`); what they lay out is read
from the plan by `preflight.summaries`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elasticache_facts.node_types import COSTLIER_THAN
from elasticache_facts.tokens import COMPONENT
from preflight import diff as plan_diff
from preflight.deployed_values import computed_outputs
from preflight.model import SUBNET_RULE, PlannedResource
from preflight.summaries import (
    VERDICTS,
    cache_settings,
    child_detail,
    children_by_parent,
    cost_document,
    policy_results,
    stack_level,
    without_cost,
)
from preflight.values import money, plural, public, scalar

if TYPE_CHECKING:
    from preflight.run import Failure, PreflightResult


# -- JSON -------------------------------------------------------------------------------------------------------


def stack_document(result: PreflightResult) -> dict[str, Any]:
    plan = result.plan
    resources: list[dict[str, Any]] = []
    caches: list[dict[str, Any]] = []
    if plan is not None:
        tree = children_by_parent(plan.resources)
        for resource in sorted(plan.resources, key=lambda resource: resource.urn):
            entry: dict[str, Any] = {
                "urn": resource.urn,
                "type": resource.type,
                "name": resource.name,
                "parent": resource.parent,
                "custom": resource.custom,
                "protect": resource.options.protect,
                "retainOnDelete": resource.options.retain_on_delete,
                "inputs": public(resource.inputs),
                # What a later `--against` this document compares its stand-ins with (`preflight.deployed_values`).
                "id": resource.id,
                "outputs": public(computed_outputs(resource)),
            }
            if resource.type == COMPONENT:
                settings = cache_settings(tree.get(resource.urn, []), result.subnets)
                entry["settings"] = settings
                caches.append({"name": resource.name, "urn": resource.urn, **settings})
            resources.append(entry)
    grouped = policy_results(result.diagnostics)
    return {
        "project": result.project,
        "stack": result.stack,
        "exitCode": result.exit_code,
        "verdict": VERDICTS[result.exit_code],
        "errors": [_failure(failure) for failure in result.failures],
        "subnets": {
            "source": SUBNET_RULE,
            "answers": {
                subnet: {"availabilityZone": answer.availability_zone, "vpcId": answer.vpc_id}
                for subnet, answer in result.subnets.items()
            },
        },
        "policyPack": None
        if result.pack is None
        else {
            "name": result.pack.name,
            "version": result.pack.version,
            "config": str(result.policy_config) if result.policy_config else None,
            "enforcementLevels": dict(result.pack.levels),
        },
        "summary": {
            "resources": len(plan.resources) if plan else 0,
            "caches": len(caches),
            **{level: len(items) for level, items in grouped.items()},
        },
        "caches": caches,
        "resources": resources,
        "policyResults": grouped,
        "cost": cost_document(plan.exports) if plan else None,
        "diff": plan_diff.document(result.diff) if result.diff is not None else None,
        "exports": public(plan.exports) if plan else {},
        "timings": {step: round(seconds, 3) for step, seconds in result.timings.items()},
    }


def _failure(failure: Failure) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": failure.kind, "message": failure.message}
    if failure.problems:
        entry["problems"] = [dict(problem) for problem in failure.problems]
    return entry


def render_json(results: Sequence[PreflightResult], *, all_stacks: bool) -> str:
    if all_stacks:
        document: dict[str, Any] = {
            "exitCode": max((r.exit_code for r in results), default=0),
            "stacks": [stack_document(r) for r in results],
        }
    else:
        document = stack_document(results[0])
    return json.dumps(document, indent=2)


# -- text -------------------------------------------------------------------------------------------------------


class _Glyphs:
    def __init__(self, unicode: bool) -> None:
        self.tee, self.last, self.pipe = ("├─ ", "└─ ", "│  ") if unicode else ("+- ", "`- ", "|  ")
        self.space = "   "


def render_text(result: PreflightResult, *, unicode: bool = True) -> str:
    glyphs = _Glyphs(unicode)
    lines: list[str] = [
        f"Preflight of stack {result.stack}" + (f" (project {result.project})" if result.project else "")
    ]
    if result.started:
        lines.append(f"  subnets:       {_subnets_line(result)}")
        lines.append(f"  policy config: {_policy_config_line(result)}")
    if result.plan is not None:
        lines.append("")
        lines += _tree(result, glyphs)
    if result.diff is not None:
        lines.append("")
        lines += _diff_lines(result.diff)
    if result.pack is not None and result.plan is not None and not result.failures:
        lines.append("")
        lines += _policies(result)
    cost = cost_document(result.plan.exports) if result.plan is not None else None
    if cost is not None:
        lines.append("")
        lines += _cost_table(cost)
    if result.plan is not None and result.plan.exports:
        lines.append("")
        lines.append("Outputs:" + (" (monthlyCost: see Monthly cost above)" if cost is not None else ""))
        lines += _value_lines(without_cost(public(result.plan.exports)), "    ")
    if result.failures:
        lines.append("")
        for failure in result.failures:
            lines.append(f"error ({failure.kind}): {failure.message}")
    lines.append("")
    lines.append(_verdict_line(result))
    return "\n".join(lines) + "\n"


COST_LEGEND = (
    "monthly: on demand, as configured; 'at most': priced at usage limits or node memory for want of an expected "
    "load; '+ unpriced': parts without a price, named below",
    "advice: the cheaper way to run the expected load, serverless or node-based (why: the figures behind it)",
    f"right-size: the cheapest current-generation node type (not {' or '.join(COSTLIER_THAN)}, refused for cost) that "
    "holds the expected data, with its monthly cost",
    "reserved saves: the most a 1- or 3-year reservation of the right-size nodes saves a month against on demand",
    "break-even: the average request rate below which serverless costs less than the right-size nodes",
    "same-AZ saves: cross-AZ transfer a month saved by nodes in the readers' AZs against placement left to AWS",
)


def _right_size(cache: Mapping[str, Any]) -> str:
    right = cache.get("rightSize")
    if not isinstance(right, Mapping):
        return "-"
    size = str(right.get("subject", "")).split(" (")[0]
    return f"{size} {money(right['usd'])}" if right.get("usd") is not None else size


def _cost_table(cost: Mapping[str, Any]) -> list[str]:
    header = ("cache", "monthly", "advice", "right-size", "reserved saves", "break-even", "same-AZ saves")
    rows = [header]
    for cache in cost["caches"]:
        monthly = money(cache["monthlyUsd"]) + (" at most" if cache["atMost"] else "")
        if not cache["complete"]:
            monthly += " + unpriced"
        even = cache["breakEvenRequestsPerSecond"]
        best = cache.get("bestReserved")
        rows.append(
            (
                cache["name"],
                monthly,
                cache["recommendation"] or "",
                _right_size(cache),
                f"{money(best['savingUsd'])} ({best['term']})" if isinstance(best, Mapping) else "-",
                f"{even:,.0f} req/s" if isinstance(even, int | float) and even > 0 else "-",
                money(cache["sameAzSavingUsd"]) if cache["sameAzSavingUsd"] is not None else "-",
            )
        )
    total = money(cost["monthlyUsd"]) + (" at most" if cost.get("atMost") else "")
    total += "" if cost["complete"] else " + unpriced"
    rows.append(("total", total, "", "", "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["Monthly cost (on demand, from pricing/prices.json):"]
    lines += ["    " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    for cache in cost["caches"]:
        if cache.get("why"):
            lines.append(f"    {cache['name']}: why {cache['recommendation']}: {cache['why']}")
        for part in cache["unknown"]:
            lines.append(f"    {cache['name']}: not priced: {part}")
    lines += [f"    * {entry}" for entry in COST_LEGEND]
    return lines


def _diff_lines(diff: plan_diff.PlanDiff) -> list[str]:
    counts = diff.counts
    header = f"Changes against {diff.previous.label}:"
    if diff.resources_known:
        header += " " + ", ".join(f"{counts.get(op, 0)} to {op}" for op in plan_diff.MARKS)
        header += f", {diff.unchanged} unchanged"
    lines = [header]
    for step in diff.steps:
        line = f"    {step.mark} {step.type}  {step.name}"
        if step.op == plan_diff.REPLACE:
            line += f"  [replace: {', '.join(step.replaced_by)}]"
        elif step.op == plan_diff.UPDATE:
            keys = dict.fromkeys(change.key.split(".")[0] for change in step.changes)
            line += f"  [diff: {', '.join('~' + key for key in keys)}]"
        if step.protected:
            line += "  REFUSED by the engine: protected"
        if step.retained:
            line += "  [retained in AWS]"
        lines.append(line)
        for change in step.changes:
            lines.append(f"          {change.key}: {_short(scalar(change.before))} => {_short(scalar(change.after))}")
    if not diff.resources_known:
        lines.append("    (the previous document holds outputs only: per cache, from its exports)")
    lines.append("  Caches:")
    for cache in diff.caches:
        mark = plan_diff.MARKS[cache.op] if cache.op else "  "
        what = cache.op or "unchanged"
        if cache.data_loss:
            what += ": DATA LOSS"
        cost = f"{money(cache.before_usd) if cache.before_usd is not None else '-'} -> "
        cost += f"{money(cache.after_usd) if cache.after_usd is not None else '-'}"
        if cache.delta_usd is not None:
            cost += f" ({_signed(cache.delta_usd)})"
        lines.append(f"    {mark} {cache.name}  {what}  {cost}")
        for reason in cache.reasons:
            lines.append(f"          {reason}")
    total = f"{money(diff.before_usd) if diff.before_usd is not None else '-'} -> {money(diff.after_usd)}"
    if diff.delta_usd is not None:
        total += f" ({_signed(diff.delta_usd)})"
    lines.append(f"  Monthly cost: {total}")
    return lines


def _short(text: str, width: int = 100) -> str:
    """A value cut to fit a line (the JSON document holds it whole)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _signed(usd: float) -> str:
    return ("+" if usd >= 0 else "-") + money(abs(usd))


def _subnets_line(result: PreflightResult) -> str:
    return f"from the stack config: {SUBNET_RULE} (a real run asks AWS)"


def _policy_config_line(result: PreflightResult) -> str:
    return _shown_path(result.policy_config) if result.policy_config is not None else "none"


def _shown_path(path: Path) -> str:
    """Relative to the working directory when under it (the repository root, normally)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _tree(result: PreflightResult, glyphs: _Glyphs) -> list[str]:
    plan = result.plan
    assert plan is not None
    tree = children_by_parent(plan.resources)
    lines = [f"Resources ({len(plan.resources)}):", f"    pulumi:pulumi:Stack  {plan.project}-{plan.stack}"]

    def walk(resource: PlannedResource, prefix: str, last: bool) -> None:
        detail = child_detail(resource)
        lines.append(
            f"    {prefix}{glyphs.last if last else glyphs.tee}{resource.type}  {resource.name}"
            + (f"  ({detail})" if detail else "")
            + ("  [protected]" if resource.options.protect else "")
        )
        inner = prefix + (glyphs.space if last else glyphs.pipe)
        children = tree.get(resource.urn, [])
        if resource.type == COMPONENT:
            settings = cache_settings(children, result.subnets)
            bar = glyphs.pipe if children else glyphs.space
            for key, label in (
                ("engine", "engine"),
                ("nodes", "nodes"),
                ("tls", "TLS"),
                ("atRest", "at rest"),
                ("auth", "auth"),
                ("backups", "backups"),
                ("maintenance", "maintenance"),
                ("seeded", "seeded from"),
            ):
                if key in settings:
                    lines.append(f"    {inner}{bar} {label:<12} {settings[key]}")
        for index, child in enumerate(children):
            walk(child, inner, index == len(children) - 1)

    top = tree.get(None, [])
    for index, resource in enumerate(top):
        walk(resource, "", index == len(top) - 1)
    return lines


def _policies(result: PreflightResult) -> list[str]:
    pack = result.pack
    assert pack is not None
    counts: dict[str, int] = {}
    for level in pack.levels.values():
        counts[level] = counts.get(level, 0) + 1
    enabled = ", ".join(f"{count} {level}" for level, count in sorted(counts.items()))
    lines = [f"Policies: {pack.name}@{pack.version}, {plural(len(pack.levels), 'policy', 'policies')}"]
    if enabled:
        lines[0] += f" ({enabled})"
    for level, violations in policy_results(result.diagnostics).items():
        if not violations:
            lines.append(f"  {level}: none")
            continue
        lines.append(f"  {level} ({len(violations)}):")
        for violation in violations:
            severity = f" [{violation['severity']}]" if violation["severity"] else ""
            lines.append(f"    {violation['policy']}{severity}")
            where = (
                "the whole stack"
                if stack_level(violation)
                else f"{violation['resourceName']} ({violation['resourceType']})"
            )
            lines.append(f"      resource:    {where}")
            if violation["description"]:
                lines.append(f"      policy:      {violation['description']}")
            for index, text in enumerate(violation["message"].splitlines() or [""]):
                lines.append(f"      {'violation:' if index == 0 else '':<13}{text}")
            if violation["remediation"]:
                for index, text in enumerate(violation["remediation"].splitlines()):
                    lines.append(f"      {'remediation:' if index == 0 else '':<13}{text}")
    return lines


def _value_lines(value: Any, indent: str) -> list[str]:
    lines: list[str] = []
    if not isinstance(value, Mapping):
        return [f"{indent}{scalar(value)}"]
    width = max((len(str(key)) for key in value), default=0)
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            lines.append(f"{indent}{key}:")
            lines += _value_lines(item, indent + "    ")
        else:
            lines.append(f"{indent}{str(key) + ':':<{width + 1}} {scalar(item)}")
    return lines


def _verdict_line(result: PreflightResult) -> str:
    mandatory = len(result.mandatory)
    others = len(result.diagnostics) - mandatory
    code = result.exit_code
    if code == 2:
        what = f"ERROR: {'; '.join(sorted({f.kind for f in result.failures}))}"
    elif code == 1:
        what = f"FAILED: {plural(mandatory, 'mandatory violation')}" + (f", {others} other" if others else "")
    else:
        what = "passed" + (f" ({plural(others, 'advisory result')})" if others else "")
    return f"Stack {result.stack}: {what} (exit {code})"


def render_summary(results: Sequence[PreflightResult]) -> str:
    """One line per stack, for `--all-stacks`."""
    return "\n".join(_verdict_line(result) for result in results) + "\n"
