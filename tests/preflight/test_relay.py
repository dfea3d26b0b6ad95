"""The relay process that sends `Analyze` calls: bytes through unchanged, answers in order, a bounded window,
failures as the in-process client reports them, and nothing left running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from preflight.analyzer.relay import ANALYZE, AnalyzeRelay, CallFailure, RelayError
from tests.preflight.conftest import gone

RELAY = Path(__file__).resolve().parents[2] / "preflight" / "analyzer" / "relay.py"


@dataclass
class _Analyzer:
    """An Analyzer service that answers each request with its own bytes reversed, once `go` is set."""

    go: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: int = 0
    most_waiting: int = 0
    refuse: bytes = b"refuse me"

    def analyze(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        if request == self.refuse:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "refused: not a resource")
        with self.lock:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
        assert self.go.wait(30)
        with self.lock:
            self.waiting -= 1
        return request[::-1]


@pytest.fixture
def analyzer() -> Iterator[tuple[_Analyzer, str]]:
    service = _Analyzer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    handler = grpc.unary_unary_rpc_method_handler(service.analyze)
    service_name, method = ANALYZE.strip("/").split("/")
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service_name, {method: handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield service, f"127.0.0.1:{port}"
    finally:
        service.go.set()
        server.stop(None)


def _relay(address: str, in_flight: int = 4) -> AnalyzeRelay:
    return AnalyzeRelay(address, in_flight=in_flight, timeout=30, max_message=1 << 20)


def test_answers_come_back_in_the_order_sent_as_the_bytes_the_pack_answered(analyzer: tuple[_Analyzer, str]) -> None:
    service, address = analyzer
    service.go.set()
    relay = _relay(address)
    requests = [f"request {index}".encode() * (index + 1) for index in range(50)] + [b""]
    for request in requests:
        relay.send(request)

    assert relay.answers() == [request[::-1] for request in requests]
    relay.stop()


def test_no_more_than_the_window_is_unanswered_at_once(analyzer: tuple[_Analyzer, str]) -> None:
    service, address = analyzer
    relay = _relay(address, in_flight=3)
    for index in range(10):
        relay.send(b"r%d" % index)
    deadline = time.monotonic() + 30
    while service.waiting < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.waiting == 3, "the first calls never reached the pack"
    time.sleep(0.3)  # time for a fourth call to arrive, were the window not kept
    assert service.most_waiting == 3

    service.go.set()
    assert len(relay.answers()) == 10
    assert service.most_waiting == 3
    relay.stop()


def test_a_failed_call_is_answered_with_its_code_and_details_and_the_rest_still_are(
    analyzer: tuple[_Analyzer, str],
) -> None:
    service, address = analyzer
    service.go.set()
    relay = _relay(address)
    for request in (b"one", service.refuse, b"three"):
        relay.send(request)

    assert relay.answers() == [b"eno", CallFailure("INVALID_ARGUMENT", "refused: not a resource"), b"eerht"]
    relay.stop()


def test_calls_to_a_pack_that_is_gone_fail_as_unavailable() -> None:
    relay = _relay(_unused_address())
    relay.send(b"anything")
    [answer] = relay.answers()
    relay.stop()
    assert isinstance(answer, CallFailure)
    assert answer.code == "UNAVAILABLE"


def test_a_relay_that_died_is_an_error_naming_it_on_send_and_on_answers(analyzer: tuple[_Analyzer, str]) -> None:
    _, address = analyzer
    relay = _relay(address)
    relay.send(b"before")
    os.kill(relay.pid, 9)
    while not _dead(relay.pid):  # not reaped yet (stop() does that), but its end of the pipe is closed
        time.sleep(0.01)
    with pytest.raises(RelayError, match="relay"):
        relay.send(b"after")
    with pytest.raises(RelayError, match="relay"):
        relay.answers()
    relay.stop()
    relay.stop()  # twice is fine
    assert gone(relay.pid)


def test_stop_ends_a_relay_waiting_on_the_pack(analyzer: tuple[_Analyzer, str]) -> None:
    _, address = analyzer
    relay = _relay(address, in_flight=1)
    relay.send(b"held")
    relay.send(b"queued behind it")
    relay.stop()
    assert gone(relay.pid)


def test_the_relay_loads_neither_the_pulumi_sdk_nor_protobuf() -> None:
    # It starts while the program runs, on the pack's core: what it imports is start-up time taken from both.
    run = subprocess.run(
        [sys.executable, "-X", "importtime", str(RELAY), "127.0.0.1:9", "1", "1", "1024"],
        input=b"\xff\xff\xff\xff",
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.decode().splitlines() if "|" in line}
    assert "grpc" in imported
    assert not {name for name in imported if name.split(".")[0] in ("pulumi", "google", "preflight")}


def _unused_address() -> str:
    """An address nothing listens on: a port just released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def _dead(pid: int) -> bool:
    """Exited: a zombie waiting to be reaped, or gone."""
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
