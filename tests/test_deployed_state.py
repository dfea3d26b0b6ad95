"""Reading the stack's last outputs before registration rests on one private SDK function: kept in one place
(`sdk_internals.sync_await`) and checked here against the installed SDK, so an SDK upgrade that changes it fails
this test, not a `pulumi up`."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from pulumi.runtime import sync_await

import sdk_internals
from components import deployed_state

REPO = Path(__file__).resolve().parents[1]


def test_only_the_adapter_uses_the_private_sync_await(monkeypatch: pytest.MonkeyPatch) -> None:
    program_files = [REPO / "__main__.py", *sorted((REPO / "components").rglob("*.py"))]
    assert [path.name for path in program_files if "_sync_await" in path.read_text()] == []
    assert deployed_state.sync_await is sdk_internals.sync_await
    # The adapter runs the SDK's own function (looked up when called: the adapter imports no SDK at import).
    real, ran = sync_await._sync_await, []
    monkeypatch.setattr(sync_await, "_sync_await", lambda awaitable: ran.append(awaitable) or real(awaitable))

    async def answer() -> int:
        return 42

    assert sdk_internals.sync_await(answer()) == 42
    assert len(ran) == 1


def test_it_pumps_the_running_loop_from_inside_a_task() -> None:
    """What the language host does: the program's top-level code runs inside a task on a running loop
    (pulumi/pulumi `sdk/python/cmd/pulumi-language-python-exec`: `loop.run_until_complete(run_in_stack(run))`),
    and the read resolves through `call_soon_threadsafe` from the SDK's RPC threads."""

    async def program() -> object:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[object] = loop.create_future()
        threading.Timer(0.05, loop.call_soon_threadsafe, (answer.set_result, {"sessions": {}})).start()
        return deployed_state.sync_await(answer)

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(program()) == {"sessions": {}}
    finally:
        loop.close()


def test_it_also_runs_a_coroutine_without_a_loop() -> None:
    async def value() -> int:
        return 3

    assert deployed_state.sync_await(value()) == 3
