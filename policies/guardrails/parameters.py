"""Parameter groups: a cache owns its parameter group, and its eviction policy fits what the cache holds.

Evicting sessions or locks loses user-visible state silently; never evicting a plain cache turns a full cache
into write errors. The `workload` tag says which it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from elasticache_facts.engines import FAMILY_DEFAULT_EVICTION
from elasticache_facts.tags import WORKLOAD
from elasticache_facts.tokens import PARAMETER_GROUP, REPLICATION_GROUP, SERVERLESS_CACHE
from elasticache_facts.workloads import DATA_TIERING_EVICTION, EVICTING, PROFILES, UNTAGGED_EVICTION
from guardrails.common import DOCS, data_tiering, is_global_secondary, planned, settings, stored_name, tags_of
from guardrails.props import MISSING, Props, Unknown, finish_all, is_unknown

_FITTING = "; ".join(
    f"{workload.value}: "
    + (
        "any evicting one"
        if profile.allowed_eviction == EVICTING
        else " or ".join(f"`{p.value}`" for p in profile.allowed_eviction)
    )
    for workload, profile in PROFILES.items()
)


def _default_group(name: str) -> bool:
    return name.strip().lower().startswith("default.")


def _validate_custom_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("serverless caches have no parameter groups")
    if args.resource_type != REPLICATION_GROUP:
        return
    props = Props(args.props)
    if is_global_secondary(props):
        args.not_applicable(
            "a global datastore secondary may not set a parameter group: AWS derives one from the primary's"
        )
    # An unknown name comes from a ParameterGroup resource, and AWS reserves `default.*` names: it is custom.
    name = props.peek("parameterGroupName")
    if name is MISSING or name == "":
        report(
            "`parameterGroupName` is unset: the group runs on the engine's `default.*` parameter group, which "
            "cannot be changed (not even its eviction policy). Create an "
            "`aws:elasticache/parameterGroup:ParameterGroup` per cache and name it here."
        )
    elif isinstance(name, str) and _default_group(name):
        report(
            f"`parameterGroupName` is {name!r}, a shared AWS default group that cannot be changed. Create an "
            "`aws:elasticache/parameterGroup:ParameterGroup` per cache (changes in place)."
        )
    props.finish()


custom_parameter_group = ResourceValidationPolicy(
    name="elasticache-custom-parameter-group",
    description="ElastiCache replication groups use their own parameter group, not a `default.*` one.",
    validate=_validate_custom_group,
    severity=Severity.LOW,
    tags=["parameters"],
    remediation_steps=(
        "Create an `aws:elasticache/parameterGroup:ParameterGroup` (family matching engine and major version, "
        "unique name per family) and set `parameterGroupName`."
    ),
    url=f"{DOCS}/ParameterGroups.html",
)


EVICTION_SCHEMA = PolicyConfigSchema(
    properties={
        "workloadEvictionPolicies": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "default": {
                workload.value: [policy.value for policy in profile.allowed_eviction]
                for workload, profile in PROFILES.items()
            },
            "description": (
                "`workload` tag value -> the `maxmemory-policy` values that fit it; entries given replace the "
                "default's for those workloads, others keep the default."
            ),
        },
        "allowedEvictionPolicies": {
            "type": "array",
            "items": {"type": "string"},
            "default": [policy.value for policy in UNTAGGED_EVICTION],
            "description": (
                "Policies allowed for a cache without a `workload` tag (the `*-random` ones evict hot keys as "
                "readily as cold ones, so they are left out)."
            ),
        },
        "workloadTag": {
            "type": "string",
            "default": WORKLOAD,
            "description": "The tag key that names a cache's workload.",
        },
    }
)


@dataclass(frozen=True)
class _Eviction:
    policy: str
    set_by: str | None
    """The parameter group that sets it; None when no group does and the family's default applies."""

    def described(self) -> str:
        if self.set_by is None:
            return f"it runs {self.policy!r}, the family default (no parameter group of its own sets it)"
        return f"its parameter group {self.set_by} sets {self.policy!r}"


_FAMILY_DEFAULT = _Eviction(FAMILY_DEFAULT_EVICTION, None)


def _eviction_policy(
    cache: PolicyResource, props: Props, by_urn: dict[str, PolicyResource], by_name: dict[str, PolicyResource]
) -> Any:
    """The cache's `_Eviction`, an Unknown, or None when it cannot be found at all."""
    name = props.peek("parameterGroupName")
    if not isinstance(name, Unknown) and name is not MISSING:
        name = str(name)
    groups = [
        by_urn[dependency.urn]
        for dependency in cache.property_dependencies.get("parameterGroupName", [])
        if dependency.urn in by_urn
    ]
    if not groups:
        if name is MISSING or (isinstance(name, str) and _default_group(name)):
            return _FAMILY_DEFAULT
        if isinstance(name, Unknown):
            return props.note(name)
        # AWS stores parameter group names in lower case (`stored_name`): `Sessions-PG` is the group `sessions-pg`.
        if stored_name(name) not in by_name:
            props.cannot_check(
                f"parameter group {name!r} is not managed in this stack, so its eviction policy cannot be read"
            )
            return None
        groups = [by_name[stored_name(name)]]
    group = planned(groups[0])
    parameters = group.items("parameters")
    if isinstance(parameters, Unknown):
        return props.note(Unknown(f"{groups[0].name}.parameters"))
    for index, _ in enumerate(parameters if isinstance(parameters, list) else []):
        key = group.peek("parameters", index, "name")
        if isinstance(key, Unknown) or (isinstance(key, str) and key.strip().lower() == "maxmemory-policy"):
            value = group.peek("parameters", index, "value")
            if isinstance(key, Unknown) or isinstance(value, Unknown):
                return props.note(Unknown(f"{groups[0].name}.parameters[{index}]"))
            return _Eviction(str(value).strip().lower(), groups[0].name)
    return _FAMILY_DEFAULT


def _validate_eviction(args: StackValidationArgs, report: ReportViolation) -> None:
    config = settings(args, EVICTION_SCHEMA)
    # Configuring one workload must not drop the others: configured entries replace the defaults' per workload.
    defaults = EVICTION_SCHEMA.properties["workloadEvictionPolicies"]["default"]
    fits: dict[str, list[str]] = {
        str(workload): [str(policy) for policy in policies]
        for workload, policies in {**defaults, **dict(config["workloadEvictionPolicies"])}.items()
    }
    allowed = [str(policy) for policy in config["allowedEvictionPolicies"]]
    tag = str(config["workloadTag"])

    by_urn: dict[str, PolicyResource] = {}
    by_name: dict[str, PolicyResource] = {}
    for resource in args.resources:
        if resource.resource_type == PARAMETER_GROUP:
            by_urn[resource.urn] = resource
            name = planned(resource).peek("name")
            if isinstance(name, str):
                by_name[stored_name(name)] = resource

    readers: list[Props] = []
    for cache in args.resources:
        if cache.resource_type != REPLICATION_GROUP:
            continue
        props = planned(cache, subject=cache.name)
        readers.append(props)
        if is_global_secondary(props):
            continue
        found = _eviction_policy(cache, props, by_urn, by_name)
        if found is None or is_unknown(found):
            continue
        policy = found.policy
        tiering = data_tiering(props)
        if isinstance(tiering, Unknown):
            props.note(tiering)
        elif tiering and policy not in DATA_TIERING_EVICTION:
            # AWS refuses the group (or the parameter change) at apply: better said before anything is created.
            report(
                f"{cache.name}: `maxmemory-policy` is {policy!r}, but data tiering nodes (r6gd) take only "
                f"{', '.join(p.value for p in DATA_TIERING_EVICTION)}. Set one of them that fits the workload, or "
                "choose a node type without data tiering.",
                cache.urn,
            )
            continue
        tags = tags_of(props, cache.provider.props if cache.provider else None)
        workload = tags.get(tag, MISSING) if isinstance(tags, dict) else tags
        if isinstance(workload, Unknown):
            props.note(workload)
            continue
        if workload is not MISSING:
            workload = str(workload)
        if workload is MISSING:
            if policy not in allowed:
                report(
                    f"{cache.name}: `maxmemory-policy` is {policy!r}, not one of {', '.join(allowed)}. Tag the cache "
                    f"with `{tag}` ({', '.join(fits)}) or set an allowed policy in its parameter group.",
                    cache.urn,
                )
            continue
        if workload not in fits:
            report(
                f"{cache.name}: `{tag}` tag {workload!r} is not a known workload ({', '.join(fits)}).",
                cache.urn,
            )
            continue
        if policy not in fits[workload]:
            report(
                f"{cache.name}: a {workload!r} cache needs `maxmemory-policy` in {', '.join(fits[workload])}, "
                f"but {found.described()}. Set `maxmemory-policy` in the cache's own parameter group (changes in "
                "place).",
                cache.urn,
            )
    finish_all(readers)


eviction_policy = StackValidationPolicy(
    name="elasticache-eviction-policy",
    description="A cache's eviction policy (`maxmemory-policy`) fits the workload it holds.",
    validate=_validate_eviction,
    config_schema=EVICTION_SCHEMA,
    severity=Severity.HIGH,
    tags=["parameters", "eviction"],
    remediation_steps=(
        f"Tag the cache with its `{WORKLOAD}` and set `maxmemory-policy` in its parameter group to a policy that "
        f"fits it: {_FITTING}."
    ),
    url=f"{DOCS}/ParameterGroups.Engine.html",
)

POLICIES = [custom_parameter_group, eviction_policy]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    custom_parameter_group.name: (
        "replication groups set `parameterGroupName`, not a `default.*` group (unset = the default group)"
    ),
    eviction_policy.name: (
        "the `maxmemory-policy` of the parameter group a replication group uses (found by property dependency"
        " or name, in any case as AWS stores names in lower case; the family default `volatile-lru` when the group"
        " does not set it or is a default group) "
        "fits the cache's `workload` tag; without the tag it is in the allowed set; on data tiering (r6gd) "
        "nodes it is one AWS accepts there (`noeviction`, `volatile-lru`, `allkeys-lru`). A group outside the stack"
        " is reported as not checkable"
    ),
}
