"""The AWS rules between `CacheArgs` inputs, checked again by the `Cache` component before it registers anything.

The stack config loader (`stack_config`) checks these with config key paths; a program that builds `CacheArgs` by
hand (the component reused from another Pulumi program) gets them here, as one `InvalidCacheArgs` listing every
problem by its field path, raised before the component or any child is registered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from components import acl, aws_rules, naming
from components.spec import AuthMode, CacheArgs, KmsKeyChoice, TokenUpdateStrategy, TransitEncryptionMode
from components.stack_config.encryption import KMS_KEY_ARN
from components.stack_config.node import judge_parameter
from components.stack_config.problems import Problem, as_written
from components.stack_config.schema import NETWORK_FORMATS, PATTERN_HINTS, SNS_TOPIC
from elasticache_facts.access import redacted
from elasticache_facts.workloads import DATA_TIERING_EVICTION

_SECRET_FORM = "a SecretStr of {}..{} characters".format(*aws_rules.SECRET_LENGTH)

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


class _Described(str):
    """A value shown as the words it holds (`both set`, `3 users`), not as a quoted string."""

    def __repr__(self) -> str:
        return str(self)


Add = Callable[..., None]
"""`add(field path, value, what is wrong and what is allowed, secret=False)`."""


def check(args: CacheArgs) -> list[str]:
    """Every problem, each as `<field path> = <value>: <what is wrong; what is allowed>` (secrets as `[secret]`),
    rendered as the stack config's problems are (`Problem`)."""
    found: list[str] = []

    def add(path: str, value: Any, why: str, *, secret: bool = False) -> None:
        found.append(str(Problem(path, value, why, secret)))

    if (why := naming.check_id(args.cache_id)) is not None:
        add("cache_id", args.cache_id, f"the id plus its {naming.SUFFIX_LENGTH}-character suffix {why}")
    elif args.cache_id != args.cache_id.lower():
        add("cache_id", args.cache_id, f"AWS stores ElastiCache ids in lowercase; use {args.cache_id.lower()!r}")
    if not args.region:
        add("region", args.region, "required: the cache's region (exported, signs IAM tokens, names the log service)")

    if (args.node is None) == (args.serverless is None):
        value = _Described("neither set" if args.node is None else "both set")
        add("node / serverless", value, "set exactly one of them: node for a replication group, serverless for one")
        return found
    zones = _check_network(args, add)

    window = args.backup.window
    if (why := aws_rules.check_snapshot_window(window)) is not None:
        add("backup.window", window, why)
    retention = args.backup.retention_days
    if not 0 <= retention <= aws_rules.MAX_RETENTION_DAYS:
        add("backup.retention_days", retention, f"allowed: 0..{aws_rules.MAX_RETENTION_DAYS}")
    log_days = args.observability.log_retention_days
    if log_days not in aws_rules.LOG_RETENTION_DAYS:
        allowed = ", ".join(str(days) for days in sorted(aws_rules.LOG_RETENTION_DAYS))
        add(
            "observability.log_retention_days", log_days, f"not a retention CloudWatch Logs accepts; allowed: {allowed}"
        )
    topic = args.observability.alarm_topic_arn
    if topic is not None and not _SNS_TOPIC.match(topic):
        add("observability.alarm_topic_arn", topic, "not an SNS topic ARN; allowed: arn:<partition>:sns:<region>:...")
    elif (
        topic is not None
        and args.node is not None
        and (why := aws_rules.check_notification_topic_owner(topic, args.account_id)) is not None
    ):
        add("observability.alarm_topic_arn", topic, why)

    kms = args.kms_key
    if kms.choice is KmsKeyChoice.ARN:
        match = KMS_KEY_ARN.match(kms.arn or "")
        if match is None:
            add("kms_key.arn", kms.arn, "a KMS key ARN is required when kms_key.choice is ARN")
        elif args.region and match["region"] != args.region:
            add(
                "kms_key.arn",
                kms.arn,
                f"the key is in {match['region']}; a cache can only use a key of its region: a key of {args.region}",
            )
    elif kms.arn is not None:
        add("kms_key.arn", kms.arn, f"set, but kms_key.choice is {kms.choice.value}; allowed: choice ARN, or no arn")

    for key, value in args.tags.items():
        for why in (aws_rules.check_tag_key(key), aws_rules.check_tag_value(value)):
            if why is not None:
                add(f"tags.{key}", value, why)
    extra = len(args.expected_load.as_tags()) + (1 if args.serverless else 0)
    count = len(args.tags) + extra
    if (why := aws_rules.check_tag_count(count, "tags and the component's own")) is not None:
        add("tags", _Described(f"{len(args.tags)} tags"), why)

    _check_auth(args, add)
    if (restore := args.restore_from) is not None:
        for key, value, why in aws_rules.check_restore(
            restore.snapshot, restore.arns, args.serverless is not None, args.region
        ):
            shown = _Described(f"{value} set") if not key else value
            add(f"restore_from.{key}" if key else "restore_from", shown, why)
    if args.serverless is not None:
        _check_serverless(args, add)
    else:
        _check_node(args, zones, add)
    return found


def _check_auth(args: CacheArgs, add: Add) -> None:
    auth = args.auth
    if auth.token_update_strategy not in TOKEN_UPDATE_STRATEGIES:
        add(
            "auth.token_update_strategy",
            as_written(auth.token_update_strategy),
            f"allowed: {', '.join(TOKEN_UPDATE_STRATEGIES)}",
        )
    if auth.mode is AuthMode.TOKEN:
        if args.serverless is not None:
            add("auth.mode", as_written(auth.mode), "serverless caches support RBAC only; allowed: iam or password")
        if auth.users:
            add("auth.users", list(auth.users), "token mode has no users (AWS refuses a token with RBAC): remove them")
        if auth.token is None:
            add("auth.token", None, f"token mode needs it: {_SECRET_FORM}")
        elif (why := aws_rules.check_secret(auth.token.get_secret_value())) is not None:
            add("auth.token", auth.token, why, secret=True)
        return
    if not auth.users:
        add("auth.users", list(auth.users), f"{as_written(auth.mode)} mode needs at least one user")
    if (why := aws_rules.check_user_count(len(auth.users))) is not None:
        add("auth.users", _Described(f"{len(auth.users)} users"), why)
    # What ElastiCache refuses in a user's access string (passwords, reset, rules the engines do not have).
    for why in acl.parse(auth.access_string)[1]:
        add("auth.access_string", redacted(auth.access_string), why)
    default_user = naming.user_readable(args.cache_id, naming.DEFAULT_USER)
    if (why := naming.check_id(default_user)) is not None:
        add("cache_id", args.cache_id, f"the id of the disabled default user ({default_user}), plus its suffix, {why}")
    for index, user in enumerate(auth.users):
        path = f"auth.users[{index}]"
        if user == naming.DEFAULT_USER:
            add(path, user, "reserved: the component creates a disabled default user itself; choose another name")
        elif (why := naming.check_id(naming.user_readable(args.cache_id, user))) is not None:
            add(path, user, f"the user id {args.cache_id}-{user} plus its suffix {why}")
        if user in auth.users[:index]:
            add(path, user, "listed twice; allowed: each user once: remove the repeat")
        if auth.mode is AuthMode.PASSWORD:
            secret = auth.passwords.get(user)
            if secret is None:
                add(
                    f"auth.passwords.{user}",
                    None,
                    f"password mode needs one per user: {_SECRET_FORM}",
                )
            elif (why := aws_rules.check_secret(secret.get_secret_value())) is not None:
                add(f"auth.passwords.{user}", secret, why, secret=True)


def _check_serverless(args: CacheArgs, add: Add) -> None:
    limits = args.serverless
    assert limits is not None
    if (why := aws_rules.check_serverless_major(args.engine, args.engine_version)) is not None:
        add("engine_version", args.engine_version, why)
    if len(args.description) > aws_rules.SERVERLESS_DESCRIPTION_MAX:
        add(
            "description",
            _Described(f"{len(args.description)} characters"),
            f"allowed: at most {aws_rules.SERVERLESS_DESCRIPTION_MAX} characters for a serverless cache",
        )
    for fields, (low, high) in (
        (("max_data_gb", "min_data_gb"), aws_rules.SERVERLESS_DATA_GB),
        (("max_ecpu_per_second", "min_ecpu_per_second"), aws_rules.SERVERLESS_ECPU_PER_SECOND),
    ):
        for field in fields:
            value = getattr(limits, field)
            if value is not None and not low <= value <= high:
                add(f"serverless.{field}", value, f"allowed: {low}..{high}")
    if limits.min_data_gb is not None and limits.min_data_gb > limits.max_data_gb:
        add(
            "serverless.min_data_gb", limits.min_data_gb, f"above max_data_gb {limits.max_data_gb}; allowed: at most it"
        )
    if limits.min_ecpu_per_second is not None and limits.min_ecpu_per_second > limits.max_ecpu_per_second:
        add(
            "serverless.min_ecpu_per_second",
            limits.min_ecpu_per_second,
            f"above max_ecpu_per_second {limits.max_ecpu_per_second}; allowed: at most it",
        )
    network = args.network
    zones = sorted({az for subnet in network.subnets_in_app_azs() if (az := network.subnet_azs.get(subnet))})
    if len(zones) < 2:
        add(
            "network",
            _Described(f"cache subnets in app AZs: {', '.join(zones) or 'none'}"),
            "a serverless cache needs cache subnets in at least 2 app AZs: add a subnet of another app AZ",
        )


def _check_node(args: CacheArgs, zones: set[str] | None, add: Add) -> None:
    node = args.node
    assert node is not None
    if not args.description:
        # pulumi-aws ReplicationGroup `description`: "User-created description for the replication group. Must not
        # be empty." (the loader always generates one; `CacheArgs` defaults to "").
        add(
            "description",
            args.description,
            "required for a node-based cache: AWS refuses a replication group without a description",
        )
    if (why := aws_rules.check_engine_version(args.engine, args.engine_version)) is not None:
        add("engine_version", args.engine_version, why)
    if (why := aws_rules.check_maintenance_window(args.maintenance_window)) is not None:
        add("maintenance_window", args.maintenance_window, why)
    elif why := aws_rules.check_windows(args.maintenance_window, args.backup.window, "maintenance_window"):
        add("backup.window", args.backup.window, why)
    if (why := aws_rules.check_node_type(node.node_type, args.engine)) is not None:
        add("node.node_type", node.node_type, why)
    tiering_capable = aws_rules.supports_data_tiering(node.node_type)
    if node.data_tiering and not tiering_capable:
        add("node.data_tiering", node.data_tiering, "data tiering needs an r6gd node type (e.g. cache.r6gd.xlarge)")
    if tiering_capable and not node.data_tiering:
        add("node.data_tiering", node.data_tiering, f"{node.node_type} (r6gd) requires data tiering on: set it True")
    if node.data_tiering and node.eviction_policy not in DATA_TIERING_EVICTION:
        allowed = ", ".join(p.value for p in DATA_TIERING_EVICTION)
        add("node.eviction_policy", as_written(node.eviction_policy), f"data tiering takes only {allowed}")
    if not 0 <= node.replicas <= aws_rules.MAX_REPLICAS:
        add("node.replicas", node.replicas, f"allowed: 0..{aws_rules.MAX_REPLICAS} replicas per shard")
    if node.shards is not None and not 1 <= node.shards <= aws_rules.MAX_SHARDS:
        add("node.shards", node.shards, f"allowed: 1..{aws_rules.MAX_SHARDS}")
    elif (why := aws_rules.check_node_count(node.shards or 1, node.replicas)) is not None:
        add("node.shards", node.shards, why)
    if node.shards is not None and node.replicas < 1:
        add("node.replicas", node.replicas, "sharded caches need at least 1 replica per shard for failover")
    if not 1024 <= node.port <= 65535:
        add("node.port", node.port, "allowed: 1024..65535")
    if node.transit_encryption_mode not in TRANSIT_ENCRYPTION_MODES:
        add(
            "node.transit_encryption_mode",
            as_written(node.transit_encryption_mode),
            f"allowed: {', '.join(TRANSIT_ENCRYPTION_MODES)}",
        )
    for name, value in node.parameters:
        if (why := judge_parameter(args.engine, args.engine_version, name, value)[1]) is not None:
            add(f"node.parameters.{name}", value, why)
    if len(node.layouts) != (node.shards or 1):
        add(
            "node.layouts",
            _Described(f"{len(node.layouts)} layouts"),
            f"one per shard ({node.shards or 1}), as placement.shard_layouts computes them",
        )
    for index, layout in enumerate(node.layouts):
        path = f"node.layouts[{index}]"
        if len(layout.azs) != node.nodes_per_shard:
            add(path, list(layout.azs), f"one AZ per node ({node.nodes_per_shard}): the primary and each replica")
        if zones is not None and (bare := sorted(set(layout.azs) - zones)):
            # CreateReplicationGroup places nodes only in AZs of the subnet group's subnets.
            add(
                path,
                list(layout.azs),
                f"places a node in {', '.join(bare)}, where no cache subnet is (they are in "
                f"{', '.join(sorted(zones)) or 'none'}); allowed: AZs of network.subnet_ids",
            )


def _check_network(args: CacheArgs, add: Add) -> set[str] | None:
    """The network rules the loader applies (`aws_rules.check_network`), and the formats of its schema; the AZs of
    the cache subnets, or None while one is not known."""
    network = args.network
    for field, pattern in NETWORK_FORMATS.items():
        value = getattr(network, field)
        for index, item in [(None, value)] if isinstance(value, str) else enumerate(value):
            if not re.match(pattern, item):
                path = f"network.{field}" + ("" if index is None else f"[{index}]")
                add(path, item, f"not in the expected format; allowed: {PATTERN_HINTS[pattern]}")
    unknown = False
    for index, subnet in enumerate(network.subnet_ids):
        if subnet not in network.subnet_azs and subnet not in network.subnet_ids[:index]:
            unknown = True
            add(
                f"network.subnet_ids[{index}]",
                subnet,
                "has no AZ in network.subnet_azs, so where its nodes may go cannot be told; allowed: "
                "every subnet of subnet_ids with its AZ in subnet_azs: add the AZ AWS reports for it",
            )
    lists = {field: getattr(network, field) for field in aws_rules.NETWORK_LISTS}
    subnet_azs = None if unknown or not network.subnet_ids else network.subnet_azs
    for problem in aws_rules.check_network(args.region, lists, subnet_azs, _NETWORK_NAMES):
        index = "" if problem.index is None else f"[{problem.index}]"
        add(f"network.{problem.field}{index}", problem.value, problem.why)
    return None if subnet_azs is None else {subnet_azs[subnet] for subnet in network.subnet_ids}
