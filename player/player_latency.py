"""The player's latency: the clock strip measurement while it is fresh, else an estimate from the playlist.

``PlayerLatency`` owns the snapshot meter (``player/latency.py``, its own thread) and the newest estimate (written
by the player's supervisor thread, read by any thread). Where libVLC's position is, relative to the end of what it
can play, comes from ``remaining_s``: through the live-edge feed VLC reads one continuous TS whose time counts from
the first segment streamed; through VLC's own HLS client its position is a share of the playlist's length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from player.edge_feed import EdgeFeedStats
from player.latency import VLC_DEMUX_LEAD_S, LatencyMeter, LatencySample, LatencySummary, estimate_latency, summarize
from player.playlist_watch import PlaylistView
from player.vlc_binding import Position

# on the feed's TS, get_time() runs only ~0.07 s ahead of the displayed picture (lab, 1 s and 2 s fragments:
# with 0.5 s here the playlist estimate read 0.43 s high against the clock strip, range 0.23-0.65 s)
FEED_TIME_LEAD_S = 0.07
STRIP_FRESH_S = 2.5  # a strip sample older than this no longer drives the controller (1 Hz when locked)


@dataclass(frozen=True, kw_only=True)
class LatencyStatus:
    """Newest latency sample (strip, else a playlist estimate) and the summary of strip samples only."""

    latest: LatencySample | None
    measured: LatencySummary
    snapshots: int
    decoded: int


def remaining_s(at: Position, feed: EdgeFeedStats | None) -> tuple[float, float | None] | None:
    """How far VLC's position is behind the end of what it can play, and when that end appeared (if known)."""
    if feed is not None:
        if at.time_ms < 0 or not feed.fed_media_s:
            return None
        return max(0.0, feed.fed_media_s - at.time_ms / 1000.0), feed.newest_fed_seen_t
    if at.length_ms <= 0 or at.position < 0:
        return None
    return at.length_ms / 1000.0 * (1.0 - at.position), None


class PlayerLatency:
    """Strip samples (``snapshot`` given) and playlist estimates; ``latest``/``status`` from any thread."""

    def __init__(
        self, snapshot: Callable[[Path], bool] | None, *, rate_hz: float = 3.0, locked_hz: float | None = 1.0
    ) -> None:
        self._meter = LatencyMeter(snapshot, rate_hz=rate_hz, locked_hz=locked_hz) if snapshot else None
        self._estimate: LatencySample | None = None
        self._measured_cache: tuple[int, LatencySummary] | None = None  # (decoded count, summary)
        self.pause(True)

    def start(self) -> None:
        if self._meter is not None:
            self._meter.start()

    def close(self) -> None:
        if self._meter is not None:
            self._meter.close()

    def pause(self, paused: bool) -> None:
        """Snapshots only while libVLC plays."""
        if self._meter is not None:
            self._meter.pause(paused)

    def set_busy(self, busy: bool) -> None:
        if self._meter is not None:
            self._meter.set_busy(busy)

    def latest(self, now: float) -> LatencySample | None:
        strip = self._meter.latest() if self._meter else None
        if strip is not None and now - strip.t_mono <= STRIP_FRESH_S:
            return strip
        return self._estimate

    def samples(self) -> list[LatencySample]:
        """All strip-measured samples so far (thread-safe copy)."""
        return self._meter.samples() if self._meter else []

    def status(self, now: float) -> LatencyStatus:
        meter = self._meter
        decoded = meter.decoded if meter else 0
        cached = self._measured_cache
        if cached is None or cached[0] != decoded:  # the GUI polls at 4 Hz: summarise only new data
            cached = self._measured_cache = (decoded, summarize([s.latency_s for s in self.samples()]))
        return LatencyStatus(
            latest=self.latest(now), measured=cached[1], snapshots=meter.attempts if meter else 0, decoded=decoded
        )

    def update_estimate(
        self, now: float, wall: float, view: PlaylistView | None, at: Position, feed: EdgeFeedStats | None
    ) -> None:
        """A new estimate from the playlist ``view``, libVLC's position ``at`` and the feed's ``stats`` (if it
        plays through the feed); none while the playlist is not live."""
        if view is None or not view.live:
            self._estimate = None
            return
        behind = remaining_s(at, feed)
        if behind is None:
            return
        result = estimate_latency(
            now_mono=now,
            now_wall=wall,
            remaining_s=behind[0],
            newest_first_seen=behind[1] or view.newest_first_seen,
            newest_end_pdt=view.newest_end_pdt,
            demux_lead_s=FEED_TIME_LEAD_S if feed is not None else VLC_DEMUX_LEAD_S,
        )
        if result is not None:
            self._estimate = LatencySample(
                t_mono=now, t_wall=datetime.fromtimestamp(wall, tz=UTC), latency_s=result[0], source=result[1]
            )
