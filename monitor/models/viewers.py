"""What each kind of viewer gets: how far behind the end of the playlist it plays, and so its latency from
capture to screen (``hlsmon plan`` and the window's latency chart print the same numbers).

Every kind shares the part before the player: encoder + ingest, and the segment closing (a segment is
listed only once it closes, so the end of the playlist is up to one segment old). The kinds differ in where
they start behind that end:

* a spec-following player: at least 3 target durations (RFC 8216 §6.3.3), or the whole window if shorter;
* hls.js with its defaults: ``liveSyncDurationCount`` 3 x EXT-X-TARGETDURATION (its latency controller;
  a playlist's HOLD-BACK instead when it declares one), never before the oldest listed segment;
* VLC 3 with its defaults: its adaptive module's start segment (libvlc.md §1, BufferingLogic.cpp): the
  newest segment held back, the two oldest skipped when the list is long enough, then up to
  ``--adaptive-livedelay`` (15 s, clamped up to 6 s) before that; it never catches up afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle, islice

from monitor.models.prediction import Prediction
from monitor.models.units import fmt_s

HLSJS_LIVE_SYNC_DURATION_COUNT = 3  # hls.js default liveSyncDurationCount (x EXT-X-TARGETDURATION)
VLC_LIVE_DELAY_S = 15.0  # VLC 3 --adaptive-livedelay default
VLC_MIN_BUFFERING_S = 6.0  # the hard-coded minimum the live delay is clamped up to
VLC_EDGE_OFFSET = 1  # SAFETY_BUFFERING_EDGE_OFFSET: the newest segment is held back
VLC_EXPURGING_OFFSET = 2  # SAFETY_EXPURGING_OFFSET: the oldest two are skipped when the list is long enough
#: VLC's own overhead on top of its start point: the lower end of the 0.3-0.6 s measured on the lab.
VLC_OVERHEAD_S = 0.3
#: Entries assumed for a window that grows (EVENT, no deletion): enough for any start point above.
GROWING_ENTRIES = 64


@dataclass(frozen=True, kw_only=True)
class ViewerLatency:
    """One kind of viewer: ``key`` names it (``spec``, ``hlsjs``, ``vlc``), ``latency_s`` is capture to screen."""

    key: str
    label: str
    behind_end_s: float  # where it plays behind the end of the playlist
    latency_s: float
    note: str


def listed_window(prediction: Prediction) -> list[float]:
    """The durations of one full playlist, oldest first, from the steady pattern."""
    entries = prediction.entries or GROWING_ENTRIES
    return list(islice(cycle(prediction.durations), entries))


def vlc_start_behind_end_s(window: Sequence[float], live_delay_s: float = VLC_LIVE_DELAY_S) -> float:
    """How far before the end of the playlist VLC 3 starts: it walks back from the segment before the newest
    until ``live_delay_s`` (at least 6 s) lies behind it, never past the oldest usable segment."""
    if not window:
        return 0.0
    safe_edge = max(0, len(window) - 1 - VLC_EDGE_OFFSET)
    safe_start = VLC_EXPURGING_OFFSET if safe_edge >= VLC_EXPURGING_OFFSET else 0
    to_buffer = min(sum(window[safe_start : safe_edge + 1]), max(live_delay_s, VLC_MIN_BUFFERING_S))
    behind = 0.0
    i = safe_edge
    while i >= safe_start and behind < to_buffer:
        behind += window[i]
        i -= 1
    return behind + sum(window[safe_edge + 1 :])


def viewer_latencies(prediction: Prediction, before_player_s: float) -> tuple[ViewerLatency, ...]:
    """``before_player_s``: encoder + ingest + the segment closing (the part every viewer shares)."""
    window = listed_window(prediction)
    td = float(prediction.target_duration)
    hlsjs = min(HLSJS_LIVE_SYNC_DURATION_COUNT * td, sum(window))
    vlc = vlc_start_behind_end_s(window)
    return (
        ViewerLatency(
            key="spec",
            label="spec-following player",
            behind_end_s=prediction.hold_back_s,
            latency_s=before_player_s + prediction.hold_back_s,
            note=f"starts {fmt_s(prediction.hold_back_s)} from the end (3 target durations, RFC 8216 §6.3.3)",
        ),
        ViewerLatency(
            key="hlsjs",
            label="hls.js defaults",
            behind_end_s=hlsjs,
            latency_s=before_player_s + hlsjs,
            note=f"liveSyncDurationCount {HLSJS_LIVE_SYNC_DURATION_COUNT} x TARGETDURATION: {fmt_s(hlsjs)} "
            "from the end",
        ),
        ViewerLatency(
            key="vlc",
            label="VLC 3 defaults",
            behind_end_s=vlc,
            latency_s=before_player_s + vlc + VLC_OVERHEAD_S,
            note=f"starts {fmt_s(vlc)} from the end (newest segment held back, adaptive-livedelay "
            f"{fmt_s(VLC_LIVE_DELAY_S)}) + {fmt_s(VLC_OVERHEAD_S)} of its own; never catches up",
        ),
    )
