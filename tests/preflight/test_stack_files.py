"""The stack files read as the Pulumi CLI reads them (`preflight.stack_files`), for what the CLI would hand the
program: each rule cites the CLI source it follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from preflight.run import run_preflight
from preflight.stack_files import StackFileError, read_stack_config
from tests.preflight.conftest import REPO


def _project(tmp_path: Path, stack_text: str, project_text: str | None = None) -> Path:
    if project_text is None:
        shutil.copy2(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    else:
        (tmp_path / "Pulumi.yaml").write_text(project_text)
    (tmp_path / "Pulumi.cli.yaml").write_text(stack_text)
    return tmp_path


DEV = (REPO / "Pulumi.dev.yaml").read_text()


@pytest.mark.parametrize("environment", ["environment:\n  - acme/shared-network\n", "environment:\n  imports: [a/b]\n"])
def test_a_stack_that_imports_an_esc_environment_is_refused_at_its_line(tmp_path: Path, environment: str) -> None:
    # pulumi preview merges the environment's pulumiConfig into the stack's config (pkg/workspace/config.go
    # mergeConfig); offline there is nothing to open, so planning without it would check another config.
    project = _project(tmp_path, DEV + environment)
    with pytest.raises(StackFileError) as raised:
        read_stack_config("cli", project)
    assert "Pulumi ESC environment" in str(raised.value)
    assert raised.value.line == len(DEV.splitlines()) + 1
    result = run_preflight("cli", project_dir=project, policy_config=REPO / "policies" / "config" / "dev.json")
    assert result.exit_code == 2
    assert [failure.kind for failure in result.failures] == ["stack-file"]


def test_an_empty_environment_list_opens_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path, DEV + "environment: []\n")
    assert read_stack_config("cli", project).values == read_stack_config("dev").values


def test_structured_values_reach_the_program_as_the_cli_encodes_them(tmp_path: Path) -> None:
    # The CLI hands the program each object as Go's json.Marshal writes it (pulumi/pulumi
    # sdk/go/common/resource/config/plaintext.go marshalText): keys sorted, compact, <>& escaped; and a whole
    # float as an integer (yaml.v3 re-encodes the stack file, loaders.go LoadProjectStackBytes, writing 4.0 as 4).
    stack = (
        "config:\n"
        "  elasticache:zeta: 4.0\n"
        "  elasticache:caches:\n"
        "    sessions: {workload: sessions, expectedLoad: {averageDataGb: 4.0, averageItemKb: 0.5}}\n"
        "    cache: {workload: cache, description: 'a <b> & c'}\n"
        "  elasticache:alpha: plain text\n"
    )
    config = read_stack_config("cli", _project(tmp_path, stack))
    assert config.values["elasticache:caches"] == (
        '{"cache":{"description":"a \\u003cb\\u003e \\u0026 c","workload":"cache"},'
        '"sessions":{"expectedLoad":{"averageDataGb":4,"averageItemKb":0.5},"workload":"sessions"}}'
    )
    assert config.values["elasticache:zeta"] == "4"
    assert config.values["elasticache:alpha"] == "plain text"
    assert list(config.values) == sorted(config.values)
    assert list(config.get("caches")) == ["cache", "sessions"]
    assert config.with_values(caches={"z": {"a": 1.0}, "b": {}}).values["elasticache:caches"] == '{"b":{},"z":{"a":1}}'


def test_the_pack_gets_the_stack_config_as_the_language_host_writes_it() -> None:
    # sdk/python/cmd/pulumi-language-python/main.go RunPlugin: json.Marshal(config.Config), a map[string]string.
    from preflight.analyzer.process import pack_environment

    env = pack_environment(
        organization="o", project="p", stack="s", dry_run=True, stack_config={"p:z": "1", "aws:region": "x"}
    )
    assert env["PULUMI_CONFIG"] == '{"aws:region":"x","p:z":"1"}'


PROJECT = "name: elasticache\nruntime: python\n"


def _declared(tmp_path: Path, config_block: str, stack_extra: str = "") -> Path:
    return _project(tmp_path, DEV + stack_extra, PROJECT + "config:\n" + config_block)


def test_project_defaults_fill_in_what_the_stack_leaves_out(tmp_path: Path) -> None:
    # pkg/workspace/config.go mergeConfig; a shorthand is a project key's default, another namespace's value
    # (sdk/go/common/workspace/project.go RewriteShorthandConfigValues).
    project = _declared(
        tmp_path,
        "  owner: platform\n  replicasHint: {type: integer, default: 2}\n  aws:profile: {value: ops}\n"
        "  environment: {type: string, default: staging}\n",
    )
    values = read_stack_config("cli", project).values
    assert (values["elasticache:owner"], values["elasticache:replicasHint"]) == ("platform", "2")
    assert values["aws:profile"] == "ops"
    assert values["elasticache:environment"] == "dev"  # the stack's own value wins


@pytest.mark.parametrize(
    ("config_block", "stack_extra", "message"),
    [
        ("  owner: {type: string}\n", "", "Stack 'cli' is missing configuration value 'owner'"),
        (
            "  owner: {type: string}\n  team2: {type: string}\n",
            "",
            "Stack 'cli' is missing configuration values 'owner' and 'team2'",
        ),
        ("  size: {type: integer}\n", "  elasticache:size: large\n", "'size' must be of type 'integer'"),
        ("  flag: {type: boolean}\n", "  elasticache:flag: yes\n", "'flag' must be of type 'boolean'"),
        ("  zones: {type: array, items: {type: string}}\n", "  elasticache:zones: [1, 2]\n", "'array<string>'"),
        ("  environment: {type: object}\n", "", "'environment' must be of type 'object'"),
        ("  token: {type: string, secret: true}\n", "  elasticache:token: plain\n", "must be encrypted"),
        ("  owner: {default: a, value: b}\n", "", "cannot have both a 'default' and 'value' attribute"),
        ("  aws:profile: {default: ops}\n", "", "should not define a default value"),
        ("  aws:profile: {type: string, value: ops}\n", "", "should not define a type"),
        ("  aws:profile: {description: x}\n", "", "must provide an attribute 'value'"),
        ("  zones: {type: array}\n", "", "does not specify the underlying type"),
        ("  size: {type: integer, default: big}\n", "", "default value specified for configuration key 'size'"),
        ("  owner: {typ: string}\n", "", "declaration of"),
    ],
)
def test_a_stack_the_cli_refuses_for_its_project_config_is_refused(
    tmp_path: Path, config_block: str, stack_extra: str, message: str
) -> None:
    project = _declared(tmp_path, config_block, stack_extra)  # DEV ends inside `config:`: extra keys join it
    with pytest.raises(StackFileError, match=message):
        read_stack_config("cli", project)


def test_values_of_the_declared_types_pass(tmp_path: Path) -> None:
    stack_extra = "  elasticache:size: 5\n  elasticache:flag: true\n  elasticache:zones: [a, b]\n"
    project = _declared(
        tmp_path,
        "  size: {type: integer}\n  flag: {type: boolean}\n  zones: {type: array, items: {type: string}}\n"
        "  tags: {type: object}\n  token: {type: string, secret: true}\n",
        stack_extra + "  elasticache:token:\n    secure: v1:b3BhcXVl\n",
    )
    assert read_stack_config("cli", project).values["elasticache:size"] == "5"


@pytest.mark.parametrize("setting", ["stackConfigDir: stacks\n", "config: stacks\n"])
def test_stack_files_kept_in_another_directory_are_refused(tmp_path: Path, setting: str) -> None:
    # sdk/go/common/workspace/paths.go ProjectStackPath reads Pulumi.<stack>.yaml from stackConfigDir.
    project = _project(tmp_path, DEV, PROJECT + setting)
    with pytest.raises(StackFileError, match="stackConfigDir"):
        read_stack_config("cli", project)
    result = run_preflight("cli", project_dir=project, policy_config=REPO / "policies" / "config" / "dev.json")
    assert result.exit_code == 2
