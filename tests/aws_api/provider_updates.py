"""The AWS calls the provider makes to move a deployed replication group from one authentication to another.

Built as terraform-provider-aws builds them in `internal/service/elasticache/replication_group.go`
`resourceReplicationGroupUpdate`, from Pulumi's camelCase inputs before and after: the user group delta goes
into the standard ModifyReplicationGroup (with AuthTokenUpdateStrategy DELETE only when the strategy or token
changed to DELETE, "Transitioning to RBAC"), and a changed token or strategy other than DELETE gets a later
call of its own. Every call waits for the group to be available before and after it, so the calls are apart in
time. Only the authentication members are modelled; an update that changes nothing else makes no other call.

The upstream code read has `auth_token` only; pulumi-aws's write-only `auth_token_wo` and its version are
taken to stand for it (the token it sends, a change when the version or the token's presence changes), which
rests on the docstrings in `pulumi_aws/elasticache/replication_group.py`, not on the patch's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elasticache_facts.wire import revealed
from tests.aws_api.provider_requests import Request

DELETE = "DELETE"


def _token(inputs: Mapping[str, Any]) -> tuple[Any, Any]:
    return inputs.get("authToken") or inputs.get("authTokenWo"), inputs.get("authTokenWoVersion")


def replication_group_auth_update(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Request]:
    """The calls, in the provider's order, that take a group deployed with `before`'s inputs to `after`'s."""
    before, after = revealed(dict(before)), revealed(dict(after))
    group_id = after["replicationGroupId"]
    strategy = after.get("authTokenUpdateStrategy") or ""
    token_changed = _token(before) != _token(after) or before.get("authTokenUpdateStrategy") != strategy

    standard: dict[str, Any] = {}
    old_groups, new_groups = set(before.get("userGroupIds") or []), set(after.get("userGroupIds") or [])
    if added := sorted(new_groups - old_groups):
        if token_changed and strategy == DELETE:
            standard["AuthTokenUpdateStrategy"] = DELETE
        standard["UserGroupIdsToAdd"] = added
    if removed := sorted(old_groups - new_groups):
        standard["UserGroupIdsToRemove"] = removed

    requests = []
    if standard:
        params = {"ApplyImmediately": bool(after.get("applyImmediately")), "ReplicationGroupId": group_id}
        requests.append(Request("elasticache", "ModifyReplicationGroup", {**params, **standard}))
    if token_changed and strategy != DELETE:
        params = {"ApplyImmediately": True, "AuthToken": _token(after)[0] or "", "ReplicationGroupId": group_id}
        if strategy:  # the Go SDK leaves an empty enum out of the request
            params["AuthTokenUpdateStrategy"] = strategy
        requests.append(Request("elasticache", "ModifyReplicationGroup", params))
    return requests
