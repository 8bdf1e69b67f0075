"""Clocks for end-to-end runs that must cover hours in seconds."""

from __future__ import annotations

import threading
import time

from monitor.clock import Clock


class SkipClock(Clock):
    """A real clock whose waits return at once and move time forward instead: a poller runs through hours
    of its schedule in seconds of wall time, while each request still takes its real time."""

    def __init__(self) -> None:
        super().__init__()
        self._skipped = 0.0
        self._lock = threading.Lock()

    def mono(self) -> float:
        return time.monotonic() + self._skipped

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        with self._lock:
            self._skipped += max(0.0, min(seconds, 1e6))
        time.sleep(0)  # let other threads run
        return event.is_set()


class LateClock(Clock):
    """A real clock whose waits overrun by ``late_s``: the monitor's own loop runs late (CPU starvation)."""

    def __init__(self, late_s: float) -> None:
        super().__init__()
        self.late_s = late_s

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds) + self.late_s)
