"""Authentication: every cache demands credentials, and no user gets in without them."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from elasticache_facts.access import DEFAULT_USER, redacted
from elasticache_facts.engines import REDIS_PROTOCOL
from elasticache_facts.tokens import (
    CLUSTER,
    REPLICATION_GROUP,
    SERVERLESS_CACHE,
    USER,
    USER_GROUP,
    USER_GROUP_ASSOCIATION,
)
from guardrails.common import DOCS, STANDALONE_CLUSTER, engine, is_group_member, planned, stored_name
from guardrails.props import MISSING, Props, Unknown, finish_all, is_unknown

BUILTIN_DEFAULT_USER = DEFAULT_USER
"""The id of the user AWS creates itself (`elasticache_facts.access.DEFAULT_USER`): to add access control, AWS
replaces it in the group with a user named `default` that is disabled or has a strong password. A user group that
lists this id lets every connection in with full access."""

BUILTIN_DEFAULT_FINDING = (
    "lists the user id `default`, the user AWS creates itself with full access and no password: every connection "
    'gets in. Create a User named `default` with another id (`accessString: "off -@all"`, write-only '
    "password) and list that id instead"
)


_CASED = ("~", "%", "&", ">", "<", "#", "!")
"""How the ACL rules whose case matters start: key patterns (`~app:*`, `%R~app:*`), channel patterns (`&`) and
passwords (`>`, `<`, `#`, `!`), which the engines match byte for byte."""


def rules(access_string: str) -> list[str]:
    """The access string's ACL rules as the engines read them: keywords (`on`, `off`, `allkeys`, `allcommands`,
    `nocommands`), categories (`+@all`) and commands (`-flushall`) in lower case, key and channel patterns and
    passwords as written.

    Valkey and Redis OSS compare rule keywords and category names with `strcasecmp` and look commands up
    case-insensitively (ACLSetSelector, ACLSetUser; `ACL SETUSER u ON ~* +@ALL` makes an enabled user with every
    command), so `ON ~* +@ALL` grants what `on ~* +@all` does.
    """
    return [token if token.startswith(_CASED) else token.lower() for token in access_string.split()]


def _every_key(pattern: str) -> bool:
    """A key pattern that matches every key: `*`, or only `*`s (`**` globs the same)."""
    return pattern != "" and set(pattern) == {"*"}


def key_reach(access_string: str) -> tuple[bool, bool]:
    """Whether the user (its root permissions) reads every key, and whether it writes every key.

    The engines apply the rules in order (ACLSetSelector): `~<pattern>` and `allkeys` (= `~*`) grant read and
    write, `%R~<pattern>`, `%W~<pattern>`, `%RW~<pattern>` (flags in any case, any order) read, write or both,
    `resetkeys` and `reset` drop every pattern granted before them. So `%RW~*`, and `%R~*` with `%W~*`, reach every
    key as `~*` does (`ACL SETUSER u on %R~* %W~*` reads back as `~*` on Valkey 9.1 and Redis OSS 7.0), and
    `~* resetkeys` reaches none. Flags other than R and W make the engine refuse the rule: it grants nothing.
    """
    read = write = False
    for token in rules(access_string):
        if token in ("resetkeys", "reset"):
            read = write = False
        elif token == "allkeys":
            read = write = True
        elif token.startswith("~"):
            if _every_key(token[1:]):
                read = write = True
        elif token.startswith("%") and "~" in token:
            flags, pattern = token[1:].split("~", 1)
            flags = flags.upper()
            if flags and set(flags) <= {"R", "W"} and _every_key(pattern):
                read = read or "R" in flags
                write = write or "W" in flags
    return read, write


def _every_command(access_string: str, *, narrowed_by_any_removal: bool) -> bool:
    """Whether `+@all`/`allcommands` is in force at the end of the rules: not undone by a later `-@all`,
    `nocommands` or `reset` (or, `narrowed_by_any_removal`, by any later `-<command>`/`-@<category>`)."""
    every = False
    for token in rules(access_string):
        if token in ("+@all", "allcommands"):
            every = True
        elif token in ("-@all", "nocommands", "reset") or (narrowed_by_any_removal and token.startswith("-")):
            every = False
    return every


def full_access(access_string: str) -> bool:
    """Whether an access string leaves the user enabled with every command on every key (`on ~* +@all`).

    Every key read or written is enough: `%R~* +@all` reads all data and still runs the commands that take no
    key (FLUSHALL, FLUSHDB, SWAPDB), `%W~* +@all` overwrites and deletes every key. Commands taken away after
    `+@all` (`-@dangerous`) still leave all the data open, so they do not change the verdict; `-@all` does.
    """
    reads, writes = key_reach(access_string)
    return enabled(access_string) and (reads or writes) and _every_command(access_string, narrowed_by_any_removal=False)


def enabled(access_string: str) -> bool:
    """Whether the user can log in at all: the last `on`/`off` of its access string is `on` (`reset` is `off`)."""
    state = False
    for token in rules(access_string):
        if token in ("on", "off", "reset"):
            state = token == "on"
    return state


def unrestricted(access_string: str) -> bool:
    """Enabled, reading and writing every key, with every command and nothing taken away after (`on ~* +@all`,
    no `-...`). `%RW~*`, or `%R~*` with `%W~*`, is every key as `~*` is; `%R~*` alone writes no key."""
    reads, writes = key_reach(access_string)
    return enabled(access_string) and reads and writes and _every_command(access_string, narrowed_by_any_removal=True)


def passwordless(props: Props) -> str | None:
    """Why an enabled user logs in without credentials, or None (a value unknown at preview is noted)."""
    access = props.text("accessString")
    if not isinstance(access, str) or not enabled(access):
        return None  # a disabled user logs in with nothing; an unknown access string is noted
    if props.boolean("noPasswordRequired") is True:
        return "`noPasswordRequired: true`"
    mode = props.text("authenticationMode", "type")
    if mode == "no-password-required":
        return '`authenticationMode.type: "no-password-required"`'
    if mode == "iam" or is_unknown(mode):
        return None
    credentials = [props.present(key) for key in ("passwords", "passwordsWo")]
    credentials.append(props.present("authenticationMode", "passwords"))
    if any(credentials):
        return None
    return "no passwords and no IAM authentication"


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


def _default_reach(props: Props) -> str:
    """Who gets an enabled full-access `default` user's access: only a passwordless one is entered by itself.

    The engines authenticate every new connection as `default` when that user is `nopass`, and otherwise only the
    connections that AUTH as it; `AUTH <password>` alone names `default` (valkey.io "ACL" `nopass`, valkey.io
    "AUTH": "it is assumed that the implicit username is 'default'"). A value unknown at preview (noted) leaves
    both open.
    """
    why = passwordless(props)
    if why:
        return f"with {why}, every connection that does not authenticate as another user gets all of it"
    if is_unknown(props.peek("noPasswordRequired")) or is_unknown(props.peek("authenticationMode", "type")):
        return (
            "every connection gets all of it if the user needs no password, and every client that AUTHs as "
            "`default` with its password if it has one"
        )
    return (
        "one shared credential: every client that AUTHs as `default` with its password (or sends `AUTH "
        "<password>` alone) gets all of it, with no least privilege and no way to tell the clients apart"
    )


def _user(props: Props, report: ReportViolation) -> None:
    # A disabled user logs in with nothing, passwords or not (the stack policy judges members the same way), so
    # an access string unknown at preview leaves a passwordless user undecided, not refused.
    current = props.peek("accessString")
    disabled = isinstance(current, str) and not enabled(current)
    nopass = props.boolean("noPasswordRequired") is True
    mode = props.text("authenticationMode", "type")
    if is_unknown(current) and (nopass or mode == "no-password-required"):
        props.note(current)
    elif not disabled:
        if nopass:
            report("`noPasswordRequired` is true: this user logs in without a password. Use IAM or passwords.")
        if mode == "no-password-required":
            report(
                '`authenticationMode.type` is "no-password-required": this user logs in without a password. Use '
                '"iam" or "password".'
            )
    name = props.peek("userName")
    if name != DEFAULT_USER and not is_unknown(name):
        return
    access = props.text("accessString")
    if isinstance(access, str) and full_access(access):
        if is_unknown(name):
            props.note(name)  # full access is only wrong for the default user
        else:
            report(
                f'the "default" user is enabled with full access ({redacted(access)!r}): {_default_reach(props)}. '
                'Disable it: `accessString: "off -@all"` with a write-only password (`passwordsWo`), and give each '
                "application its own user with only what it uses."
            )


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = Props(args.props)
    if args.resource_type == REPLICATION_GROUP:
        _replication_group(props, report)
    elif args.resource_type == SERVERLESS_CACHE:
        kind = engine(props, SERVERLESS_CACHE)
        if is_unknown(kind):
            props.finish()  # Memcached would take no user group at all
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
    elif args.resource_type == USER_GROUP:
        # AWS stores user ids in lower case (`stored_name`): `Default` is its own user `default`.
        ids = props.items("userIds")
        if isinstance(ids, list) and BUILTIN_DEFAULT_USER in [stored_name(i) for i in ids if isinstance(i, str)]:
            report(f"`userIds` {BUILTIN_DEFAULT_FINDING}.")
    elif args.resource_type == USER_GROUP_ASSOCIATION:
        user_id = props.text("userId")
        if isinstance(user_id, str) and stored_name(user_id) == BUILTIN_DEFAULT_USER:
            report(f"`userId` {BUILTIN_DEFAULT_FINDING.replace('lists', 'is', 1)}.")
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

# -- what a cache's user group lets in ------------------------------------------------------------------------


def _ids(props: Props, key: str) -> list[str]:
    """User and user group ids as AWS stores them, in lower case (`stored_name`), so `App` matches a user `app`."""
    values = props.peek(key)
    values = values if isinstance(values, list) else [values]
    return [stored_name(value) for value in values if isinstance(value, str) and value]


def _linked(resource: PolicyResource, key: str, kind: str) -> list[PolicyResource]:
    return [dep for dep in resource.property_dependencies.get(key, []) if dep.resource_type == kind]


def _validate_user_groups(args: StackValidationArgs, report: ReportViolation) -> None:
    readers: list[Props] = []
    users_by_id: dict[str, PolicyResource] = {}
    groups_by_id: dict[str, PolicyResource] = {}
    members: dict[str, list[PolicyResource]] = {}
    outside: dict[str, list[str]] = {}
    """Group URN -> ids of members no User in this stack has (AWS's built-in `default`, or another stack's)."""
    # Props only for the types read here: a stack holds many more resources than users and groups.
    for resource in args.resources:
        if resource.resource_type == USER:
            for user_id in _ids(planned(resource, subject=resource.name), "userId"):
                users_by_id[user_id] = resource
        elif resource.resource_type == USER_GROUP:
            for group_id in _ids(planned(resource, subject=resource.name), "userGroupId"):
                groups_by_id[group_id] = resource
    for resource in args.resources:
        if resource.resource_type not in (USER_GROUP, USER_GROUP_ASSOCIATION):
            continue
        props = planned(resource, subject=resource.name)
        if resource.resource_type == USER_GROUP:
            found = _linked(resource, "userIds", USER) + [
                users_by_id[user_id] for user_id in _ids(props, "userIds") if user_id in users_by_id
            ]
            members.setdefault(resource.urn, []).extend(found)
            outside.setdefault(resource.urn, []).extend(
                user_id for user_id in _ids(props, "userIds") if user_id not in users_by_id
            )
        elif resource.resource_type == USER_GROUP_ASSOCIATION:
            groups = _linked(resource, "userGroupId", USER_GROUP) + [
                groups_by_id[group_id] for group_id in _ids(props, "userGroupId") if group_id in groups_by_id
            ]
            users = _linked(resource, "userId", USER) + [
                users_by_id[user_id] for user_id in _ids(props, "userId") if user_id in users_by_id
            ]
            strangers = [user_id for user_id in _ids(props, "userId") if user_id not in users_by_id]
            if _linked(resource, "userId", USER):
                strangers = []  # the id was computed from a User of this stack
            for group in groups:
                members.setdefault(group.urn, []).extend(users)
                outside.setdefault(group.urn, []).extend(strangers)

    for cache in args.resources:
        if cache.resource_type not in (REPLICATION_GROUP, SERVERLESS_CACHE):
            continue
        props = planned(cache, subject=cache.name)
        readers.append(props)
        key = "userGroupId" if cache.resource_type == SERVERLESS_CACHE else "userGroupIds"
        groups = _linked(cache, key, USER_GROUP) + [
            groups_by_id[group_id] for group_id in _ids(props, key) if group_id in groups_by_id
        ]
        if not groups:
            if props.present(key) is True:
                props.cannot_check("its user group is not managed in this stack, so its users cannot be checked")
            continue
        seen: set[str] = set()
        for group in {group.urn: group for group in groups}.values():
            for user_id in dict.fromkeys(outside.get(group.urn, [])):
                if user_id == BUILTIN_DEFAULT_USER:
                    report(f"{cache.name}: its user group {group.name} {BUILTIN_DEFAULT_FINDING}.", cache.urn)
                else:
                    props.cannot_check(
                        f"user {user_id} of its user group {group.name} is not managed in this stack, so it "
                        "cannot be checked"
                    )
            for user in members.get(group.urn, []):
                if user.urn in seen:
                    continue
                seen.add(user.urn)
                reader = planned(user, subject=user.name)
                readers.append(reader)
                why = passwordless(reader)
                if why:
                    report(
                        f"{cache.name}: its user group {group.name} holds user {user.name} with {why}: anyone who "
                        "reaches the port logs in as that user. Give the user IAM authentication or passwords, "
                        "or take it out of the group.",
                        cache.urn,
                    )
    finish_all(readers)


user_group_passwordless = StackValidationPolicy(
    name="elasticache-user-group-passwordless",
    description="No cache's user group holds an enabled user that logs in without a password.",
    validate=_validate_user_groups,
    severity=Severity.CRITICAL,
    tags=["access", "rbac"],
    remediation_steps=(
        "Give every enabled user of the cache's user group IAM authentication (`authenticationMode.type: iam`) or "
        "passwords (`passwordsWo`), or remove it from the group (`userIds`, or its `UserGroupAssociation`)."
    ),
    url=f"{DOCS}/Clusters.RBAC.html",
)


def _validate_full_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != USER:
        return
    props = Props(args.props)
    name = props.text("userName")
    if name == DEFAULT_USER:
        args.not_applicable("the default user is judged by elasticache-authentication")
    access = props.text("accessString")
    if isinstance(access, str) and unrestricted(access) and not is_unknown(name):
        report(
            f"user {name!r} has {redacted(access)!r}: every command on every key, including FLUSHALL, CONFIG and "
            "DEBUG. Grant what the application uses (e.g. `on ~app:* &* +@all -@dangerous`, or `+@read +@write`)."
        )
    props.finish()


user_full_access = ResourceValidationPolicy(
    name="elasticache-user-full-access",
    description="No application user gets every command on every key (`+@all` on `~*`, nothing taken away).",
    validate=_validate_full_access,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    tags=["access", "rbac", "least-privilege"],
    remediation_steps=(
        "Narrow the user's `accessString`: its key patterns (`~app:*`) and commands (`-@dangerous`, or only the "
        "categories it uses)."
    ),
    url=f"{DOCS}/Clusters.RBAC.html",
)

POLICIES = [authentication, user_group_passwordless, user_full_access]

# What each policy checks, as the pack README's policy table says it (`guardrails.registry` renders the table).
CHECKS = {
    authentication.name: (
        "replication groups have `authToken`/`authTokenWo` or `userGroupIds`; serverless caches "
        "`userGroupId`; no user with `noPasswordRequired: true` or `authenticationMode.type: "
        "no-password-required` unless it is disabled; no `default` user enabled with `+@all` on every key (`~*`, "
        "`allkeys`, `%RW~*`, or `%R~*`/`%W~*` alone: read every key or write every key), rules read in order "
        "(`~* resetkeys` is no key); no user group or "
        "`UserGroupAssociation` listing the user id `default` in any case (AWS's own passwordless full-access user; "
        "AWS stores user ids in lower case). IAM users "
        "are fine"
    ),
    user_group_passwordless.name: (
        "a replication group's or serverless cache's user group (linked by property dependency or id, ids in any "
        "case as AWS stores them in lower case, members by "
        "`userIds` or `UserGroupAssociation`) holds no enabled user with `noPasswordRequired`, "
        "`authenticationMode.type: no-password-required`, or no passwords and no IAM, and not AWS's own user "
        "`default`; a group or a member outside the stack is reported as not checkable"
    ),
    user_full_access.name: (
        "no non-default user is enabled with every command on every key (`+@all`/`allcommands` on `~*`/"
        "`allkeys`/`%RW~*`/`%R~*` with `%W~*`, with nothing taken away after it; `%R~*` alone writes no key)"
    ),
}
