from __future__ import annotations

import pytest
from guardrails.access import authentication, full_access

from elasticache_facts.tokens import USER_GROUP_ASSOCIATION
from tests.policies.harness import DROP, UNKNOWN, UNKNOWN_BOOL, check, secret, with_
from tests.policies.secure import (
    CLUSTER,
    REPLICATION_GROUP,
    RG,
    SERVERLESS_CACHE,
    SESSIONS_TAGS,
    SLS,
    UG,
    USER,
    default_user,
    iam_user,
    secure_item,
    user_group,
)

NO_AUTH = with_(REPLICATION_GROUP, userGroupIds=DROP)


def test_rbac_user_group_passes() -> None:
    assert check(authentication, RG, REPLICATION_GROUP).passed
    # The group's id is unknown until the group exists; it is still a user group.
    assert check(authentication, RG, with_(REPLICATION_GROUP, userGroupIds=[UNKNOWN])).passed


@pytest.mark.parametrize("key", ["authToken", "authTokenWo"])
def test_auth_tokens_pass_including_secret_and_write_only(key: str) -> None:
    assert check(authentication, RG, with_(NO_AUTH, **{key: secret("t" * 32)})).passed
    assert check(authentication, RG, with_(NO_AUTH, **{key: "t" * 32, "authTokenWoVersion": 1})).passed


def test_no_authentication_is_flagged() -> None:
    assert "no `authToken`/`authTokenWo` and no `userGroupIds`" in check(authentication, RG, NO_AUTH).text()
    assert check(authentication, RG, with_(NO_AUTH, userGroupIds=[])).violations
    assert check(authentication, RG, with_(NO_AUTH, authToken="")).violations


def test_unknown_token_without_group_is_advisory() -> None:
    outcome = check(authentication, RG, with_(NO_AUTH, authTokenWo=secret(UNKNOWN)))
    assert outcome.violations == []
    assert "`authTokenWo` is not known until apply" in (outcome.advisory or "")
    # With its version set, a write-only token is on its way.
    assert check(authentication, RG, with_(NO_AUTH, authTokenWo=secret(UNKNOWN), authTokenWoVersion=1)).passed
    token = check(authentication, RG, with_(NO_AUTH, authToken=UNKNOWN, authTokenWoVersion=1))
    assert "`authToken` is not known" in (token.advisory or "")
    # A known group settles it: the unknown token is not even mentioned.
    assert check(authentication, RG, with_(REPLICATION_GROUP, authToken=UNKNOWN)).passed


def test_serverless_needs_a_user_group() -> None:
    assert check(authentication, SLS, SERVERLESS_CACHE).passed
    assert check(authentication, SLS, with_(SERVERLESS_CACHE, userGroupId=UNKNOWN)).passed
    assert "`userGroupId` is unset" in check(authentication, SLS, with_(SERVERLESS_CACHE, userGroupId=DROP)).text()
    memcached = with_(SERVERLESS_CACHE, engine="memcached", userGroupId=DROP)
    assert check(authentication, SLS, memcached).not_applicable


def test_clusters() -> None:
    assert check(authentication, CLUSTER, {"engine": "memcached"}).not_applicable
    assert check(authentication, CLUSTER, {"replicationGroupId": "g"}).not_applicable
    assert "standalone" in check(authentication, CLUSTER, {"engine": "valkey"}).text()


def test_disabled_default_user_and_iam_user_pass() -> None:
    assert check(authentication, USER, default_user("c", SESSIONS_TAGS)).passed
    assert check(authentication, USER, iam_user("c", SESSIONS_TAGS)).passed
    assert check(authentication, UG, user_group("c", SESSIONS_TAGS)).passed


def test_passwordless_users_are_flagged() -> None:
    no_password = with_(iam_user("c", SESSIONS_TAGS), authenticationMode=DROP, noPasswordRequired=True)
    assert "`noPasswordRequired` is true" in check(authentication, USER, no_password).text()
    mode = with_(iam_user("c", SESSIONS_TAGS), authenticationMode={"type": "no-password-required"})
    assert '"no-password-required"' in check(authentication, USER, mode).text()
    unknown = check(authentication, USER, with_(iam_user("c", SESSIONS_TAGS), noPasswordRequired=UNKNOWN_BOOL))
    assert "`noPasswordRequired` is not known" in (unknown.advisory or "")


def test_full_access_default_user_is_flagged() -> None:
    enabled = with_(default_user("c", SESSIONS_TAGS), accessString="on ~* +@all")
    assert 'the "default" user is enabled with full access' in check(authentication, USER, enabled).text()
    # The same access for a named app user is its business (and IAM-authenticated).
    assert check(authentication, USER, with_(iam_user("c", SESSIONS_TAGS), accessString="on ~* +@all")).passed
    # Who it is decides: an unknown name with full access cannot be judged at preview.
    unknown = check(authentication, USER, with_(enabled, userName=UNKNOWN))
    assert "`userName` is not known" in (unknown.advisory or "")
    # A harmless access string needs no name.
    assert check(authentication, USER, with_(default_user("c", SESSIONS_TAGS), userName=UNKNOWN)).passed


@pytest.mark.parametrize(
    "credential",
    [
        {"passwords": [secret("p" * 20)]},
        {"passwordsWo": secret("p" * 20), "passwordsWoVersion": 1},
        {"authenticationMode": {"type": "password", "passwords": [secret("p" * 20)]}},
    ],
)
def test_a_full_access_default_user_with_a_password_is_refused_as_a_shared_credential(
    credential: dict[str, object],
) -> None:
    """Only a passwordless `default` user is entered by itself: one with a password is entered by AUTH."""
    user = {"userId": "c-default", "userName": "default", "engine": "valkey", "accessString": "on ~* +@all"}
    text = check(authentication, USER, {**user, **credential}).text()
    assert 'the "default" user is enabled with full access' in text
    assert "one shared credential: every client that AUTHs as `default` with its password" in text
    assert "does not authenticate as another user" not in text


@pytest.mark.parametrize(
    ("credential", "why"),
    [
        ({"noPasswordRequired": True}, "`noPasswordRequired: true`"),
        ({"authenticationMode": {"type": "no-password-required"}}, '`authenticationMode.type: "no-password-required"`'),
        ({}, "no passwords and no IAM authentication"),
    ],
)
def test_a_full_access_default_user_without_a_password_lets_every_connection_in(
    credential: dict[str, object], why: str
) -> None:
    user = {"userId": "c-default", "userName": "default", "engine": "valkey", "accessString": "on ~* +@all"}
    text = check(authentication, USER, {**user, **credential}).text()
    assert f"with {why}, every connection that does not authenticate as another user gets all of it" in text
    assert "shared credential" not in text


def test_a_full_access_default_user_of_unknown_authentication_is_refused_for_both_cases() -> None:
    user = {"userId": "c-default", "userName": "default", "engine": "valkey", "accessString": "on ~* +@all"}
    outcome = check(authentication, USER, {**user, "passwords": [secret("p" * 20)], "noPasswordRequired": UNKNOWN_BOOL})
    assert "every connection gets all of it if the user needs no password" in outcome.text()
    assert "`noPasswordRequired` is not known" in (outcome.advisory or "")


def test_a_password_in_an_access_string_is_not_repeated_in_a_violation() -> None:
    # AWS refuses it at apply time, but the preview's policy results (CLI output, Pulumi Cloud) show the message.
    enabled = with_(default_user("c", SESSIONS_TAGS), accessString="on ~* +@all >Sup3r-Secret-Value-123")
    text = check(authentication, USER, enabled).text()
    assert "'on ~* +@all >[secret]'" in text
    assert "Sup3r-Secret-Value-123" not in text


@pytest.mark.parametrize(
    ("access", "full"),
    [
        ("on ~* +@all", True),
        ("on allkeys allcommands", True),
        ("on ~* &* +@all -@dangerous", True),
        ("off ~* +@all", False),
        ("on ~* +@all off", False),
        ("on ~app:* +@all", False),
        ("on ~* +@read", False),
        ("off -@all", False),
        # The engines read keywords, categories and commands in any case (ACL SETUSER u ON ~* +@ALL is full access).
        ("ON ~* +@ALL", True),
        ("On AllKeys AllCommands", True),
        ("ON ~* +@ALL OFF", False),
        # Key patterns keep their case: `~APP:*` is not every key.
        ("ON ~APP:* +@ALL", False),
        # Key-permission selectors reach every key too (`%R~* %W~*` reads back as `~*` on both engines); reading
        # or writing every key with every command is full access for the user anonymous connections get.
        ("on %RW~* +@all", True),
        ("on %rw~* +@all", True),
        ("on %WR~* +@all", True),
        ("on %R~* %W~* +@all", True),
        ("on %r~* +@all", True),
        ("on %W~* +@all", True),
        ("on ~** +@all", True),
        ("on %RW~app:* +@all", False),
        ("on %RX~* +@all", False),  # the engines refuse the rule: it grants nothing
        # Rules apply in order: `resetkeys` (or `reset`) drops the patterns before it, `-@all` the commands.
        ("on ~* resetkeys +@all", False),
        ("on allkeys resetkeys +@all", False),
        ("on resetkeys ~* +@all", True),
        ("on ~* +@all reset", False),
        ("on ~* +@all -@all", False),
        ("on ~* -@all +@all", True),
        ("on allchannels &* resetchannels ~* +@all", True),
    ],
)
def test_full_access(access: str, full: bool) -> None:
    assert full_access(access) is full


def test_a_disabled_passwordless_user_passes_as_in_the_stack_policy() -> None:
    disabled = {"userId": "d", "userName": "default", "engine": "valkey", "accessString": "off -@all"}
    assert check(authentication, USER, {**disabled, "noPasswordRequired": True}).passed
    assert check(authentication, USER, {**disabled, "authenticationMode": {"type": "no-password-required"}}).passed
    assert check(authentication, USER, {**disabled, "accessString": "on -@all", "noPasswordRequired": True}).violations


@pytest.mark.parametrize(
    "passwordless", [{"noPasswordRequired": True}, {"authenticationMode": {"type": "no-password-required"}}]
)
def test_a_passwordless_user_whose_access_string_is_unknown_waits_for_it(passwordless: dict[str, object]) -> None:
    """A disabled user (`off`) is exempt, so an access string unknown at preview cannot be refused yet."""
    user = {"userId": "u", "userName": "u", "engine": "valkey", "accessString": UNKNOWN, **passwordless}
    outcome = check(authentication, USER, user)
    assert outcome.violations == []
    assert outcome.advisory == "`accessString` is not known until apply; checked again at `pulumi up`"
    # Known, it decides: enabled is refused, disabled passes.
    assert check(authentication, USER, {**user, "accessString": "on ~app:* +@read"}).violations
    assert check(authentication, USER, {**user, "accessString": "off -@all"}).passed


def test_a_serverless_cache_of_unknown_engine_without_user_group_waits_for_the_engine() -> None:
    """Serverless Memcached takes no user group, so an unknown engine cannot be refused for lacking one."""
    outcome = check(authentication, SLS, with_(SERVERLESS_CACHE, engine=UNKNOWN, userGroupId=DROP))
    assert outcome.violations == []
    assert "`engine` is not known" in (outcome.advisory or "")


def test_the_builtin_default_user_listed_in_a_user_group_is_refused() -> None:
    group = with_(secure_item("sessions-users").properties, userIds=["default", "sessions-prod-app"])
    assert "lists the user id `default`" in check(authentication, UG, group).text()
    association = {"userGroupId": "sessions-prod", "userId": "default"}
    assert "is the user id `default`" in check(authentication, USER_GROUP_ASSOCIATION, association).text()


@pytest.mark.parametrize("access", ["ON ~* +@ALL", "On AllKeys AllCommands", "oN ~* +@all"])
def test_access_string_keywords_are_read_in_any_case(access: str) -> None:
    # Valkey and Redis OSS parse ACL keywords with strcasecmp: `ON` enables the user as `on` does.
    passwordless = {
        "userId": "u",
        "userName": "u",
        "engine": "valkey",
        "accessString": access,
        "noPasswordRequired": True,
    }
    assert "`noPasswordRequired` is true" in check(authentication, USER, passwordless).text()
    default = with_(default_user("c", SESSIONS_TAGS), accessString=access)
    assert 'the "default" user is enabled with full access' in check(authentication, USER, default).text()
    assert check(authentication, USER, {**passwordless, "accessString": access.replace("O", "o") + " OFF"}).passed


@pytest.mark.parametrize("access", ["on %RW~* +@all", "on %R~* %W~* +@all", "ON %rw~* +@ALL", "on %R~* +@all"])
def test_a_default_user_reaching_every_key_through_key_permissions_is_refused(access: str) -> None:
    default = with_(default_user("c", SESSIONS_TAGS), accessString=access)
    assert 'the "default" user is enabled with full access' in check(authentication, USER, default).text()
    assert check(authentication, USER, with_(default, accessString=f"{access} off")).passed


def test_the_builtin_default_user_is_refused_in_any_case() -> None:
    # AWS stores user ids in lower case (botocore CreateUserMessage `UserId`): `Default` is its own user `default`.
    group = with_(secure_item("sessions-users").properties, userIds=["Default", "sessions-prod-app"])
    assert "lists the user id `default`" in check(authentication, UG, group).text()
    association = {"userGroupId": "sessions-prod", "userId": "DEFAULT"}
    assert "is the user id `default`" in check(authentication, USER_GROUP_ASSOCIATION, association).text()
