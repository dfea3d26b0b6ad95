"""`python -m preflight` as CI runs it: exit codes, one JSON document, clear errors, no process left behind."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elasticache_facts import tokens
from elasticache_facts.wire import SIG_KEY
from preflight.run import stacks_in
from tests.preflight.conftest import REPO, cli, edit, processes_using


def test_the_repo_has_the_stacks_these_tests_expect() -> None:
    assert stacks_in(REPO) == ["dev", "prod"]


def cli_on_a_terminal(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Like `cli`, with stderr on a pseudo-terminal (stdout still a pipe, as with `| jq`)."""
    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "preflight", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    result.stderr = output.decode()
    return result


@pytest.mark.parametrize(("stack", "terminal"), [("dev", True), ("prod", False)])
def test_every_repo_stack_passes_with_one_json_document(stack: str, terminal: bool) -> None:
    result = cli_on_a_terminal(REPO, stack, "--json") if terminal else cli(REPO, stack, "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)  # the whole of stdout: one document and nothing else
    assert document["stack"] == stack
    assert document["exitCode"] == 0
    assert document["errors"] == []
    assert document["policyResults"]["mandatory"] == []
    assert document["policyPack"]["name"] == "elasticache-guardrails"
    assert document["policyPack"]["config"] == str(REPO / "policies" / "config" / f"{stack}.json")
    types = {resource["type"] for resource in document["resources"]}
    assert tokens.COMPONENT in types
    assert {tokens.USER_GROUP, tokens.SECURITY_GROUP} <= types
    caches = {cache["name"]: cache for cache in document["caches"]}
    assert set(caches) <= set(document["exports"]), "every cache is exported"
    assert all(cache["tls"].startswith("required") for cache in caches.values())
    assert SIG_KEY not in result.stdout, "a secret went out in its wire form"
    if terminal:
        # What runs and how long each step took, on stderr only.
        assert re.search(r"program registered \d+ resources \(\d+\.\d\d s\)", result.stderr), result.stderr
        assert re.search(r"policy pack elasticache-guardrails@[\d.]+ ready, \d+ policies \(", result.stderr)
        assert "Analyze x" in result.stderr
    else:
        assert result.stderr == "", "no progress noise when stderr is not a terminal"


def test_a_weakened_stack_fails_on_the_mandatory_policy_and_all_stacks_exits_with_the_worst(project: Path) -> None:
    edit(project / "Pulumi.prod.yaml", "retentionDays: 14", "retentionDays: 0")

    result = cli(project, "--all-stacks")

    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert re.search(r"^Stack dev: passed.*\(exit 0\)$", out, re.MULTILINE)
    assert "Stack prod: FAILED: 1 mandatory violation (exit 1)" in out
    mandatory = out[out.index("mandatory (1):") :]
    assert "elasticache-backup-retention" in mandatory
    assert "sessions-replication-group (aws:elasticache/replicationGroup:ReplicationGroup)" in mandatory
    assert "remediation:" in mandatory
    assert "backups      OFF (snapshotRetentionLimit 0)" in out, "the tree shows the weakened setting"
    assert processes_using(project) == []


def test_a_broken_config_exits_2_naming_the_key_without_a_traceback(project: Path) -> None:
    edit(project / "Pulumi.prod.yaml", "cache.r7g.large\n      replicas: 2", "cache.r7g.large\n      replicas: 0")

    result = cli(project, "prod")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "caches.sessions.replicas = 0: production caches need at least 1 replica" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert processes_using(project) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_stops_the_policy_pack(project: Path, signum: int, code: int) -> None:
    pid_file = project / "pack.pid"
    # A pack that starts and then never answers: the run is still waiting for it when the signal comes.
    (project / "policies" / "__main__.py").write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, "-m", "preflight", "dev", "--json"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the pack never started"
            time.sleep(0.02)
        pack_pid = int(pid_file.read_text())

        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == code, stderr
    assert "interrupted" in stderr
    assert stdout == ""
    assert not Path(f"/proc/{pack_pid}").exists(), "the policy pack outlived the preflight"
    assert processes_using(project) == []
