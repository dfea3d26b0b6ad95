"""What a plan says, as data: the resource tree, what each cache is, the policy results, the monthly cost.

Everything here is read from a `Plan` and the pack's diagnostics and returns plain values (strings, dicts,
lists); `preflight.report` lays them out as text or JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from elasticache_facts.tokens import COMPONENT, KMS_KEY, REPLICATION_GROUP, SERVERLESS_CACHE, USER, USER_GROUP
from preflight.model import ROOT_STACK_TYPE, PlannedResource
from preflight.values import SECRET, num, plural, public

if TYPE_CHECKING:
    from preflight.analyzer import Diagnostic
from preflight.model import SubnetAnswer

LEVEL_ORDER = ("mandatory", "remediate", "advisory", "disabled")
VERDICTS = {0: "passed", 1: "mandatory policy violations", 2: "error"}
COST_EXPORT = "monthlyCost"


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


def cache_names(resources: Iterable[Any]) -> dict[str, str]:
    """URN -> the name of the `Cache` component a resource sits under (at any depth); works on anything with
    `urn`, `parent`, `type` and `name` (planned or previous resources)."""
    listed = list(resources)
    parents = {resource.urn: resource.parent for resource in listed}
    components = {resource.urn: resource.name for resource in listed if resource.type == COMPONENT}
    found = {}
    for urn in parents:
        cursor: str | None = urn
        seen = set()
        while cursor is not None and cursor not in components and cursor not in seen:
            seen.add(cursor)
            cursor = parents.get(cursor)
        if cursor in components:
            found[urn] = components[cursor]
    return found


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
        nodes = f"{num(props.get('numNodeGroups'))} shards x {num(_add(props.get('replicasPerNodeGroup'), 1))} "
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
        nodes = f"{num(props.get('numCacheClusters') or 1)} x {node_type}"
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
        auth = f"AUTH token {SECRET}" + (f" (version {num(version)})" if version is not None else "")
    else:
        auth = "NONE"
    retention = public(props.get("snapshotRetentionLimit"))
    if not retention:
        backups = "OFF (snapshotRetentionLimit 0)"
    else:
        backups = f"kept {plural(int(retention), 'day')}, window {props.get('snapshotWindow') or 'chosen by AWS'}"
    return {
        "engine": engine,
        "nodes": nodes,
        "tls": tls,
        "atRest": at_rest,
        "auth": auth,
        "backups": backups,
        "maintenance": str(props.get("maintenanceWindow") or "chosen by AWS"),
        **_seeded(props.get("snapshotName"), props.get("snapshotArns")),
    }


def _seeded(snapshot: Any, arns: Any) -> dict[str, str]:
    """Where the cache's data comes from when it is created, if anywhere (`restoreFrom`)."""
    if snapshot:
        return {"seeded": f"backup {snapshot} (at creation only)"}
    if arns:
        return {"seeded": ", ".join(str(arn) for arn in arns) + " (at creation only)"}
    return {}


def _serverless(
    props: Mapping[str, Any], children: Sequence[PlannedResource], subnets: Mapping[str, SubnetAnswer]
) -> dict[str, str]:
    subnet_ids = list(props.get("subnetIds") or [])
    zones = sorted({subnets[s].availability_zone for s in subnet_ids if s in subnets})
    limits = props.get("cacheUsageLimits") or {}
    storage = limits.get("dataStorage") or {}
    ecpu = (limits.get("ecpuPerSeconds") or [{}])[0]
    nodes = "serverless, endpoints in " + (", ".join(zones) if zones else f"{plural(len(subnet_ids), 'subnet')}")
    nodes += f"; at most {num(storage.get('maximum'))} {storage.get('unit', 'GB')}"
    nodes += f" and {num(ecpu.get('maximum'))} ECPU/s"
    retention = public(props.get("snapshotRetentionLimit"))
    if not retention:
        backups = "OFF (snapshotRetentionLimit 0)"
    else:
        daily = props.get("dailySnapshotTime") or "a time AWS picks"
        backups = f"kept {plural(int(retention), 'day')}, daily at {daily}"
    user_group = props.get("userGroupId")
    return {
        "engine": f"{props.get('engine', '?')} {props.get('majorEngineVersion', '?')}, serverless",
        "nodes": nodes,
        "tls": "required (always, serverless)",
        "atRest": _at_rest(props, children),
        "auth": _user_groups([user_group], children) if user_group else "default user only",
        "backups": backups,
        "maintenance": "managed by AWS (serverless)",
        **_seeded(None, props.get("snapshotArnsToRestores")),
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


def child_detail(resource: PlannedResource) -> str:
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
        return plural(len(props.get("subnetIds") or []), "subnet")
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


def stack_level(violation: Mapping[str, Any]) -> bool:
    """A result about the whole stack: filed under the root stack (`Diagnostic.urn`), or under no resource."""
    return not violation["urn"] or violation["resourceType"] == ROOT_STACK_TYPE


def policy_results(diagnostics: Sequence[Diagnostic]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {"mandatory": [], "advisory": []}
    for diagnostic in sorted(diagnostics, key=lambda d: (d.policy_name, d.urn, d.message)):
        grouped.setdefault(diagnostic.enforcement_level, []).append(_violation(diagnostic))
    order = {level: index for index, level in enumerate(LEVEL_ORDER)}
    return dict(sorted(grouped.items(), key=lambda item: order.get(item[0], len(order))))


# -- monthly cost -----------------------------------------------------------------------------------------------


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
    return {
        "monthlyUsd": total.get("usd"),
        "complete": total.get("complete"),
        "atMost": total.get("atMost"),
        "caches": caches,
    }


def without_cost(exports: Any) -> Any:
    """The exports less the cost figures, which the cost table shows."""
    if not isinstance(exports, dict):
        return exports
    return {
        key: ({k: v for k, v in value.items() if k != COST_EXPORT} if isinstance(value, dict) else value)
        for key, value in exports.items()
        if key != COST_EXPORT
    }
