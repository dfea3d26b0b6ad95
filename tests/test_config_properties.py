"""Random configs: each is either rejected cleanly (a ConfigError naming keys) or yields only valid AWS inputs."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from components import aws_rules, placement
from components.spec import EvictionPolicy, StackSpec, Workload
from components.stack_config import TOP_LEVEL_KEYS, ConfigError
from elasticache_facts import engines, tokens
from elasticache_facts.tokens import PARAMETER_GROUP, REPLICATION_GROUP, SERVERLESS_CACHE
from elasticache_facts.workloads import allowed_eviction_policies
from preflight.model import Plan
from preflight.program import run_program
from preflight.stack_files import StackConfig
from tests.aws_api import refusals
from tests.conftest import UNIT_NETWORK, UNIT_SUBNETS, UNIT_TAGS, unit_spec

WORKLOADS = [w.value for w in Workload]
WINDOWS = ["03:00-04:00", "23:30-00:30", "05:30-06:30", "03:00-03:30", "3am"]
MAINTENANCE = ["sun:05:00-sun:06:00", "sat:23:30-sun:00:30", "sun:05:00-sun:05:10", "mon:03:30-mon:04:30", "x"]

limits = st.fixed_dictionaries(
    {"maxDataGb": st.integers(0, 6000), "maxEcpuPerSecond": st.integers(500, 16_000_000)},
    optional={"minDataGb": st.integers(1, 6000), "minEcpuPerSecond": st.integers(1000, 16_000_000)},
)
auth = st.fixed_dictionaries(
    {"mode": st.sampled_from(["iam", "password", "token"])},
    optional={"users": st.lists(st.sampled_from(["app", "api", "default", "Bad"]), max_size=3)},
)
cache = st.fixed_dictionaries(
    {"workload": st.sampled_from([*WORKLOADS, "queue"])},
    optional={
        "type": st.sampled_from(["node", "serverless", "cluster"]),
        "engine": st.sampled_from(["valkey", "redis", "memcached"]),
        "engineVersion": st.sampled_from(["7.2", "8.0", "8.1", "9.0", "7.0", "7.1", "6.2", "8"]),
        "majorEngineVersion": st.sampled_from(["7", "8", "9"]),
        "nodeType": st.sampled_from(["cache.t4g.small", "cache.r7g.large", "cache.r6gd.xlarge", "cache.t2.micro", "x"]),
        "replicas": st.integers(-1, 6),
        "shards": st.integers(0, 4),
        "evictionPolicy": st.sampled_from([*(p.value for p in EvictionPolicy), "lru"]),
        "dataTiering": st.booleans(),
        "port": st.sampled_from([6379, 6380, 80, 70000]),
        "limits": limits,
        "backup": st.fixed_dictionaries(
            {}, optional={"retentionDays": st.integers(-1, 40), "window": st.sampled_from(WINDOWS)}
        ),
        "maintenanceWindow": st.sampled_from(MAINTENANCE),
        "auth": auth,
        "bogusKey": st.just(1),
    },
)


@st.composite
def valid_node(draw: st.DrawFn) -> dict[str, Any]:
    workload = draw(st.sampled_from(list(Workload)))
    engine = draw(st.sampled_from(list(engines.NODE_VERSIONS)))
    shards = draw(st.none() | st.integers(1, 4))
    body: dict[str, Any] = {
        "workload": workload.value,
        "engine": engine.value,
        "engineVersion": draw(st.sampled_from(engines.NODE_VERSIONS[engine])),
        "nodeType": draw(
            st.sampled_from(["cache.t4g.small", "cache.r7g.large", "cache.m7g.large", "cache.r6gd.xlarge"])
        ),
        "replicas": draw(st.integers(0, 5)),  # too few to cover the 3 unit AZs must be refused
        "evictionPolicy": draw(st.sampled_from(sorted(allowed_eviction_policies(workload)))).value,
        "backup": {"retentionDays": draw(st.integers(0, 35)), "window": "03:00-04:00"},
        "maintenanceWindow": draw(st.sampled_from(["sun:05:00-sun:06:00", "sat:23:30-sun:00:30"])),
    }
    if shards is not None:
        body["shards"] = shards
    return body


@st.composite
def valid_serverless(draw: st.DrawFn) -> dict[str, Any]:
    engine = draw(st.sampled_from(list(engines.SERVERLESS_MAJORS)))
    max_gb = draw(st.integers(1, 5000))
    max_ecpu = draw(st.integers(1000, 15_000_000))
    return {
        "type": "serverless",
        "workload": draw(st.sampled_from(["cache", "agent-memory"])),
        "engine": engine.value,
        "majorEngineVersion": draw(st.sampled_from(engines.SERVERLESS_MAJORS[engine])),
        "limits": {
            "maxDataGb": max_gb,
            "minDataGb": draw(st.integers(1, max_gb)),
            "maxEcpuPerSecond": max_ecpu,
            "minEcpuPerSecond": draw(st.integers(1000, max_ecpu)),
        },
        "auth": {
            "mode": draw(st.sampled_from(["iam"])),
            "users": draw(st.lists(st.sampled_from(["app", "api"]), min_size=1, max_size=2, unique=True)),
        },
    }


# Mostly plausible configs, with fully random ones mixed in: both the accept and the reject paths get exercised.
caches = st.dictionaries(
    st.sampled_from(["sessions", "hot", "ratelimit", "memory", "Bad_Name", "x" * 40]),
    st.one_of(valid_node(), valid_node(), valid_serverless(), cache),
    min_size=1,
    max_size=3,
)
# Only plausible configs: most are accepted, so the program runs on them and its plan is checked.
plausible_caches = st.dictionaries(
    st.sampled_from(["sessions", "hot", "ratelimit", "memory"]),
    st.one_of(valid_node(), valid_serverless()),
    min_size=1,
    max_size=3,
)
secrets = st.fixed_dictionaries(
    {}, optional={"authToken": st.sampled_from(["Abcdefgh12345678-token", "short"]), "passwords": st.just({})}
)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES = 24 * 60
_HHMM = r"([01][0-9]|2[0-3]):([0-5][0-9])"


def _window_minutes(window: str, *, weekly: bool) -> int | None:
    """A window's length in minutes, computed here from AWS's documented formats (not with `aws_rules`, the code
    under test): `ddd:hh24:mi-ddd:hh24:mi` weekly, `hh24:mi-hh24:mi` daily; None when malformed."""
    day = f"({'|'.join(_DAYS)}):" if weekly else "()"
    match = re.fullmatch(f"{day}{_HHMM}-{day}{_HHMM}", window)
    if match is None:
        return None
    d1, h1, m1, d2, h2, m2 = match.groups()
    span = _DAY_MINUTES * 7 if weekly else _DAY_MINUTES
    start = (_DAYS.index(d1) * _DAY_MINUTES if weekly else 0) + int(h1) * 60 + int(m1)
    end = (_DAYS.index(d2) * _DAY_MINUTES if weekly else 0) + int(h2) * 60 + int(m2)
    return (end - start) % span


# ElastiCache's ids (replication group, serverless cache): 1..40 letters, digits, single hyphens, starting with a
# letter, not ending with a hyphen.
_ID = re.compile(r"[A-Za-z](?:-?[A-Za-z0-9])*")


def check_spec(spec: StackSpec) -> None:
    """What every accepted spec must satisfy: the AWS rules between inputs and the product's promises."""
    app_azs = spec.network.app_availability_zones
    for args in spec.caches:
        assert 1 <= len(args.cache_id) <= 40, args.cache_id
        assert _ID.fullmatch(args.cache_id), args.cache_id
        assert 0 <= args.backup.retention_days <= 35
        assert (_window_minutes(args.backup.window, weekly=False) or 0) >= 60, args.backup.window
        if args.serverless:
            limits = args.serverless
            assert 1 <= limits.max_data_gb <= 5000
            assert 1000 <= limits.max_ecpu_per_second <= 15_000_000
            assert (limits.min_data_gb or 0) <= limits.max_data_gb
            assert (limits.min_ecpu_per_second or 0) <= limits.max_ecpu_per_second
            assert args.workload in (Workload.CACHE, Workload.AGENT_MEMORY)
            assert args.auth.mode.value != "token"
            assert aws_rules.check_serverless_major(args.engine, args.engine_version) is None
            continue
        node = args.node
        assert node is not None
        assert aws_rules.check_engine_version(args.engine, args.engine_version) is None
        assert aws_rules.check_node_type(node.node_type, args.engine) is None
        assert node.node_count <= aws_rules.MAX_NODES_PER_CLUSTER
        assert len({**args.tags, **args.expected_load.as_tags()}) <= aws_rules.MAX_TAGS_PER_RESOURCE
        assert node.data_tiering == aws_rules.supports_data_tiering(node.node_type)
        assert 0 <= node.replicas <= 5
        assert node.eviction_policy in allowed_eviction_policies(args.workload)
        assert (_window_minutes(args.maintenance_window, weekly=True) or 0) >= 60, args.maintenance_window
        assert not aws_rules.windows_overlap(args.maintenance_window, args.backup.window)
        if spec.production or node.cluster_mode_enabled:
            assert node.replicas >= 1
        layouts = placement.shard_layouts(app_azs, node.shards or 1, node.replicas)
        assert placement.uncovered_azs(app_azs, layouts) == []


_VALID_NODE = {
    "workload": "sessions",
    "nodeType": "cache.r7g.large",
    "replicas": 2,
    "backup": {"retentionDays": 7, "window": "03:00-04:00"},
    "maintenanceWindow": "sun:05:00-sun:06:00",
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caches=caches, production=st.booleans(), secret=secrets)
# Windows too short for AWS, each in an otherwise valid cache: they must be rejected, never accepted.
@example(caches={"sessions": {**_VALID_NODE, "maintenanceWindow": "sun:05:00-sun:05:10"}}, production=True, secret={})
@example(
    caches={"sessions": {**_VALID_NODE, "backup": {"retentionDays": 7, "window": "03:00-03:30"}}},
    production=True,
    secret={},
)
def test_every_config_is_accepted_valid_or_rejected_with_key_paths(
    caches: dict[str, Any], production: bool, secret: dict[str, Any]
) -> None:
    values: dict[str, Any] = {"cacheSecrets": {name: secret for name in caches}} if secret else {}
    try:
        spec = unit_spec(caches, production=production, **values)
    except ConfigError as error:
        problems = error.problems
    else:
        check_spec(spec)
        return
    assert problems
    for problem in problems:
        assert problem.path.split(".")[0].split("[")[0] in TOP_LEVEL_KEYS, problem.path
        assert problem.message
        # The house style, never the schema library's words: what is wrong, then what is allowed.
        assert not problem.message.startswith("Input should"), str(problem)
        if problem.path.endswith(".bogusKey"):
            assert "unknown key; allowed here:" in problem.message
    assert len({(p.path, p.message) for p in problems}) == len(problems), "a problem reported twice"


def unit_stack(caches: dict[str, Any], production: bool) -> StackConfig:
    values = {
        "aws:region": "us-east-1",
        "elasticache:network": json.dumps(UNIT_NETWORK),
        "elasticache:production": "true" if production else "false",
        "elasticache:tags": json.dumps(UNIT_TAGS),
        "elasticache:caches": json.dumps(caches),
    }
    return StackConfig(project="elasticache", stack="unit", values=values)


def check_plan(plan: Plan) -> None:
    """The AWS rules between replication group inputs, on what the program would really send; every request
    the provider would make for it accepted by AWS's API models (`tests/aws_api`)."""
    assert refusals(plan.resources) == {}
    for resource in plan.resources:
        assert len(resource.inputs.get("tags") or {}) <= aws_rules.MAX_TAGS_PER_RESOURCE, resource.name
    for group in plan.of_type(REPLICATION_GROUP):
        props = group.inputs
        assert props["transitEncryptionMode"] == "required"
        assert props["transitEncryptionEnabled"] is True
        if props["multiAzEnabled"]:
            assert props["automaticFailoverEnabled"]
        if props["clusterMode"] == "enabled":
            assert props["automaticFailoverEnabled"]
            assert "numCacheClusters" not in props
            for shard in props["nodeGroupConfigurations"]:
                assert len(shard["replicaAvailabilityZones"]) == shard["replicaCount"] == props["replicasPerNodeGroup"]
        else:
            assert 1 <= props["numCacheClusters"] <= 6
            assert len(props["preferredCacheClusterAzs"]) == props["numCacheClusters"]
            assert props["automaticFailoverEnabled"] == (props["numCacheClusters"] >= 2)
        # AWS's family for a version (engine-versions.md, "Mapping cheat-sheet"), written out here rather than
        # taken from `engines.parameter_group_family`, which the program itself uses.
        family = f"{props['engine']}{props['engineVersion'].split('.')[0]}"
        assert f"-{family}-" in props["parameterGroupName"]
        [params] = [p for p in plan.of_type(PARAMETER_GROUP) if p.parent == group.parent]
        assert params.inputs["family"] == family, group.name
    for server in plan.of_type(SERVERLESS_CACHE):
        assert set(server.inputs["subnetIds"]) <= set(UNIT_SUBNETS)
        assert server.inputs["userGroupId"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(caches=plausible_caches, production=st.booleans())
def test_accepted_configs_deploy_only_valid_combinations(caches: dict[str, Any], production: bool) -> None:
    try:
        plan = run_program(unit_stack(caches, production), subnets=UNIT_SUBNETS)
    except ConfigError:
        # A rejected config proves nothing here; hypothesis fails the test (health check `filter_too_much`)
        # if too few are accepted for the plan checks to run on.
        assume(False)
    assert len(plan.of_type(tokens.COMPONENT)) == len(caches)
    check_plan(plan)
