"""What a reviewer must act on, each with the file and line where the key to change lives.

One list per stack, for the CI outputs (`--annotations`, `--sarif`): every config problem (including an edit
the program refuses because AWS could only apply it by replacing a cache), every other error, every policy
result, and from the diff every cache that loses its data and every step the engine would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from preflight import locations
from preflight.diff import DELETE
from preflight.run import PROJECT_DIR, PreflightResult
from preflight.summaries import cache_names, policy_results, stack_level

ERROR, WARNING, NOTE = "error", "warning", "note"
LEVELS = {"mandatory": ERROR, "remediate": ERROR, "advisory": WARNING}
CONFIG_RULE = "preflight-config"
ERROR_RULE = "preflight-error"
DATA_LOSS_RULE = "preflight-data-loss"
PROTECTED_RULE = "preflight-protected"
RULES = {
    CONFIG_RULE: "The stack config is invalid, or asks for an edit AWS can only apply by replacing a cache",
    ERROR_RULE: "The preflight could not plan or check the stack",
    DATA_LOSS_RULE: "The change replaces or deletes a cache: an outage and an empty cache",
    PROTECTED_RULE: "The change replaces or deletes a protected resource: `pulumi up` refuses it",
}
"""The preflight's own rules, beside the policy pack's."""


@dataclass(frozen=True)
class Finding:
    stack: str
    rule: str
    level: str
    """`error`, `warning` or `note` (the names GitHub annotations and SARIF share)."""
    title: str
    message: str
    location: locations.Location | None
    description: str = ""
    """The rule's description (a policy's own)."""


def stack_file(result: PreflightResult, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{result.stack}.yaml"


def findings(result: PreflightResult, project_dir: Path = PROJECT_DIR) -> list[Finding]:
    file = stack_file(result, project_dir)
    found: list[Finding] = []
    for failure in result.failures:
        if failure.problems:
            for problem in failure.problems:
                where = locations.stack_key(file, result.project, str(problem["path"]))
                found.append(
                    Finding(result.stack, CONFIG_RULE, ERROR, str(problem["path"]), str(problem["text"]), where)
                )
            continue
        if failure.policy_problems and result.policy_config is not None:
            # One finding per policy or setting, at its line in the policy config (GitHub shows each there).
            for policy, setting, message in failure.policy_problems:
                where = locations.policy_key(result.policy_config, policy, setting) or _failure_location(
                    failure.kind, result, file
                )
                title = f"{policy}.{setting}" if setting else policy
                found.append(Finding(result.stack, ERROR_RULE, ERROR, f"policy-config error: {title}", message, where))
            continue
        if failure.file is not None and failure.line is not None:
            where = locations.Location(failure.file, failure.line, "", exact=False)
        else:
            where = _failure_location(failure.kind, result, file)
        found.append(Finding(result.stack, ERROR_RULE, ERROR, f"{failure.kind} error", failure.message, where))
    caches = cache_names(result.plan.resources) if result.plan is not None else {}
    for level, violations in policy_results(result.diagnostics).items():
        for violation in violations:
            cache = caches.get(violation["urn"])
            where = locations.for_policy(violation["policy"], cache, file, result.project, result.policy_config)
            subject = "the stack" if stack_level(violation) else violation["resourceName"]
            message = f"{subject}: {violation['message']}"
            if violation["remediation"]:
                message += f"\n{violation['remediation']}"
            found.append(
                Finding(
                    result.stack,
                    violation["policy"],
                    LEVELS.get(level, NOTE),
                    f"{violation['policy']} ({level})",
                    message,
                    where,
                    violation["description"],
                )
            )
    if result.diff is not None:
        for change in result.diff.data_loss:
            key = f"caches.{change.name}" if change.op != DELETE else "caches"
            where = locations.stack_key(file, result.project, key)
            message = f"cache {change.name} is {'deleted' if change.op == DELETE else 'replaced'}: its data is lost"
            message += "".join(f"\n- {reason}" for reason in change.reasons)
            found.append(Finding(result.stack, DATA_LOSS_RULE, WARNING, f"{change.name}: data loss", message, where))
        for step in result.diff.refused:
            where = locations.stack_key(
                file, result.project, f"caches.{step.cache}.protect" if step.cache else "caches"
            )
            message = (
                f"{step.name} ({step.type}) is protected: `pulumi up` refuses to {step.op} it. Revert the change, "
                "or unprotect it (caches.<name>.protect: false) in an update of its own first"
            )
            found.append(Finding(result.stack, PROTECTED_RULE, ERROR, f"{step.name}: protected", message, where))
    return found


def _failure_location(kind: str, result: PreflightResult, file: Path) -> locations.Location | None:
    """Every failure has a file: GitHub code scanning rejects a whole SARIF upload when one result has no
    location ("locationFromSarifResult: expected at least one location")."""
    if kind == "policy-config" and result.policy_config is not None and result.policy_config.exists():
        return locations.Location(result.policy_config, 1, "", exact=False)
    if kind == "policy-pack":
        pack = file.parent / "policies" / "PulumiPolicy.yaml"
        if pack.exists():
            return locations.Location(pack, 1, "", exact=False)
    if file.exists():
        # The stack that could not be checked: a missing policy config, its subnets, its config, the program.
        return locations.Location(file, 1, "", exact=False)
    project = file.parent / "Pulumi.yaml"
    return locations.Location(project, 1, "", exact=False) if project.exists() else None
