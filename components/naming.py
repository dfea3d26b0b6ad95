"""AWS names that cannot collide across projects, stacks and checkouts in one account, and that change whenever
AWS would replace what they name.

ElastiCache ids (replication group, serverless cache, users, user groups, parameter and subnet groups) and the
names of the KMS alias, log groups, SNS topic and alarms are unique per account and region, not per stack: two
checkouts with a `dev` stack, or two projects, would meet `AlreadyExists`. So every name is its readable,
config-derived part (`<namePrefix>-<cache>[-<what>]`) followed by a random suffix that `pulumi-random` creates
once and keeps in the stack's state: the same on every update, new only when the stack (or the cache) is
created again.

Users and user groups have explicit ids that the provider does not autoname, and AWS replaces a user whose
`user_name` changes (the auth type flipping between iam and password changes it: IAM needs user_name == user_id)
and, in the provider versions read, users and user groups whose `engine` changes. A replacement under the same id
is create-before-delete with a name that still exists, i.e. `UserAlreadyExists`; deleting first would drop the
user from its group behind Pulumi's back. So their suffix is keyed on exactly those inputs (`keepers`): a change
makes new ids, the new users and group are created, the cache moves to the new group in place, and the old ones go.

A node-based cache's final snapshot is named per creation of the replication group for the same reason: its
suffix is keyed on the inputs that replace the group, so destroy-recreate-destroy or a deliberate replacement never
meets the previous creation's snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_random as random

from components import aws_rules
from elasticache_facts import access

SUFFIX_LENGTH = 6
"""Lowercase letters and digits: 36^6 (2 billion) values; fits every ElastiCache id rule (no `--`, no trailing `-`)."""
_SUFFIX_PATTERN = f"[a-z0-9]{{{SUFFIX_LENGTH}}}"
_PLACEHOLDER = "x" * SUFFIX_LENGTH
DEFAULT_USER = access.DEFAULT_USER


def suffix(name: str, opts: pulumi.ResourceOptions, keepers: Mapping[str, str] | None = None) -> pulumi.Output[str]:
    """A random suffix kept in state; a change of `keepers` replaces it, i.e. makes a new one."""
    value = random.RandomString(
        name,
        length=SUFFIX_LENGTH,
        lower=True,
        numeric=True,
        upper=False,
        special=False,
        keepers=dict(keepers) if keepers else None,
        opts=opts,
    )
    return value.result


def unique(readable: str, random_part: pulumi.Input[str]) -> pulumi.Output[str]:
    """`<readable>-<suffix>`."""
    return pulumi.Output.concat(readable, "-", random_part)


def user_readable(cache_id: str, user: str) -> str:
    """The config-derived part of a user's id (`<cacheId>-<user>`); the `default` user is `<cacheId>-default`."""
    return f"{cache_id}-{user}"


def check_id(readable: str) -> str | None:
    """What is wrong with an id once its suffix is added (AWS's 40-character limit applies to the whole id)."""
    return aws_rules.check_resource_id(f"{readable}-{_PLACEHOLDER}")


def max_readable_length() -> int:
    return aws_rules.ID_MAX_LENGTH - 1 - SUFFIX_LENGTH


def is_id_of(deployed_id: str, readable: str) -> bool:
    """Whether an id deployed earlier is `readable` plus a suffix, i.e. names the same cache."""
    return re.fullmatch(re.escape(readable) + "-" + _SUFFIX_PATTERN, deployed_id) is not None


def colliding_user_ids(caches: Mapping[str, tuple[str, Sequence[str]]]) -> list[tuple[str, str, str]]:
    """(key, other key, id) for users of different caches whose config-derived ids coincide.

    `caches` maps a cache's config key to (cache id, its app users). Each cache's users also include the
    disabled `default` user. Cache `a` with user `b-app` and cache `a-b` with user `app` both derive `dev-a-b-app`:
    the names would differ only by their random suffixes, and the readable names (and every IAM policy or
    log search written against them) would be ambiguous.
    """
    owners: dict[str, str] = {}
    found = []
    for name, (cache_id, users) in caches.items():
        for index, user in [(None, DEFAULT_USER), *enumerate(users)]:
            key = f"caches.{name}.auth.users[{index}]" if index is not None else f"caches.{name} (its default user)"
            derived = user_readable(cache_id, user)
            if derived in owners:
                found.append((key, owners[derived], derived))
            else:
                owners[derived] = key
    return found
