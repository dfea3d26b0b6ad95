"""The pack's process: launched once, stopped once.

The CLI starts `python -u -m pulumi.policy <engine address> <pack dir>` in the pack directory (the module runs
the pack's `__main__.py` with the pack on `sys.path`) and reads the port it prints on stdout. `stop()` is the one
way the process ends (terminate, give it a moment, kill, reap); it also runs when the object is collected or
the interpreter exits, so no pack outlives the preflight.
"""

from __future__ import annotations

import collections
import json
import os
import select
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from preflight.analyzer.errors import PackStartError
from preflight.interpreter import PackInterpreterError, pack_interpreter

# The CLI passes the engine's gRPC address; a Python pack never dials it, and there is no engine here.
_NO_ENGINE = "127.0.0.1:0"
ORGANIZATION = "organization"
"""Who the pack is told it runs for (`PULUMI_ORGANIZATION`) when nobody says: the CLI's default for a local
backend."""
_STDERR_TAIL = 4000


class PackProcess:
    def __init__(self, pack_dir: Path, python: str, env: Mapping[str, str]) -> None:
        """Launches the pack at once; raises `PackStartError` when it cannot even be launched."""
        if not (pack_dir / "__main__.py").is_file():
            raise PackStartError(f"{pack_dir} has no __main__.py: not a Python policy pack")
        # A file, not a pipe: nobody has to drain it, and its tail is still there after a crash.
        self._stderr: IO[bytes] | None = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._stdout_tail: collections.deque[bytes] = collections.deque(maxlen=64)
        try:
            self._process = subprocess.Popen(
                [python, "-u", "-m", "pulumi.policy", _NO_ENGINE, str(pack_dir)],
                cwd=pack_dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                start_new_session=True,
            )
        except OSError as error:
            self._stderr.close()
            self._stderr = None
            raise PackStartError(f"could not start the policy pack with {python}: {error}") from error
        self.launched = time.monotonic()
        self._finalizer = weakref.finalize(self, _terminate, self._process)

    @property
    def pid(self) -> int:
        return self._process.pid

    def read_port(self, timeout: float) -> int:
        """The first line of the pack's stdout, waited for (at most `timeout` from launch) with select."""
        stdout = self._process.stdout
        assert stdout is not None
        fd = stdout.fileno()
        deadline = self.launched + timeout
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PackStartError(f"the policy pack printed no port within {timeout:g}s" + self.stderr_tail())
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                code = self._process.wait(timeout=5)
                raise PackStartError(
                    f"the policy pack exited (code {code}) before printing its port" + self.stderr_tail()
                )
            buffer += chunk
        line, rest = buffer.split(b"\n", 1)
        if rest:
            self._stdout_tail.append(rest)
        # Anything the pack prints later must be drained, or a chatty pack blocks on a full pipe.
        threading.Thread(target=self._drain, args=(stdout,), daemon=True).start()
        try:
            return int(line.strip())
        except ValueError:
            raise PackStartError(
                f"the policy pack printed {line[:200]!r} instead of a port" + self.stderr_tail()
            ) from None

    def _drain(self, stream: IO[bytes]) -> None:
        try:
            for chunk in iter(lambda: stream.read1(4096), b""):  # type: ignore[attr-defined]
                self._stdout_tail.append(chunk)
        except (OSError, ValueError):
            pass

    def stderr_tail(self) -> str:
        """The end of what the pack wrote on stderr, as a suffix for an error message ("" when nothing)."""
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - _STDERR_TAIL))
            text = self._stderr.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"\n--- policy pack stderr (tail) ---\n{text}" if text else ""

    def stop(self) -> None:
        """Terminate, then kill, and release the pipes. Safe to call twice."""
        self._finalizer()
        if self._process.stdout is not None:
            self._process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def pack_environment(
    *, organization: str, project: str, stack: str, dry_run: bool, stack_config: Mapping[str, str]
) -> dict[str, str]:
    """The environment the CLI gives a pack: this one, plus who it runs for."""
    env = dict(os.environ)
    env.update(
        {
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
    )
    if stack_config:
        # As RunPlugin writes it (sdk/python/cmd/pulumi-language-python/main.go: `json.Marshal(config.Config)`
        # of a map[string]string: keys sorted, no spaces).
        env["PULUMI_CONFIG"] = json.dumps(dict(stack_config), sort_keys=True, separators=(",", ":"))
    else:
        env.pop("PULUMI_CONFIG", None)
    return env


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """Terminate, give it a moment, then kill; always reap."""
    if process.poll() is not None:
        return
    try:
        process.terminate()
        try:
            process.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            process.kill()
    except ProcessLookupError:
        pass
    process.wait()


def launch_pack(
    pack_dir: Path,
    *,
    project: str,
    stack: str,
    stack_config: Mapping[str, str],
    python: str | None = None,
    organization: str = ORGANIZATION,
    dry_run: bool = True,
) -> PackProcess:
    """Launch the pack as the CLI does and return at once; raises `PackStartError` when it cannot be launched.

    `python` None: the interpreter the CLI would run it with (`preflight.interpreter`); a missing one is an
    error naming the command that creates it, never a fallback. Needs neither gRPC nor the Pulumi SDK, so a
    caller can launch the pack before importing them.
    """
    env = pack_environment(
        organization=organization, project=project, stack=stack, dry_run=dry_run, stack_config=stack_config
    )
    if python is None:
        if not (pack_dir / "__main__.py").is_file():
            raise PackStartError(f"{pack_dir} has no __main__.py: not a Python policy pack")
        try:
            interpreter = pack_interpreter(pack_dir)
        except PackInterpreterError as error:
            raise PackStartError(str(error)) from None
        python, env = str(interpreter.python), interpreter.environment(env)
    return PackProcess(pack_dir, python, env)
