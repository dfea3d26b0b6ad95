"""Authentication: every cache demands credentials, and no user gets in without them."""

from __future__ import annotations

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from elasticache_facts.engines import REDIS_PROTOCOL
from elasticache_facts.tokens import CLUSTER, REPLICATION_GROUP, SERVERLESS_CACHE, USER
from guardrails.common import DOCS, STANDALONE_CLUSTER, engine, is_group_member
from guardrails.props import MISSING, Props, Unknown, is_unknown


def full_access(access_string: str) -> bool:
    """Whether an access string leaves the user enabled on every key with every command (`on ~* +@all`)."""
    tokens = access_string.split()
    enabled = False
    for token in tokens:
        if token == "on":
            enabled = True
        elif token == "off":
            enabled = False
    all_keys = any(token in ("~*", "allkeys") for token in tokens)
    all_commands = any(token in ("+@all", "allcommands") for token in tokens)
    return enabled and all_keys and all_commands


def _replication_group(props: Props, report: ReportViolation) -> None:
    groups = props.peek("userGroupIds")
    if isinstance(groups, list) and any(isinstance(group, Unknown) or group for group in groups):
        return  # a user group's id is unknown until the group exists, but it is certainly there
    tokens = {key: props.peek(key) for key in ("authToken", "authTokenWo")}
    if any(isinstance(token, str) and token for token in tokens.values()):
        return
    # A write-only token may be unknown in a preview (an output of another resource) or a known secret (the CLI
    # sends the input itself): either way its version, required with it, says one is coming.
    if is_unknown(tokens["authTokenWo"]) and props.present("authTokenWoVersion") is True:
        return
    undecided = [value for value in (groups, *tokens.values()) if is_unknown(value)]
    if undecided:
        for value in undecided:
            props.note(value)
        return
    report(
        "no `authToken`/`authTokenWo` and no `userGroupIds`: anyone who reaches the port can run commands. "
        "Attach an RBAC user group (`userGroupIds`, Valkey 7.2+/Redis OSS 6+; IAM users need no password) or "
        "set a write-only AUTH token (`authTokenWo` with `authTokenWoVersion`)."
    )


def _user(props: Props, report: ReportViolation) -> None:
    if props.boolean("noPasswordRequired") is True:
        report("`noPasswordRequired` is true: this user logs in without a password. Use IAM or passwords.")
    mode = props.text("authenticationMode", "type")
    if mode == "no-password-required":
        report(
            '`authenticationMode.type` is "no-password-required": this user logs in without a password. Use '
            '"iam" or "password".'
        )
    name = props.peek("userName")
    if name != "default" and not is_unknown(name):
        return
    access = props.text("accessString")
    if isinstance(access, str) and full_access(access):
        if is_unknown(name):
            props.note(name)  # full access is only wrong for the default user
        else:
            report(
                f'the "default" user is enabled with full access ({access!r}): every connection that does not '
                'authenticate as another user gets all of it. Disable it: `accessString: "off -@all"` with a '
                "write-only password (`passwordsWo`)."
            )


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP:
        _replication_group(props, report)
    elif args.resource_type == SERVERLESS_CACHE:
        kind = engine(props, SERVERLESS_CACHE)
        if kind == "memcached":
            args.not_applicable("serverless Memcached has no user groups")
        # An unknown id is a user group's, created with the cache: it is set.
        group = props.peek("userGroupId")
        if group is MISSING or group == "":
            report(
                "`userGroupId` is unset: any client that reaches the endpoint gets the default user's access. "
                "Attach an RBAC user group with a disabled default user."
            )
    elif args.resource_type == CLUSTER:
        if is_group_member(props):
            args.not_applicable("the cluster belongs to a replication group, which is judged instead")
        kind = engine(props, CLUSTER)
        if kind == "memcached":
            args.not_applicable("node-based Memcached in ElastiCache has no AUTH or RBAC")
        if kind in REDIS_PROTOCOL:
            report(STANDALONE_CLUSTER + ".")
    elif args.resource_type == USER:
        _user(props, report)
    else:
        return
    props.finish()


authentication = ResourceValidationPolicy(
    name="elasticache-authentication",
    description=(
        "ElastiCache caches require authentication (AUTH token or RBAC user group), and no user logs in "
        "without credentials or as a full-access default user."
    ),
    validate=_validate,
    severity=Severity.CRITICAL,
    tags=[
        "access",
        "CKV_AWS_31",
        "AwsSolutions-AEC6",
        "ElastiCache.6",
        "elasticache-repl-grp-redis-auth-enabled",
        "elasticache-rbac-auth-enabled",
    ],
    remediation_steps=(
        "Attach an RBAC user group (`userGroupIds` on replication groups, `userGroupId` on serverless caches) "
        "whose `default` user is disabled (`off -@all`, write-only password) and whose app users authenticate "
        'with IAM (`authenticationMode.type: "iam"`) or passwords; or set `authTokenWo` on the replication '
        "group. Never `noPasswordRequired: true`."
    ),
    url=f"{DOCS}/Clusters.RBAC.html",
)

POLICIES = [authentication]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    authentication.name: (
        "replication groups have `authToken`/`authTokenWo` or `userGroupIds`; serverless caches "
        "`userGroupId`; no user with `noPasswordRequired: true` or `authenticationMode.type: "
        "no-password-required`; no `default` user with `on ~* +@all`. IAM users are fine"
    ),
}
