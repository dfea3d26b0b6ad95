"""Run this project's Pulumi program for one stack under the SDK's mocks and return what it registered.

This is the engine's side of `pulumi preview`, without the engine: stack config is read the way the CLI reads
it (project defaults, then `Pulumi.<stack>.yaml`; `secure:` values are never decrypted, a marked placeholder
stands in), the program runs in-process through the SDK's real serialisation, and every registration is kept.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime import rpc, set_all_config, set_mocks, settings
from pulumi.runtime.stack import run_pulumi_func

import sdk_internals
from components.stack_config.problems import ConfigError, Problem
from components.stack_config.secrets import MUST_BE_SECRET, plain_text_secrets
from preflight.mocks import AwsMocks, RecordingMonitor, SubnetAnswer
from preflight.model import Plan, PlannedResource, ResourceOptions

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET_PLACEHOLDER = "preflight-placeholder-secret"
"""Stands in for every `secure:` value: long enough and plain enough to pass the program's own checks."""


class StackFileError(Exception):
    """`Pulumi.yaml` or `Pulumi.<stack>.yaml` is missing or not what the CLI would accept."""


@dataclass(frozen=True)
class StackConfig:
    """A stack's config as the CLI hands it to a program: full keys to strings (objects as JSON)."""

    project: str
    stack: str
    values: Mapping[str, str]
    secret_keys: tuple[str, ...] = ()
    secret_placeholders: tuple[str, ...] = field(default=())
    """Key paths whose `secure:` value was replaced by `SECRET_PLACEHOLDER`."""
    secure_paths: frozenset[str] = frozenset()
    """Full key paths (`elasticache:cacheSecrets.x.authToken`) stored as secrets, leaf by leaf."""

    def get(self, key: str) -> Any:
        """A project key's value, structured values decoded."""
        raw = self.values.get(f"{self.project}:{key}") if ":" not in key else self.values.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw

    def with_secret_values(self, **overrides: Any) -> StackConfig:
        """`with_values`, the keys stored as secrets (as `pulumi config set --secret --path` does)."""
        changed = self.with_values(**overrides)
        keys = {key if ":" in key else f"{self.project}:{key}" for key in overrides}
        secret_keys = tuple(sorted(set(self.secret_keys) | keys))
        leaves = {path for key, value in overrides.items() for path in _leaf_paths(value, key)}
        secure = self.secure_paths | {path if ":" in path else f"{self.project}:{path}" for path in leaves}
        return StackConfig(
            self.project, self.stack, changed.values, secret_keys, self.secret_placeholders, frozenset(secure)
        )

    def with_values(self, **overrides: Any) -> StackConfig:
        """A copy with some keys replaced (values are plain Python objects; None removes the key)."""
        values = dict(self.values)
        for key, value in overrides.items():
            full = key if ":" in key else f"{self.project}:{key}"
            if value is None:
                values.pop(full, None)
            else:
                values[full] = value if isinstance(value, str) else json.dumps(value)
        return StackConfig(
            self.project, self.stack, values, self.secret_keys, self.secret_placeholders, self.secure_paths
        )


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    project_doc = _load_yaml(project_file)
    project = project_doc.get("name")
    if not isinstance(project, str):
        raise StackFileError(f"{project_file}: no project name")
    if not stack_file.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}")

    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    placeholders: list[str] = []
    for key, spec in (project_doc.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        default = spec.get("value", spec.get("default")) if isinstance(spec, dict) else spec
        if default is not None:
            values[full] = _encode(default)
    for key, value in ((_load_yaml(stack_file).get("config")) or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        cleaned, secret_paths = _strip_secure(value, full)
        if secret_paths:
            secret_keys.add(full)
            placeholders.extend(secret_paths)
        values[full] = _encode(cleaned)
    return StackConfig(project, stack, values, tuple(sorted(secret_keys)), tuple(placeholders), frozenset(placeholders))


def plain_text_secrets_in(config: StackConfig) -> list[Problem]:
    """Leaves of must-be-secret keys written in plain text beside `secure:` ones (what the program cannot see:
    a key with no secure leaf at all the program refuses itself)."""
    secure = config.secure_paths
    values = {key: config.get(key) for key in MUST_BE_SECRET if f"{config.project}:{key}" in config.secret_keys}
    return plain_text_secrets(
        {k: v for k, v in values.items() if v is not None}, lambda path: f"{config.project}:{path}" in secure
    )


def _leaf_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaf_paths(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaf_paths(item, f"{path}[{index}]")]
    return [path]


def stand_in_subnets(config: StackConfig) -> dict[str, SubnetAnswer]:
    """Without AWS, answer `get_subnet` from the stack's network config alone (`preflight.model.SUBNET_RULE`).

    The network lives in one place, the stack config: adding an app AZ is one edit there (a subnet and its AZ,
    each appended to its list), and this layout follows it. A real run reads every subnet's AZ from AWS and the
    program refuses a layout that leaves an app AZ without a subnet.
    """
    network = config.get("network")
    if not isinstance(network, dict):
        return {}
    subnets = network.get("subnetIds") or []
    azs = network.get("appAvailabilityZones") or []
    vpc = network.get("vpcId", "")
    if not azs or not isinstance(subnets, list):
        return {}
    return {str(s): SubnetAnswer(str(azs[i % len(azs)]), str(vpc)) for i, s in enumerate(subnets)}


def run_program(
    config: StackConfig,
    *,
    subnets: Mapping[str, SubnetAnswer] | None = None,
    previous_outputs: Mapping[str, Any] | None = None,
    project_dir: Path = PROJECT_DIR,
    on_resource: Callable[[PlannedResource], None] | None = None,
) -> Plan:
    """Run `__main__.py` once for `config` and return the plan. Program errors propagate unchanged.

    `previous_outputs` are the stack's outputs from its last update (`pulumi stack output --json`), as the
    program reads them back; without them the run is a stack's first update. `on_resource` is told of each
    resource as soon as it is registered, as the engine hands each one to the policy packs during a preview
    (from the SDK's RPC threads: it must be thread-safe and quick).
    """
    region = config.get("aws:region") or "us-east-1"
    answers = stand_in_subnets(config) if subnets is None else subnets
    mocks = AwsMocks(str(region), answers, previous_outputs)
    planned: list[PlannedResource] = []

    def registered(request: Any, response: Any) -> None:
        resource = _planned(request, response)
        planned.append(resource)
        if on_resource is not None:
            on_resource(resource)

    monitor = RecordingMonitor(mocks, registered)
    # A fresh root stack resource per run: set_mocks only creates one when none exists.
    settings.ROOT.set(None)
    set_mocks(mocks, project=config.project, stack=config.stack, preview=False, monitor=monitor)
    set_all_config(dict(config.values), list(config.secret_keys))
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))

    exports: dict[str, Any] = {}

    async def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        root = settings.get_root_resource()
        outputs = dict(getattr(root, "outputs", {}) or {})
        serialized = await rpc.serialize_properties(outputs, {})
        exports.update(rpc.deserialize_properties(serialized))

    # The CLI tells the program only which top-level keys hold a secret; a plain leaf beside secure ones is
    # visible here, in the stack file, and is reported with the program's own problems.
    plain = plain_text_secrets_in(config)
    try:
        sdk_internals.sync_await(run_pulumi_func(program))
    except ConfigError as error:
        if plain:
            raise ConfigError([*error.problems, *plain]) from None
        raise
    if plain:
        raise ConfigError(plain)
    return Plan(
        project=config.project,
        stack=config.stack,
        resources=tuple(planned),
        exports=exports,
    )


def _planned(request: Any, response: Any) -> PlannedResource:
    timeouts = request.customTimeouts
    return PlannedResource(
        type=request.type,
        name=request.name,
        urn=response.urn,
        custom=request.custom,
        inputs=rpc.deserialize_properties(request.object),
        outputs=rpc.deserialize_properties(response.object),
        parent=request.parent or None,
        provider=request.provider or None,
        dependencies=tuple(request.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
        options=ResourceOptions(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            custom_timeouts={
                k: v
                for k, v in (
                    ("create", timeouts.create),
                    ("update", timeouts.update),
                    ("delete", timeouts.delete),
                )
                if v
            },
        ),
        id=response.id or None,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """Refuses a mapping key written twice, as the CLI does.

    The CLI reads stack files with gopkg.in/yaml.v3 (pulumi/pulumi sdk/go/common/encoding/marshal.go,
    `yamlMarshaler.Unmarshal`), whose decoder refuses duplicates: "line N: mapping key "k" already defined at
    line M". PyYAML would silently keep the last one.
    """

    duplicates: list[str]


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            loader.duplicates.append(f"line {line}: mapping key {key!r} already defined at line {seen[key]}")
        else:
            seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loader = _UniqueKeyLoader(path.read_text())
        loader.duplicates = []
        try:
            doc = loader.get_single_data()
        finally:
            loader.dispose()
        if loader.duplicates:
            raise StackFileError(
                f"{path.name}: a key is written twice, which the Pulumi CLI refuses (keep the one you mean): "
                + "; ".join(sorted(loader.duplicates, key=lambda text: int(text.split()[1].rstrip(":"))))
            )
    except FileNotFoundError as error:
        raise StackFileError(f"{path.name} not found in {path.parent}") from error
    except yaml.YAMLError as error:
        raise StackFileError(f"{path.name} is not valid YAML: {error}") from error
    if not isinstance(doc, dict):
        raise StackFileError(f"{path.name}: expected a mapping at the top level")
    return doc


def _strip_secure(value: Any, path: str) -> tuple[Any, list[str]]:
    """Replace every `{secure: ...}` leaf by the placeholder; return the key paths replaced."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, [path]
        found: list[str] = []
        cleaned = {}
        for key, item in value.items():
            cleaned[key], paths = _strip_secure(item, f"{path}.{key}")
            found.extend(paths)
        return cleaned, found
    if isinstance(value, list):
        items = [_strip_secure(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return [item for item, _ in items], [p for _, paths in items for p in paths]
    return value, []


def _encode(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)
