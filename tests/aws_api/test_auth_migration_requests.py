"""What `pulumi up` asks of AWS when a deployed replication group changes how clients authenticate.

The plans before and after are the program's; the calls between them are the provider's
(`provider_updates`), each checked against botocore's model of ModifyReplicationGroup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.stack_config import ConfigError
from elasticache_facts.tokens import REPLICATION_GROUP
from preflight.model import Plan
from preflight.stack_files import StackConfig
from tests.aws_api.model import problems
from tests.aws_api.provider_requests import Request
from tests.aws_api.provider_updates import replication_group_auth_update
from tests.conftest import edit_cache, one

TOKEN = "Token-0123456789abcdef"
NEW_TOKEN = "Token-fedcba9876543210"
CACHE = "ratelimit"  # iam in Pulumi.prod.yaml


def with_token(config: StackConfig, token: str = TOKEN, **auth: Any) -> StackConfig:
    changed = edit_cache(config, CACHE, auth={"mode": "token", **auth})
    return changed.with_secret_values(cacheSecrets={CACHE: {"authToken": token}})


def group(plan: Plan) -> dict[str, Any]:
    return dict(one(plan, REPLICATION_GROUP, CACHE).inputs)


def calls(before: Plan, after: Plan) -> list[Request]:
    requests = replication_group_auth_update(group(before), group(after))
    for request in requests:
        assert problems(request.service, request.operation, request.params) == [], request
    return requests


def test_token_to_iam_is_one_call_that_drops_the_token_as_it_adds_the_user_group(
    prod: StackConfig, run: Callable[..., Plan]
) -> None:
    before = run(with_token(prod))
    after = run(prod, previous_outputs=before.exports)
    (call,) = calls(before, after)
    assert call.params["AuthTokenUpdateStrategy"] == "DELETE"
    assert call.params["UserGroupIdsToAdd"] == group(after)["userGroupIds"]
    assert "AuthToken" not in call.params
    assert "UserGroupIdsToRemove" not in call.params


def test_an_rbac_group_deployed_without_a_strategy_takes_delete_with_no_call(
    prod: StackConfig, run: Callable[..., Plan]
) -> None:
    plan = run(prod)
    deployed = {key: value for key, value in group(plan).items() if key != "authTokenUpdateStrategy"}
    assert replication_group_auth_update(deployed, group(plan)) == []


def test_a_user_group_swap_on_an_rbac_group_sends_no_token(prod: StackConfig, run: Callable[..., Plan]) -> None:
    before = run(prod)
    password = edit_cache(prod, CACHE, auth={"mode": "password", "users": ["api"]})
    password = password.with_secret_values(cacheSecrets={CACHE: {"passwords": {"api": "Password-0123456789ab"}}})
    after = run(password, previous_outputs=before.exports)
    assert group(before)["userGroupIds"] != group(after)["userGroupIds"]
    (call,) = calls(before, after)
    assert set(call.params) == {"ApplyImmediately", "ReplicationGroupId", "UserGroupIdsToAdd", "UserGroupIdsToRemove"}


@pytest.mark.parametrize("strategy", ["ROTATE", "SET"])
def test_a_token_rotation_is_one_call_with_the_new_token(
    prod: StackConfig, run: Callable[..., Plan], strategy: str
) -> None:
    before = run(with_token(prod))
    rotated = with_token(prod, NEW_TOKEN, tokenVersion=2, tokenUpdateStrategy=strategy)
    after = run(rotated, previous_outputs=before.exports)
    (call,) = calls(before, after)
    assert (call.params["AuthToken"], call.params["AuthTokenUpdateStrategy"]) == (NEW_TOKEN, strategy)


def test_iam_to_token_would_remove_the_user_group_a_call_before_the_token_is_set(
    prod: StackConfig, run: Callable[..., Plan]
) -> None:
    """Why the program refuses this edit on a deployed cache: between the two calls (each waits for the group to
    be available) the group has neither a user group nor a token."""
    before = run(prod)
    with pytest.raises(ConfigError):
        run(with_token(prod), previous_outputs=before.exports)
    after = run(with_token(prod))  # the inputs the edit would plan, were it not refused
    first, second = calls(before, after)
    assert first.params["UserGroupIdsToRemove"] == group(before)["userGroupIds"]
    assert "AuthToken" not in first.params
    assert second.params["AuthToken"] == TOKEN
