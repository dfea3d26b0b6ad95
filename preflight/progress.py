"""Progress on a terminal: what is running and how long each step took (stderr, when it is a TTY).

Also whether a stream takes Unicode, which the text report's tree glyphs need too.
"""

from __future__ import annotations

import threading
from typing import IO


def unicode_ok(stream: IO[str] | None) -> bool:
    """Whether `stream` can carry the tree's box-drawing glyphs and the progress marks."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "├─│└✓…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class TerminalProgress:
    """One line when a step starts, one with its duration when it ends (steps overlap: the pack boots in a
    thread while the program runs)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.unicode = unicode_ok(stream)
        self._lock = threading.Lock()

    def heading(self, text: str) -> None:
        self._write(text)

    def started(self, step: str, what: str) -> None:
        self._write(f"  {'…' if self.unicode else '..'} {what}")

    def finished(self, step: str, what: str, seconds: float, ok: bool = True) -> None:
        mark = ("✓" if self.unicode else "ok") if ok else ("✗" if self.unicode else "FAILED")
        self._write(f"  {mark} {what} ({seconds:.2f} s)")

    def _write(self, line: str) -> None:
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()
