"""Encryption in transit (TLS, and TLS *required*) and at rest (optionally with a customer-managed KMS key)."""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.engines import REDIS_PROTOCOL, TLS_IN_PLACE_FROM
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE
from guardrails.common import (
    DOCS,
    STANDALONE_CLUSTER,
    engine,
    is_global_secondary,
    is_group_member,
    parse_version,
    settings,
    show_version,
    version_at_least,
)
from guardrails.props import MISSING, Props, is_unknown, off, state

SECONDARY = (
    "a global datastore secondary may not set encryption flags: it inherits them from the primary, "
    "which this policy judges"
)
MEMCACHED_TLS_VERSION = (1, 6, 12)


def _validate_in_transit(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("serverless caches always encrypt in transit")
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER):
        return
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP:
        if is_global_secondary(props):
            args.not_applicable(SECONDARY)
        enabled = props.boolean("transitEncryptionEnabled")
        if off(enabled):
            report(
                f"`transitEncryptionEnabled` is {state(enabled)}: clients and replicas talk in plaintext. Set "
                "it to true. On an existing group below engine 7.0.5 this replaces the group; from 7.0.5 it is "
                "two applies (`transitEncryptionMode` `preferred`, then `required`)."
            )
        props.finish()
        return

    if is_group_member(props):
        args.not_applicable("the cluster belongs to a replication group, which is judged instead")
    kind = engine(props, CLUSTER)
    if is_unknown(kind):
        props.finish()
    if kind in REDIS_PROTOCOL:
        report(STANDALONE_CLUSTER + ".")
        return
    if kind != "memcached":
        args.not_applicable("the cluster's engine is unset or not one this policy knows")
    version_text = props.peek("engineVersion")  # only shapes the message
    version = parse_version(version_text) if isinstance(version_text, str) else None
    if version is not None and not version_at_least(version, MEMCACHED_TLS_VERSION):
        report(
            f"Memcached {version_text} cannot encrypt in transit; upgrade `engineVersion` to "
            f"{show_version(MEMCACHED_TLS_VERSION)} or later and set `transitEncryptionEnabled` to true."
        )
        return
    enabled = props.boolean("transitEncryptionEnabled")
    if off(enabled):
        report(
            f"`transitEncryptionEnabled` is {state(enabled)}: Memcached clients talk in plaintext. Set it to "
            "true (Memcached 1.6.12+, in a VPC)."
        )
    props.finish()


encryption_in_transit = ResourceValidationPolicy(
    name="elasticache-encryption-in-transit",
    description="ElastiCache encrypts traffic in transit (TLS).",
    validate=_validate_in_transit,
    severity=Severity.HIGH,
    tags=[
        "encryption",
        "CKV_AWS_30",
        "AVD-AWS-0051",
        "AwsSolutions-AEC3",
        "ElastiCache.5",
        "elasticache-repl-grp-encrypted-in-transit",
    ],
    remediation_steps=(
        "Set `transitEncryptionEnabled: true` on the replication group (and `transitEncryptionMode: required`). "
        "For an existing group on engine >= 7.0.5, apply `transitEncryptionMode: preferred` first, move every "
        "client to TLS, then apply `required`; below 7.0.5 enabling TLS replaces the group. Memcached clusters "
        "need engine 1.6.12+. Standalone Redis/Valkey clusters cannot use TLS: use a replication group."
    ),
    url=f"{DOCS}/in-transit-encryption.html",
)


def _validate_transit_mode(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SERVERLESS_CACHE:
        args.not_applicable("serverless caches always require TLS")
    if args.resource_type == CLUSTER:
        args.not_applicable("clusters have no transit encryption mode (only replication groups do)")
    if args.resource_type != REPLICATION_GROUP:
        return
    props = Props(args.props)
    if is_global_secondary(props):
        args.not_applicable(SECONDARY)
    enabled = props.boolean("transitEncryptionEnabled")
    if off(enabled):
        args.not_applicable("in-transit encryption is off; elasticache-encryption-in-transit reports that")
    mode = props.text("transitEncryptionMode")
    # Unset with TLS on is `required`: the mode exists only to migrate an existing group, and a group created
    # with `TransitEncryptionEnabled` takes `preferred` only when asked for it in the same request (AWS API
    # reference, CreateReplicationGroup `TransitEncryptionMode`; pulumi-aws `replication_group.py` docstring).
    # A group can reach `preferred` only through a `preferred` this policy sees when it is applied.
    if mode in ("required", MISSING) or is_unknown(mode) or is_unknown(enabled):
        props.finish()
        return
    version_text = props.peek("engineVersion")  # only shapes the message
    version = parse_version(version_text) if isinstance(version_text, str) else None
    too_old = version is not None and not version_at_least(version, TLS_IN_PLACE_FROM)
    if mode == "preferred":
        report(
            "`transitEncryptionMode` is `preferred`: the group accepts plaintext connections as well as TLS. "
            "That is the legitimate first step of turning TLS on in place (engine >= "
            f"{show_version(TLS_IN_PLACE_FROM)}): step 1 applies `transitEncryptionEnabled: true` with "
            "`transitEncryptionMode: preferred`; once every client connects over TLS, step 2 applies "
            "`transitEncryptionMode: required`. Finish step 2."
            + (f" Engine {version_text} is below {show_version(TLS_IN_PLACE_FROM)}: upgrade first." if too_old else "")
        )
    else:
        report(f"`transitEncryptionMode` is {mode!r}; the only secure value is `required`.")
    props.finish()


transit_encryption_mode = ResourceValidationPolicy(
    name="elasticache-transit-encryption-mode",
    description="ElastiCache replication groups require TLS (`transitEncryptionMode: required`), not merely allow it.",
    validate=_validate_transit_mode,
    severity=Severity.HIGH,
    tags=["encryption", "transit-encryption-mode"],
    remediation_steps=(
        "Set `transitEncryptionMode: required`. When migrating an existing group to TLS (engine >= 7.0.5): "
        "apply `preferred` first, move every client to TLS, then apply `required`."
    ),
    url=f"{DOCS}/in-transit-encryption-enable-existing.html",
)


AT_REST_SCHEMA = PolicyConfigSchema(
    properties={
        "requireCustomerManagedKey": {
            "type": "boolean",
            "default": False,
            "description": "Require `kmsKeyId` (a customer-managed KMS key) instead of the AWS-owned key.",
        },
        "allowedKmsKeyArns": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "When not empty, `kmsKeyId` must be one of these key ARNs.",
        },
    }
)


def _check_key(props: Props, config: dict, report: ReportViolation) -> None:
    key = props.peek("kmsKeyId")
    allowed = list(config["allowedKmsKeyArns"])
    if key is MISSING or key == "":
        if config["requireCustomerManagedKey"]:
            report(
                "`kmsKeyId` is unset: data is encrypted with the AWS-owned key, and this environment requires a "
                "customer-managed KMS key. Set `kmsKeyId` to the key's ARN (it can only be set at creation: "
                "adding it later replaces the cache)."
            )
        return
    if not allowed:
        return  # an unknown key is still a customer-managed key: the one this stack creates
    if is_unknown(key):
        props.note(key)
    elif key not in allowed:
        report(f"`kmsKeyId` {key!r} is not one of the allowed KMS keys: {', '.join(allowed)}.")


def _validate_at_rest(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (REPLICATION_GROUP, CLUSTER, SERVERLESS_CACHE):
        return
    config = settings(args, AT_REST_SCHEMA)
    props = Props(args.props)
    if args.resource_type == SERVERLESS_CACHE:
        # Always encrypted at rest; only the key is a choice.
        _check_key(props, config, report)
        props.finish()
        return
    if args.resource_type == CLUSTER:
        if is_group_member(props):
            args.not_applicable("the cluster belongs to a replication group, which is judged instead")
        kind = engine(props, CLUSTER)
        if kind == "memcached":
            args.not_applicable("node-based Memcached offers no encryption at rest")
        if kind in REDIS_PROTOCOL:
            report(STANDALONE_CLUSTER + ".")
        props.finish()
        return

    if is_global_secondary(props):
        args.not_applicable(SECONDARY)
    enabled = props.boolean("atRestEncryptionEnabled")
    kind = engine(props, REPLICATION_GROUP)
    if enabled is MISSING:
        # AWS's own default differs by engine: on for Valkey, off for Redis OSS.
        if is_unknown(kind):
            props.finish()
        if kind == "valkey":
            enabled = True
    if off(enabled):
        report(
            f"`atRestEncryptionEnabled` is {state(enabled, 'unset (AWS default for Redis OSS: off)')}: snapshots "
            "and swapped data sit unencrypted. Set it to true; it can only be set at creation, so an existing "
            "group is replaced (take a snapshot and restore from it)."
        )
    elif enabled is True:
        _check_key(props, config, report)
    props.finish()


encryption_at_rest = ResourceValidationPolicy(
    name="elasticache-encryption-at-rest",
    description="ElastiCache encrypts data at rest, with a customer-managed KMS key where configured.",
    validate=_validate_at_rest,
    config_schema=AT_REST_SCHEMA,
    severity=Severity.HIGH,
    tags=[
        "encryption",
        "CKV_AWS_29",
        "CKV_AWS_191",
        "AVD-AWS-0045",
        "AwsSolutions-AEC3",
        "ElastiCache.4",
        "elasticache-repl-grp-encrypted-at-rest",
    ],
    remediation_steps=(
        "Set `atRestEncryptionEnabled: true` (and `kmsKeyId` when a customer-managed key is required) on the "
        "replication group, or `kmsKeyId` on the serverless cache. Both can only be set at creation: restore a "
        "snapshot into a new, encrypted cache."
    ),
    url=f"{DOCS}/at-rest-encryption.html",
)

POLICIES = [encryption_in_transit, transit_encryption_mode, encryption_at_rest]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    encryption_in_transit.name: (
        "`transitEncryptionEnabled` on replication groups and Memcached clusters (Memcached 1.6.12+)"
    ),
    transit_encryption_mode.name: (
        "`transitEncryptionMode` is `required`. `preferred` also accepts plaintext: it is reported with the "
        "two-step migration (engine >= 7.0.5: apply `preferred`, move every client to TLS, apply `required`)."
        " Unset with TLS on passes: AWS creates a TLS group as `required` unless asked for `preferred`"
    ),
    encryption_at_rest.name: (
        "`atRestEncryptionEnabled` on replication groups (Valkey's default is on, Redis OSS's off); a "
        "customer-managed key (`kmsKeyId`) on replication groups and serverless caches when required; the key"
        " from an allow-list"
    ),
}
