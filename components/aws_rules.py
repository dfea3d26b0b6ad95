"""What AWS enforces between ElastiCache inputs, as pure functions.

Each function returns None when the value is fine, or a sentence saying what is allowed. A user who breaks one
of these rules would otherwise find out ten minutes into `pulumi up`; the stack config loader calls them at
preview and names the config key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from elasticache_facts.engines import NODE_VERSIONS, SERVERLESS_MAJORS, Engine
from elasticache_facts.node_types import (
    COSTLIER_THAN,
    REFUSED_FAMILIES,
    catalog,
    data_tiering_families,
    node_family,
    refused_because,
)

MAX_REPLICAS = 5
MAX_SHARDS = 500
MAX_RETENTION_DAYS = 35
SERVERLESS_DATA_GB = (1, 5_000)
SERVERLESS_ECPU_PER_SECOND = (1_000, 15_000_000)
ID_MAX_LENGTH = 40
MAX_NODES_PER_CLUSTER = 500
"""Nodes (primaries and replicas) of one cluster-mode-enabled replication group, Valkey 7.2+ / Redis OSS 5.0.6+
(AWS "Managing clusters in ElastiCache", Clusters.html); the account's default quota may be lower."""
SERVERLESS_DESCRIPTION_MAX = 255
"""CreateServerlessCache `Description`: "The maximum length is 255 characters" (botocore elasticache 2015-02-02)."""
MAX_TAGS_PER_RESOURCE = 50
"""AWS tags per resource (CloudFormation AWS::ElastiCache::UserGroup `Tags` Maximum 50; the same limit for every
resource the component tags)."""
MAX_USERS_PER_USER_GROUP = 100
"""Users in one ElastiCache user group, the disabled `default` user included (AWS ElastiCache quotas, quota
L-943F0F1C "Users per user group")."""
LOG_RETENTION_DAYS = (
    0,
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
"""The retention periods CloudWatch Logs accepts, in days; 0 keeps the events forever (pulumi_aws
`cloudwatch.LogGroup` `retention_in_days`)."""

_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(?P<d1>mon|tue|wed|thu|fri|sat|sun):(?P<h1>\d{2}):(?P<m1>\d{2})-"
    r"(?P<d2>mon|tue|wed|thu|fri|sat|sun):(?P<h2>\d{2}):(?P<m2>\d{2})$"
)
_TIME_WINDOW = re.compile(r"^(?P<h1>\d{2}):(?P<m1>\d{2})-(?P<h2>\d{2}):(?P<m2>\d{2})$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_MINUTES = 7 * 24 * 60
_DAY_MINUTES = 24 * 60
# AWS allows printable ASCII in AUTH tokens and user passwords, minus these four, and on create only these
# specials; the stricter set is the one that always works.
_TOKEN_SPECIALS = "!&#$^<>-"
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9" + re.escape(_TOKEN_SPECIALS) + r"]+$")
SECRET_LENGTH = (16, 128)


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def version_older(version: str, than: str) -> bool:
    """`8.0` is older than `8.1`; a version that is not all numbers (it has its own problem) is older than none."""
    try:
        return version_tuple(version) < version_tuple(than)
    except ValueError:
        return False


def check_engine_version(engine: Engine, version: str) -> str | None:
    allowed = NODE_VERSIONS[engine]
    if version in allowed:
        return None
    if engine is Engine.REDIS and version.startswith("6"):
        return (
            "Redis OSS 6.x cannot be used: TLS mode 'required' and IAM authentication need Redis OSS >= 7.0; "
            f"allowed: {', '.join(allowed)}"
        )
    return f"allowed {engine.value} versions are {', '.join(allowed)} (format M.m)"


def check_serverless_major(engine: Engine, major: str) -> str | None:
    allowed = SERVERLESS_MAJORS[engine]
    return None if major in allowed else f"allowed serverless {engine.value} major versions are {', '.join(allowed)}"


def check_node_type(node_type: str, engine: Engine | None = None) -> str | None:
    """A real ElastiCache node type (the catalog of `elasticache_facts.node_types`) of a current family that
    runs `engine`; the message names the closest node type that would do."""
    family = node_family(node_type)
    if family in REFUSED_FAMILIES:
        if family in COSTLIER_THAN:
            return (
                f"{refused_because(family)}; allowed: {COSTLIER_THAN[family]} or another current family not refused "
                "for cost, such as t4g, m7g or r7g"
            )
        return f"{refused_because(family)}; allowed: a current one such as t4g, m7g or r7g"
    usable = sorted(
        name
        for name, known in catalog().items()
        if known.family not in REFUSED_FAMILIES and (engine is None or engine.value in known.engines)
    )
    if node_type in usable:
        return None
    runs = f" that runs {engine.value}" if engine is not None else ""
    if node_type in catalog():
        return f"not available for {engine.value if engine else 'this engine'}; allowed: a node type{runs}" + (
            _closest(node_type, usable)
        )
    if family is None:
        return "not a node type; allowed: cache.<family>.<size>, e.g. cache.r7g.large" + _closest(node_type, usable)
    same_family = sorted((name for name in usable if node_family(name) == family), key=_size_order)
    if same_family:
        sizes = ", ".join(name.split(".")[2] for name in same_family)
        return f"no size {node_type.split('.')[2]!r} in {family}; allowed: {sizes}" + _closest(node_type, same_family)
    families = sorted({node_family(name) or "" for name in usable})
    return f"no ElastiCache family {family}; allowed: {', '.join(families)}" + _closest(node_type, usable)


_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge")


def _size_order(name: str) -> tuple[int, int]:
    size = name.split(".")[2]
    if size in _SIZES:
        return (_SIZES.index(size), 0)
    multiple = size.removesuffix("xlarge")
    return (len(_SIZES), int(multiple) if multiple.isdigit() else 0)


def _closest(node_type: str, usable: list[str]) -> str:
    close = difflib.get_close_matches(node_type, usable, n=1, cutoff=0.0)
    return f"; did you mean {close[0]!r}?" if close else ""


def supports_data_tiering(node_type: str) -> bool:
    return node_family(node_type) in data_tiering_families()


def check_node_count(shards: int, replicas: int) -> str | None:
    nodes = shards * (replicas + 1)
    if nodes <= MAX_NODES_PER_CLUSTER:
        return None
    return (
        f"{shards} shards x {replicas + 1} nodes each is {nodes} nodes; allowed: at most {MAX_NODES_PER_CLUSTER} "
        f"nodes per cluster: at most {MAX_NODES_PER_CLUSTER // (replicas + 1)} shards with {replicas} replicas"
    )


TAG_SYMBOLS = "_.:/=+-@"
_TAG_TEXT = re.compile("[a-zA-Z0-9 " + re.escape(TAG_SYMBOLS) + "]*")
"""What a tag key or value may hold on ElastiCache resources: ASCII letters, digits, spaces and `TAG_SYMBOLS`
(CloudFormation `AWS::ElastiCache::ServerlessCache` / `User` `Tag`: `Key` `^(?!aws:)[a-zA-Z0-9 _\\.\\/=+:\\-@]*$`,
`Value` the same without the prefix rule). It is the strictest rule of the services the component tags: CloudWatch
Logs, whose log groups carry the same tags, also takes Unicode letters, digits and spaces (botocore `logs`
`TagKey`/`TagValue`: `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]`)."""


def check_tag_characters(text: str) -> str | None:
    if _TAG_TEXT.fullmatch(text):
        return None
    refused = " ".join(repr(c) for c in sorted({c for c in text if not _TAG_TEXT.fullmatch(c)}))
    return (
        f"holds {refused}; allowed in tag keys and values: ASCII letters, digits, spaces and "
        f"{' '.join(TAG_SYMBOLS)} (ElastiCache's tag rule)"
    )


def check_tag_key(key: object) -> str | None:
    if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
        return "tag keys are 1..128 characters and may not start with aws:"
    if (why := check_tag_characters(key)) is not None:
        return f"the tag key {why}"
    return None


def check_tag_value(value: object) -> str | None:
    if value is None:
        return "no value; allowed: a string of at most 256 characters (an empty one is quoted: '')"
    if not isinstance(value, str) or len(value) > 256:
        return "tag values are strings of at most 256 characters"
    if (why := check_tag_characters(value)) is not None:
        return f"the tag value {why}"
    return None


def check_tag_count(count: int, parts: str) -> str | None:
    if count <= MAX_TAGS_PER_RESOURCE:
        return None
    return f"{count} tags on a resource ({parts}); allowed: at most {MAX_TAGS_PER_RESOURCE} tags per resource"


def check_user_count(users: int) -> str | None:
    total = users + 1
    if total <= MAX_USERS_PER_USER_GROUP:
        return None
    return (
        f"{users} users and the disabled default user make {total} in the user group; allowed: at most "
        f"{MAX_USERS_PER_USER_GROUP} users per user group"
    )


def check_resource_id(value: str) -> str | None:
    """Replication group ids, serverless cache names, user and user group ids share these rules."""
    if not 1 <= len(value) <= ID_MAX_LENGTH:
        return f"must be 1..{ID_MAX_LENGTH} characters (it is {len(value)})"
    if not _ID.match(value):
        return "must start with a letter and contain only letters, digits and hyphens"
    if "--" in value:
        return "must not contain two consecutive hyphens"
    if value.endswith("-"):
        return "must not end with a hyphen"
    return None


def _minutes_of_week(day: str, hour: str, minute: str) -> int | None:
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        return None
    return _DAYS.index(day) * _DAY_MINUTES + h * 60 + m


def maintenance_window_span(window: str) -> tuple[int, int] | None:
    """(start, end) in minutes of the week, end possibly past the week's end; None when malformed."""
    match = _MAINTENANCE_WINDOW.match(window)
    if not match:
        return None
    start = _minutes_of_week(match["d1"], match["h1"], match["m1"])
    end = _minutes_of_week(match["d2"], match["h2"], match["m2"])
    if start is None or end is None:
        return None
    return start, end if end > start else end + _WEEK_MINUTES


def time_window_span(window: str) -> tuple[int, int] | None:
    """(start, end) in minutes of the day, end possibly past midnight; None when malformed."""
    match = _TIME_WINDOW.match(window)
    if not match:
        return None
    h1, m1, h2, m2 = (int(match[k]) for k in ("h1", "m1", "h2", "m2"))
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    start, end = h1 * 60 + m1, h2 * 60 + m2
    return start, end if end > start else end + _DAY_MINUTES


def check_maintenance_window(window: str) -> str | None:
    span = maintenance_window_span(window)
    if span is None:
        return "expected ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:05:00-sun:06:00"
    if span[1] - span[0] < 60:
        return "must be at least 60 minutes long"
    return None


def check_snapshot_window(window: str) -> str | None:
    span = time_window_span(window)
    if span is None:
        return "expected hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00"
    if span[1] - span[0] < 60:
        return "must be at least 60 minutes long"
    return None


def windows_overlap(maintenance_window: str, snapshot_window: str) -> bool:
    """True when the daily snapshot window meets the weekly maintenance window on any day (AWS refuses it)."""
    maintenance = maintenance_window_span(maintenance_window)
    snapshot = time_window_span(snapshot_window)
    if maintenance is None or snapshot is None:
        return False
    m_start, m_end = maintenance
    for day in range(8):  # day 7: a maintenance window that runs past the week's end meets next monday's
        s_start, s_end = day * _DAY_MINUTES + snapshot[0], day * _DAY_MINUTES + snapshot[1]
        for shift in (0, _WEEK_MINUTES):  # a sunday snapshot that runs past midnight meets monday's window
            if s_start < m_end + shift and m_start + shift < s_end:
                return True
    return False


def check_windows(maintenance_window: str, snapshot_window: str, maintenance_key: str) -> str | None:
    """Why AWS refuses this pair of windows, with the nearest daily snapshot window of the same length that it
    would take; None when they do not meet. `maintenance_key` is how the caller names the maintenance window."""
    if not windows_overlap(maintenance_window, snapshot_window):
        return None
    refused = f"overlaps {maintenance_key} {maintenance_window}; AWS refuses overlapping windows"
    snapshot = time_window_span(snapshot_window)
    assert snapshot is not None  # windows_overlap is False for a malformed window
    start, length = snapshot[0], snapshot[1] - snapshot[0]
    # Nearest first, later before earlier, quarter hours before the odd minute a tight gap may need.
    shifts = sorted(range(1, _DAY_MINUTES), key=lambda shift: (shift % 15 != 0, min(shift, _DAY_MINUTES - shift)))
    for shift in shifts:
        candidate_start = (start + shift) % _DAY_MINUTES
        candidate = f"{_clock(candidate_start)}-{_clock(candidate_start + length)}"
        if not windows_overlap(maintenance_window, candidate):
            return f"{refused}; allowed: a daily window outside it, e.g. {candidate!r}, or move {maintenance_key}"
    return f"{refused}; no daily window misses it: shorten {maintenance_key}"


def _clock(minute_of_day: int) -> str:
    minute_of_day %= _DAY_MINUTES
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def check_notification_topic_owner(topic_arn: str, account_id: str | None) -> str | None:
    """A replication group's notification topic belongs to the cache's own account (botocore elasticache
    CreateReplicationGroup `NotificationTopicArn`: "The Amazon SNS topic owner must be the same as the cluster
    owner"); nothing to say while the account is not known."""
    parts = topic_arn.split(":")
    owner = parts[4] if len(parts) > 5 else None
    if account_id is None or owner is None or owner == account_id:
        return None
    return (
        f"the topic belongs to account {owner}, and ElastiCache sends a node-based cache's events only to a topic "
        f"of the cache's own account; allowed: an SNS topic of account {account_id}: use one of this account, or "
        "leave alarmTopicArn out for a topic per cache"
    )


def check_secret(value: str) -> str | None:
    """AUTH tokens and RBAC passwords; the message never repeats the secret."""
    low, high = SECRET_LENGTH
    if not low <= len(value) <= high:
        return f"must be {low}..{high} characters long (it has {len(value)})"
    if not _TOKEN_CHARS.match(value):
        return f"may contain only letters, digits and {_TOKEN_SPECIALS}"
    return None


NETWORK_LISTS = {
    "subnet_ids": "cache subnet",
    "app_security_group_ids": "app security group",
    "app_availability_zones": "app AZ",
}
"""The network's lists (`spec.Network` field -> what one item is), none of them empty, no item twice."""


@dataclass(frozen=True)
class NetworkProblem:
    field: str
    """A `spec.Network` field (`subnet_ids`); the caller names it as its user writes it."""
    index: int | None
    """The item the problem is about; None for the whole list."""
    value: object
    why: str


def check_network(
    region: str,
    lists: Mapping[str, Sequence[str]],
    subnet_azs: Mapping[str, str] | None,
    names: Mapping[str, str],
) -> list[NetworkProblem]:
    """What AWS (and the component) refuses in a cache's network, the subnets' AZs being known or not (None).

    - Each list has an item: CreateCacheSubnetGroup requires `SubnetIds`, the cache port is opened to the app
      security groups only (none: no client can connect), and the app AZs place the nodes.
    - No item twice: the subnet group and the security group ids are sets (terraform-provider-aws `TypeSet`), so a
      subnet listed twice is silently one; an app security group listed twice is two identical ingress rules,
      which EC2 refuses (`InvalidPermission.Duplicate`); an app AZ twice would place two nodes in one zone.
    - Each app AZ is one of the region's and holds a cache subnet: a node can only be placed in an AZ of the subnet
      group's subnets (CreateReplicationGroup `PreferredCacheClusterAZs`: "you can only locate clusters in
      Availability Zones associated with the subnets in the selected subnet group").

    `names` maps each field to the caller's name for it (`network.subnetIds`), which the fixes name.
    """
    found: list[NetworkProblem] = []
    refused_azs: set[int] = set()
    for field, item in NETWORK_LISTS.items():
        items = lists[field]
        if not items:
            found.append(NetworkProblem(field, None, [], f"empty; allowed: at least one {item}: add one"))
        for index, value in enumerate(items):
            if value in items[:index]:
                found.append(
                    NetworkProblem(field, index, value, f"listed twice; allowed: each {item} once: remove this one")
                )
                if field == "app_availability_zones":
                    refused_azs.add(index)
    for index, az in enumerate(lists["app_availability_zones"]):
        # An AZ's name is its region's and one letter (`us-east-1a`): `us-east-10a` is not one of us-east-1's.
        if region and az[:-1] != region:
            found.append(
                NetworkProblem(
                    "app_availability_zones",
                    index,
                    az,
                    f"not an AZ of the region {region}; allowed: one of its AZs, such as {region}a",
                )
            )
            refused_azs.add(index)
    subnets = lists["subnet_ids"]
    if not subnets or subnet_azs is None or any(subnet not in subnet_azs for subnet in subnets):
        return found  # no subnet, or one whose AZ is unknown: which app AZs lack a subnet cannot be said
    zones = {subnet_azs[subnet] for subnet in subnets}
    for index, az in enumerate(lists["app_availability_zones"]):
        if index not in refused_azs and az not in zones:
            in_azs = ", ".join(sorted(zones)) or "none"
            found.append(
                NetworkProblem(
                    "app_availability_zones",
                    index,
                    az,
                    f"no cache subnet in this AZ (cache subnets are in {in_azs}): add a private subnet of {az} "
                    f"to {names['subnet_ids']}, or drop the AZ",
                )
            )
    return found


HASH_SLOTS = 16_384
"""Keys hash to slots 0..16383 in a sharded Valkey / Redis OSS cache (the engines' cluster specification)."""


def even_slots(shards: int) -> tuple[str, ...]:
    """Each shard's share of the hash slots, `0-8191`, `8192-16383`, as `NodeGroupConfiguration.Slots` takes them.

    AWS needs them to seed a sharded cache from RDB files: the API model's `CreateReplicationGroup`
    `NodeGroupConfiguration` says it "is required when seeding a Valkey or Redis OSS (cluster mode enabled) cluster
    from a S3 rdb file [...] because you must specify the slots for each node group"."""
    bounds = [HASH_SLOTS * index // shards for index in range(shards + 1)]
    return tuple(f"{bounds[index]}-{bounds[index + 1] - 1}" for index in range(shards))


# Any bucket name: legacy buckets of us-east-1 may hold capitals and underscores, which today's rules refuse.
_S3_OBJECT_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::(?P<bucket>[^/\s]+)/(?P<key>.+)$")
_CACHE_SNAPSHOT_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticache:(?P<region>[a-z0-9-]+):\d{12}:(?P<kind>serverlesscachesnapshot|snapshot):\S+$"
)
RDB_FILE_FORM = "an S3 object ARN such as arn:aws:s3:::my-bucket/backups/sessions.rdb"
SNAPSHOT_ARN_FORM = (
    "a snapshot ARN (arn:aws:elasticache:<region>:<account>:serverlesscachesnapshot:<name>, or :snapshot:<name> "
    "for a node-based cache's backup) or " + RDB_FILE_FORM
)


def check_rdb_file(arn: str) -> str | None:
    """An RDB file a node-based cache is seeded from (`CreateReplicationGroup` `SnapshotArns`)."""
    if not _S3_OBJECT_ARN.match(arn):
        return f"not an S3 object ARN; allowed: {RDB_FILE_FORM}"
    if "," in arn:
        # The API model: "The Amazon S3 object name in the ARN cannot contain any commas"; terraform-provider-aws
        # `replication_group.go` validates `snapshot_arns` with StringDoesNotContainAny(",").
        return "the object name has a comma, which AWS refuses in a seed file's ARN: rename the object"
    return None


def check_snapshot_name(name: str) -> str | None:
    """A backup a node-based cache is restored from (`CreateReplicationGroup` `SnapshotName`): a name, not an ARN."""
    if name.startswith("arn:"):
        return "SnapshotName takes the backup's name, not its ARN; allowed: the name after ':snapshot:'"
    if name != name.strip() or not name:
        return "a backup name has no surrounding spaces; allowed: the name as DescribeSnapshots lists it"
    return None


def check_restore_arn(arn: str, region: str) -> str | None:
    """A snapshot a serverless cache is created from (`CreateServerlessCache` `SnapshotArnsToRestore`).

    The API model says only "the ARN(s) of the snapshot"; which kinds it takes besides a serverless cache's own
    snapshots (a node-based cache's backup, an RDB file in S3) is UNCERTAIN, so every one of them is accepted and
    AWS has the last word. A snapshot of another region is refused: a backup reaches another region only as an
    RDB file, exported to a bucket of its own region and copied across (AWS "Exporting a backup",
    dg/backups-exporting.html).
    """
    match = _CACHE_SNAPSHOT_ARN.match(arn)
    if match is None:
        return (
            None
            if _S3_OBJECT_ARN.match(arn) and "," not in arn
            else f"not a snapshot ARN; allowed: {SNAPSHOT_ARN_FORM}"
        )
    if region and match["region"] != region:
        return (
            f"a snapshot in {match['region']}, not in the cache's region {region}; allowed: a snapshot of {region} "
            "(export it to S3 and copy it across, or restore it in its own region)"
        )
    return None


def check_restore(
    snapshot: str | None, arns: Sequence[str], serverless: bool, region: str
) -> list[tuple[str, object, str]]:
    """Every problem with what a new cache is seeded from, as (`snapshot` | `arns` | `arns[i]` | "" for the whole,
    value, why): node-based caches take a backup's name or RDB files in S3, serverless caches snapshot ARNs."""
    if serverless and snapshot is not None:
        return [
            ("snapshot", snapshot, "a serverless cache restores from snapshot ARNs only; allowed: " + SNAPSHOT_ARN_FORM)
        ]
    if not serverless and (snapshot is None) == (not arns):
        return [
            (
                "",
                "both" if arns else "neither",
                "allowed: exactly one source, a backup's name (snapshot) or RDB files in S3 (arns)",
            )
        ]
    if snapshot is not None:
        why = check_snapshot_name(snapshot)
        return [] if why is None else [("snapshot", snapshot, why)]
    found: list[tuple[str, object, str]] = []
    if not arns:
        found.append(("arns", [], "at least one snapshot ARN; allowed: " + SNAPSHOT_ARN_FORM))
    for index, arn in enumerate(arns):
        why = check_restore_arn(arn, region) if serverless else check_rdb_file(arn)
        if why is not None:
            found.append((f"arns[{index}]", arn, why))
    if len(set(arns)) < len(arns):
        found.append(("arns", list(arns), "names one source twice; allowed: each once"))
    return found
