"""What a cache's user group lets in: passwordless members make the cache itself a violation; full-access
application users are reported (advisory). Through the registered policies, in-process and over gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from guardrails.access import user_full_access, user_group_passwordless

from elasticache_facts.tokens import USER_GROUP_ASSOCIATION
from preflight.analyzer import PolicyPack
from tests.policies.harness import DROP, UNKNOWN, Item, check, check_stack, secret, with_
from tests.policies.secure import (
    STACK_CONFIG,
    UG,
    USER,
    iam_user,
    planned,
    secure_item,
    secure_items,
    secure_items_with,
)

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
UGA = "aws:elasticache/userGroupAssociation:UserGroupAssociation"


def replaced(items: list[Item], name: str, **inputs: object) -> list[Item]:
    return [Item(i.type, i.name, with_(i.properties, **inputs), i.depends) if i.name == name else i for i in items]


def test_sound_user_groups_pass() -> None:
    assert check_stack(user_group_passwordless, secure_items()).passed


@pytest.mark.parametrize(
    ("inputs", "why"),
    [
        ({"noPasswordRequired": True}, "`noPasswordRequired: true`"),
        ({"authenticationMode": {"type": "no-password-required"}}, '"no-password-required"'),
        ({"authenticationMode": DROP}, "no passwords and no IAM authentication"),
    ],
)
def test_a_passwordless_member_makes_the_cache_a_violation(inputs: dict, why: str) -> None:
    items = replaced(secure_items(), "sessions-user-app", **inputs)
    outcome = check_stack(user_group_passwordless, items)
    [message] = outcome.violations
    assert message.startswith("sessions-replication-group: its user group sessions-users holds user sessions-user-app")
    assert why in message
    assert outcome.urns[0].endswith("::sessions-replication-group")


def test_a_serverless_cache_and_a_user_added_by_association_are_judged_too() -> None:
    rogue = Item(
        USER,
        "rogue",
        {
            "userId": "rogue",
            "userName": "rogue",
            "engine": "valkey",
            "accessString": "on ~* +@read",
            "noPasswordRequired": True,
        },
    )
    joined = Item(UGA, "rogue-joins", {"userGroupId": "prompts-prod", "userId": "rogue"}, {"userId": ["rogue"]})
    outcome = check_stack(user_group_passwordless, [*secure_items(), rogue, joined])
    assert [message.split(":")[0] for message in outcome.violations] == ["prompts-serverless"]


def test_not_applicable_cases_pass() -> None:
    # A disabled user, or one not in any cache's group, lets nobody in through a cache.
    disabled = replaced(secure_items(), "sessions-user-app", accessString="off ~* +@all", authenticationMode=DROP)
    assert check_stack(user_group_passwordless, disabled).passed
    loose = Item(
        USER,
        "loose",
        {"userId": "loose", "userName": "loose", "accessString": "on ~* +@all", "noPasswordRequired": True},
    )
    assert check_stack(user_group_passwordless, [*secure_items(), loose]).passed


def test_a_user_group_outside_the_stack_is_not_checkable_and_unknowns_are_advisory() -> None:
    items = [i for i in secure_items() if i.type != UG]
    outside = check_stack(user_group_passwordless, items)
    assert outside.violations == []
    assert "its user group is not managed in this stack" in (outside.advisory or "")
    computed = replaced(secure_items(), "sessions-user-app", accessString=UNKNOWN)
    computed = [replace(i, depends={"accessString": ["key"]}) if i.name == "sessions-user-app" else i for i in computed]
    unknown = check_stack(user_group_passwordless, computed)
    assert unknown.violations == []
    assert "sessions-user-app: `accessString` is not known until apply" in (unknown.advisory or "")


def test_full_access_users_are_reported_and_narrowed_ones_pass() -> None:
    app = iam_user("sessions-prod", {})
    assert check(user_full_access, USER, app).passed, "+@all -@dangerous takes something away"
    every_key = ("on %RW~* +@all", "on %rw~* +@all", "on %R~* %W~* +@all", "on %W~* allcommands %r~*")
    for access in ("on ~* &* +@all", "on allkeys allcommands", "on ~* -@dangerous +@all", "ON ~* +@ALL", *every_key):
        outcome = check(user_full_access, USER, with_(app, accessString=access))
        assert "every command on every key" in outcome.text(), access
    narrowed = ("on %R~* +@all", "on ~* resetkeys +@all", "on ~* +@all reset", "on %RW~app:* +@all")
    for narrow in (
        "on ~app:* +@all",
        "off ~* +@all",
        "on ~* +@read",
        "ON ~* +@ALL -FLUSHALL",
        "ON ~* NOCOMMANDS",
        *narrowed,
    ):
        assert check(user_full_access, USER, with_(app, accessString=narrow)).passed, narrow
    default = check(user_full_access, USER, with_(app, userName="default", accessString="on ~* +@all"))
    assert "elasticache-authentication" in (default.not_applicable or "")


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(PACK_DIR, project="elasticache", stack="prod", stack_config=STACK_CONFIG) as running:
        running.configure(json.loads((PACK_DIR / "config" / "prod.json").read_text()))
        yield running


def test_over_grpc(pack: PolicyPack) -> None:
    sound = planned(secure_items())
    assert [d for d in pack.analyze_stack(sound) if d.policy_name == "elasticache-user-group-passwordless"] == []
    open_user = planned(replaced(secure_items(), "sessions-user-app", noPasswordRequired=True, authenticationMode=DROP))
    [finding] = [d for d in pack.analyze_stack(open_user) if d.policy_name == "elasticache-user-group-passwordless"]
    assert finding.mandatory
    assert finding.urn.endswith("::sessions-replication-group")
    wide = planned(replaced(secure_items(), "sessions-user-app", accessString="on ~* +@all"))
    user = next(r for r in wide if r.name == "sessions-user-app")
    [advisory] = [d for d in pack.analyze(user) if d.policy_name == "elasticache-user-full-access"]
    assert not advisory.mandatory, "advisory by default"


def _group_listing_builtin(default_id: str) -> list[Item]:
    """The secure stack with its own default user dropped and the sessions user group listing `default_id`."""
    listed = secure_item("sessions-users")
    listed = replace(
        listed,
        properties=with_(listed.properties, userIds=[default_id, "sessions-prod-app"]),
        depends={"userIds": ["sessions-user-app"]},
    )
    return secure_items_with(listed, drop=("sessions-user-default",))


def test_the_builtin_default_user_in_a_cache_s_user_group_is_a_violation() -> None:
    """AWS's own user `default` (on ~* +@all, no password) lets every connection in with full access."""
    outcome = check_stack(user_group_passwordless, _group_listing_builtin("default"))
    assert "its user group sessions-users lists the user id `default`" in outcome.text()
    joined = Item(
        USER_GROUP_ASSOCIATION,
        "assoc",
        {"userGroupId": "sessions-prod", "userId": "default"},
        {"userGroupId": ["sessions-users"]},
    )
    assert "lists the user id `default`" in check_stack(user_group_passwordless, [*secure_items(), joined]).text()


def test_a_member_outside_the_stack_is_not_checkable() -> None:
    group = secure_item("sessions-users")
    members = ["sessions-prod-default", "sessions-prod-app", "shared-user"]
    group = replace(group, properties=with_(group.properties, userIds=members))
    outcome = check_stack(user_group_passwordless, secure_items_with(group))
    assert outcome.violations == []
    assert "user shared-user of its user group sessions-users is not managed in this stack" in (outcome.advisory or "")


def test_an_authentication_mode_the_provider_computes_at_preview_is_unset() -> None:
    # A user with passwords and no `authenticationMode` shows the mode unknown in a preview's planned state (the
    # provider computes it), fed by no resource: the program set none, and the passwords decide.
    computed = replaced(
        secure_items(),
        "sessions-user-app",
        authenticationMode=UNKNOWN,
        passwordsWo=secret("p" * 32),
        passwordsWoVersion=1,
    )
    assert check_stack(user_group_passwordless, computed).passed
    without = replaced(computed, "sessions-user-app", passwordsWo=DROP, passwordsWoVersion=DROP)
    outcome = check_stack(user_group_passwordless, without)
    assert "holds user sessions-user-app with no passwords and no IAM authentication" in outcome.text()


def test_an_upper_case_access_string_enables_a_group_member() -> None:
    # `ON` enables the user as `on` does (the engines parse ACL keywords with strcasecmp).
    loose = replaced(secure_items(), "sessions-user-app", accessString="ON ~* +@ALL", noPasswordRequired=True)
    outcome = check_stack(user_group_passwordless, loose)
    assert "holds user sessions-user-app with `noPasswordRequired: true`" in outcome.text()


def test_ids_are_matched_in_any_case_as_aws_stores_them_in_lower_case() -> None:
    """AWS stores user ids and user group ids in lower case (botocore CreateUserMessage `UserId`,
    CreateUserGroupMessage `UserGroupId`: "stored as a lowercase string"): `Default` is AWS's own user `default`,
    and a group listing `Sessions-Prod-App` holds the user `sessions-prod-app`."""
    outcome = check_stack(user_group_passwordless, _group_listing_builtin("Default"))
    assert "its user group sessions-users lists the user id `default`" in outcome.text()
    joined = Item(
        USER_GROUP_ASSOCIATION,
        "assoc",
        {"userGroupId": "Sessions-Prod", "userId": "DEFAULT"},
    )
    assert "lists the user id `default`" in check_stack(user_group_passwordless, [*secure_items(), joined]).text()
    # Linked by ids alone, written in another case: the passwordless member is found, not called outside the stack.
    group = secure_item("sessions-users")
    ids = [user_id.upper() for user_id in group.properties["userIds"]]
    unlinked = replace(group, properties=with_(group.properties, userIds=ids), depends={})
    loose = replaced(secure_items_with(unlinked), "sessions-user-app", noPasswordRequired=True)
    outcome = check_stack(user_group_passwordless, loose)
    assert "holds user sessions-user-app with `noPasswordRequired: true`" in outcome.text()
    assert outcome.advisory is None
