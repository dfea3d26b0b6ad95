"""A stack's config read the way the Pulumi CLI reads it, with nothing of the SDK: the preflight reads it before
the SDKs are imported, to launch the policy pack first.

Project defaults from `Pulumi.yaml`, then `Pulumi.<stack>.yaml`; `secure:` values are never decrypted, a marked
placeholder stands in. Duplicate keys are refused as the CLI refuses them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from preflight.model import SubnetAnswer

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""Where `Pulumi.yaml` lives: the default for every reader of the project's files."""
SECRET_PLACEHOLDER = "preflight-placeholder-secret"
"""Stands in for every `secure:` value: long enough and plain enough to pass the program's own checks."""
CREDENTIAL_KEYS = ("cacheSecrets",)
"""The project keys that hold credentials (the program's `components.stack_config.secrets.MUST_BE_SECRET`, not
imported here: it brings the SDK): the only ones whose `secure:` values the placeholder can stand in for."""
PROGRAM_READS = ("aws:region",)
"""Keys of other namespaces the program reads."""


class StackFileError(Exception):
    """`Pulumi.yaml` or `Pulumi.<stack>.yaml` is missing or not what the CLI would accept."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        """1-based line of the problem in `path`, when the parser names one."""


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
                values[full] = _encode(value)
        return StackConfig(
            self.project,
            self.stack,
            dict(sorted(values.items())),
            self.secret_keys,
            self.secret_placeholders,
            self.secure_paths,
        )


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    project_file = project_dir / "Pulumi.yaml"
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    project_doc = _load_yaml(project_file)
    project = project_doc.get("name")
    if not isinstance(project, str):
        raise StackFileError(f"{project_file}: no project name")
    declarations = _project_config_declarations(project_file, project_doc, project)
    if not stack_file.exists():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no stack file {stack_file.name}; stacks here: {', '.join(stacks) or 'none'}")

    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    placeholders: list[str] = []
    stack_values: dict[str, Any] = {}
    stack_doc = _load_yaml(stack_file)
    _refuse_environment_imports(stack_file, stack_doc)
    for key, value in (stack_doc.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        cleaned, secret_paths = _strip_secure(value, full)
        if secret_paths:
            secret_keys.add(full)
            placeholders.extend(secret_paths)
        values[full] = _encode(cleaned)
        stack_values[full] = value
    _apply_project_config(stack, stack_file, declarations, stack_values, values)
    # Sorted as the CLI's PULUMI_CONFIG is (Go's json.Marshal of the decrypted map, pulumi-language-python main.go
    # `constructConfig`), so the program reads its keys in the same order.
    values = dict(sorted(values.items()))
    return StackConfig(project, stack, values, tuple(sorted(secret_keys)), tuple(placeholders), frozenset(placeholders))


def undecryptable_secrets(config: StackConfig) -> list[str]:
    """Key paths (`caches.sessions.nodeType`, `aws:region`) of `secure:` values the program reads as settings,
    not credentials: offline only the placeholder stands in for them, so what the program makes of it (a node
    type, a cache id) is not what `pulumi preview`, which decrypts them, would see."""
    found = []
    for path in config.secret_placeholders:
        key = path.removeprefix(f"{config.project}:")
        top = key.split(".")[0].split("[")[0]
        if (":" not in key and top not in CREDENTIAL_KEYS) or top in PROGRAM_READS:
            found.append(key)
    return found


@dataclass(frozen=True)
class _Declaration:
    """One `config:` entry of `Pulumi.yaml`, its shorthand expanded."""

    key: str
    full: str
    by_project: bool
    type: str | None = None
    items: Any = None
    secret: bool = False
    default: Any = None
    value: Any = None


_DECLARATION_KEYS = frozenset({"type", "items", "description", "secret", "default", "value"})
_CONFIG_TYPES = frozenset({"string", "integer", "boolean", "array", "object"})


def _project_config_declarations(
    project_file: Path, project_doc: Mapping[str, Any], project: str
) -> list[_Declaration]:
    """`Pulumi.yaml`'s `config:` block as the CLI loads and validates it (pulumi/pulumi
    sdk/go/common/workspace/loaders.go `LoadProjectBytes`; project.go `RewriteConfigPathIntoStackConfigDir`,
    `RewriteShorthandConfigValues`, `Project.Validate`, and the `config` schema in project.json).

    A project that keeps its stack files elsewhere (`stackConfigDir`, or the deprecated `config: <dir>`) is
    refused: the CLI reads `Pulumi.<stack>.yaml` from that directory (paths.go `ProjectStackPath`), and the
    preflight, its CI annotations and its SARIF read them next to `Pulumi.yaml`.
    """
    block = project_doc.get("config")
    where = project_file.name
    if isinstance(block, str) or project_doc.get("stackConfigDir"):
        directory = block if isinstance(block, str) else project_doc["stackConfigDir"]
        raise StackFileError(
            f"{where}: stack files live in {directory!r} (stackConfigDir), where the Pulumi CLI reads them; the "
            "preflight reads Pulumi.<stack>.yaml next to Pulumi.yaml only: keep the stack files there",
            project_file,
        )
    if block is None:
        return []
    if not isinstance(block, dict):
        raise StackFileError(f"{where}: `config` must be a map of keys to their declarations", project_file)
    declarations = []
    for key, spec in sorted(block.items()):
        by_project = ":" not in key or key.startswith(f"{project}:")  # project.go configKeyIsNamespacedByProject
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, str | int | bool | list) and not isinstance(spec, float):
            # RewriteShorthandConfigValues: a project key's shorthand is its default, another namespace's a value.
            spec = {"default": spec} if by_project else {"value": spec}
        if not isinstance(spec, dict) or set(spec) - _DECLARATION_KEYS:
            raise StackFileError(
                f"{where}: config.{key} must be a string, integer, boolean, array or a declaration of "
                f"{', '.join(sorted(_DECLARATION_KEYS))}, as the CLI's project schema requires",
                project_file,
            )
        declared = _Declaration(
            key,
            full,
            by_project,
            spec.get("type"),
            spec.get("items"),
            bool(spec.get("secret")),
            spec.get("default"),
            spec.get("value"),
        )
        problem = _declaration_problem(declared)
        if problem is not None:
            raise StackFileError(f"{where}: {problem}", project_file)
        declarations.append(declared)
    return declarations


def _declaration_problem(declared: _Declaration) -> str | None:
    """`Project.Validate`'s checks of one declaration, in its words."""
    key = declared.key
    if declared.default is not None and declared.value is not None:
        return f"project config '{key}' cannot have both a 'default' and 'value' attribute"
    if declared.type is not None and declared.type not in _CONFIG_TYPES:
        return f"config.{key}: type {declared.type!r} is none of {', '.join(sorted(_CONFIG_TYPES))}"
    if declared.by_project:
        if declared.type == "array" and declared.items is None:
            return (
                f"The configuration key '{key}' declares an array but does not specify the underlying type via "
                "the 'items' attribute"
            )
        typed_default = declared.type is not None and declared.default is not None
        if typed_default and not _config_value_fits(str(declared.type), declared.items, declared.default):
            return (
                f"The default value specified for configuration key '{key}' is not of the expected type "
                f"'{_full_type_name(declared.type, declared.items)}'"
            )
        return None
    if declared.type is not None:
        return f"Configuration key '{key}' is not namespaced by the project and should not define a type"
    if declared.default is not None:
        return (
            f"Configuration key '{key}' is not namespaced by the project and should not define a default value. "
            "Did you mean to use the 'value' attribute instead of 'default'?"
        )
    if declared.value is None:
        return f"Configuration key '{key}' is namespaced and must provide an attribute 'value'"
    return None


def _apply_project_config(
    stack: str,
    stack_file: Path,
    declarations: list[_Declaration],
    stack_values: Mapping[str, Any],
    values: dict[str, str],
) -> None:
    """Project defaults and values under the stack's own config, then the stack's values checked against the
    declared types, as pulumi/pulumi pkg/workspace/config.go `mergeConfig` and `validateStackConfigValue` do
    before `pulumi preview` runs the program (its messages, word for word)."""
    missing = []
    for declared in declarations:
        if declared.full in stack_values:
            continue
        given = declared.default if declared.default is not None else declared.value
        if given is not None:
            # createConfigValue: string, int and bool as Go's %v writes them, anything else as JSON.
            values[declared.full] = _encode(given)
        elif declared.by_project:
            missing.append(declared.key)
    if missing:
        names = [f"'{key}'" for key in sorted(missing)]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"  # formatMissingKeys
        raise StackFileError(
            f"Stack '{stack}' is missing configuration value{'s' if len(names) > 1 else ''} {listed}", stack_file
        )
    for declared in declarations:
        if declared.type is None:
            continue
        raw = stack_values.get(declared.full, declared.default if declared.default is not None else declared.value)
        secure = bool(_strip_secure(raw, declared.full)[1])
        if declared.secret and not secure:
            raise StackFileError(
                f"Stack '{stack}' with configuration key '{declared.key}' must be encrypted as it's secret", stack_file
            )
        if isinstance(raw, dict) and set(raw) == {"secure"}:
            continue  # a secure scalar: its plaintext, which the CLI checks, is never decrypted here
        # A scalar reaches the check as the text the CLI stores; an object or list as its JSON, decoded.
        content = json.loads(_encode(raw)) if isinstance(raw, dict | list) else _encode(raw)
        if not _config_value_fits(declared.type, declared.items, content):
            raise StackFileError(
                f"Stack '{stack}' with configuration key '{declared.key}' must be of type "
                f"'{_full_type_name(declared.type, declared.items)}'",
                stack_file,
            )


def _full_type_name(type_name: str, items: Any) -> str:
    """project.go `InferFullTypeName`."""
    if isinstance(items, dict):
        return f"array<{_full_type_name(str(items.get('type')), items.get('items'))}>"
    return type_name


def _config_value_fits(type_name: str, items: Any, value: Any) -> bool:
    """project.go `ValidateConfigValue`."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value) is not None  # strconv.Atoi
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or not isinstance(items, dict):
        return False
    return all(_config_value_fits(str(items.get("type")), items.get("items"), item) for item in value)


def _refuse_environment_imports(stack_file: Path, stack_doc: Mapping[str, Any]) -> None:
    """A stack file's `environment:` is config the preflight cannot read: refused, never silently left out.

    The CLI opens it as a Pulumi ESC environment and merges its `pulumiConfig` under the stack's own config
    (pulumi/pulumi pkg/cmd/pulumi/config/io.go `getStackConfigurationFromProjectStack`, `openStackEnv`;
    pkg/workspace/config.go `mergeConfig`: "First merge the stack environment and the stack config together"),
    and sets its `environmentVariables` for the program; a DIY (local or S3) backend refuses it
    (`errBackendNoEnvironments`). Offline there is no ESC to open. An empty list opens nothing
    (sdk/go/common/workspace/project.go `Environment.Definition` is nil), so it is accepted.
    """
    environment = stack_doc.get("environment")
    if environment is None or environment == []:
        return
    text = stack_file.read_text()
    line = next((number for number, row in enumerate(text.splitlines(), 1) if re.match(r"environment\s*:", row)), None)
    raise StackFileError(
        f"{stack_file.name}: `environment:` imports a Pulumi ESC environment, whose `pulumiConfig` `pulumi "
        "preview` merges into this stack's config; the offline preflight cannot open it and would plan without "
        "those values. Move the values the program needs into `config:` for the preflight, or check this stack "
        "with `pulumi preview` only",
        stack_file,
        line,
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


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Refuses a mapping key written twice, as the CLI does.

    The CLI reads stack files with gopkg.in/yaml.v3 (pulumi/pulumi sdk/go/common/encoding/marshal.go,
    `yamlMarshaler.Unmarshal`), whose decoder refuses duplicates: "line N: mapping key "k" already defined at
    line M". PyYAML would silently keep the last one. libyaml's parser where PyYAML has it (its wheels do):
    the same documents, ten times faster than PyYAML's own, which a large stack file would notice.
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


def _resolve_plain_scalars_as_the_cli_does() -> None:
    """Plain scalars typed as gopkg.in/yaml.v3 types them when the CLI decodes a stack file into `any`
    (sdk/go/common/resource/config/object.go `UnmarshalYAML`), not as PyYAML's YAML 1.1 does.

    yaml.v3: "YAML 1.1 bools (yes/no, on/off) are supported as long as they are being decoded into a typed bool
    value. Otherwise they behave as a string. Booleans in YAML 1.2 are true/false only" (its package docs); nor
    does it read `12:30` as the base-60 integer 750, and it reads `1e6` as a number. PyYAML would make
    `pii: no` the boolean false (a tag value the program refuses) where `pulumi preview` hands the program "no".
    """
    typed = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag not in typed]
        for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    _UniqueKeyLoader.yaml_implicit_resolvers = resolvers
    rules = (
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$", "-+0123456789"),
        (
            "tag:yaml.org,2002:float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
    )
    for tag, pattern, first in rules:
        _UniqueKeyLoader.add_implicit_resolver(tag, re.compile(pattern), list(first))


_resolve_plain_scalars_as_the_cli_does()


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        loader = _UniqueKeyLoader(path.read_text())
        loader.duplicates = []
        try:
            doc = loader.get_single_data()
        finally:
            loader.dispose()
        if loader.duplicates:
            ordered = sorted(loader.duplicates, key=lambda text: int(text.split()[1].rstrip(":")))
            raise StackFileError(
                f"{path.name}: a key is written twice, which the Pulumi CLI refuses (keep the one you mean): "
                + "; ".join(ordered),
                path,
                int(ordered[0].split()[1].rstrip(":")),
            )
    except FileNotFoundError as error:
        raise StackFileError(f"{path.name} not found in {path.parent}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise StackFileError(f"{path.name} is not valid YAML: {error}", path, line) from error
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
    """A config value as the CLI hands it to the program (and the pack) in `PULUMI_CONFIG`: a string as written,
    anything else as Go's `encoding/json` writes it.

    The CLI decrypts the stack's config into strings with pulumi/pulumi sdk/go/common/resource/config/map.go
    `Map.Decrypt` -> plaintext.go `Plaintext.marshalText`, i.e. `json.Marshal` of the decoded YAML (the same for
    the undecrypted path, object.go `MarshalString`): object keys sorted, no spaces, `<`, `>`, `&` escaped. And
    a float that is a whole number is written as one (`4.0` -> `4`): the CLI re-encodes a stack file with
    yaml.v3 before decoding it into config (sdk/go/common/workspace/loaders.go `LoadProjectStackBytes`), which
    writes a float64 4 as `4`, and Go's JSON encoder writes floats below 1e21 without an exponent. So the
    program gets the caches of a stack in key order and `averageDataGb: 4.0` as the integer 4.
    """
    if isinstance(value, str):
        return value
    try:
        text = json.dumps(
            _as_go_numbers(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError as error:  # NaN or an infinity: Go's encoder refuses it ("json: unsupported value")
        raise StackFileError(f"a config value the Pulumi CLI cannot encode: {error}") from None
    for char, escaped in _GO_JSON_ESCAPES:
        text = text.replace(char, escaped)
    return text


_GO_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
"""What Go's `json.Marshal` escapes inside strings (encoding/json `HTMLEscape` and the JSONP line terminators)."""


def _as_go_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {key: _as_go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_go_numbers(item) for item in value]
    return value
