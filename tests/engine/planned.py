"""What the program plans for each cache, read back as an engine's configuration.

The stack `tests.connect_stacks.every_mode` is run under the SDK's mocks, and each node-based cache's parameter
group, users, access strings and AUTH token become the config of a real server: what ElastiCache would apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from elasticache_facts.tokens import PARAMETER_GROUP, REPLICATION_GROUP, SERVERLESS_CACHE, USER
from elasticache_facts.wire import is_secret
from preflight.model import Plan
from tests.conftest import children


@dataclass(frozen=True)
class PlannedUser:
    name: str
    """The user name clients AUTH as."""
    access_string: str
    password: str | None
    """The planned write-only password (password mode, and the disabled default user); None for IAM users."""
    iam: bool


@dataclass(frozen=True)
class PlannedCache:
    name: str
    workload: str
    exports: dict
    parameters: dict[str, str] = field(default_factory=dict)
    users: tuple[PlannedUser, ...] = ()
    token: str | None = None

    @property
    def app_users(self) -> tuple[PlannedUser, ...]:
        return tuple(user for user in self.users if user.name != "default")

    @property
    def default_user(self) -> PlannedUser | None:
        return next((user for user in self.users if user.name == "default"), None)


def _secret(value: object) -> str | None:
    if value is None:
        return None
    return value["value"] if is_secret(value) else str(value)


def planned_caches(plan: Plan) -> dict[str, PlannedCache]:
    caches = {}
    for name, exported in plan.exports.items():
        if name in ("monthlyCost", "deployedCaches"):
            continue
        resources = children(plan, name)
        parameters: dict[str, str] = {}
        token = None
        for resource in resources:
            if resource.type == PARAMETER_GROUP:
                parameters = {p["name"]: p["value"] for p in resource.inputs["parameters"]}
            elif resource.type == REPLICATION_GROUP:
                token = _secret(resource.inputs.get("authTokenWo"))
            elif resource.type == SERVERLESS_CACHE:
                # AWS evicts a full serverless cache's keys that have a TTL, least recently used first.
                parameters = {"maxmemory-policy": "volatile-lru"}
        users = tuple(
            PlannedUser(
                name=r.inputs["userName"],
                access_string=r.inputs["accessString"],
                password=_secret(r.inputs.get("passwordsWo")),
                iam=(r.inputs.get("authenticationMode") or {}).get("type") == "iam",
            )
            for r in resources
            if r.type == USER
        )
        caches[name] = PlannedCache(name, exported["workload"], exported, parameters, users, token)
    return caches
