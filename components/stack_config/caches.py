"""One cache of `caches`: its id, engine version, windows and key, then each section's resolver."""

from __future__ import annotations

from components import aws_rules, naming
from components.costs import capacity_shortfalls
from components.spec import CacheArgs, ExpectedLoad, NodeBased, Protection, Serverless
from components.stack_config.auth import resolve_auth
from components.stack_config.backup import resolve_backup
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_MAINTENANCE_WINDOW
from components.stack_config.encryption import resolve_kms_key
from components.stack_config.node import resolve_node
from components.stack_config.observability import resolve_observability
from components.stack_config.restore import resolve_restore
from components.stack_config.schema import CacheBaseConfig, ExpectedLoadConfig
from components.stack_config.serverless import resolve_serverless
from components.stack_config.tags import resolve_tags
from elasticache_facts import engines
from elasticache_facts.tags import CONFIG_KEY as CONFIG_KEY_TAG
from elasticache_facts.tags import SUBNET_ZONES
from elasticache_facts.tags import WORKLOAD as WORKLOAD_TAG
from elasticache_facts.workloads import PROFILES


def resolve_cache(ctx: CacheContext) -> CacheArgs | None:
    stack = ctx.stack
    problems = stack.problems
    config = ctx.config
    before = problems.count()
    cache_id = ctx.cache_id
    if (why := naming.check_id(cache_id)) is not None:
        ctx.problem(
            "",
            ctx.name,
            f"the cache id {cache_id!r} plus its {naming.SUFFIX_LENGTH}-character suffix {why}: shorten the cache "
            f"name or namePrefix (at most {naming.max_readable_length()} characters together)",
        )

    kms = stack.kms_key
    if config.kms_key is not None:
        kms = resolve_kms_key(config.kms_key, f"{ctx.path}.kmsKey", stack.region, problems) or kms
    tags = resolve_tags(config.tags or {}, f"{ctx.path}.tags", problems) or {}
    auth = resolve_auth(ctx)
    backup = resolve_backup(ctx)

    node: NodeBased | None = None
    server: Serverless | None = None
    maintenance_window = DEFAULT_MAINTENANCE_WINDOW
    if (serverless_config := ctx.serverless_config) is not None:
        engine_version = serverless_config.major_engine_version or engines.DEFAULT_SERVERLESS_MAJOR[config.engine]
        if (why := aws_rules.check_serverless_major(config.engine, engine_version)) is not None:
            ctx.problem("majorEngineVersion", engine_version, why)
        server = resolve_serverless(ctx)
        description = config.description or ""
        if len(description) > aws_rules.SERVERLESS_DESCRIPTION_MAX:
            ctx.problem(
                "description",
                description,
                f"{len(description)} characters; allowed: at most {aws_rules.SERVERLESS_DESCRIPTION_MAX} for a "
                "serverless cache: shorten it",
            )
    else:
        node_config = ctx.node_config
        assert node_config is not None
        maintenance_window = node_config.maintenance_window or DEFAULT_MAINTENANCE_WINDOW
        engine_version = node_config.engine_version or engines.DEFAULT_VERSION[config.engine]
        if (why := aws_rules.check_engine_version(config.engine, engine_version)) is not None:
            ctx.problem("engineVersion", engine_version, why)
        if (why := aws_rules.check_maintenance_window(maintenance_window)) is not None:
            ctx.problem("maintenanceWindow", maintenance_window, why)
        elif backup is not None and (
            why := aws_rules.check_windows(maintenance_window, backup.window, "maintenanceWindow")
        ):
            ctx.problem("backup.window", backup.window, why)
        node = resolve_node(ctx, engine_version)

    own_tags = {WORKLOAD_TAG: config.workload.value, "cache": ctx.name, CONFIG_KEY_TAG: f"caches.{ctx.name}"}
    load_tags = _load(config).as_tags()
    # A serverless cache also carries the AZs of its subnets (components/cache.py), one more tag.
    placement_tags = {SUBNET_ZONES: ""} if ctx.serverless else {}
    all_tags = {**stack.common_tags, **tags, **own_tags, **load_tags, **placement_tags}
    parts = (
        f"{len(stack.common_tags)} from the stack, {len(set(tags) - set(stack.common_tags))} of this cache's, "
        f"{len(set(own_tags) | set(load_tags) | set(placement_tags))} the program's own"
    )
    if (why := aws_rules.check_tag_count(len(all_tags), parts)) is not None:
        ctx.problem("tags", len(all_tags), why + ": drop some stack or cache tags")

    observability = resolve_observability(ctx)
    restore_from = resolve_restore(ctx)
    load = config.expected_load or ExpectedLoadConfig()
    for key, value, message in capacity_shortfalls(load, node, server):
        ctx.problem(key, value, message)
    network = stack.network
    if (
        problems.count() > before
        or backup is None
        or auth is None
        or observability is None
        or network is None
        or (node is None and server is None)
    ):
        return None
    profile = PROFILES[config.workload]
    return CacheArgs(
        name=ctx.name,
        cache_id=cache_id,
        engine=config.engine,
        engine_version=engine_version,
        workload=config.workload,
        network=network,
        auth=auth,
        backup=backup,
        maintenance_window=maintenance_window,
        kms_key=kms,
        tags={**stack.common_tags, **tags, **own_tags},
        observability=observability,
        protection=Protection(
            protect=stack.production if config.protect is None else config.protect,
            retain_on_delete=config.retain_on_delete,
            allow_replacement=config.allow_replacement,
        ),
        node=node,
        serverless=server,
        expected_load=_load(config),
        apply_immediately=config.apply_immediately,
        description=config.description or f"{ctx.name}: {profile.purpose} ({config.workload.value})",
        account_id=stack.account_id,
        region=stack.region,
        restore_from=restore_from,
    )


def _load(config: CacheBaseConfig) -> ExpectedLoad:
    load = config.expected_load or ExpectedLoadConfig()
    return ExpectedLoad(
        data_gb=load.average_data_gb,
        requests_per_second=load.requests_per_second,
        item_kb=load.average_item_kb,
        snapshot_gb=load.snapshot_gb,
    )
