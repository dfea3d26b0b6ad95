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
