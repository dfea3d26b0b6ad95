"""Run this project's Pulumi program for one stack under the SDK's mocks and return what it registered.

This is the engine's side of `pulumi preview`, without the engine: the stack config (`preflight.stack_files`,
read as the CLI reads it) is handed to the program as the CLI hands it over, the program runs in-process
through the SDK's real serialisation, and every registration is kept.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc, set_all_config, set_mocks, settings
from pulumi.runtime.stack import run_pulumi_func

import sdk_internals
from components.stack_config.problems import ConfigError, Problem
from components.stack_config.secrets import MUST_BE_SECRET, plain_text_secrets
from preflight.mocks import AwsMocks, RecordingMonitor
from preflight.model import Plan, PlannedResource, ResourceOptions, SubnetAnswer
from preflight.stack_files import PROJECT_DIR, StackConfig, stand_in_subnets


def plain_text_secrets_in(config: StackConfig) -> list[Problem]:
    """Leaves of must-be-secret keys written in plain text beside `secure:` ones (what the program cannot see:
    a key with no secure leaf at all the program refuses itself)."""
    secure = config.secure_paths
    values = {key: config.get(key) for key in MUST_BE_SECRET if f"{config.project}:{key}" in config.secret_keys}
    return plain_text_secrets(
        {k: v for k, v in values.items() if v is not None}, lambda path: f"{config.project}:{path}" in secure
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
