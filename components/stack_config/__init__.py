"""Stack config (`Pulumi.<stack>.yaml`) to validated `StackSpec`, or one error listing every problem.

The schema (`schema.py`) checks shapes, types, ranges and unknown keys block by block; a refused key is taken
out and the block judged again, so the rules between inputs that AWS enforces, the workload contradictions and
the placement against the subnets' real AZs still run on everything else (`caches.py` and one resolver per
section). Nothing is registered until no problem is left. Every problem names the config key path as written
in the stack file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulumi

from components import aws_rules, naming
from components.deployed_state import impossible_edits, replacing_edits, unsafe_edits
from components.spec import AuthMode, CacheArgs, DeployedCache, KmsKey, KmsKeyChoice, StackSpec
from components.stack_config import pulumi_config
from components.stack_config.caches import resolve_cache
from components.stack_config.context import CacheContext, StackContext
from components.stack_config.defaults import PRODUCTION_ENVIRONMENTS
from components.stack_config.encryption import resolve_kms_key
from components.stack_config.network import SubnetInfo, SubnetLookup, resolve_network
from components.stack_config.parsing import parse, parse_cache, parse_cache_under_each_workload, unknown_top_level_key
from components.stack_config.problems import MISSING, ConfigError, Problem, Problems
from components.stack_config.schema import (
    NAME,
    NAME_RULE,
    SECRETS_KEY,
    TOP_LEVEL_KEYS,
    CacheBaseConfig,
    CacheSecretsConfig,
    EncryptionConfig,
    NetworkConfig,
    ObservabilityConfig,
)
from components.stack_config.secrets import plain_text_secrets
from components.stack_config.tags import resolve_tags
from elasticache_facts.tags import REQUIRED as REQUIRED_TAGS

__all__ = [
    "ConfigError",
    "Problem",
    "RawStackConfig",
    "SubnetInfo",
    "SubnetLookup",
    "load_stack",
    "read_pulumi_config",
]


@dataclass(frozen=True)
class RawStackConfig:
    """The stack's config values, as read once from Pulumi config (plain values, secrets included)."""

    stack: str
    region: str | None
    values: Mapping[str, Any]
    """Every project key that is set, unknown ones included (they are refused by name)."""
    secret_keys: frozenset[str] = frozenset()
    """Project keys the CLI holds as secrets (`secure:` in the stack file, for an object in any leaf)."""
    duplicate_keys: tuple[str, ...] = ()
    """Key paths written twice in a JSON value (the last one would silently win)."""


def read_pulumi_config() -> RawStackConfig:
    """Read every key of this project's config once. The only place the program touches Pulumi config."""
    project = pulumi.Config()
    keys = set(pulumi_config.project_keys()) | set(TOP_LEVEL_KEYS)
    duplicates: list[str] = []
    values = {key: _decode(project.get(key), key, duplicates) for key in keys}
    return RawStackConfig(
        stack=pulumi.get_stack(),
        region=pulumi.Config("aws").get("region"),
        values={k: v for k, v in values.items() if v is not None},
        secret_keys=frozenset(key for key in keys if pulumi_config.is_secret(key)),
        duplicate_keys=tuple(sorted(duplicates)),
    )


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as written, before duplicate keys collapse into one."""


def _decode(raw: str | None, path: str, duplicates: list[str]) -> Any:
    """Structured values arrive as JSON; a value that is not JSON stays a string for the schema to judge.

    The CLI refuses a stack file with a key written twice (gopkg.in/yaml.v3, which
    sdk/go/common/encoding/marshal.go uses: "mapping key ... already defined"), but a value set as a JSON string
    (`pulumi config set caches '{...}'`) reaches the program as written, so duplicates are looked for here too.
    """
    if raw is None:
        return None
    try:
        parsed = json.loads(raw, object_pairs_hook=_Pairs)
    except ValueError:
        return raw
    return _unique(parsed, path, duplicates)


def _unique(value: Any, path: str, duplicates: list[str]) -> Any:
    if isinstance(value, _Pairs):
        result: dict[str, Any] = {}
        for key, item in value:
            if key in result:
                duplicates.append(f"{path}.{key}")
            result[key] = _unique(item, f"{path}.{key}", duplicates)
        return result
    if isinstance(value, list):
        return [_unique(item, f"{path}[{index}]", duplicates) for index, item in enumerate(value)]
    return value


def load_stack(
    raw: RawStackConfig,
    lookup_subnets: SubnetLookup,
    *,
    account_id: str | None = None,
    deployed: Mapping[str, DeployedCache] | None = None,
) -> StackSpec:
    """Validate everything; raise `ConfigError` with every problem found, or return the spec.

    `deployed` is what the last `pulumi up` deployed per cache: an edit that AWS can only apply by replacing
    a cache is refused unless that cache sets `allowReplacement: true`.
    """
    problems = Problems()
    values = raw.values
    region = raw.region or ""
    if not region:
        problems.add("aws:region", MISSING, "required: pulumi config set aws:region us-east-1")

    for key in values:
        if key not in TOP_LEVEL_KEYS:
            problems.add(key, values[key], unknown_top_level_key(key), secret=key in raw.secret_keys)
    for path in raw.duplicate_keys:
        problems.add(
            path,
            path.rsplit(".", 1)[-1],
            "written twice (the last would silently win, and the Pulumi CLI refuses a stack file with a key "
            "written twice); allowed: each key once: keep the one you mean",
        )
    problems.extend(plain_text_secrets(values, lambda path: _top_level(path) in raw.secret_keys))
    environment = str(values.get("environment") or raw.stack)
    # `environment` is a tag value on every resource: the same rule as any tag value.
    if (why := aws_rules.check_tag_value(environment)) is not None:
        problems.add("environment", environment, f"tagged on every resource, and {why}")
    production_value = values.get("production")
    if production_value is None:
        production = environment.lower() in PRODUCTION_ENVIRONMENTS
    elif isinstance(production_value, bool):
        production = production_value
    else:
        production = False
        problems.add("production", production_value, "must be true or false")
    prefix = str(values.get("namePrefix") or raw.stack)
    if (why := aws_rules.check_resource_id(prefix)) is not None:
        problems.add("namePrefix", prefix, f"{why} (it starts every cache id)")
    elif prefix != prefix.lower():
        # AWS lowercases the ids it stores (pulumi-aws: a replication group id "is stored as a lowercase string",
        # a subnet group name is converted), so the exports and every name derived from a mixed-case prefix would
        # spell the cache otherwise than AWS reports it.
        source = "" if values.get("namePrefix") else "namePrefix is unset, so the stack name starts every cache id; "
        problems.add(
            "namePrefix",
            prefix,
            f"{source}AWS stores ElastiCache ids in lowercase, so the ids exported from this prefix would not be the "
            f"ones AWS reports; allowed: {NAME_RULE}: set namePrefix: {prefix.lower()}",
        )

    tags = resolve_tags(values.get("tags", {}), "tags", problems)
    network_config = parse(NetworkConfig, values.get("network"), "network", problems)
    encryption = parse(EncryptionConfig, values.get("encryption", {}), "encryption", problems)
    stack_observability = parse(ObservabilityConfig, values.get("observability", {}), "observability", problems)
    secrets = _parse_secrets(values.get(SECRETS_KEY, {}), problems)

    raw_caches = values.get("caches")
    caches = {}
    unsure_workload: dict[str, list[CacheBaseConfig]] = {}
    """Caches whose workload is refused: judged under every workload, so that the rest of their problems come
    in the same run (those found whatever the workload meant)."""
    if not isinstance(raw_caches, dict) or not raw_caches:
        problems.add("caches", raw_caches if raw_caches is not None else MISSING, "a map of named caches")
    else:
        for name, body in raw_caches.items():
            path = f"caches.{name}"
            named = NAME.match(str(name)) is not None
            if not named:
                problems.add(path, name, f"cache names use {NAME_RULE}")
            # The body is judged either way (its schema problems come in the same run), resolved only when named.
            parsed = parse_cache(body, path, problems)
            if parsed is not None and named:
                caches[str(name)] = parsed
            elif named and (guesses := parse_cache_under_each_workload(body, path, problems)):
                unsure_workload[str(name)] = guesses
    for name in secrets:
        if isinstance(raw_caches, dict) and name not in raw_caches:
            problems.add(f"{SECRETS_KEY}.{name}", "[secret]", "no cache of that name in caches")

    # A cache's tags do not depend on its workload, so one whose workload is refused is held to them as well.
    _require_tags(tags, {**caches, **{name: guesses[0] for name, guesses in unsure_workload.items()}}, problems)

    network = None
    if network_config is not None:
        network = resolve_network(network_config, region, production, lookup_subnets, problems)
    stack_kms = None
    if encryption is not None:
        # Production data gets a key the account controls unless the stack says otherwise: the default passes
        # the production gate (`elasticache-encryption-at-rest.requireCustomerManagedKey`).
        chosen = "kms_key" in encryption.model_fields_set
        kms_value = encryption.kms_key if chosen or not production else KmsKeyChoice.CREATE.value
        stack_kms = resolve_kms_key(kms_value, "encryption.kmsKey", region, problems)

    context = StackContext(
        problems=problems,
        region=region,
        production=production,
        name_prefix=prefix,
        network=network,
        kms_key=stack_kms or KmsKey(),
        common_tags={**(tags or {}), "environment": environment, "managedBy": "pulumi"},
        observability=stack_observability or ObservabilityConfig(),
        account_id=account_id,
    )
    specs = []
    for name, cache in caches.items():
        spec = resolve_cache(CacheContext(context, name, cache, secrets.get(name)))
        if spec is None:
            continue
        before = (deployed or {}).get(name)
        if before is not None:
            _refuse_replacement(f"caches.{name}", before, spec, problems, allowed=cache.allow_replacement)
        specs.append(spec)
    rbac = {spec.name: (spec.cache_id, spec.auth.users) for spec in specs if spec.auth.mode is not AuthMode.TOKEN}
    for name, guesses in unsure_workload.items():
        if (users := _problems_whatever_the_workload(context, name, guesses, secrets.get(name))) is not None:
            rbac[name] = users
    # In the config's order, so that a collision is named at the later of the two keys, as the file reads.
    rbac = {str(name): rbac[str(name)] for name in raw_caches or () if str(name) in rbac}
    for key, other, derived in naming.colliding_user_ids(rbac):
        problems.add(key, derived, f"derives the same user id as {other}: rename one of the users or caches")

    problems.raise_if_any()
    # No problem reported means each of these was resolved.
    assert network is not None
    assert tags is not None
    return StackSpec(
        environment=environment,
        production=production,
        name_prefix=prefix,
        region=region,
        network=network,
        tags=tags,
        caches=tuple(specs),
        warnings=tuple(str(warning) for warning in problems.warnings),
    )


def _problems_whatever_the_workload(
    context: StackContext, name: str, guesses: list[CacheBaseConfig], secrets: CacheSecretsConfig | None
) -> tuple[str, tuple[str, ...]] | None:
    """Reports what is wrong with a cache under every workload it might mean: a problem that depends on the
    workload would only guess at it, and the workload's own problem is already reported.

    Returns the cache's (id, app users) when every workload gives it the same RBAC users, so that they join the
    stack's user-id collision check; None otherwise."""
    found: list[list[Problem]] = []
    warned: list[list[Problem]] = []
    users: set[tuple[str, tuple[str, ...]] | None] = set()
    for guess in guesses:
        scratch = Problems(settled={*context.problems.settled, f"caches.{name}.workload"})
        spec = resolve_cache(CacheContext(replace(context, problems=scratch), name, guess, secrets))
        found.append(scratch.found)
        warned.append(scratch.warnings)
        rbac = spec is not None and spec.auth.mode is not AuthMode.TOKEN
        users.add((spec.cache_id, spec.auth.users) if spec is not None and rbac else None)
    for problem in found[0]:
        if all(problem in other for other in found[1:]):
            context.problems.add(problem.path, problem.value, problem.message, secret=problem.secret)
    for warning in warned[0]:
        if all(warning in other for other in warned[1:]) and warning not in context.problems.warnings:
            context.problems.warn(warning.path, warning.value, warning.message)
    return users.pop() if len(users) == 1 else None


def _require_tags(tags: Mapping[str, str] | None, caches: Mapping[str, Any], problems: Problems) -> None:
    """Every resource carries the tags the gate requires (`elasticache_facts.tags.REQUIRED`); `environment` is
    the program's own. A key left out of `tags` must then be in the `tags` of every cache."""
    if tags is None:
        return
    for key in REQUIRED_TAGS:
        if key == "environment" or str(tags.get(key) or "").strip():
            continue
        bare = [name for name, cache in caches.items() if not str((cache.tags or {}).get(key) or "").strip()]
        if bare:
            problems.add(
                f"tags.{key}",
                MISSING,
                f"required: every resource carries the tag {key!r} (the policy gate refuses it missing); set "
                f"tags.{key}, or caches.<name>.tags.{key} on each of {', '.join(bare)}",
            )


def _parse_secrets(value: Any, problems: Problems) -> dict[str, CacheSecretsConfig]:
    if not isinstance(value, dict):
        # One secure value holding the whole map decrypts to its JSON in `pulumi preview`; the offline preflight
        # never decrypts, so there it is text that cannot be read (set each secret on its own path instead).
        problems.add(
            SECRETS_KEY,
            "[secret]",
            "allowed: a map of cache name to {authToken, passwords}, each secret set on its own path (pulumi config "
            "set --secret --path 'cacheSecrets.<cache>.authToken'); one secure value holding the whole map is read "
            "by pulumi preview but not by the offline preflight, which never decrypts",
        )
        return {}
    parsed = {}
    for name, body in value.items():
        secrets = parse(CacheSecretsConfig, body, f"{SECRETS_KEY}.{name}", problems, secret=True)
        if secrets is not None:
            parsed[name] = secrets
    return parsed


def _refuse_replacement(
    path: str, before: DeployedCache, spec: CacheArgs, problems: Problems, *, allowed: bool
) -> None:
    """An edit that AWS can only apply by replacing the cache is refused unless the cache allows it; one that
    AWS cannot apply at all is refused whatever the cache allows."""
    after = spec.deployed()
    why = (
        "AWS can only apply this by replacing the cache: an outage and an empty cache. Revert it, or set "
        f"{path}.allowReplacement: true to accept that"
    )
    values: dict[str, Any] = {
        "": after.cache_id,
        "type": after.type,
        "engine": after.engine,
        "engineVersion": after.engine_version,
        "majorEngineVersion": after.engine_version,
        "port": after.port,
        "kmsKey": after.kms_key,
        "shards": spec.node.shards if spec.node else None,
        "nodeType": spec.node.node_type if spec.node else None,
        "auth.mode": spec.auth.mode.value,
        "restoreFrom": after.restored_from or MISSING,
    }
    for edit in [*impossible_edits(before, after), *unsafe_edits(before, after)]:
        problems.add(f"{path}.{edit.key}", values[edit.key], f"{edit.reason}: {edit.hint}")
    if allowed:
        return
    for edit in replacing_edits(before, after):
        key = f"{path}.{edit.key}" if edit.key else path
        problems.add(key, values[edit.key], f"{edit.reason}; {why}" + (f" ({edit.hint})" if edit.hint else ""))


def _top_level(path: str) -> str:
    return path.split(".")[0].split("[")[0]
