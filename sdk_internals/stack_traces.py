"""The stack trace the SDK sends with each registration, built without reading source files.

`pulumi.runtime.resource._get_stack_trace` runs for every resource: `traceback.extract_stack()` (which looks up,
through `linecache`, the source line of every frame on the stack, a `stat` per file), then a
`pathlib.Path(...).as_uri()` per frame. Only file names and line numbers reach the request, so `install()`
puts in its place a walk over the frames that builds the same `StackTrace`, each file's URI worked out once.
At 100 caches that is about a tenth of the program's time. `tests/test_sdk_internals.py` checks that both give
the same message from the same frames, and that the SDK still looks the function up where `install()` puts it.

Imports the Pulumi SDK: install it once the SDK is imported anyway (the preflight launches its pack first).
"""

from __future__ import annotations

import pathlib
import sys
from types import FrameType
from typing import Any

from pulumi.runtime import resource
from pulumi.runtime.proto import source_pb2

SDK_GET_STACK_TRACE = resource._get_stack_trace
"""The SDK's own function, as found before `install()`."""

_INITS_ABOVE_USER_CODE = 3
"""`Resource.__init__`, `CustomResource`'s or `ComponentResource`'s, then the concrete class's: the frames the
SDK leaves out (its comment in `_get_stack_trace`)."""

_uris: dict[str, str | None] = {}


def stack_trace() -> Any:
    """What `SDK_GET_STACK_TRACE()` returns when called from the caller's frame."""
    frame: FrameType | None = sys._getframe(1)
    inits = 0
    while frame is not None:
        if frame.f_code.co_name == "__init__":
            inits += 1
            if inits == _INITS_ABOVE_USER_CODE:
                break
        frame = frame.f_back
    # No third `__init__`, or nothing below it: the SDK sends an empty trace.
    if frame is None or frame.f_back is None:
        return source_pb2.StackTrace()
    frames = []
    below = frame.f_back
    while below is not None:
        frames.append(source_pb2.StackFrame(pc=_position(below.f_code.co_filename, below.f_lineno)))
        below = below.f_back
    return source_pb2.StackTrace(frames=frames)


def _position(filename: str, line: int | None) -> Any:
    """`_get_source_position_for_frame`: None for a frame with no file or line, or a file with no URI."""
    if not filename or line is None:
        return None
    try:
        uri = _uris[filename]
    except KeyError:
        try:
            uri = pathlib.Path(filename).as_uri()
        except BaseException:  # as the SDK: a relative name (`<string>`) has no URI
            uri = None
        _uris[filename] = uri
    return None if uri is None else source_pb2.SourcePosition(uri=uri, line=line)


def install() -> bool:
    """Put `stack_trace` where `register_resource` looks `_get_stack_trace` up at each call; False if it is."""
    if resource._get_stack_trace is stack_trace:
        return False
    resource._get_stack_trace = stack_trace
    return True
