"""The AWS rules between `CacheArgs` inputs, checked again by the `Cache` component before it registers anything.

The stack config loader (`stack_config`) checks these with config key paths; a program that builds `CacheArgs` by
hand (the component reused from another Pulumi program) gets them here, as one `InvalidCacheArgs` listing every
problem by its field path, raised before the component or any child is registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from components import acl, aws_rules, naming
from components.spec import AuthMode, CacheArgs, KmsKeyChoice, TokenUpdateStrategy, TransitEncryptionMode
from components.stack_config.encryption import KMS_KEY_ARN
from components.stack_config.node import judge_parameter
from components.stack_config.schema import NETWORK_FORMATS, PATTERN_HINTS, SNS_TOPIC
from elasticache_facts.workloads import DATA_TIERING_EVICTION

# A hand-built args may hold the plain strings of these closed sets: compared by value (a str Enum equals its
# value), never by identity.
TOKEN_UPDATE_STRATEGIES = tuple(strategy.value for strategy in TokenUpdateStrategy)
TRANSIT_ENCRYPTION_MODES = tuple(mode.value for mode in TransitEncryptionMode)
_SNS_TOPIC = re.compile(SNS_TOPIC)
_NETWORK_NAMES = {field: f"network.{field}" for field in aws_rules.NETWORK_LISTS}


class InvalidCacheArgs(ValueError):
    """`CacheArgs` that AWS would refuse at apply time (or that the component cannot build)."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Invalid CacheArgs for cache {name!r} ({len(problems)} problems):\n{lines}")


def check(args: CacheArgs) -> list[str]:
    found: list[str] = []

    def add(path: str, why: str) -> None:
        found.append(f"{path}: {why}")

    if (why := naming.check_id(args.cache_id)) is not None:
        add("cache_id", f"{args.cache_id!r} plus its {naming.SUFFIX_LENGTH}-character suffix {why}")
    elif args.cache_id != args.cache_id.lower():
        add("cache_id", "AWS stores ElastiCache ids in lowercase; use lowercase")
    if not args.region:
        add("region", "required: the cache's region (exported, signs IAM tokens, names the log service)")

    if (args.node is None) == (args.serverless is None):
        add("node / serverless", "set exactly one of them")
        return found
    zones = _check_network(args, add)

    if (why := aws_rules.check_snapshot_window(args.backup.window)) is not None:
        add("backup.window", why)
    if not 0 <= args.backup.retention_days <= aws_rules.MAX_RETENTION_DAYS:
        add("backup.retention_days", f"allowed: 0..{aws_rules.MAX_RETENTION_DAYS}")
    if args.observability.log_retention_days not in aws_rules.LOG_RETENTION_DAYS:
        add("observability.log_retention_days", "not a retention CloudWatch Logs accepts")
    topic = args.observability.alarm_topic_arn
    if topic is not None and not _SNS_TOPIC.match(topic):
        add("observability.alarm_topic_arn", "not an SNS topic ARN")
    elif (
        topic is not None
        and args.node is not None
        and (why := aws_rules.check_notification_topic_owner(topic, args.account_id)) is not None
    ):
        add("observability.alarm_topic_arn", why)

    kms = args.kms_key
    if kms.choice is KmsKeyChoice.ARN:
        match = KMS_KEY_ARN.match(kms.arn or "")
        if match is None:
            add("kms_key.arn", "a KMS key ARN is required when kms_key.choice is ARN")
        elif args.region and match["region"] != args.region:
            add("kms_key.arn", f"the key is in {match['region']}; a cache can only use a key of {args.region}")
    elif kms.arn is not None:
        add("kms_key.arn", f"set, but kms_key.choice is {kms.choice.value}")

    for key, value in args.tags.items():
        for why in (aws_rules.check_tag_key(key), aws_rules.check_tag_value(value)):
            if why is not None:
                add(f"tags.{key}", why)
    extra = len(args.expected_load.as_tags()) + (1 if args.serverless else 0)
    if (why := aws_rules.check_tag_count(len(args.tags) + extra, "tags and the component's own")) is not None:
        add("tags", why)

    auth = args.auth
    if auth.token_update_strategy not in TOKEN_UPDATE_STRATEGIES:
        add("auth.token_update_strategy", f"allowed: {', '.join(TOKEN_UPDATE_STRATEGIES)}")
    if auth.mode is AuthMode.TOKEN:
        if args.serverless is not None:
            add("auth.mode", "serverless caches support RBAC only: use iam or password")
        if auth.users:
            add("auth.users", "token mode has no users (AWS refuses a token with RBAC)")
        if auth.token is None:
            add("auth.token", "token mode needs it")
        elif (why := aws_rules.check_secret(auth.token.get_secret_value())) is not None:
            add("auth.token", why)
    else:
        if not auth.users:
            add("auth.users", "at least one user")
        if (why := aws_rules.check_user_count(len(auth.users))) is not None:
            add("auth.users", why)
        # What ElastiCache refuses in a user's access string (passwords, reset, rules the engines do not have).
        for why in acl.parse(auth.access_string)[1]:
            add("auth.access_string", why)
        if (why := naming.check_id(naming.user_readable(args.cache_id, naming.DEFAULT_USER))) is not None:
            add("cache_id", f"the id of the disabled default user, plus its suffix, {why}")
        for index, user in enumerate(auth.users):
            if user == naming.DEFAULT_USER:
                add(f"auth.users[{index}]", "reserved: the component creates a disabled default user itself")
            elif (why := naming.check_id(naming.user_readable(args.cache_id, user))) is not None:
                add(f"auth.users[{index}]", f"the user id {args.cache_id}-{user} plus its suffix {why}")
            if user in auth.users[:index]:
                add(f"auth.users[{index}]", "listed twice")
            if auth.mode is AuthMode.PASSWORD:
                secret = auth.passwords.get(user)
                if secret is None:
                    add(f"auth.passwords.{user}", "password mode needs one per user")
                elif (why := aws_rules.check_secret(secret.get_secret_value())) is not None:
                    add(f"auth.passwords.{user}", why)

    if args.serverless is not None:
        limits = args.serverless
        if (why := aws_rules.check_serverless_major(args.engine, args.engine_version)) is not None:
            add("engine_version", why)
        if len(args.description) > aws_rules.SERVERLESS_DESCRIPTION_MAX:
            add("description", f"at most {aws_rules.SERVERLESS_DESCRIPTION_MAX} characters for a serverless cache")
        low, high = aws_rules.SERVERLESS_DATA_GB
        for field, value in (("max_data_gb", limits.max_data_gb), ("min_data_gb", limits.min_data_gb)):
            if value is not None and not low <= value <= high:
                add(f"serverless.{field}", f"allowed: {low}..{high}")
        low, high = aws_rules.SERVERLESS_ECPU_PER_SECOND
        for field, value in (
            ("max_ecpu_per_second", limits.max_ecpu_per_second),
            ("min_ecpu_per_second", limits.min_ecpu_per_second),
        ):
            if value is not None and not low <= value <= high:
                add(f"serverless.{field}", f"allowed: {low}..{high}")
        if limits.min_data_gb is not None and limits.min_data_gb > limits.max_data_gb:
            add("serverless.min_data_gb", "above max_data_gb")
        if limits.min_ecpu_per_second is not None and limits.min_ecpu_per_second > limits.max_ecpu_per_second:
            add("serverless.min_ecpu_per_second", "above max_ecpu_per_second")
        zones = {args.network.subnet_azs.get(subnet) for subnet in args.network.subnets_in_app_azs()}
        if len(zones) < 2:
            add("network", "a serverless cache needs cache subnets in at least 2 app AZs")
        return found

    node = args.node
    assert node is not None
    if not args.description:
        # pulumi-aws ReplicationGroup `description`: "User-created description for the replication group. Must not
        # be empty." (the loader always generates one; `CacheArgs` defaults to "").
        add("description", "required for a node-based cache: AWS refuses a replication group without a description")
    if (why := aws_rules.check_engine_version(args.engine, args.engine_version)) is not None:
        add("engine_version", why)
    if (why := aws_rules.check_maintenance_window(args.maintenance_window)) is not None:
        add("maintenance_window", why)
    elif aws_rules.windows_overlap(args.maintenance_window, args.backup.window):
        add("backup.window", f"overlaps maintenance_window {args.maintenance_window}; AWS refuses overlapping windows")
    if (why := aws_rules.check_node_type(node.node_type, args.engine)) is not None:
        add("node.node_type", why)
    tiering_capable = aws_rules.supports_data_tiering(node.node_type)
    if node.data_tiering and not tiering_capable:
        add("node.data_tiering", "data tiering needs an r6gd node type (e.g. cache.r6gd.xlarge)")
    if tiering_capable and not node.data_tiering:
        add("node.data_tiering", "r6gd node types require data tiering on")
    if node.data_tiering and node.eviction_policy not in DATA_TIERING_EVICTION:
        allowed = ", ".join(p.value for p in DATA_TIERING_EVICTION)
        add("node.eviction_policy", f"data tiering takes only {allowed}")
    if not 0 <= node.replicas <= aws_rules.MAX_REPLICAS:
        add("node.replicas", f"allowed: 0..{aws_rules.MAX_REPLICAS} replicas per shard")
    if node.shards is not None and not 1 <= node.shards <= aws_rules.MAX_SHARDS:
        add("node.shards", f"allowed: 1..{aws_rules.MAX_SHARDS}")
    elif (why := aws_rules.check_node_count(node.shards or 1, node.replicas)) is not None:
        add("node.shards", why)
    if node.shards is not None and node.replicas < 1:
        add("node.replicas", "sharded caches need at least 1 replica per shard for failover")
    if not 1024 <= node.port <= 65535:
        add("node.port", "allowed: 1024..65535")
    if node.transit_encryption_mode not in TRANSIT_ENCRYPTION_MODES:
        add("node.transit_encryption_mode", f"allowed: {', '.join(TRANSIT_ENCRYPTION_MODES)}")
    for name, value in node.parameters:
        if (why := judge_parameter(args.engine, args.engine_version, name, value)[1]) is not None:
            add(f"node.parameters.{name}", why)
    if len(node.layouts) != (node.shards or 1):
        add("node.layouts", f"one per shard ({node.shards or 1}), as placement.shard_layouts computes them")
    for index, layout in enumerate(node.layouts):
        if len(layout.azs) != node.nodes_per_shard:
            add(f"node.layouts[{index}]", f"one AZ per node ({node.nodes_per_shard}): the primary and each replica")
        if zones is not None and (bare := sorted(set(layout.azs) - zones)):
            # CreateReplicationGroup places nodes only in AZs of the subnet group's subnets.
            add(
                f"node.layouts[{index}]",
                f"places a node in {', '.join(bare)}, where no cache subnet is (they are in "
                f"{', '.join(sorted(zones)) or 'none'}); allowed: AZs of network.subnet_ids",
            )
    return found


def _check_network(args: CacheArgs, add: Callable[[str, str], None]) -> set[str] | None:
    """The network rules the loader applies (`aws_rules.check_network`), and the formats of its schema; the AZs of
    the cache subnets, or None while one is not known."""
    network = args.network
    for field, pattern in NETWORK_FORMATS.items():
        value = getattr(network, field)
        for index, item in [(None, value)] if isinstance(value, str) else enumerate(value):
            if not re.match(pattern, item):
                path = f"network.{field}" + ("" if index is None else f"[{index}]")
                add(path, f"{item!r} is not in the expected format; allowed: {PATTERN_HINTS[pattern]}")
    unknown = False
    for index, subnet in enumerate(network.subnet_ids):
        if subnet not in network.subnet_azs and subnet not in network.subnet_ids[:index]:
            unknown = True
            add(
                f"network.subnet_ids[{index}]",
                f"{subnet!r} has no AZ in network.subnet_azs, so where its nodes may go cannot be told; allowed: "
                "every subnet of subnet_ids with its AZ in subnet_azs: add the AZ AWS reports for it",
            )
    lists = {field: getattr(network, field) for field in aws_rules.NETWORK_LISTS}
    subnet_azs = None if unknown or not network.subnet_ids else network.subnet_azs
    for problem in aws_rules.check_network(args.region, lists, subnet_azs, _NETWORK_NAMES):
        if problem.index is None:
            add(f"network.{problem.field}", problem.why)
        else:
            add(f"network.{problem.field}[{problem.index}]", f"{problem.value!r} {problem.why}")
    return None if subnet_azs is None else {subnet_azs[subnet] for subnet in network.subnet_ids}
