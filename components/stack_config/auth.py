"""`auth` of a cache and its `cacheSecrets`: who connects, and how they prove it."""

from __future__ import annotations

from components import aws_rules, naming
from components.spec import Auth, AuthMode
from components.stack_config.context import CacheContext
from components.stack_config.defaults import DEFAULT_USERS
from components.stack_config.problems import MISSING
from components.stack_config.schema import NAME, SECRETS_KEY

SET_SECRET = "pulumi config set --secret --path"


def resolve_auth(ctx: CacheContext) -> Auth | None:
    problems = ctx.stack.problems
    before = problems.count()
    auth = ctx.config.auth
    path = f"{ctx.path}.auth"
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
        for index, user in enumerate(users):
            user_path = f"{path}.users[{index}]"
            if user == "default":
                problems.add(user_path, user, "reserved: the component creates a disabled default user itself")
            elif not NAME.match(user):
                problems.add(user_path, user, "user names use lowercase letters, digits and hyphens")
            elif (why := naming.check_id(naming.user_readable(ctx.cache_id, user))) is not None:
                problems.add(user_path, user, f"the user id {ctx.cache_id}-{user!s} plus its suffix {why}")
            if user in users[:index]:
                problems.add(user_path, user, "listed twice")
        if auth.mode is AuthMode.PASSWORD:
            for user in users:
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
    if problems.count() > before:
        return None
    defaults = Auth(mode=auth.mode)
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
