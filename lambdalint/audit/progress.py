"""A one-line progress bar on stderr for long audits; silent when stderr is not a terminal.

The amount of work is not known in advance (the functions decide how many roles, queues and
buckets there are to read), so the bar shows finished over submitted requests and grows its
total as work is found. Redraws are throttled to ten a second and never hold a lock while
writing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.lock = threading.Lock()
        self.total = 0
        self.done = 0
        self.label = ""
        self._last = 0.0
        self._drawn = False

    def add(self, count: int = 1) -> None:
        with self.lock:
            self.total += count
        self._draw()

    def finish_one(self) -> None:
        with self.lock:
            self.done += 1
        self._draw()

    def stage(self, label: str) -> None:
        with self.lock:
            self.label = label
        self._draw(force=True)

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self.lock:
            if not force and now - self._last < 0.1:
                return
            self._last = now
            done, total, label = self.done, self.total, self.label
        width = 24
        filled = int(width * done / total) if total else 0
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r\x1b[2Kauditing [{bar}] {done}/{total} requests {label}"[:200])
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
