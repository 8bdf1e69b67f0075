"""Injectable clock: monotonic seconds for intervals, UTC derived from one anchor (no NTP steps)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Real clock. ``utc(mono)`` maps a monotonic instant to an aware UTC datetime."""

    def __init__(self) -> None:
        self._anchor_mono = time.monotonic()
        self._anchor_utc = datetime.now(UTC)

    def mono(self) -> float:
        return time.monotonic()

    def utc(self, mono: float | None = None) -> datetime:
        if mono is None:
            mono = self.mono()
        return self._anchor_utc + timedelta(seconds=mono - self._anchor_mono)

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Interruptible wait; True when ``event`` was set."""
        return event.wait(max(0.0, seconds))


class FakeClock(Clock):
    """Test clock: time only moves when ``advance`` is called (or when ``wait`` is called)."""

    def __init__(self, start: float = 1000.0, utc_start: datetime | None = None) -> None:
        self._now = start
        self._anchor_mono = start
        self._anchor_utc = utc_start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def mono(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self._now += max(0.0, seconds)
        return event.is_set()
