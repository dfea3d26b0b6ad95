"""What every guardrail shares: config defaults, and how a cache is classified.

Python policies have no typed `validate_resource_of_type`, so policies match the type token strings of the
pulumi-aws schema (`elasticache_facts.tokens`) and read camelCase properties, as any Pulumi program (any
language) sends them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, PolicyResource, ResourceValidationArgs, StackValidationArgs

from elasticache_facts.node_types import data_tiering_families
from elasticache_facts.node_types import node_family as _family
from elasticache_facts.tokens import REPLICATION_GROUP
from guardrails.props import MISSING, Props, Unknown, is_unknown

DOCS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg"


def settings(args: ResourceValidationArgs | StackValidationArgs, schema: PolicyConfigSchema) -> dict[str, Any]:
    """The policy's config: the schema's documented defaults, overridden by `--policy-pack-config`.

    The CLI fills defaults in before `Configure`, but a pack driven without config (or a unit test) gets
    none, and a rule must never run on a half-filled config.
    """
    merged = {key: copy.deepcopy(spec["default"]) for key, spec in schema.properties.items() if "default" in spec}
    merged.update(args.get_config() or {})
    return merged


def integer(value: Any) -> int:
    """Config numbers arrive as floats (they cross gRPC in a protobuf Struct)."""
    return int(value)


def engine(props: Props, resource_type: str) -> Any:
    """The engine, lower-cased, or MISSING/Unknown. A replication group without one is Redis (AWS default).

    A stack policy reads it through `planned`, where an `engine` the provider computes (the program set none) is
    unset, so AWS's default.
    """
    value = props.text("engine")
    if value is MISSING and resource_type == REPLICATION_GROUP:
        return "redis"
    if isinstance(value, str):
        return value.strip().lower()
    return value


def is_global_secondary(props: Props) -> bool:
    """A replication group joining a global datastore as a secondary member.

    An unknown id still means "set" (a Global Datastore created in the same stack has no id at preview), and
    decides it: it is not reported as not known.
    """
    return is_unknown(props.peek("globalReplicationGroupId")) or props.present("globalReplicationGroupId") is True


def from_other_resources(resource: PolicyResource, key: str) -> bool:
    """Whether the program set `key` from other resources' outputs (the engine records the dependencies).

    A property that is unknown at preview without such dependencies was not set by the program at all: it is
    one the provider computes (an unset `ingress`, `port`, `securityGroupIds`, `parameterGroupName`, ...), so
    the program's own choice is "unset".
    """
    return bool(resource.property_dependencies.get(key))


def planned(resource: PolicyResource, subject: str = "") -> Props:
    """A stack policy's reader of one resource's planned state, with what the program left unset read as unset.

    At preview a stack policy sees each resource's planned state, in which every property the provider computes
    and the program did not set is unknown (an unset `engine`, `numCacheClusters`, `securityGroupIds`, `port`,
    a cluster's `replicationGroupId`, ...). A top-level unknown that no other resource fed (`from_other_resources`)
    is such a property, so it reads as `MISSING` (AWS's default applies), never as "not known until apply".
    """
    props = Props(resource.props, subject)
    keys = props.keys()
    props.unset(key for key in keys if is_unknown(props.peek(key)) and not from_other_resources(resource, key))
    return props


def stored_name(name: str) -> str:
    """A name or id as ElastiCache stores it, and so matches it, for the ones it keeps in lower case.

    The ElastiCache API model (botocore `elasticache/2015-02-02/service-2.json`) says of each of these "This value
    is stored as a lowercase string": `CreateCacheParameterGroupMessage.CacheParameterGroupName`,
    `CreateCacheSubnetGroupMessage.CacheSubnetGroupName`, `CreateUserMessage.UserId`,
    `CreateUserGroupMessage.UserGroupId`, `CreateReplicationGroupMessage.ReplicationGroupId`,
    `CreateCacheClusterMessage.CacheClusterId`, `CreateServerlessCacheRequest.ServerlessCacheName`; the pulumi-aws
    docstrings say it of `SubnetGroup.name`
    ("ElastiCache converts this name to lowercase"), `ReplicationGroup.replication_group_id` and `Cluster.cluster_id`,
    and the provider keeps a `ParameterGroup.name` in lower case in its state (terraform-provider-aws
    `parameter_group.go`: `StateFunc: strings.ToLower`). So a cache naming `Sessions-PG` uses the parameter group
    `sessions-pg`, and a user group listing `Default` holds AWS's own user `default`. A `User`'s `userName` is not
    one of them: the engines match user names byte for byte.
    """
    return name.lower()


STANDALONE_CLUSTER = (
    "a standalone Redis OSS/Valkey `aws:elasticache/cluster:Cluster` is one node with no TLS, no encryption at "
    "rest, no AUTH/RBAC and no failover; create an `aws:elasticache/replicationGroup:ReplicationGroup` instead"
)


def is_group_member(props: Props) -> bool:
    """A `Cluster` that belongs to a replication group: it takes the group's settings, the group is judged.

    An unknown id (the group's, created in the same stack) means "set", and decides it.
    """
    return is_unknown(props.peek("replicationGroupId")) or props.present("replicationGroupId") is True


def parse_version(text: str) -> tuple[int, ...] | None:
    """`7.2` -> (7, 2); `6.x` -> (6,); None when it is no version at all."""
    parts: list[int] = []
    for piece in text.strip().lower().lstrip("v").split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts) or None


def version_at_least(version: tuple[int, ...], minimum: tuple[int, ...]) -> bool:
    width = max(len(version), len(minimum))
    return version + (0,) * (width - len(version)) >= minimum + (0,) * (width - len(minimum))


def show_version(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def node_family(node_type: str) -> str | None:
    """`cache.r7g.large` -> `r7g` (any case, spaces around); None when it is not a `cache.<family>.<size>` name."""
    return _family(node_type.strip().lower())


def data_tiering(props: Props) -> bool | Unknown:
    """Whether the group runs on data tiering nodes (r6gd: AWS turns it on for them and only them)."""
    node_type = props.peek("nodeType")
    if isinstance(node_type, Unknown):
        return node_type
    if isinstance(node_type, str) and node_family(node_type) in data_tiering_families():
        return True
    return props.boolean("dataTieringEnabled") is True


def tags_of(props: Props, provider_props: Mapping[str, Any] | None = None) -> Any:
    """The tags AWS will put on the resource: provider `defaultTags` merged under the resource's own.

    Returns a dict whose values may be `Unknown`, or an `Unknown` when the whole map is unknown.
    """
    merged: dict[str, Any] = {}
    if provider_props:
        provider = Props(provider_props)
        defaults = provider.mapping("defaultTags", "tags")
        if isinstance(defaults, dict):
            merged.update(defaults)
    # `tagsAll` is computed: unknown in every preview, and it only repeats provider defaults plus `tags`.
    every = props.peek("tagsAll")
    if isinstance(every, dict):
        merged.update(every)
    own = props.mapping("tags")
    if is_unknown(own):
        return own
    if isinstance(own, dict):
        merged.update(own)
    return merged
