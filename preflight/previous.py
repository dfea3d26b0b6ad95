"""What a stack looked like before this change: read from one of three documents, for `--against`.

- an earlier preflight's `--json` document (one stack's, or `--all-stacks`'), for example the base branch's:
  every planned resource with its inputs, and the outputs;
- the stack's real last outputs, `pulumi stack output --json`: a flat object of output name -> value (secrets
  shown as `[secret]` unless `--show-secrets`), no resources;
- `pulumi stack export`: the deployment, `{"version": 3, "deployment": {"manifest", "resources": [...]}}`
  (`UntypedDeployment` / `DeploymentV3` / `ResourceV3` in pulumi/pulumi `sdk/go/common/apitype/core.go`). The
  stack outputs are the outputs of the root `pulumi:pulumi:Stack` resource (`DeserializeStackOutputs` in
  `pkg/resource/stack/deployment.go`); a secret is `{<sig>: <secret sig>, "ciphertext" | "plaintext": ...}`
  (same file, `case resource.SecretSig`), masked here like every other secret.

Every value is kept in its public form (`preflight.values.public`): secrets masked, integral numbers as ints,
so that the three sources and a new plan compare alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticache_facts.tokens import STACK_REFERENCE
from elasticache_facts.wire import SECRET_SIG, SIG_KEY, UNKNOWN, is_secret, secret
from preflight.values import SECRET, public

ROOT_STACK = "pulumi:pulumi:Stack"
"""The root resource whose outputs are the stack outputs (`resource.RootStackType` in the engine)."""
NOT_PLANNED = ("pulumi:providers:", STACK_REFERENCE)
"""Types a program's plan never holds as its own resources: default providers, and reads of other stacks."""


class PreviousError(Exception):
    """The `--against` document is missing, unreadable or of no known shape."""


@dataclass(frozen=True)
class PreviousResource:
    urn: str
    type: str
    name: str
    custom: bool
    inputs: Mapping[str, Any]
    """Public form (see the module docstring)."""
    parent: str | None = None
    protect: bool = False
    retain_on_delete: bool = False
    id: str | None = None
    outputs: Mapping[str, Any] | None = None
    """Public form; None when the document does not record them (a preflight document from before it did).
    What the deployed resource's computed outputs are: an input built from them compares with these
    (`preflight.deployed_values`)."""
    deployed_inputs: Mapping[str, Any] | None = None
    """From a stack export only: the state's inputs in the SDK's wire form, what the engine resets the inputs an
    `ignoreChanges` path names to (`preflight.property_path`). A secret the export holds encrypted
    (`ciphertext`) is a secret whose value is unknown: the preflight cannot decrypt it."""


@dataclass(frozen=True)
class Previous:
    source: str
    """The file read."""
    kind: str
    """`preflight` (a `--json` document), `stack-outputs` or `stack-export`."""
    outputs: Mapping[str, Any]
    """The stack's outputs, public form: what the program reads back through its StackReference to itself."""
    resources: tuple[PreviousResource, ...] | None
    """None when the document has no resources (`pulumi stack output --json`)."""

    @property
    def label(self) -> str:
        return {
            "preflight": "an earlier preflight",
            "stack-outputs": "the stack's outputs",
            "stack-export": "the stack's export",
        }[self.kind] + f" ({self.source})"


def read_previous(path: Path, stack: str | None) -> Previous:
    """The previous state of `stack` from `path`. With `stack` None (`--all-stacks`) only a preflight
    document can serve, since only it names its stacks: use `for_stack` on the result of `read_documents`."""
    document = _load(path)
    kind = _kind(document)
    if kind == "preflight-all":
        if stack is None:
            raise PreviousError(f"{path}: an --all-stacks document: pick a stack with for_stack()")
        return for_stack(document, stack, str(path))
    if kind == "preflight":
        if stack is not None and document.get("stack") != stack:
            raise PreviousError(
                f"{path}: a preflight of stack {document.get('stack')!r}, not {stack!r}: pass the document of "
                f"stack {stack}, or the --all-stacks document"
            )
        return _from_preflight(document, str(path))
    if stack is None:
        raise PreviousError(
            f"{path}: one stack's {kind.replace('-', ' ')} cannot stand for every stack: name the stack, or pass "
            "an --all-stacks preflight document"
        )
    if kind == "stack-export":
        return _from_export(document, str(path))
    return Previous(str(path), "stack-outputs", public(document), None)


def read_document(path: Path) -> Any:
    """The raw document, for `--all-stacks` (`for_stack` picks each stack's part)."""
    return _load(path)


def for_stack(document: Any, stack: str, source: str) -> Previous:
    """One stack's previous state from a preflight document (single or `--all-stacks`); a stack an
    `--all-stacks` document does not hold had nothing before (a new stack: every resource is created)."""
    kind = _kind(document)
    if kind == "preflight-all":
        found = [entry for entry in document["stacks"] if isinstance(entry, Mapping) and entry.get("stack") == stack]
        if not found:
            return Previous(source, "preflight", {}, ())
        return _from_preflight(found[0], source)
    if kind == "preflight":
        if document.get("stack") != stack:
            raise PreviousError(
                f"{source}: a preflight of stack {document.get('stack')!r} only: with --all-stacks, pass the "
                "--all-stacks document"
            )
        return _from_preflight(document, source)
    raise PreviousError(
        f"{source}: with --all-stacks, --against takes a preflight --json document (it names its stacks), "
        f"not {kind.replace('-', ' ')}"
    )


def _load(path: Path) -> Any:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise PreviousError(f"{path}: no such file") from None
    except OSError as error:
        raise PreviousError(f"{path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PreviousError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PreviousError(
            f"{path}: expected a JSON object: a preflight --json document, `pulumi stack output --json` or "
            "`pulumi stack export`"
        )
    return document


def _kind(document: Mapping[str, Any]) -> str:
    if isinstance(document.get("deployment"), Mapping) and "version" in document:
        return "stack-export"
    if isinstance(document.get("stacks"), list) and "exitCode" in document:
        return "preflight-all"
    if {"stack", "verdict", "resources", "exports"} <= set(document):
        return "preflight"
    return "stack-outputs"


def _from_preflight(document: Mapping[str, Any], source: str) -> Previous:
    resources = tuple(
        PreviousResource(
            urn=str(entry["urn"]),
            type=str(entry["type"]),
            name=str(entry["name"]),
            custom=bool(entry.get("custom", True)),
            inputs=public(entry.get("inputs") or {}),
            parent=entry.get("parent") or None,
            protect=bool(entry.get("protect", False)),
            retain_on_delete=bool(entry.get("retainOnDelete", False)),
            id=entry.get("id") if isinstance(entry.get("id"), str) else None,
            outputs=public(entry["outputs"]) if isinstance(entry.get("outputs"), Mapping) else None,
        )
        for entry in document.get("resources") or []
        if isinstance(entry, Mapping) and "urn" in entry
    )
    return Previous(source, "preflight", public(document.get("exports") or {}), resources)


def _from_export(document: Mapping[str, Any], source: str) -> Previous:
    deployment = document["deployment"]
    outputs: Mapping[str, Any] = {}
    resources = []
    for entry in deployment.get("resources") or []:
        if not isinstance(entry, Mapping) or "urn" not in entry:
            continue
        kind = str(entry.get("type", ""))
        if kind == ROOT_STACK and not entry.get("parent"):
            outputs = _state_value(entry.get("outputs") or {})
            continue
        # `delete: true` marks a resource left pending deletion by a replacement: not the stack's current one.
        if kind.startswith(NOT_PLANNED) or entry.get("delete"):
            continue
        urn = str(entry["urn"])
        resources.append(
            PreviousResource(
                urn=urn,
                type=kind,
                name=urn.split("::")[-1],
                custom=bool(entry.get("custom", False)),
                inputs=_state_value(entry.get("inputs") or {}),
                parent=entry.get("parent") or None,
                protect=bool(entry.get("protect", False)),
                retain_on_delete=bool(entry.get("retainOnDelete", False)),
                id=str(entry["id"]) if entry.get("id") else None,
                outputs=_state_value(entry.get("outputs") or {}),
                deployed_inputs=_wire_value(entry.get("inputs") or {}),
            )
        )
    return Previous(source, "stack-export", outputs, tuple(resources))


def _wire_value(value: Any) -> Any:
    """A state value in the SDK's wire form: a secret `{<sig>: <secret sig>, "plaintext": <JSON>}` becomes
    `{<sig>: <secret sig>, "value": ...}` (`secretPropertyValueFromPlaintext` in `deployment.go`), an encrypted
    one a secret of unknown value."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG and ("ciphertext" in value or "plaintext" in value):
            if isinstance(value.get("plaintext"), str):
                try:
                    return secret(_wire_value(json.loads(value["plaintext"])))
                except ValueError:
                    pass
            return secret(UNKNOWN)
        return {str(key): _wire_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire_value(item) for item in value]
    return value


def _state_value(value: Any) -> Any:
    """A state value in public form: the state's secret form (`ciphertext` / `plaintext`) masked too."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) is not None and ("ciphertext" in value or "plaintext" in value):
            return SECRET
        if is_secret(value):
            return SECRET
        return {str(key): _state_value(item) for key, item in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list):
        return [_state_value(item) for item in value]
    return public(value)
