"""Every `pulumi config` command in the README works when pasted against the shipped stacks: each is run by bash
(quoting and `$(...)` as a user's shell does them), applied as the CLI applies it to a copy of the stack file,
and the program then loads the result."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from preflight.program import run_program
from preflight.stack_files import read_stack_config

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PROJECT = "elasticache"
_FENCE = re.compile(r"```bash\n(.*?)```", re.S)
_INLINE = re.compile(r"`(pulumi config [^`]+)`")
_COPY = re.compile(r"^cp Pulumi\.([\w-]+)\.yaml Pulumi\.([\w-]+)\.yaml")


def readme_commands() -> list[str]:
    """`pulumi config ...` lines (in bash blocks or inline) and the stack-file copies they rely on, in order."""
    text = README.read_text()
    found = []
    for block in _FENCE.findall(text):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("pulumi config ") or _COPY.match(line):
                found.append(line)
    found += [command for command in _INLINE.findall(text) if command not in found]
    return found


def shell_words(command: str) -> list[str]:
    """The arguments bash hands `pulumi` for the command (a stand-in `pulumi` prints them)."""
    script = 'pulumi() { printf "%s\\0" "$@"; }\n' + command
    if shutil.which("openssl") is None:
        script = 'openssl() { printf "%064d" 7; }\n' + script
    done = subprocess.run(["bash", "-c", script], capture_output=True, check=True)
    return done.stdout.decode().split("\0")[:-1]


def coerce(value: str) -> Any:
    """What `--path` stores (pulumi/pulumi sdk/go/common/resource/config/object.go `coerce`)."""
    if value in ("true", "false"):
        return value == "true"
    if len(value) > 1 and value.startswith("0"):
        return value
    try:
        return int(value)
    except ValueError:
        return value


def key_path(key: str) -> tuple[str, list[str | int]]:
    """`a.b[0].c` -> (`<project>:a`, ["b", 0, "c"]) (config/map.go `parseKeyPath`, without quoted segments)."""
    parts: list[str | int] = []
    for segment in key.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", segment)
        if name:
            parts.append(name)
        parts += [int(index) for index in indexes if index]
    head = str(parts.pop(0))
    return (head if ":" in head else f"{PROJECT}:{head}"), parts


def apply(document: dict[str, Any], words: list[str]) -> None:
    config = document.setdefault("config", {})
    args = []
    rest = iter(words[2:])
    for word in rest:
        if word == "--stack":
            next(rest)
        elif not word.startswith("--"):
            args.append(word)
    path = "--path" in words
    if words[1] == "rm":
        [key] = args
        top, parts = key_path(key) if path else (key, [])
        holder: Any = config
        for part in [top, *parts][:-1]:
            holder = holder[part]
        del holder[([top, *parts])[-1]]
        return
    assert words[1] == "set", words
    key, plain = args
    # `--secret` stores the value encrypted (`secure: v1:...`); the preflight reader stands a placeholder in.
    value: Any = {"secure": f"v1:{plain}"} if "--secret" in words else plain
    if not path:
        config[key if ":" in key else f"{PROJECT}:{key}"] = value
        return
    top, parts = key_path(key)
    if not parts:
        config[top] = value
        return
    holder = config.setdefault(top, {})
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        if following is None:
            if isinstance(holder, list) and part == len(holder):
                holder.append(value if isinstance(value, dict) else coerce(value))
            else:
                holder[part] = value if isinstance(value, dict) else coerce(value)
        else:
            if isinstance(holder, dict) and part not in holder:
                holder[part] = [] if isinstance(following, int) else {}
            holder = holder[part]


def stack_of(words: list[str]) -> str:
    index = words.index("--stack") if "--stack" in words else -1
    assert index > 0, f"a README config command must name its stack: {shlex.join(words)}"
    return words[index + 1]


def test_the_readme_has_config_commands_and_none_with_a_placeholder() -> None:
    commands = [c for c in readme_commands() if c.startswith("pulumi config")]
    assert len(commands) >= 9
    assert [c for c in commands if "<" in c] == []


def test_every_config_command_works_on_the_shipped_stacks(tmp_path: Path) -> None:
    shutil.copy2(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stacks: dict[str, dict[str, Any]] = {}
    for path in REPO.glob("Pulumi.*.yaml"):
        stacks[path.name.split(".")[1]] = yaml.safe_load(path.read_text())
    touched = set()
    for command in readme_commands():
        if copied := _COPY.match(command):
            stacks[copied.group(2)] = yaml.safe_load(yaml.safe_dump(stacks[copied.group(1)]))
            continue
        words = shell_words(command)
        stack = stack_of(words)
        assert stack in stacks, f"{command}: no stack {stack} (shipped, or copied earlier in the README)"
        apply(stacks[stack], words)
        touched.add(stack)
    assert {"mine", "prod"} <= touched
    for stack in sorted(touched):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(stacks[stack]))
        plan = run_program(read_stack_config(stack, tmp_path))
        assert plan.resources, stack


@pytest.mark.parametrize(
    ("key", "expected"),
    [("network.subnetIds[1]", ("elasticache:network", ["subnetIds", 1])), ("aws:region", ("aws:region", []))],
)
def test_key_paths_parse_as_the_cli_parses_them(key: str, expected: tuple[str, list[Any]]) -> None:
    assert key_path(key) == expected
