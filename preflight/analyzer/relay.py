"""`Analyze` calls sent to the pack from a process of their own, as the engine sends them from its own.

During a preview the engine, not the program, calls the pack: the program's interpreter never runs a gRPC
client for it. The preflight plays the engine in the program's process, and gRPC Python's client does Python
work for every call on both sides of it (the call on the sending thread, its completion on the channel's
polling thread). Under the interpreter lock that work and its hand-offs were paid by the program: at 100
caches, 2-3 s of the program's 10. So the preflight hands each serialized `AnalyzeRequest` to this small
process over a pipe (building and writing it costs the program under 0.1 ms) and this process talks gRPC to
the pack on the other core; the requests and answers are the very bytes the in-process client would send and
receive.

Imports nothing but the standard library and gRPC, and is run as a script (`python relay.py <address>
<in-flight> <timeout> <max-message>`), so it starts in a fraction of the pack's time. Its protocol, on stdin
and stdout: frames of a 4-byte big-endian length and that many bytes. Requests come in until the length
`END` (no request is near 4 GiB: the pack takes at most 400 MiB); then it answers every request in order,
each frame a status byte (`OK`, or `FAILED` with `<gRPC code name>\\n<details>` as the body) followed by the
length and the body. At most `in-flight` calls are unanswered at once: the pack queues the rest, and the bound
keeps a huge stack's calls from queueing past their deadline.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ANALYZE = "/pulumirpc.Analyzer/Analyze"
"""The one method relayed: `pulumirpc.Analyzer` (pulumi/pulumi `proto/pulumi/analyzer.proto`)."""

OK, FAILED = b"\x00", b"\x01"
_LENGTH = struct.Struct(">I")
END = 0xFFFFFFFF
_PIPE_BYTES = 1 << 20
"""What the request pipe is grown to (Linux's default ceiling for unprivileged processes): about a thousand
requests, so a pack that falls behind holds up the program only once that many are waiting."""


class RelayError(Exception):
    """The relay process died, or never started: the message ends with what it printed on stderr."""


@dataclass(frozen=True)
class CallFailure:
    """A relayed call that failed: gRPC's status code name and details, as the in-process client reports them."""

    code: str
    details: str


class AnalyzeRelay:
    """The program's side: requests go out with `send`, the pack's answers come back, in order, from `answers`.

    One sender at a time (`send` takes a lock, so it is safe from several threads). `stop()` ends the process
    at any point; `answers()` reaps it.
    """

    def __init__(
        self, address: str, *, in_flight: int, timeout: float, max_message: int, python: str = sys.executable
    ) -> None:
        # A file, not a pipe: nobody reads the relay's stderr until it fails, and a full pipe would block it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the relay; closed by stop()
        self._process = subprocess.Popen(
            [python, str(Path(__file__)), address, str(in_flight), str(timeout), str(max_message)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self._process.stdin is not None
        self._fd = self._process.stdin.fileno()
        _grow_pipe(self._fd)
        self._lock = threading.Lock()
        self._sent = 0

    def send(self, request: bytes) -> None:
        """Queue one serialized request; blocks only while the pipe is full. `RelayError` if the relay is gone."""
        with self._lock:
            if len(request) >= END:
                raise ValueError(f"a request of {len(request)} bytes cannot be relayed")
            try:
                _write_all(self._fd, _LENGTH.pack(len(request)) + request)
            except OSError as error:  # BrokenPipeError, or the pipe closed by stop()
                raise RelayError(f"the Analyze relay stopped taking requests ({error})" + self._stderr_tail()) from None
            self._sent += 1

    def answers(self) -> list[bytes | CallFailure]:
        """Every request's answer, in the order sent: each a serialized response, or how its call failed."""
        with self._lock:
            process = self._process
            assert process.stdin is not None
            assert process.stdout is not None
            try:
                _write_all(self._fd, _LENGTH.pack(END))
                process.stdin.close()
            except OSError as error:
                raise RelayError(f"the Analyze relay stopped taking requests ({error})" + self._stderr_tail()) from None
            answers: list[bytes | CallFailure] = []
            while len(answers) < self._sent and (answer := _read_answer(process.stdout)) is not None:
                answers.append(answer)
            process.stdout.close()
            code = process.wait()
        if len(answers) < self._sent or code != 0:
            raise RelayError(f"the Analyze relay exited (code {code}) before answering" + self._stderr_tail())
        return answers

    def stop(self) -> None:
        """End the relay whatever it is doing. Safe to call twice, and after `answers()`."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0)
            tail = self._stderr.read()[-2000:].decode(errors="replace").strip()
            if tail:
                return f"\n--- relay stderr ---\n{tail}"
        return ""


def _grow_pipe(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: the pipe keeps its size
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is not None:
        with contextlib.suppress(OSError):  # a lower ceiling (/proc/sys/fs/pipe-max-size): the default stays
            fcntl.fcntl(fd, set_size, _PIPE_BYTES)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _read_answer(stream: IO[bytes]) -> bytes | CallFailure | None:
    """One answer frame; None at a short read (the relay died)."""
    header = _read_exactly(stream, 1 + _LENGTH.size)
    if header is None:
        return None
    (size,) = _LENGTH.unpack(header[1:])
    body = _read_exactly(stream, size) if size else b""
    if body is None:
        return None
    if header[:1] == OK:
        return body
    code, _, details = body.decode(errors="replace").partition("\n")
    return CallFailure(code, details)


# -- the relay process ------------------------------------------------------------------------------------


def serve(address: str, in_flight: int, timeout: float, max_message: int, source: IO[bytes], sink: IO[bytes]) -> None:
    """Relay requests from `source` to the pack at `address` and write the answers to `sink` (module docstring)."""
    import grpc

    channel = grpc.insecure_channel(address, options=[("grpc.max_receive_message_length", max_message)])
    # No serializers: the bytes go out and come back as they are.
    analyze = channel.unary_unary(ANALYZE)
    window = threading.BoundedSemaphore(in_flight)
    calls: list[Any] = []
    while True:
        header = _read_exactly(source, _LENGTH.size)
        if header is None:
            return  # the program's side went away without finishing: nobody to answer
        (size,) = _LENGTH.unpack(header)
        if size == END:
            break
        request = _read_exactly(source, size)
        if request is None:
            return
        window.acquire()
        call = analyze.future(request, timeout=timeout)
        call.add_done_callback(lambda _: window.release())
        calls.append(call)
    for call in calls:
        try:
            answer: bytes = call.result()
        except grpc.RpcError as error:
            code = error.code().name if hasattr(error, "code") else "UNKNOWN"
            details = error.details() if hasattr(error, "details") else str(error)
            body = f"{code}\n{details or ''}".encode()
            sink.write(FAILED + _LENGTH.pack(len(body)) + body)
        else:
            sink.write(OK + _LENGTH.pack(len(answer)) + answer)
    sink.flush()
    channel.close()


def main(argv: Sequence[str]) -> int:
    # The preflight stops the relay on Ctrl-C itself, after stopping the pack.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    address, in_flight, timeout, max_message = argv
    serve(address, int(in_flight), float(timeout), int(max_message), sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
