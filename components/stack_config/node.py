"""The node-based keys of a cache: node type, replicas and shards, eviction, parameters."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from components import aws_rules, placement
from components.spec import NodeBased
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_NODE_TYPE, default_replicas
from components.stack_config.parsing import did_you_mean
from elasticache_facts.engines import Engine, parameter_group_family
from elasticache_facts.parameters import KEYSPACE_EVENT_CLASSES, KEYSPACE_EVENTS, Parameter, family_parameters
from elasticache_facts.ports import REDIS_PORT
from elasticache_facts.workloads import DATA_TIERING_EVICTION, PROFILES, allowed_eviction_policies
from pricing.capacity import DEFAULT_RESERVED_MEMORY_PERCENT
from pricing.estimate import num

RESERVED_PARAMETERS = {
    "maxmemory-policy": "set evictionPolicy instead",
    "cluster-enabled": "set shards (cluster mode enabled) or leave it out (disabled) instead",
}
REFUSED_VALUES = {
    ("cluster-preferred-endpoint-type", "ip"): (
        "every cache requires TLS, and with ip CLUSTER SLOTS names each node by IP address, which ElastiCache's "
        "certificates do not: a cluster client that verifies the server's host name (cacheclient does) cannot reach "
        "the shards; allowed: tls-dynamic (host names under TLS, the default): set it or remove the parameter"
    ),
    ("reserved-memory-percent", "100"): (
        "reserves all of each node's memory (maxmemory) for what is not data, so nothing is left for data; "
        f"allowed: 0..99: set a lower value, or remove the parameter for AWS's default "
        f"{num(DEFAULT_RESERVED_MEMORY_PERCENT)}"
    ),
}
"""Values the family takes that leave the cache unusable. `cluster-preferred-endpoint-type: ip`: no client of a
TLS-only cache can connect through it (AWS "TLS enabled dual stack ElastiCache clusters": under TLS, discovery
returns host names and the TLS handshake uses them). `reserved-memory-percent: 100`: the whole of `maxmemory` is
kept from data (shared/reference/elasticache-parameters.md: "percent of maxmemory reserved for non-data use",
0-100), so the cache holds nothing, and no usable memory is left to size the expected load against."""
_PARAMETER_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


def resolve_parameters(ctx: CacheContext, engine_version: str) -> list[tuple[str, str]]:
    """Each parameter checked against its family's list and rendered the way AWS takes it (`yes`, not `1`)."""
    config = ctx.node_config
    assert config is not None
    rendered: list[tuple[str, str]] = []
    for key, value in sorted((config.parameters or {}).items()):
        text, why = judge_parameter(config.engine, engine_version, key, value)
        if why is not None:
            ctx.problem(f"parameters.{key}", value, why)
        elif text is not None:
            rendered.append((key, text))
    return rendered


def judge_parameter(engine: Engine, engine_version: str, key: str, value: Any) -> tuple[str | None, str | None]:
    """(the value as AWS takes it, None), or (None, why AWS refuses the parameter on this engine and version)."""
    family = parameter_group_family(engine.value, engine_version)
    known = family_parameters(family)
    parameter = known.get(key) if known is not None else None
    if key in RESERVED_PARAMETERS:
        return None, RESERVED_PARAMETERS[key]
    if known is not None and parameter is None:
        settable = sorted(name for name, p in known.items() if p.modifiable and name not in RESERVED_PARAMETERS)
        return None, (
            f"not a parameter of family {family}; allowed: the {family} parameters a custom group may set"
            + (did_you_mean(key, settable) or f" ({', '.join(settable[:8])}, ...)")
        )
    if parameter is not None and not parameter.modifiable:
        return None, f"AWS fixes {key} in {family} (node type, topology or engine); remove it"
    since = parameter.since if parameter is not None else None
    if since is not None and aws_rules.version_older(engine_version, since):
        return None, (
            f"{key} is a {engine.value} {since} parameter, which {family} on {engine.value} "
            f"{engine_version} does not have (AWS: a minor version's parameter changes do not apply to the one "
            f"before); allowed: engineVersion {since} or later for it: set engineVersion: {since!r}, or remove the "
            "parameter"
        )
    if isinstance(value, (dict, list)) or value is None:
        allowed = _usable(parameter).describe_allowed() if parameter else "a string, a number or yes/no"
        return None, f"not a single value; allowed: {allowed}"
    if parameter is None:
        if not _PARAMETER_NAME.match(key):
            return None, "parameter names are lowercase words and hyphens"
        return _plain(value), None
    if (text := _render(parameter, value)) is None:
        usable = _usable(parameter)
        message = f"not a value {family} takes for {key}; allowed: {usable.describe_allowed()}"
        if parameter.kind == "choice" and isinstance(value, str):
            message += did_you_mean(value, usable.values)
        return None, message
    if (key, text) in REFUSED_VALUES:
        return None, REFUSED_VALUES[(key, text)]
    return text, None


def _usable(parameter: Parameter) -> Parameter:
    """The parameter with the values of `REFUSED_VALUES` left out of its choices and ranges: a message never
    suggests one."""
    refused = {value for name, value in REFUSED_VALUES if name == parameter.name}
    values = tuple(value for value in parameter.values if value not in refused)
    ranges = list(parameter.ranges)
    for number in sorted(int(value) for value in refused if value.lstrip("-").isdigit()):
        ranges = [
            part
            for low, high in ranges
            for part in (
                [(low, number - 1), (number + 1, high)]
                if low <= number and (high is None or number <= high)
                else [(low, high)]
            )
            if part[1] is None or part[0] <= part[1]
        ]
    return dataclasses.replace(parameter, values=values, ranges=tuple(ranges))


def _render(parameter: Parameter, value: str | int | float | bool) -> str | None:
    """The value as AWS accepts it for this parameter, or None when it does not."""
    if parameter.name == KEYSPACE_EVENTS:
        # The engine refuses any other character; without K or E it would take the value and publish nothing.
        text = value if isinstance(value, str) else None
        if text is None or not set(text) <= set(KEYSPACE_EVENT_CLASSES) or (text and not set(text) & set("KE")):
            return None
        return text
    if parameter.kind == "yes-no":
        if isinstance(value, bool):
            return "yes" if value else "no"
        text = str(value).strip().lower()
        return text if text in ("yes", "no") else None
    if parameter.kind == "choice":
        return value if isinstance(value, str) and value in parameter.values else None
    if parameter.kind == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, float):
            if not value.is_integer():
                return None
            value = int(value)
        try:
            number = int(str(value).strip())
        except ValueError:
            return None
        if parameter.ranges and not any(
            low <= number and (high is None or number <= high) for low, high in parameter.ranges
        ):
            return None
        return str(number)
    return _plain(value)


def _plain(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def resolve_node(ctx: CacheContext, engine_version: str) -> NodeBased | None:
    config = ctx.node_config
    assert config is not None
    problems = ctx.stack.problems
    before = problems.count()
    production = ctx.stack.production
    node_type = config.node_type or DEFAULT_NODE_TYPE[production]
    if (why := aws_rules.check_node_type(node_type, config.engine)) is not None:
        ctx.problem("nodeType", node_type, why)
    tiering_capable = aws_rules.supports_data_tiering(node_type)
    data_tiering = tiering_capable if config.data_tiering is None else config.data_tiering
    if data_tiering and not tiering_capable:
        ctx.problem("dataTiering", True, "data tiering needs an r6gd node type (e.g. cache.r6gd.xlarge)")
    if tiering_capable and not data_tiering:
        ctx.problem("dataTiering", False, "r6gd node types require data tiering on; remove the key")

    network = ctx.stack.network
    app_azs = network.app_availability_zones if network else ()
    replicas = config.replicas if config.replicas is not None else default_replicas(app_azs)
    shards = config.shards
    layouts: tuple[placement.ShardLayout, ...] = ()
    if production and replicas < 1:
        ctx.problem("replicas", replicas, "production caches need at least 1 replica per shard for failover")
    elif shards is not None and replicas < 1:
        ctx.problem("replicas", replicas, "sharded caches need at least 1 replica per shard for failover")
    elif (why := aws_rules.check_node_count(shards or 1, replicas)) is not None:
        ctx.problem("shards", shards, why)
    elif app_azs:
        layouts = placement.shard_layouts(app_azs, shards or 1, replicas)
        missing = placement.uncovered_azs(app_azs, layouts)
        if missing:
            needed = len(app_azs) - 1 if shards is None else -(-(len(app_azs) - 1) // shards)
            ctx.problem(
                "replicas",
                replicas,
                f"leaves app AZ {', '.join(missing)} without a node; every app AZ must hold one: "
                f"set replicas to at least {needed}",
            )

    eviction = config.eviction_policy or PROFILES[config.workload].eviction_policy
    allowed = allowed_eviction_policies(config.workload)
    if eviction not in allowed:
        ctx.problem(
            "evictionPolicy",
            eviction.value,
            f"contradicts workload {config.workload.value!r}; allowed: " + ", ".join(sorted(p.value for p in allowed)),
        )
    elif data_tiering and eviction not in DATA_TIERING_EVICTION:
        # AWS refuses any other policy on r6gd nodes: the create or the parameter change would fail at deploy time.
        # Every workload allows one of the data tiering policies (tests/test_facts.py).
        workload = config.workload.value
        fitting = [p.value for p in DATA_TIERING_EVICTION if p in allowed]
        default = (
            f" ({eviction.value} is the default of workload {workload!r})" if config.eviction_policy is None else ""
        )
        ctx.problem(
            "evictionPolicy",
            eviction.value,
            f"{node_type} uses data tiering, which takes only {', '.join(p.value for p in DATA_TIERING_EVICTION)}"
            f"{default}; allowed for workload {workload!r} on data tiering: {', '.join(fitting)}: set evictionPolicy: "
            f"{fitting[0] if len(fitting) == 1 else 'one of them'}, or choose a node type without data tiering",
        )

    parameters = resolve_parameters(ctx, engine_version)

    if problems.count() > before or not layouts:
        return None
    return NodeBased(
        node_type=node_type,
        replicas=replicas,
        shards=shards,
        eviction_policy=eviction,
        parameters=tuple(parameters),
        port=config.port or REDIS_PORT,
        data_tiering=data_tiering,
        layouts=layouts,
        transit_encryption_mode=config.transit_encryption_mode,
    )
