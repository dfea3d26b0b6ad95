"""Run this project's Pulumi program for one stack under the SDK's mocks and return what it registered.

This is the engine's side of `pulumi preview`, without the engine: the stack config (`preflight.stack_files`,
read as the CLI reads it) is handed to the program as the CLI hands it over, the program runs in-process
through the SDK's real serialisation, and every registration is kept.
"""

from __future__ import annotations

import re
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc, set_all_config, set_mocks, settings
from pulumi.runtime.stack import run_pulumi_func

import sdk_internals
from components.stack_config.problems import ConfigError, Problem
from components.stack_config.secrets import MUST_BE_SECRET, plain_text_secrets
from elasticache_facts.wire import SECRET_SIG, SIG_KEY
from preflight.aliases import alias_urns
from preflight.mocks import AwsMocks, RecordingMonitor
from preflight.model import PROVIDER_TYPE_PREFIX, ROOT_STACK_TYPE, Plan, PlannedResource, ResourceOptions, SubnetAnswer
from preflight.stack_files import PROJECT_DIR, StackConfig, stand_in_subnets


def plain_text_secrets_in(config: StackConfig) -> list[Problem]:
    """Leaves of must-be-secret keys written in plain text beside `secure:` ones (what the program cannot see:
    a key with no secure leaf at all the program refuses itself)."""
    secure = config.secure_paths
    values = {key: config.get(key) for key in MUST_BE_SECRET if f"{config.project}:{key}" in config.secret_keys}
    return plain_text_secrets(
        {k: v for k, v in values.items() if v is not None}, lambda path: f"{config.project}:{path}" in secure
    )


UNKNOWN_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""A provider's id in a preview (pulumi/pulumi `pkg/resource/deploy/providers/registry.go` `UnknownID`)."""

_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?")


def default_provider_name(version: str) -> str:
    """`default_7_51_1` for 7.51.1, `default` without a version (`pkg/resource/deploy/providers/provider.go`
    `ProviderRequest.DefaultName`: pre-release and build parts follow, each after `_`)."""
    match = _SEMVER.fullmatch(version.strip())
    if not match:
        return "default"
    major, minor, patch, pre, build = match.groups()
    parts = [major, minor, patch, *(pre.split(".") if pre else ()), *(build.split(".") if build else ())]
    return "default_" + "_".join(parts)


class DefaultProviders:
    """The default providers the engine registers for custom resources that name none, one per package and
    version, before the first resource that uses it (pulumi/pulumi `pkg/resource/deploy/default_providers.go`
    `newRegisterDefaultProviderEvent`): type `pulumi:providers:<package>`, no parent, its inputs the stack's
    `<package>:*` config keys without the namespace (`target.go` `GetPackageConfig`, a `secure:` one secret)
    and `version` (`providers/registry.go` `SetProviderVersion`). Every resource using one carries its
    reference, `<urn>::<id>`, and its id is unknown in a preview. The AWS provider's `CheckConfig` hands these
    inputs back as they are (pulumi-terraform-bridge `pkg/tfbridge/provider.go`) for string values, the only
    kind this project's stacks set (`aws:region`).

    A plugin download URL would add to the name; the SDKs this program uses send none, so it is refused.
    """

    def __init__(self, config: StackConfig, on_resource: Callable[[PlannedResource], None] | None = None) -> None:
        self.config = config
        self.on_resource = on_resource
        self.planned: list[PlannedResource] = []
        self._known: dict[tuple[str, str], PlannedResource] = {}
        self._lock = threading.Lock()

    def reference(self, request: Any) -> str | None:
        """The default provider reference for this registration, or None if it needs none (a component, a
        provider, or a resource naming its own provider). Registers the provider on first use."""
        if not request.custom or request.provider or request.type.startswith(PROVIDER_TYPE_PREFIX):
            return None
        if request.pluginDownloadURL:
            raise NotImplementedError(f"{request.type}: a plugin download URL names a default provider differently")
        package = request.type.split(":", 1)[0]
        key = (package, request.version)
        with self._lock:
            provider = self._known.get(key)
            if provider is None:
                provider = self._provider(package, request.version)
                self._known[key] = provider
                self.planned.append(provider)
                if self.on_resource is not None:
                    self.on_resource(provider)
        return f"{provider.urn}::{UNKNOWN_ID}"

    def _provider(self, package: str, version: str) -> PlannedResource:
        inputs: dict[str, Any] = {}
        for key, value in self.config.values.items():
            namespace, _, name = key.partition(":")
            if namespace == package and name:
                inputs[name] = {SIG_KEY: SECRET_SIG, "value": value} if key in self.config.secret_keys else value
        if version:
            inputs["version"] = version
        type_ = f"{PROVIDER_TYPE_PREFIX}{package}"
        name = default_provider_name(version)
        return PlannedResource(
            type=type_,
            name=name,
            urn=f"urn:pulumi:{self.config.stack}::{self.config.project}::{type_}::{name}",
            custom=True,
            inputs=inputs,
            outputs=dict(inputs),
        )


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
    roots: list[PlannedResource] = []
    defaults = DefaultProviders(config, on_resource)

    def registered(request: Any, response: Any) -> None:
        resource = _planned(request, response, defaults.reference(request))
        (roots if request.type == ROOT_STACK_TYPE and not request.parent else planned).append(resource)
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
    # The root stack's state holds the stack's outputs when the engine analyses the stack: they are finalized
    # (`step_executor.go` `executeRegisterResourceOutputs`, `finalizingStackOutputs`) before
    # `deployment_executor.go` calls `AnalyzeResources`.
    root = replace(roots[0], outputs=dict(exports)) if roots else None
    return Plan(
        project=config.project,
        stack=config.stack,
        resources=tuple(planned),
        exports=exports,
        providers=tuple(defaults.planned),
        root=root,
    )


def _planned(request: Any, response: Any, default_provider: str | None = None) -> PlannedResource:
    timeouts = request.customTimeouts
    inputs = rpc.deserialize_properties(request.object)
    return PlannedResource(
        type=request.type,
        name=request.name,
        urn=response.urn,
        custom=request.custom,
        inputs=inputs,
        outputs=_sharing(rpc.deserialize_properties(response.object), inputs),
        parent=request.parent or None,
        provider=request.provider or default_provider,
        dependencies=tuple(request.dependencies),
        property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
        options=ResourceOptions(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            aliases=alias_urns(
                request.aliases,
                name=request.name,
                type_=request.type,
                parent=request.parent,
                project=pulumi.get_project(),
                stack=pulumi.get_stack(),
            ),
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


def _sharing(outputs: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """`outputs` with each value equal to the input of the same key replaced by that input: the mocks echo the
    inputs, so most of a plan's outputs would otherwise be a second copy of its inputs. A plan is never changed
    in place, so sharing is safe."""
    return {key: inputs[key] if key in inputs and inputs[key] == value else value for key, value in outputs.items()}
