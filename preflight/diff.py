"""The plan against what the stack was before (`--against`): what is created, updated, replaced or deleted.

The steps are the ones `pulumi preview` would show, with its marks (`RawPrefix` in pulumi/pulumi
`pkg/resource/deploy/step.go`: `+ ` create, `~ ` update, `+-` replace, `- ` delete), worked out without the
engine: by URN, comparing each resource's inputs with the previous ones and asking `preflight.replacement`
which changed inputs force a replacement. An input that flows from another resource's output (a property
dependency) is unknown ("known after apply") when that resource is created or replaced. While it stays, the
mocks' stand-ins in the input are swapped for the deployed outputs (`preflight.deployed_values`), so that a
value mixing config with an output (`<prefix>-<cache>-<suffix>`, an alarm's queries) changes with its config;
a document that records no outputs (`pulumi stack output --json` has no resources; a preflight document from
before they were recorded) leaves such an input as deployed. Then, as the engine does before it diffs
(`processIgnoreChanges` in `step_generator.go`), each path a resource's `ignoreChanges` names (`tags.team`,
`a[0].b`, `a[*].b`) is reset to its previous value, or removed when the previous inputs lack it
(`preflight.property_path`).

Per cache: created, updated, replaced or deleted; a replaced or deleted cache loses its data (unless it is
retained on delete). The cache-level reasons come from the program's own `replacing_edits`, so they name the
config key that forces the replacement. The engine refuses to replace or delete a protected resource
(`step_generator.go`: "unable to replace resource ... currently marked for protection"; `step.go`
`deleteProtectedError`): such a step is marked refused.

With only the stack's outputs to compare against (`pulumi stack output --json`), there are no resources: the
diff is per cache, from `deployedCaches`, the caches' exports and their monthly cost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from components import naming
from components.deployed_state import DEPLOYED_CACHES_OUTPUT, parse_deployed, replacing_edits
from components.spec import DeployedCache
from elasticache_facts.provider_sets import SET_INPUTS
from elasticache_facts.tokens import COMPONENT
from preflight import property_path
from preflight.aliases import deployed_urn
from preflight.deployed_values import DeployedValues
from preflight.model import Plan, PlannedResource
from preflight.previous import Previous, PreviousResource
from preflight.replacement import DATA_HOLDERS, forcing
from preflight.summaries import COST_EXPORT, cache_names
from preflight.values import public

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
MARKS = {CREATE: "+ ", UPDATE: "~ ", REPLACE: "+-", DELETE: "- "}
KNOWN_AFTER_APPLY = "(known after apply)"
COMPARED_EXPORTS = ("engine", "engineVersion", "port", "mode", "clusterMode", "workload", "tls")
"""A cache's exported facts that say what it is (not ids or endpoints): what an outputs-only diff compares."""


@dataclass(frozen=True)
class Change:
    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Step:
    op: str
    urn: str
    type: str
    name: str
    cache: str | None
    """The `Cache` component the resource belongs to."""
    changes: tuple[Change, ...] = ()
    replaced_by: tuple[str, ...] = ()
    """The changed inputs that force the replacement."""
    protected: bool = False
    """The engine refuses this replace or delete: the deployed resource is protected."""
    retained: bool = False
    """A delete that leaves the resource running in AWS (`retainOnDelete`)."""

    @property
    def mark(self) -> str:
        return MARKS[self.op]


@dataclass(frozen=True)
class CacheChange:
    name: str
    op: str | None
    """None: unchanged."""
    data_loss: bool
    reasons: tuple[str, ...] = ()
    before_usd: float | None = None
    after_usd: float | None = None
    """What AWS bills for the cache a month after the update: a retained cache leaves the stack, not the bill."""
    retained: bool = False
    """Removed from config with `retainOnDelete`: still running, and billed, outside the stack."""

    @property
    def delta_usd(self) -> float | None:
        if self.before_usd is None and self.after_usd is None:
            return None
        return round((self.after_usd or 0.0) - (self.before_usd or 0.0), 2)


@dataclass(frozen=True)
class PlanDiff:
    previous: Previous
    steps: tuple[Step, ...]
    caches: tuple[CacheChange, ...]
    unchanged: int
    """Resources planned exactly as before."""
    before_usd: float | None
    after_usd: float | None
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def resources_known(self) -> bool:
        return self.previous.resources is not None

    @property
    def delta_usd(self) -> float | None:
        if self.before_usd is None and self.after_usd is None:
            return None
        return round((self.after_usd or 0.0) - (self.before_usd or 0.0), 2)

    @property
    def data_loss(self) -> tuple[CacheChange, ...]:
        return tuple(cache for cache in self.caches if cache.data_loss)

    @property
    def refused(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.protected)


def diff_plan(previous: Previous, plan: Plan) -> PlanDiff:
    before_caches = parse_deployed(previous.outputs.get(DEPLOYED_CACHES_OUTPUT))
    after_caches = parse_deployed(public(plan.exports.get(DEPLOYED_CACHES_OUTPUT)))
    replacing = {
        name: replacing_edits(before_caches[name], _readable(after))
        for name, after in after_caches.items()
        if name in before_caches
    }
    steps: list[Step] = []
    unchanged = 0
    if previous.resources is not None:
        steps, unchanged = _steps(previous.resources, plan.resources, replacing)
    caches = _caches(previous, plan, before_caches, after_caches, replacing, steps)
    counts = {op: sum(1 for step in steps if step.op == op) for op in MARKS}
    before_total = _cost(previous.outputs).get("usd")
    after_total = _cost(public(plan.exports)).get("usd")
    if isinstance(after_total, int | float):
        # The totals are the bill, like each cache's figures: the stack's own cost plus what it leaves running.
        after_total = round(after_total + sum(c.after_usd or 0.0 for c in caches if c.retained), 2)
    return PlanDiff(
        previous,
        tuple(steps),
        tuple(caches),
        unchanged,
        before_total if isinstance(before_total, int | float) else None,
        after_total if isinstance(after_total, int | float) else None,
        counts,
    )


def _readable(planned: DeployedCache) -> DeployedCache:
    """`replacing_edits` compares a deployed id (suffix included, `components.naming`) with the part the config
    derives; the new plan exports its id with the suffix too, so compare with its readable part."""
    readable = planned.cache_id.rsplit("-", 1)[0]
    return replace(planned, cache_id=readable) if naming.is_id_of(planned.cache_id, readable) else planned


def _steps(
    old: Sequence[PreviousResource],
    new: Sequence[PlannedResource],
    replacing: Mapping[str, Sequence[Any]],
) -> tuple[list[Step], int]:
    before = {resource.urn: resource for resource in old}
    after = {resource.urn: resource for resource in new}
    deployed = _deployed_by_urn_or_alias(before, after)
    cache_of = {**cache_names(old), **cache_names(new)}
    ops: dict[str, str | None] = {}
    steps: dict[str, Step] = {}
    values = DeployedValues()
    recorded: set[str] = set()
    """Planned resources that stay and whose deployed outputs are known: what `values` has learnt from."""

    def visit(urn: str, path: frozenset[str] = frozenset()) -> str | None:
        """The op of `urn`, its dependencies' first (a dependency being replaced changes what flows in)."""
        if urn in ops or urn not in after or urn in path:
            return ops.get(urn)
        resource = after[urn]
        for dependency in resource.dependencies:
            visit(dependency, path | {urn})
        old = deployed.get(urn)
        step = _step(resource, old, cache_of.get(urn), _Flowing(ops, values, recorded), replacing)
        ops[urn] = step.op if step else None
        if step is not None:
            steps[urn] = step
        if old is not None and old.outputs is not None and ops[urn] in (None, UPDATE):
            values.learn(resource, old.id, old.outputs)
            recorded.add(urn)
        return ops[urn]

    for urn in after:
        visit(urn)
    kept = {previous.urn for previous in deployed.values()}
    for urn, resource in before.items():
        if urn not in kept:
            steps[urn] = Step(
                DELETE,
                urn,
                resource.type,
                resource.name,
                cache_of.get(urn),
                protected=resource.protect,
                retained=resource.retain_on_delete,
            )
    unchanged = sum(1 for urn in after if ops.get(urn) is None)
    ordered = sorted(steps.values(), key=lambda step: (step.cache or "", step.type != COMPONENT, step.name))
    return ordered, unchanged


def _deployed_by_urn_or_alias(
    before: Mapping[str, PreviousResource], after: Mapping[str, PlannedResource]
) -> dict[str, PreviousResource]:
    """The deployed resource each planned one continues (`preflight.aliases.deployed_urn`): a deployed resource
    found through an alias is renamed, not deleted and created again."""
    found = {}
    for urn, resource in after.items():
        old = deployed_urn(urn, resource.options.aliases, before)
        if old is not None:
            found[urn] = before[old]
    return found


@dataclass(frozen=True)
class _Flowing:
    """What the resources a planned one depends on will give it: their ops, and their deployed outputs."""

    ops: Mapping[str, str | None]
    values: DeployedValues
    recorded: set[str]

    def input(self, sources: Sequence[str], planned: Any, deployed: Any) -> Any:
        if any(self.ops.get(source) in (CREATE, REPLACE) for source in sources):
            return KNOWN_AFTER_APPLY
        if all(source in self.recorded for source in sources):
            return self.values.deployed(planned)
        return deployed  # no outputs to compare with: the deployed value is the one it keeps


def _step(
    resource: PlannedResource,
    old: PreviousResource | None,
    cache: str | None,
    flowing: _Flowing,
    replacing: Mapping[str, Sequence[Any]],
) -> Step | None:
    if old is None:
        return Step(CREATE, resource.urn, resource.type, resource.name, cache)
    if not resource.custom:
        return None  # a component has no inputs of its own to change
    changes = _changes(resource, old, flowing)
    keys = {change.key.split(".")[0] for change in changes}
    cache_keys = {edit.key for edit in replacing.get(cache or "", ())}
    replaced_by = forcing(resource.type, keys, cache_keys)
    if not changes and not replaced_by:
        return None
    if replaced_by:
        # As the engine: refused when both the deployed and the planned resource are protected.
        return Step(
            REPLACE,
            resource.urn,
            resource.type,
            resource.name,
            cache,
            changes,
            replaced_by,
            protected=old.protect and resource.options.protect,
        )
    return Step(UPDATE, resource.urn, resource.type, resource.name, cache, changes)


def _changes(resource: PlannedResource, old: PreviousResource, flowing: _Flowing) -> tuple[Change, ...]:
    new_inputs = public(resource.inputs)
    for key, sources in resource.property_dependencies.items():
        if key in new_inputs and sources:
            new_inputs[key] = flowing.input(sources, new_inputs[key], old.inputs.get(key))
    # Then, as the engine does before it diffs, each `ignoreChanges` path is reset to its old value (or removed,
    # when the old inputs lack it): no change there, unless an element was added or removed along the path.
    new_inputs, _ = property_path.ignore_changes(resource.options.ignore_changes, old.inputs, new_inputs)
    # An input the new plan leaves out is a change too (to unset), unless the provider filled it in with a schema
    # default: the bridge lists those in the state's `__defaults` (pulumi-terraform-bridge
    # `pkg/reservedkeys/keys.go`), and a plan's own inputs hold none.
    defaulted = set(old.inputs.get("__defaults") or ())
    removed = {key: None for key in old.inputs if key not in new_inputs and key not in defaulted}
    new_inputs = {**removed, **new_inputs}
    changes = []
    as_sets = SET_INPUTS.get(resource.type, frozenset())
    for key in sorted(new_inputs):
        if key.startswith("__"):
            continue
        before, after = old.inputs.get(key), new_inputs[key]
        if key in as_sets and _same_set(before, after):
            continue  # the provider diffs it as a set: the same items in another order are no change
        changes += _value_changes(key, before, after)
    return tuple(changes)


def _same_set(before: Any, after: Any) -> bool:
    if not isinstance(before, list) or not isinstance(after, list):
        return False

    def canonical(items: list[Any]) -> list[str]:
        return sorted(json.dumps(item, sort_keys=True, default=str) for item in items)

    return canonical(before) == canonical(after)


def _value_changes(key: str, before: Any, after: Any) -> list[Change]:
    """`tags.costCentre: a => b` rather than the whole map: maps are compared key by key, as a preview shows."""
    if before == after:
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found = []
        for inner in sorted(set(before) | set(after)):
            found += _value_changes(f"{key}.{inner}", before.get(inner), after.get(inner))
        return found
    return [Change(key, before, after)]


def _caches(
    previous: Previous,
    plan: Plan,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    replacing: Mapping[str, Sequence[Any]],
    steps: Sequence[Step],
) -> list[CacheChange]:
    before_cost = _cost(previous.outputs).get("caches") or {}
    exports = public(plan.exports)
    after_cost = _cost(exports).get("caches") or {}
    names = sorted(set(before) | set(after) | set(before_cost) | set(after_cost))
    found = []
    for name in names:
        own = [step for step in steps if step.cache == name]
        holders = [step for step in own if step.type in DATA_HOLDERS]
        costs = {"before_usd": _usd(before_cost.get(name)), "after_usd": _usd(after_cost.get(name))}
        if name not in before and name not in before_cost:
            found.append(CacheChange(name, CREATE, False, ("new in config",), **costs))
        elif name not in after and name not in after_cost:
            retained = bool(holders) and all(step.retained for step in holders)
            reasons = ["removed from config"]
            if retained:
                reasons.append("retainOnDelete: left running in AWS, out of Pulumi's hands, and still billed")
                costs["after_usd"] = costs["before_usd"]
            if any(step.protected for step in holders):
                reasons.append("protected: the engine refuses to delete it")
            found.append(CacheChange(name, DELETE, not retained, tuple(reasons), retained=retained, **costs))
        else:
            edits = replacing.get(name, ())
            reasons = [
                f"caches.{name}{'.' + edit.key if edit.key else ''}: {edit.reason}; AWS replaces the cache"
                for edit in edits
            ]
            replaced = [step for step in holders if step.op in (REPLACE, DELETE)]
            reasons += [
                f"{step.name}: {', '.join(step.replaced_by)} forces a replacement"
                for step in replaced
                if step.op == REPLACE
            ]
            if edits or replaced:
                found.append(CacheChange(name, REPLACE, True, tuple(dict.fromkeys(reasons)), **costs))
                continue
            changed = _cache_updates(name, previous, exports, own)
            found.append(CacheChange(name, UPDATE if changed else None, False, tuple(changed), **costs))
    return found


def _cache_updates(name: str, previous: Previous, exports: Mapping[str, Any], own: Sequence[Step]) -> list[str]:
    if previous.resources is not None:
        reasons = [
            f"{step.name}: " + ", ".join(dict.fromkeys(change.key.split(".")[0] for change in step.changes))
            for step in own
            if step.type in DATA_HOLDERS and step.op == UPDATE
        ]
        others = [step for step in own if step.type not in DATA_HOLDERS]
        for op in MARKS:
            count = sum(1 for step in others if step.op == op)
            if count:
                reasons.append(f"{count} other resource{'s' if count != 1 else ''} to {op}")
        return reasons
    # Outputs only: what the cache's exports say it is, and what it costs.
    was, now = previous.outputs.get(name), exports.get(name)
    if not isinstance(was, Mapping) or not isinstance(now, Mapping):
        return []
    changed = [
        f"{key}: {was.get(key)!r} => {now.get(key)!r}" for key in COMPARED_EXPORTS if was.get(key) != now.get(key)
    ]
    old_lines = [line.get("detail") for line in (was.get(COST_EXPORT) or {}).get("lines", []) if isinstance(line, dict)]
    new_lines = [line.get("detail") for line in (now.get(COST_EXPORT) or {}).get("lines", []) if isinstance(line, dict)]
    if old_lines != new_lines:
        changed.append("priced differently: " + "; ".join(str(line) for line in new_lines if line not in old_lines))
    return changed


def _cost(outputs: Mapping[str, Any]) -> Mapping[str, Any]:
    cost = outputs.get(COST_EXPORT)
    return cost if isinstance(cost, Mapping) else {}


def _usd(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def document(diff: PlanDiff) -> dict[str, Any]:
    """The diff for the JSON document and the CI outputs."""
    return {
        "against": {"source": diff.previous.source, "kind": diff.previous.kind},
        "resourcesKnown": diff.resources_known,
        "counts": {**diff.counts, "unchanged": diff.unchanged},
        "steps": [
            {
                "op": step.op,
                "mark": step.mark.strip(),
                "urn": step.urn,
                "type": step.type,
                "name": step.name,
                "cache": step.cache,
                "changes": [{"key": c.key, "before": c.before, "after": c.after} for c in step.changes],
                "replacedBy": list(step.replaced_by),
                "refusedAsProtected": step.protected,
                "retained": step.retained,
            }
            for step in diff.steps
        ],
        "caches": [
            {
                "name": cache.name,
                "op": cache.op,
                "mark": MARKS[cache.op].strip() if cache.op else "",
                "dataLoss": cache.data_loss,
                "reasons": list(cache.reasons),
                "monthlyUsdBefore": cache.before_usd,
                "monthlyUsdAfter": cache.after_usd,
                "monthlyUsdDelta": cache.delta_usd,
                "retained": cache.retained,
            }
            for cache in diff.caches
        ],
        "monthlyUsdBefore": diff.before_usd,
        "monthlyUsdAfter": diff.after_usd,
        "monthlyUsdDelta": diff.delta_usd,
    }
