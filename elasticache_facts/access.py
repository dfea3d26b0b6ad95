"""RBAC access strings the program gives its users.

Sources: Valkey/Redis OSS ACL categories as the engines report them (`ACL CAT dangerous` on Valkey 9.1 and Redis
OSS 7.0, checked by tests/engine), and AWS "Role-Based Access Control (RBAC)" (ElastiCache user guide: the access
string is applied as an ACL rule; passwords and `reset` may not appear in it).
"""

from __future__ import annotations

APP_USER_ACCESS = "on ~* &* +@all -@dangerous +info +role +client|list"
"""The app users' access string: every key, channel and command, less `@dangerous`, plus three of its
read-only commands that health checks and clients call.

Given back: `INFO` (Spring Boot's and ioredis's readiness checks, `loading`/`role` probes), `ROLE` (topology
discovery of Lettuce and other clients) and `CLIENT LIST` (connection checks; the app users are this cache's only
users, so it shows nothing of another tenant). Kept out: `FLUSHALL`/`FLUSHDB`/`SWAPDB` (one bug empties the
cache for everyone), `KEYS`, `SORT` (O(N) on the engine's one thread: use `SCAN`), `MIGRATE`/`RESTORE`, `DEBUG`,
`MONITOR` (every client's traffic), `CONFIG`, `CLIENT KILL`/`PAUSE`/`NO-EVICT`, replication, `ACL` changes,
`SLOWLOG`/`LATENCY` resets, `LASTSAVE`/`SAVE`. Everything a client's handshake sends stays allowed: `HELLO`,
`AUTH`, `CLIENT SETNAME`/`SETINFO`/`INFO`/`ID`, `CLUSTER SLOTS`/`SHARDS`/`NODES`, `READONLY`, `COMMAND`. The
engine tests run every recipe and health check under the access string the program plans.
"""

DEFAULT_USER = "default"
"""The user name every user group must hold, and the id of the user AWS creates with it in every region (enabled,
every command on every key, no password, never modifiable: AWS "Role-Based Access Control (RBAC)")."""

DISABLED_DEFAULT_ACCESS = "off -@all"
"""Every user group needs a user named `default`; the program's can never log in and may run nothing."""

CREDENTIAL_RULES = (">", "<", "#", "!")
"""ACL SETUSER rules that carry a password (`>pass`, `<pass`) or its SHA-256 (`#hash`, `!hash`)."""


def redacted(access_string: str) -> str:
    """The access string as it may be shown in a message or a report: each rule that carries a password or its
    hash (refused by AWS in an access string, but still written there by mistake) as `>[secret]`."""
    return " ".join(
        f"{token[0]}[secret]" if token.startswith(CREDENTIAL_RULES) else token for token in access_string.split()
    )


PUBSUB_DEFAULT_PARAMETER = "acl-pubsub-default"
ELASTICACHE_PUBSUB_DEFAULT = "allchannels"
"""The channels ElastiCache gives a user whose access string does not set them: `acl-pubsub-default` is
`allchannels` in the default group of every Valkey and Redis OSS family (AWS "Engine specific parameters",
ParameterGroups.Engine.html, as elasticache-parameters.md records it; carried over to valkey9 there, UNCERTAIN),
where Valkey's and Redis OSS 7's own default is `resetchannels`.

Two engine rules follow (Valkey 9.1 and Redis OSS 7.0, tests/engine/test_channels.py): ACL SETUSER starts a user's
channels from the parameter and refuses a channel pattern added to `allchannels` ("Adding a pattern after the *
pattern (or the 'allchannels' flag) is not valid"), so `&app:*` needs `resetchannels` before it; and a change of
the parameter leaves the users that exist as they are (AWS: until they are updated or the cluster reboots)."""
