"""`auth` of a cache and its `cacheSecrets`: who connects, and how they prove it."""

from __future__ import annotations

from components import acl, aws_rules, naming
from components.spec import Auth, AuthMode
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_USERS
from components.stack_config.problems import MISSING, as_written
from components.stack_config.schema import NAME, NAME_RULE, SECRETS_KEY
from components.stack_config.secrets import SET_SECRET
from elasticache_facts.access import ELASTICACHE_PUBSUB_DEFAULT, PUBSUB_DEFAULT_PARAMETER, redacted

MODE_KEYS: dict[str, tuple[AuthMode, ...]] = {
    "access_string": (AuthMode.IAM, AuthMode.PASSWORD),
    "password_version": (AuthMode.PASSWORD,),
    "token_version": (AuthMode.TOKEN,),
    "token_update_strategy": (AuthMode.TOKEN,),
}
"""The `auth` keys that only some modes read (`users` has its own message): set in another mode, such a key
would do nothing, which is never what its author meant (often a leftover of the mode before)."""


def resolve_auth(ctx: CacheContext) -> Auth | None:
    problems = ctx.stack.problems
    before = problems.count()
    auth = ctx.config.auth
    path = f"{ctx.path}.auth"
    for field, modes in MODE_KEYS.items():
        if field in auth.model_fields_set and auth.mode not in modes:
            key = type(auth).model_fields[field].alias
            value = getattr(auth, field)
            problems.add(
                f"{path}.{key}",
                as_written(value),
                f"read only in {' and '.join(mode.value for mode in modes)} mode, and auth.mode is "
                f"{auth.mode.value}: remove it",
            )
    secrets_path = f"{SECRETS_KEY}.{ctx.name}"
    passwords = (ctx.secrets.passwords if ctx.secrets else None) or {}
    token = ctx.secrets.auth_token if ctx.secrets else None

    if auth.mode is AuthMode.TOKEN:
        if ctx.serverless:
            problems.add(f"{path}.mode", "token", "serverless caches support RBAC only: use iam or password")
        if auth.users:
            problems.add(f"{path}.users", auth.users, "token mode has no users (AWS refuses a token with RBAC)")
        if token is None:
            problems.add(
                f"{secrets_path}.authToken", MISSING, f"token mode needs it: {SET_SECRET} '{secrets_path}.authToken'"
            )
        elif (why := aws_rules.check_secret(token.get_secret_value())) is not None:
            problems.add(f"{secrets_path}.authToken", token, why, secret=True)
        users: tuple[str, ...] = ()
    else:
        users = tuple(auth.users) if auth.users is not None else DEFAULT_USERS
        if not users:
            problems.add(f"{path}.users", [], "at least one user, or leave users out for the default ['app']")
        if (why := aws_rules.check_user_count(len(users))) is not None:
            problems.add(f"{path}.users", list(users), why)
        default_id = naming.user_readable(ctx.cache_id, naming.DEFAULT_USER)
        # A cache id too long already has its problem; the default user's id then says nothing new.
        if naming.check_id(ctx.cache_id) is None and (why := naming.check_id(default_id)) is not None:
            ctx.problem(
                "",
                ctx.name,
                f"the id {default_id!r} of the cache's disabled default user, plus its suffix, {why}: shorten the "
                "cache name or namePrefix",
            )
        for index, user in enumerate(users):
            user_path = f"{path}.users[{index}]"
            if user == naming.DEFAULT_USER:
                problems.add(user_path, user, "reserved: the component creates a disabled default user itself")
            elif not NAME.match(user):
                problems.add(user_path, user, f"user names use {NAME_RULE}")
            elif (why := naming.check_id(naming.user_readable(ctx.cache_id, user))) is not None:
                problems.add(user_path, user, f"the user id {ctx.cache_id}-{user!s} plus its suffix {why}")
            if user in users[:index]:
                problems.add(user_path, user, "listed twice")
        if auth.mode is AuthMode.PASSWORD:
            for user in dict.fromkeys(users):
                secret = passwords.get(user)
                key = f"{secrets_path}.passwords.{user}"
                if secret is None:
                    problems.add(key, MISSING, f"password mode needs one per user: {SET_SECRET} '{key}'")
                elif (why := aws_rules.check_secret(secret.get_secret_value())) is not None:
                    problems.add(key, secret, why, secret=True)
        if token is not None:
            problems.add(f"{secrets_path}.authToken", token, f"set but auth.mode is {auth.mode.value}", secret=True)
    for user in passwords:
        if auth.mode is not AuthMode.PASSWORD or user not in users:
            problems.add(f"{secrets_path}.passwords.{user}", "[secret]", "not a password-mode user of this cache")
    defaults = Auth(mode=auth.mode)
    if auth.mode is not AuthMode.TOKEN:
        _check_access_string(ctx, auth.access_string or defaults.access_string, auth.access_string is None)
    if problems.count() > before:
        return None
    return Auth(
        mode=auth.mode,
        users=users,
        access_string=auth.access_string or defaults.access_string,
        passwords=dict(passwords) if auth.mode is AuthMode.PASSWORD else {},
        password_version=auth.password_version,
        token=token if auth.mode is AuthMode.TOKEN else None,
        token_version=auth.token_version,
        token_update_strategy=auth.token_update_strategy,
    )


def _check_access_string(ctx: CacheContext, text: str, is_default: bool) -> None:
    path = f"{ctx.path}.auth.accessString"
    shown = redacted(text)
    parsed, errors = acl.parse(text)
    if parsed is None:
        for error in errors:
            ctx.stack.problems.add(path, shown, error)
        return
    if not parsed.enabled:
        ctx.stack.problems.add(
            path, shown, "leaves the users off, so they cannot connect; allowed: a string with on: add on"
        )
    # Sharded and serverless caches both take a cluster client (cacheclient.connect), which starts with discovery.
    cluster_client = ctx.serverless or (ctx.node_config is not None and ctx.node_config.shards is not None)
    denied = acl.denied_needs(parsed, cluster_client)
    if denied and not is_default:
        ctx.stack.problems.warn(
            path,
            shown,
            f"denies {', '.join(command.replace('|', ' ') for command in denied)}, which clients and health checks "
            f"send: allow them (e.g. add {' '.join(f'+{command.lower()}' for command in denied)})",
        )
    if not parsed.has_keys:
        ctx.stack.problems.warn(path, shown, "names no keys (~pattern or allkeys): every command on a key is denied")
    _check_channels(ctx, path, shown, parsed)


def _check_channels(ctx: CacheContext, path: str, shown: str, parsed: acl.AccessString) -> None:
    """The app users' pub/sub channels against the `acl-pubsub-default` they start from (`ELASTICACHE_PUBSUB_DEFAULT`
    unless the cache's parameters set it; a serverless cache has no parameter group).

    A warning, not an error: the engines refuse the string from that start (tests/engine/test_channels.py), but that
    ElastiCache sets its users from the parameter group's default as the engines do is read from its parameter
    page, not seen."""
    node = ctx.node_config
    configured = (node.parameters or {}).get(PUBSUB_DEFAULT_PARAMETER) if node is not None else None
    start = ELASTICACHE_PUBSUB_DEFAULT if configured is None else str(configured)
    refused = acl.pattern_after_all_channels(parsed.channel_rules, start_all=start == "allchannels")
    if refused is not None:
        where = f"{PUBSUB_DEFAULT_PARAMETER} is allchannels" + (" on ElastiCache" if configured is None else "")
        ctx.stack.problems.warn(
            path,
            shown,
            f"adds {refused} to the channels a user starts from, and {where}: ACL SETUSER refuses a pattern added "
            "to all channels ('Adding a pattern after the * pattern ... is not valid'), so the users cannot be "
            "set: put resetchannels before the patterns (e.g. resetchannels &app:*)",
        )
    if configured is None:
        return
    channels = parsed.channels
    parameter = f"{ctx.path}.parameters.{PUBSUB_DEFAULT_PARAMETER}"
    if channels is acl.Channels.SET:
        ctx.stack.problems.warn(
            parameter,
            configured,
            f"has no effect on the app users: auth.accessString ({shown}) sets their channels itself; restrict "
            "them there (e.g. resetchannels &app:*)",
        )
    elif channels is acl.Channels.NONE:
        ctx.stack.problems.warn(
            parameter,
            configured,
            "gives the app users their channels only when a user is created or updated: users that exist keep the "
            "ones they had until they are updated or the cache reboots (AWS); set them in auth.accessString instead "
            "(&* for all, resetchannels for none), the same for every user",
        )
