"""When the player starts, waits, restarts or stops (pure logic: injected time, no I/O, no libVLC).

The player asks ``LivenessPolicy.decide`` at each supervisor step with the newest playlist poll and what it knows
of its own playback, and does what the returned ``Decision`` says:

* not playing: ``START`` once the playlist is live, else ``WAIT`` (404, unreachable, empty, ended, frozen);
* playing: ``STOP`` (and wait) when the origin or publisher restarted (the media sequence went back) or the
  playlist has not been live for ``lost_grace_s``; ``RESTART`` (stop, start again at once) when libVLC lost a
  stream that is live, or showed no picture for ``patience`` while the playlist is live; else ``KEEP``.

A playlist counts as live when it answers with segments, without ``EXT-X-ENDLIST``, and its newest segment
appeared less than ``patience`` ago: ``max(stall_restart_s, 3 × target duration)`` (a publisher that stopped
leaves a playlist that still answers but never moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from player.playlist_watch import PlaylistView

STALL_RESTART_S = 6.0  # no new picture for this long while the playlist is live: restart
LOST_GRACE_S = 3.0  # a playlist failing this long (404, unreachable, ended) stops playback
DEFAULT_TARGET_DURATION_S = 2.0  # until the playlist says


class Action(Enum):
    KEEP = auto()  # playing and fine: nothing to do
    START = auto()  # not playing and the stream is live
    WAIT = auto()  # not playing and the stream is not live (yet)
    RESTART = auto()  # playing but broken while the stream is live: stop and start again at once
    STOP = auto()  # playing but the stream went away or restarted: stop and wait for it


@dataclass(frozen=True, kw_only=True)
class Decision:
    action: Action
    reason: str | None = None  # why it waits, restarts or stops, in plain words


@dataclass(frozen=True, kw_only=True)
class Playback:
    """The player's own playback as of the decision: times are the same clock as ``now``."""

    playing: bool
    started_t: float | None = None  # when libVLC was last asked to play
    last_picture_t: float | None = None  # when the displayed-picture count last moved
    lost_reason: str | None = None  # libVLC reported the stream lost (log, end reached, error)


KEEP = Decision(action=Action.KEEP)
START = Decision(action=Action.START)


class LivenessPolicy:
    """Remembers the last media sequence and since when the playlist is not live; ``reset()`` for a new URL."""

    def __init__(self, *, stall_restart_s: float = STALL_RESTART_S, lost_grace_s: float = LOST_GRACE_S) -> None:
        self.stall_restart_s = stall_restart_s
        self.lost_grace_s = lost_grace_s
        self.reset()

    def reset(self) -> None:
        self._last_media_seq: int | None = None
        self._not_live_since: float | None = None

    def patience_s(self, view: PlaylistView) -> float:
        return max(self.stall_restart_s, 3 * (view.target_duration_s or DEFAULT_TARGET_DURATION_S))

    def decide(self, now: float, view: PlaylistView, playback: Playback) -> Decision:
        restarted_origin = self._media_sequence_went_back(view)
        patience = self.patience_s(view)
        stale = view.newest_first_seen is not None and now - view.newest_first_seen > patience
        live = view.live and not stale
        if live:
            self._not_live_since = None
        elif self._not_live_since is None:
            self._not_live_since = now
        if not playback.playing:
            return START if live else Decision(action=Action.WAIT, reason=_not_live_reason(view, stale))
        if restarted_origin:
            return Decision(action=Action.STOP, reason="media sequence went back (origin or publisher restarted)")
        if self._not_live_since is not None and now - self._not_live_since > self.lost_grace_s:
            reason = _not_live_reason(view, stale)
            return Decision(action=Action.STOP, reason=reason if stale else f"stream not live: {reason}")
        if not live:
            return KEEP  # within the grace time
        if playback.lost_reason is not None:
            return Decision(action=Action.RESTART, reason=f"libVLC lost the stream ({playback.lost_reason})")
        last = playback.last_picture_t or playback.started_t or now
        if now - last > patience:
            reason = f"no picture for {now - last:.1f} s while the playlist is live"
            return Decision(action=Action.RESTART, reason=reason)
        return KEEP

    def _media_sequence_went_back(self, view: PlaylistView) -> bool:
        seq, last = view.media_sequence, self._last_media_seq
        if seq is not None:
            self._last_media_seq = seq
        return seq is not None and last is not None and seq < last


def _not_live_reason(view: PlaylistView, stale: bool) -> str:
    if stale:
        return "playlist stopped updating"
    if view.status is None:
        return f"playlist unreachable ({view.error})"
    if view.status != 200:
        return f"playlist answers HTTP {view.status}"
    if view.endlist:
        return "stream ended (EXT-X-ENDLIST)"
    if view.error:
        return view.error
    return "playlist has no segments yet"
