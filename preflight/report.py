"""What a preflight shows: a preview-like resource tree, the policy results by enforcement level, the exports.

`render_text` is for people, `render_json` for CI (one document, nothing else on stdout). Both mask every
secret (the SDK's wire form `{sig: secret, value}`) as `[secret]` and show integral numbers as integers (they
cross the SDK's serialisation as floats).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from elasticache_facts.tokens import COMPONENT, KMS_KEY, REPLICATION_GROUP, SERVERLESS_CACHE, USER, USER_GROUP
from elasticache_facts.wire import is_secret
from preflight.model import SUBNET_RULE, PlannedResource

if TYPE_CHECKING:
    from preflight.analyzer import Diagnostic
    from preflight.mocks import SubnetAnswer
    from preflight.run import Failure, PreflightResult

SECRET = "[secret]"
LEVEL_ORDER = ("mandatory", "remediate", "advisory", "disabled")
VERDICTS = {0: "passed", 1: "mandatory policy violations", 2: "error"}


# -- values -----------------------------------------------------------------------------------------------------


def public(value: Any) -> Any:
    """`value` with every secret masked and integral floats as ints: safe to print and to put in JSON."""
    if is_secret(value):
        return SECRET
    if isinstance(value, Mapping):
        # Sorted: the SDK's maps have no meaningful order, and CI diffs want a stable one.
        return {str(key): public(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [public(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _num(value: Any) -> str:
    value = public(value)
    return str(value) if value is not None else "?"


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


# -- what each cache is ----------------------------------------------------------------------------------------


def children_by_parent(resources: Iterable[PlannedResource]) -> dict[str | None, list[PlannedResource]]:
    """Parent URN (None: the stack) -> children, sorted by name: the SDK registers concurrently, so the
    registration order changes from run to run, and a report should not."""
    ordered = sorted(resources, key=lambda resource: (resource.name, resource.type))
    urns = {resource.urn for resource in ordered}
    tree: dict[str | None, list[PlannedResource]] = {}
    for resource in ordered:
        parent = resource.parent if resource.parent in urns else None
        tree.setdefault(parent, []).append(resource)
    return tree


def cache_settings(children: Sequence[PlannedResource], subnets: Mapping[str, SubnetAnswer]) -> dict[str, str]:
    """The settings that matter for one `Cache` component, read from what its children would create."""
    by_type: dict[str, list[PlannedResource]] = {}
    for child in children:
        by_type.setdefault(child.type, []).append(child)
    groups = by_type.get(REPLICATION_GROUP, [])
    serverless = by_type.get(SERVERLESS_CACHE, [])
    if groups:
        return _replication_group(groups[0].outputs, children)
    if serverless:
        return _serverless(serverless[0].outputs, children, subnets)
    return {"engine": "no replication group or serverless cache"}


def _replication_group(props: Mapping[str, Any], children: Sequence[PlannedResource]) -> dict[str, str]:
    sharded = props.get("clusterMode") == "enabled" or props.get("numNodeGroups") is not None
    node_type = props.get("nodeType", "?")
    engine = f"{props.get('engine', 'redis')} {props.get('engineVersion', '?')}, node-based, cluster mode "
    engine += "enabled" if sharded else "disabled"
    if sharded:
        shards = props.get("nodeGroupConfigurations") or []
        nodes = f"{_num(props.get('numNodeGroups'))} shards x {_num(_add(props.get('replicasPerNodeGroup'), 1))} "
        nodes += f"{node_type}"
        layouts = [
            f"{shard.get('nodeGroupId', index + 1)}: "
            + _zones(shard.get("primaryAvailabilityZone"), shard.get("replicaAvailabilityZones"))
            for index, shard in enumerate(shards)
            if isinstance(shard, Mapping)
        ]
        if layouts:
            nodes += " (" + "; ".join(layouts) + ")"
    else:
        zones = list(props.get("preferredCacheClusterAzs") or [])
        nodes = f"{_num(props.get('numCacheClusters') or 1)} x {node_type}"
        if zones:
            nodes += f" in {_zones(zones[0], zones[1:])}"
    nodes += f"; Multi-AZ {_on(props.get('multiAzEnabled'))}"
    nodes += f", automatic failover {_on(props.get('automaticFailoverEnabled'))}"
    mode = props.get("transitEncryptionMode")
    if props.get("transitEncryptionEnabled") is not True:
        tls = "OFF"
    elif mode == "required":
        tls = "required"
    else:
        tls = f"enabled, mode {mode or 'unset'} (plain-text connections accepted)"
    at_rest = _at_rest(props, children) if props.get("atRestEncryptionEnabled") is True else "NOT encrypted"
    if props.get("userGroupIds"):
        auth = _user_groups(list(props["userGroupIds"]), children)
    elif props.get("authTokenWo") is not None or props.get("authToken") is not None:
        version = props.get("authTokenWoVersion")
        auth = f"AUTH token {SECRET}" + (f" (version {_num(version)})" if version is not None else "")
    else:
        auth = "NONE"
    retention = public(props.get("snapshotRetentionLimit"))
    if not retention:
        backups = "OFF (snapshotRetentionLimit 0)"
    else:
        backups = f"kept {_plural(int(retention), 'day')}, window {props.get('snapshotWindow') or 'chosen by AWS'}"
    return {
        "engine": engine,
        "nodes": nodes,
        "tls": tls,
        "atRest": at_rest,
        "auth": auth,
        "backups": backups,
        "maintenance": str(props.get("maintenanceWindow") or "chosen by AWS"),
    }


def _serverless(
    props: Mapping[str, Any], children: Sequence[PlannedResource], subnets: Mapping[str, SubnetAnswer]
) -> dict[str, str]:
    subnet_ids = list(props.get("subnetIds") or [])
    zones = sorted({subnets[s].availability_zone for s in subnet_ids if s in subnets})
    limits = props.get("cacheUsageLimits") or {}
    storage = limits.get("dataStorage") or {}
    ecpu = (limits.get("ecpuPerSeconds") or [{}])[0]
    nodes = "serverless, endpoints in " + (", ".join(zones) if zones else f"{_plural(len(subnet_ids), 'subnet')}")
    nodes += f"; at most {_num(storage.get('maximum'))} {storage.get('unit', 'GB')}"
    nodes += f" and {_num(ecpu.get('maximum'))} ECPU/s"
    retention = public(props.get("snapshotRetentionLimit"))
    if not retention:
        backups = "OFF (snapshotRetentionLimit 0)"
    else:
        daily = props.get("dailySnapshotTime") or "a time AWS picks"
        backups = f"kept {_plural(int(retention), 'day')}, daily at {daily}"
    user_group = props.get("userGroupId")
    return {
        "engine": f"{props.get('engine', '?')} {props.get('majorEngineVersion', '?')}, serverless",
        "nodes": nodes,
        "tls": "required (always, serverless)",
        "atRest": _at_rest(props, children),
        "auth": _user_groups([user_group], children) if user_group else "default user only",
        "backups": backups,
        "maintenance": "managed by AWS (serverless)",
    }


def _add(value: Any, extra: int) -> Any:
    return value + extra if isinstance(value, int | float) else None


def _on(value: Any) -> str:
    return "on" if value is True else "OFF"


def _zones(primary: Any, replicas: Any) -> str:
    listed = [f"{primary} (primary)"] if primary else []
    listed += [str(zone) for zone in replicas or []]
    return ", ".join(listed) or "AZs chosen by AWS"


def _at_rest(props: Mapping[str, Any], children: Sequence[PlannedResource]) -> str:
    key = props.get("kmsKeyId")
    if not key:
        return "encrypted, AWS-owned key"
    for child in children:
        if child.type == KMS_KEY and key in (child.outputs.get("arn"), child.outputs.get("keyId"), child.id):
            rotation = "on" if child.outputs.get("enableKeyRotation") is True else "OFF"
            return f"encrypted, customer-managed KMS key {child.name} (created here, rotation {rotation})"
    return f"encrypted, KMS key {key}"


def _user_groups(group_ids: Sequence[Any], children: Sequence[PlannedResource]) -> str:
    users = {child.outputs.get("userId"): child.outputs for child in children if child.type == USER}
    described = []
    for group_id in group_ids:
        group = next(
            (c.outputs for c in children if c.type == USER_GROUP and c.outputs.get("userGroupId") == group_id),
            None,
        )
        members = [_user(user_id, users.get(user_id)) for user_id in (group or {}).get("userIds") or []]
        described.append(f"user group {group_id}" + (f" ({', '.join(members)})" if members else ""))
    return "RBAC, " + "; ".join(described)


def _user(user_id: Any, props: Mapping[str, Any] | None) -> str:
    if props is None:
        return str(user_id)
    access = str(props.get("accessString") or "")
    if access.split()[:1] == ["off"]:
        mode = "disabled"
    elif (props.get("authenticationMode") or {}).get("type") == "iam":
        mode = "IAM"
    else:
        mode = "password"
    return f"{user_id}: {mode}"


def _child_detail(resource: PlannedResource) -> str:
    props = resource.outputs
    if resource.type.endswith("SecurityGroupIngressRule"):
        low, high = public(props.get("fromPort")), public(props.get("toPort"))
        ports = str(low) if low == high else f"{low}-{high}"
        source = props.get("referencedSecurityGroupId") or props.get("cidrIpv4") or "?"
        return f"{props.get('ipProtocol', '?')} {ports} from {source}"
    if resource.type == USER:
        return _user(props.get("userId"), props)
    if resource.type.endswith("parameterGroup:ParameterGroup"):
        policy = next(
            (p.get("value") for p in props.get("parameters") or [] if p.get("name") == "maxmemory-policy"), None
        )
        return f"{props.get('family', '?')}" + (f", maxmemory-policy {policy}" if policy else "")
    if resource.type.endswith("subnetGroup:SubnetGroup"):
        return _plural(len(props.get("subnetIds") or []), "subnet")
    if resource.type == KMS_KEY:
        return "rotation " + ("on" if props.get("enableKeyRotation") is True else "OFF")
    return ""


# -- policy results ---------------------------------------------------------------------------------------------


def _urn_name(urn: str) -> tuple[str, str]:
    """(type, name) from a URN; ("", "") for a stack-level result."""
    if not urn:
        return "", ""
    parts = urn.split("::")
    return (parts[2].split("$")[-1] if len(parts) > 3 else ""), parts[-1]


def _violation(diagnostic: Diagnostic) -> dict[str, Any]:
    kind, name = _urn_name(diagnostic.urn)
    message = diagnostic.message
    # The Python policy SDK prefixes every message with the policy's description.
    if diagnostic.description and message.startswith(diagnostic.description):
        detail = message[len(diagnostic.description) :].lstrip("\n")
    else:
        detail = message
    return {
        "policy": diagnostic.policy_name,
        "enforcementLevel": diagnostic.enforcement_level,
        "severity": diagnostic.severity,
        "urn": diagnostic.urn,
        "resourceType": kind,
        "resourceName": name,
        "description": diagnostic.description,
        "message": detail,
        "remediation": diagnostic.remediation,
        "policyPack": diagnostic.policy_pack,
        "policyPackVersion": diagnostic.policy_pack_version,
    }


def policy_results(diagnostics: Sequence[Diagnostic]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {"mandatory": [], "advisory": []}
    for diagnostic in sorted(diagnostics, key=lambda d: (d.policy_name, d.urn, d.message)):
        grouped.setdefault(diagnostic.enforcement_level, []).append(_violation(diagnostic))
    order = {level: index for index, level in enumerate(LEVEL_ORDER)}
    return dict(sorted(grouped.items(), key=lambda item: order.get(item[0], len(order))))


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
                "inputs": public(resource.inputs),
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


def _supports_unicode(stream: IO[str] | None) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "├─│└✓…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


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
        lines += _value_lines(_without_cost(public(result.plan.exports)), "    ")
    if result.failures:
        lines.append("")
        for failure in result.failures:
            lines.append(f"error ({failure.kind}): {failure.message}")
    lines.append("")
    lines.append(_verdict_line(result))
    return "\n".join(lines) + "\n"


COST_EXPORT = "monthlyCost"


def cost_document(exports: Mapping[str, Any]) -> dict[str, Any] | None:
    """The program's cost exports as one table: the figures the policy pack's budget policy judges too."""
    total = exports.get(COST_EXPORT)
    if not isinstance(total, dict):
        return None
    caches = []
    for name in sorted(total.get("caches", {})):
        cost = exports.get(name, {}).get(COST_EXPORT) if isinstance(exports.get(name), dict) else None
        if not isinstance(cost, dict):
            continue
        advice = cost.get("advice") or {}
        cross = cost.get("crossAz") or {}
        caches.append(
            {
                "name": name,
                "monthlyUsd": cost.get("usd"),
                "complete": cost.get("complete"),
                "atMost": cost.get("atMost"),
                "unknown": cost.get("unknown", []),
                "lines": cost.get("lines", []),
                "recommendation": advice.get("recommendation"),
                "why": advice.get("why"),
                "reasons": advice.get("reasons", []),
                "breakEvenRequestsPerSecond": advice.get("breakEvenRequestsPerSecond"),
                "rightSize": advice.get("rightSize"),
                "bestReserved": advice.get("bestReserved"),
                "sameAzSavingUsd": cross.get("savingUsd"),
            }
        )
    return {"monthlyUsd": total.get("usd"), "complete": total.get("complete"), "caches": caches}


def _money(value: Any) -> str:
    return f"${value:,.2f}" if isinstance(value, int | float) else "unknown"


COST_LEGEND = (
    "monthly: on demand, as configured; 'at most': priced at usage limits or node memory for want of an expected "
    "load; '+ unpriced': parts without a price, named below",
    "advice: the cheaper way to run the expected load, serverless or node-based (why: the figures behind it)",
    "right-size: the cheapest current-generation node type that holds the expected data, with its monthly cost",
    "reserved saves: the most a 1- or 3-year reservation of the right-size nodes saves a month against on demand",
    "break-even: the average request rate below which serverless costs less than the right-size nodes",
    "same-AZ saves: cross-AZ transfer a month saved by nodes in the readers' AZs against placement left to AWS",
)


def _right_size(cache: Mapping[str, Any]) -> str:
    right = cache.get("rightSize")
    if not isinstance(right, Mapping):
        return "-"
    size = str(right.get("subject", "")).split(" (")[0]
    return f"{size} {_money(right['usd'])}" if right.get("usd") is not None else size


def _cost_table(cost: Mapping[str, Any]) -> list[str]:
    header = ("cache", "monthly", "advice", "right-size", "reserved saves", "break-even", "same-AZ saves")
    rows = [header]
    for cache in cost["caches"]:
        monthly = _money(cache["monthlyUsd"]) + (" at most" if cache["atMost"] else "")
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
                f"{_money(best['savingUsd'])} ({best['term']})" if isinstance(best, Mapping) else "-",
                f"{even:,.0f} req/s" if isinstance(even, int | float) and even > 0 else "-",
                _money(cache["sameAzSavingUsd"]) if cache["sameAzSavingUsd"] is not None else "-",
            )
        )
    total = _money(cost["monthlyUsd"]) + ("" if cost["complete"] else " + unpriced")
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


def _without_cost(exports: Any) -> Any:
    if not isinstance(exports, dict):
        return exports
    return {
        key: ({k: v for k, v in value.items() if k != COST_EXPORT} if isinstance(value, dict) else value)
        for key, value in exports.items()
        if key != COST_EXPORT
    }


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
        detail = _child_detail(resource)
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
    lines = [f"Policies: {pack.name}@{pack.version}, {_plural(len(pack.levels), 'policy', 'policies')}"]
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
                f"{violation['resourceName']} ({violation['resourceType']})" if violation["urn"] else "the whole stack"
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
        return [f"{indent}{_scalar(value)}"]
    width = max((len(str(key)) for key in value), default=0)
    for key, item in value.items():
        if isinstance(item, Mapping) and item:
            lines.append(f"{indent}{key}:")
            lines += _value_lines(item, indent + "    ")
        else:
            lines.append(f"{indent}{str(key) + ':':<{width + 1}} {_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if "\n" in value:
            try:
                # Multi-line JSON documents (an IAM policy) read better on one line here.
                return json.dumps(json.loads(value), separators=(",", ":"))
            except ValueError:
                return json.dumps(value)
        return value
    return json.dumps(value)


def _verdict_line(result: PreflightResult) -> str:
    mandatory = len(result.mandatory)
    others = len(result.diagnostics) - mandatory
    code = result.exit_code
    if code == 2:
        what = f"ERROR: {'; '.join(sorted({f.kind for f in result.failures}))}"
    elif code == 1:
        what = f"FAILED: {_plural(mandatory, 'mandatory violation')}" + (f", {others} other" if others else "")
    else:
        what = "passed" + (f" ({_plural(others, 'advisory result')})" if others else "")
    return f"Stack {result.stack}: {what} (exit {code})"


def render_summary(results: Sequence[PreflightResult]) -> str:
    """One line per stack, for `--all-stacks`."""
    return "\n".join(_verdict_line(result) for result in results) + "\n"


# -- progress on a terminal -------------------------------------------------------------------------------------


class TerminalProgress:
    """One line when a step starts, one with its duration when it ends (steps overlap: the pack boots in a
    thread while the program runs)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.unicode = _supports_unicode(stream)
        self._lock = threading.Lock()

    def heading(self, text: str) -> None:
        self._write(text)

    def started(self, step: str, what: str) -> None:
        self._write(f"  {'…' if self.unicode else '..'} {what}")

    def finished(self, step: str, what: str, seconds: float, ok: bool = True) -> None:
        mark = ("✓" if self.unicode else "ok") if ok else ("✗" if self.unicode else "FAILED")
        self._write(f"  {mark} {what} ({seconds:.2f} s)")

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def unicode_ok(stream: IO[str] | None) -> bool:
    return _supports_unicode(stream)
