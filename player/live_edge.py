"""Live-edge control: bring VLC from where it starts (≥ 6 s + 1 segment behind) to a target latency.

libVLC 3 never chases the live edge and ignores the caching options for HLS (libvlc.md §0), but a seek
inside the live window and a temporary rate increase both work after start. The controller is pure logic
(injected time): fed with latency values, it returns ``Command``s the player applies from its own thread.

* Target: user-set seconds, or automatic, raised by ``STALL_STEP_S`` after each rebuffer or freeze that
  happens near the target ("as close as the stream allows without stalling"):
  - through the live-edge feed's TS (``player/edge_feed.py``, the default): ``fragment + FEED_MARGIN_S``.
    A segment exists only once complete; the feed streams it the moment it is listed, and VLC's clock
    settles at fragment + ~0.55 s + the feed's network cache (``player/playback_path.py``, 0.2 s): the
    target sits at that level, so the controller does not push against VLC's clock. Measured on the lab
    (medians): 1.74-1.82 s (1 s fragments) and 2.76-2.94 s (2 s fragments), no rebuffer (docs/player.md).
  - VLC's own HLS client: ``2 × fragment + AUTO_MARGIN_S`` (VLC learns of a segment at its next playlist
    refresh, up to one target duration later, and keeps a fixed 1 s PTS delay). Measured floors ~2.5-3 s
    (1 s fragments) and ~4.2-5 s (2 s fragments); below that VLC 3 stalls with "PCR is called too late".
* Large excess (> ``seek_excess``): a seek forward inside the window, then settle. VLC lands on a segment
  start and rebuffers, and will not go closer than its own start rule allows, so a seek that gained less
  than ``MIN_SEEK_GAIN_S`` disables seeking for this playback; stalls while settling are not held
  against the target.
* Smaller excess: rate ``1 + gain·excess`` capped at ``max_rate`` (1.25× by default), back to 1.0 within
  tolerance. Closer than the target (it was raised after stalls): rate down to ``min_rate`` (0.9×) until
  back at the target. Estimates (no strip) use a wider tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from player.latency import SOURCE_STRIP

AUTO_MARGIN_S = 1.0
FEED_MARGIN_S = 0.8  # through the feed: VLC learns of a segment at once and plays it with a 0.2 s cache
STALL_STEP_S = 0.5
STALL_RAISE_COOLDOWN_S = 10.0  # one stall episode (VLC logs several "too late" in a burst) raises once
MAX_AUTO_EXTRA_S = 3.0
SETTLE_AFTER_START_S = 1.5
SETTLE_AFTER_SEEK_S = 3.0
SEEK_COOLDOWN_S = 8.0
MIN_SEEK_GAIN_S = 1.0


@dataclass(frozen=True, kw_only=True)
class LiveEdgeConfig:
    target_s: float | None = None  # None: automatic
    enabled: bool = True
    max_rate: float = 1.25
    min_rate: float = 0.9  # when closer than the target (after a stall raised it), drift back gently
    gain_per_s: float = 0.25  # rate increase per second of excess latency
    tolerance_s: float = 0.2
    estimate_tolerance_s: float = 1.0
    allow_seek: bool = True


class CommandKind(StrEnum):
    RATE = "rate"
    SEEK = "seek"


class EdgeMode(StrEnum):
    """What the controller is doing (a ``str``: equal to its value)."""

    OFF = "off"
    WAITING = "waiting"
    SETTLING = "settling"
    SEEKING = "seeking"
    CATCHING_UP = "catching-up"
    HOLDING = "holding"
    BACKING_OFF = "backing-off"  # closer than the target


@dataclass(frozen=True, kw_only=True)
class Command:
    kind: CommandKind
    value: float  # playback rate, or seconds to jump forward


@dataclass(frozen=True, kw_only=True)
class LiveEdgeStatus:
    enabled: bool
    target_s: float | None
    auto: bool
    achieved_s: float | None
    source: str | None
    rate: float
    mode: EdgeMode
    seeks: int
    stalls_near_target: int


class LiveEdgeController:
    def __init__(self, config: LiveEdgeConfig | None = None) -> None:
        self.config = config or LiveEdgeConfig()
        self._fragment_s = 2.0
        self._edge_feed = False
        self.reset(None)
        self._auto_extra = 0.0
        self._stalls = 0
        self._last_raise_t: float | None = None

    def set_target(self, target_s: float | None) -> None:
        self.config = LiveEdgeConfig(**{**self.config.__dict__, "target_s": target_s})

    def set_enabled(self, enabled: bool) -> None:
        self.config = LiveEdgeConfig(**{**self.config.__dict__, "enabled": enabled})

    def reset(self, first_frame_t: float | None) -> None:
        """A new playback: forget rate/seek history (keeps what stalls taught the automatic target)."""
        self._start_t = first_frame_t
        self._rate = 1.0
        self._last_seek_t: float | None = None
        self._latency_before_seek: float | None = None
        self._seek_useful = True
        self._seeks = 0
        self._latency: float | None = None
        self._source: str | None = None
        self._mode = EdgeMode.WAITING

    def set_edge_feed(self, active: bool) -> None:
        """Whether VLC reads the playlist through the live-edge feed (it then needs one segment less)."""
        self._edge_feed = active

    def set_fragment(self, fragment_s: float | None) -> None:
        if fragment_s and fragment_s > 0:
            self._fragment_s = fragment_s

    @property
    def target_s(self) -> float:
        if self.config.target_s is not None:
            return self.config.target_s
        if self._edge_feed:
            return self._fragment_s + FEED_MARGIN_S + self._auto_extra
        return 2.0 * self._fragment_s + AUTO_MARGIN_S + self._auto_extra

    def on_stall(self, now: float) -> None:
        """A rebuffer (Buffering cycle): if it happened near the target, the target is too aggressive."""
        if self._latency is None or self._start_t is None:
            return
        if now - self._start_t < SETTLE_AFTER_START_S:
            return
        if self._last_seek_t is not None and now - self._last_seek_t < SETTLE_AFTER_SEEK_S + 1.0:
            return  # the seek's own rebuffer
        if self._latency <= self.target_s + self._tolerance() + 0.5:
            self._stalls += 1
            cooled = self._last_raise_t is None or now - self._last_raise_t >= STALL_RAISE_COOLDOWN_S
            if self.config.target_s is None and cooled:
                self._auto_extra = min(MAX_AUTO_EXTRA_S, self._auto_extra + STALL_STEP_S)
                self._last_raise_t = now

    def _tolerance(self) -> float:
        return self.config.tolerance_s if self._source == SOURCE_STRIP else self.config.estimate_tolerance_s

    def update(self, now: float, latency_s: float | None, source: str | None, seekable: bool) -> list[Command]:
        self._latency, self._source = latency_s, source
        cfg = self.config
        if not cfg.enabled:
            self._mode = EdgeMode.OFF
            return self._set_rate(1.0)
        if self._start_t is None or latency_s is None:
            self._mode = EdgeMode.WAITING
            return []
        if now - self._start_t < SETTLE_AFTER_START_S:
            self._mode = EdgeMode.SETTLING
            return []
        if self._last_seek_t is not None and now - self._last_seek_t < SETTLE_AFTER_SEEK_S:
            self._mode = EdgeMode.SEEKING
            return []
        if self._latency_before_seek is not None:  # first value after a seek settled: did it help?
            if self._latency_before_seek - latency_s < MIN_SEEK_GAIN_S:
                self._seek_useful = False
            self._latency_before_seek = None
        excess = latency_s - self.target_s
        tol = self._tolerance()
        seek_excess = max(2.0 * self._fragment_s, 3.0)
        cooled = self._last_seek_t is None or now - self._last_seek_t >= SEEK_COOLDOWN_S
        if cfg.allow_seek and self._seek_useful and seekable and excess > seek_excess and cooled:
            jump = excess - self._fragment_s  # seeks land on a segment start: keep one segment of margin
            self._last_seek_t = now
            self._latency_before_seek = latency_s
            self._seeks += 1
            self._mode = EdgeMode.SEEKING
            return [*self._set_rate(1.0), Command(kind=CommandKind.SEEK, value=jump)]
        if excess > tol:
            self._mode = EdgeMode.CATCHING_UP
            return self._set_rate(min(cfg.max_rate, 1.0 + cfg.gain_per_s * excess))
        if excess < -tol:  # closer than the target: it was raised after stalls; back off gently
            self._mode = EdgeMode.BACKING_OFF
            return self._set_rate(max(cfg.min_rate, 1.0 + cfg.gain_per_s * excess))
        self._mode = EdgeMode.HOLDING
        return self._set_rate(1.0) if abs(excess) <= tol / 2 else []

    def _set_rate(self, rate: float) -> list[Command]:
        rate = round(rate, 2)
        if abs(rate - self._rate) < 0.02:
            return []
        self._rate = rate
        return [Command(kind=CommandKind.RATE, value=rate)]

    def status(self) -> LiveEdgeStatus:
        return LiveEdgeStatus(
            enabled=self.config.enabled,
            target_s=self.target_s if self.config.enabled else None,
            auto=self.config.target_s is None,
            achieved_s=self._latency,
            source=self._source,
            rate=self._rate,
            mode=self._mode,
            seeks=self._seeks,
            stalls_near_target=self._stalls,
        )
