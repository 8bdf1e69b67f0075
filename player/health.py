"""Playback health from libVLC's events, log lines and statistics (pure logic, injected clock).

``HealthTracker`` is fed by the player's supervisor thread with ``PlayerEvent``/``LogLine`` records (taken
from the thread-safe queue the libVLC callbacks fill) and with ``displayed_pictures`` samples from
``libvlc_media_get_stats``; ``snapshot()`` returns a frozen ``PlayerHealth``. Signals (libvlc.md §2, §3):

* displayed fps: ``displayed_pictures`` deltas (``decoded_video`` counts ~2× and is not used);
* rebuffers: a ``Buffering`` event dropping below 100 % after playback had reached 100 %, until 100 % again;
* freezes: no new displayed picture for ``FREEZE_MIN_S`` (1 s) while playing (sampled at ~10 Hz; the
  counter itself moves in ~0.27 s steps, so shorter stalls show only as an fps deficit and rebuffers).
  libVLC sometimes folds the counter in late (busy input thread): the count then jumps by about the frames
  of the gap. Such a gap is statistics lag, not a freeze, and is dropped when it closes (``CATCH_UP_RATIO``);
  an open gap counts as a freeze only from ``OPEN_FREEZE_S`` on;
* "PCR is called too late" log errors (the nginx-rtmp stutter signature);
* the segment VLC fetches (adaptive "Retrieving …" lines);
* stream loss: "Failed to update n/3 playlist" / "Could not update … disabling" in the log, well before
  ``EndReached`` (``EncounteredError`` is not raised for a lost origin);
* time to first frame: first ``displayed_pictures > 0`` after ``play()``.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

# libVLC folds displayed_pictures into its statistics only every ~0.27 s (measured: steps of 6-7 pictures
# at 25 fps), more rarely under CPU load: a shorter gap is not evidence of a freeze.
FREEZE_MIN_S = 1.0
OPEN_FREEZE_S = 2.0  # a gap still open is reported as a freeze from this long on
CATCH_UP_RATIO = 0.5  # a gap after which the counter caught up this share of the frames was no freeze
FPS_WINDOW_S = 2.0

_RETRIEVING = re.compile(r"Retrieving (\S+)")
_FAILED_UPDATE = re.compile(r"Failed to update (\d+)/(\d+) playlist")
_PTS_DELAY = re.compile(r"pts_delay increased to (\d+) ms")


class PlaybackState(StrEnum):
    """What the viewer sees (a ``str``: equal to its value, written as its value in sessions and logs)."""

    IDLE = "idle"
    WAITING = "waiting"  # for the stream to be live (or live again)
    OPENING = "opening"
    BUFFERING = "buffering"
    PLAYING = "playing"
    REBUFFERING = "rebuffering"
    LOST = "lost"
    STOPPED = "stopped"


@dataclass(frozen=True, kw_only=True)
class PlayerEvent:
    """A libVLC event as queued by the callback: ``kind`` is the EventType name without prefix."""

    t_mono: float
    kind: str
    value: float | None = None


@dataclass(frozen=True, kw_only=True)
class LogLine:
    """One libVLC log message (level 0 debug, 2 notice, 3 warning, 4 error)."""

    t_mono: float
    level: int
    module: str
    object_type: str
    text: str


@dataclass(frozen=True, kw_only=True)
class PlayerHealth:
    """What the viewer gets, as of ``t_mono``. Durations in seconds, ``None`` when not known yet."""

    t_mono: float
    state: PlaybackState
    ttff_s: float | None = None
    displayed_fps: float | None = None
    displayed_pictures: int = 0
    rebuffer_count: int = 0
    rebuffer_total_s: float = 0.0
    freeze_count: int = 0
    freeze_total_s: float = 0.0
    longest_freeze_s: float = 0.0
    pcr_late_count: int = 0
    pts_delay_ms: int | None = None
    current_segment: str | None = None
    segments_fetched: int = 0
    playlist_failures: int = 0
    stream_lost: bool = False
    lost_reason: str | None = None
    restarts: int = 0
    waiting_reason: str | None = None
    # filled in by VlcPlayer from its latency meter / live-edge controller (None from the tracker alone)
    latency_s: float | None = None
    latency_source: str | None = None  # strip (measured), pdt-estimate, estimate
    target_latency_s: float | None = None
    playback_rate: float = 1.0


@dataclass
class _Counters:
    rebuffer_count: int = 0
    rebuffer_total_s: float = 0.0
    freeze_count: int = 0
    freeze_total_s: float = 0.0
    longest_freeze_s: float = 0.0
    pcr_late_count: int = 0
    pts_delay_ms: int | None = None
    current_segment: str | None = None
    segments_fetched: int = 0
    playlist_failures: int = 0
    lost_reason: str | None = None
    fps_samples: deque = field(default_factory=lambda: deque(maxlen=64))


class HealthTracker:
    """Accumulates one playback attempt; ``reset(t)`` at each ``play()`` (``restarts`` survives)."""

    def __init__(self) -> None:
        self.restarts = 0
        self._play_t: float | None = None
        self.reset(None)

    def reset(self, play_t: float | None) -> None:
        self._play_t = play_t
        self._c = _Counters()
        self._ttff: float | None = None
        self._state = PlaybackState.IDLE if play_t is None else PlaybackState.OPENING
        self._reached_full = False
        self._rebuffer_start: float | None = None
        self._last_pictures = 0
        self._last_picture_t: float | None = None
        self._freeze_open = False
        self._lost = False

    # --- inputs -------------------------------------------------------------------------------------
    def set_state(self, state: PlaybackState) -> None:
        self._state = state

    def on_event(self, event: PlayerEvent) -> None:
        kind, t = event.kind, event.t_mono
        if kind == "MediaPlayerBuffering" and event.value is not None:
            self._on_buffering(t, float(event.value))
        elif kind == "MediaPlayerPlaying" and self._state in (PlaybackState.OPENING, PlaybackState.IDLE):
            self._state = PlaybackState.BUFFERING
        elif kind in ("MediaPlayerEndReached", "MediaPlayerEncounteredError"):
            self._mark_lost("end of stream" if kind == "MediaPlayerEndReached" else "playback error")

    def on_log(self, line: LogLine) -> None:
        text = line.text
        if "is called too late" in text:
            self._c.pcr_late_count += 1
            if m := _PTS_DELAY.search(text):
                self._c.pts_delay_ms = int(m.group(1))
        elif m := _RETRIEVING.search(text):
            url = m.group(1)
            name = url.rsplit("/", 1)[-1].split("?", 1)[0]
            if not name.lower().endswith((".m3u8", ".m3u")):
                self._c.current_segment = name
                self._c.segments_fetched += 1
        elif m := _FAILED_UPDATE.search(text):
            self._c.playlist_failures += 1
            if int(m.group(1)) >= int(m.group(2)):
                self._mark_lost("playlist updates failing")
        elif "Could not update" in text and "disabling" in text:
            self._mark_lost("playlist could not be updated (origin gone?)")

    def on_pictures(self, t: float, displayed_pictures: int) -> None:
        """A ``displayed_pictures`` sample (cumulative for this media) taken at ``t``."""
        if displayed_pictures > self._last_pictures:
            if self._ttff is None and self._play_t is not None:
                self._ttff = t - self._play_t
            if self._freeze_open and self._last_picture_t is not None:
                self._close_freeze(t, displayed_pictures - self._last_pictures)
            self._last_pictures = displayed_pictures
            self._last_picture_t = t
            if self._state in (PlaybackState.OPENING, PlaybackState.BUFFERING):
                self._state = PlaybackState.PLAYING
        elif (
            self._last_picture_t is not None
            and not self._freeze_open
            and self._state is PlaybackState.PLAYING
            and t - self._last_picture_t >= FREEZE_MIN_S
        ):
            self._freeze_open = True
        self._c.fps_samples.append((t, displayed_pictures))

    # --- internals ----------------------------------------------------------------------------------
    def _on_buffering(self, t: float, cache: float) -> None:
        if cache >= 100.0:
            if self._rebuffer_start is not None:
                self._c.rebuffer_total_s += t - self._rebuffer_start
                self._rebuffer_start = None
            self._reached_full = True
        elif self._reached_full and self._rebuffer_start is None:
            self._rebuffer_start = t
            self._c.rebuffer_count += 1

    def _close_freeze(self, t: float, caught_up: int) -> None:
        assert self._last_picture_t is not None
        duration = t - self._last_picture_t
        self._freeze_open = False
        rate = self._rate_before(self._last_picture_t)
        if rate is not None and caught_up >= CATCH_UP_RATIO * rate * duration:
            return  # the pictures were shown, libVLC's counter was late
        self._c.freeze_count += 1
        self._c.freeze_total_s += duration
        self._c.longest_freeze_s = max(self._c.longest_freeze_s, duration)

    def _rate_before(self, t_end: float) -> float | None:
        """Displayed pictures per second over the ``FPS_WINDOW_S`` up to ``t_end`` (None if unknown)."""
        samples = [s for s in self._c.fps_samples if t_end - FPS_WINDOW_S - 1e-9 <= s[0] <= t_end + 1e-9]
        if len(samples) < 2 or samples[-1][0] - samples[0][0] < 0.5:
            return None
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        return (n1 - n0) / (t1 - t0)

    def _mark_lost(self, reason: str) -> None:
        if not self._lost:
            self._lost = True
            self._c.lost_reason = reason

    def _fps(self, now: float) -> float | None:
        samples = [s for s in self._c.fps_samples if now - s[0] <= FPS_WINDOW_S + 1e-9]
        if len(samples) < 2 or samples[-1][0] - samples[0][0] < 0.5:
            return None
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        return max(0.0, (n1 - n0) / (t1 - t0))

    # --- output -------------------------------------------------------------------------------------
    def snapshot(self, now: float, waiting_reason: str | None = None) -> PlayerHealth:
        c = self._c
        rebuffer_total = c.rebuffer_total_s + (now - self._rebuffer_start if self._rebuffer_start else 0.0)
        state = self._state
        if state is PlaybackState.PLAYING and self._rebuffer_start is not None:
            state = PlaybackState.REBUFFERING
        if self._lost and state not in (PlaybackState.WAITING, PlaybackState.STOPPED):
            state = PlaybackState.LOST
        open_freeze = now - self._last_picture_t if self._freeze_open and self._last_picture_t is not None else 0.0
        if open_freeze < OPEN_FREEZE_S:
            open_freeze = 0.0
        return PlayerHealth(
            t_mono=now,
            state=state,
            ttff_s=self._ttff,
            displayed_fps=self._fps(now),
            displayed_pictures=self._last_pictures,
            rebuffer_count=c.rebuffer_count,
            rebuffer_total_s=rebuffer_total,
            freeze_count=c.freeze_count + (1 if open_freeze else 0),
            freeze_total_s=c.freeze_total_s + open_freeze,
            longest_freeze_s=max(c.longest_freeze_s, open_freeze),
            pcr_late_count=c.pcr_late_count,
            pts_delay_ms=c.pts_delay_ms,
            current_segment=c.current_segment,
            segments_fetched=c.segments_fetched,
            playlist_failures=c.playlist_failures,
            stream_lost=self._lost,
            lost_reason=c.lost_reason,
            restarts=self.restarts,
            waiting_reason=waiting_reason,
        )

    @property
    def lost(self) -> bool:
        return self._lost

    @property
    def last_picture_t(self) -> float | None:
        return self._last_picture_t
