"""The liveness policy on scripted playlist polls and playback facts (injected time, no libVLC)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from player.liveness import LOST_GRACE_S, STALL_RESTART_S, Action, Decision, LivenessPolicy, Playback
from player.playlist_watch import PlaylistView

URL = "http://127.0.0.1:9/live.m3u8"


def live(t: float, *, seq: int = 100, first_seen: float | None = None, td: float = 2.0) -> PlaylistView:
    """A live playlist polled at ``t`` whose newest segment appeared at ``first_seen`` (default: just now)."""
    return PlaylistView(
        t_mono=t, url=URL, status=200, target_duration_s=td, media_sequence=seq, segment_count=3, window_s=6.0,
        newest_first_seen=t if first_seen is None else first_seen,
    )  # fmt: skip


def failing(t: float, status: int | None = 404, error: str | None = "HTTP 404") -> PlaylistView:
    return PlaylistView(t_mono=t, url=URL, status=status, error=error)


PLAYING = Playback(playing=True, started_t=0.0, last_picture_t=0.0)
IDLE = Playback(playing=False)


@pytest.mark.parametrize(
    ("view", "reason"),
    [
        (failing(0.0), "playlist answers HTTP 404"),
        (failing(0.0, None, "cannot connect to the server"), "playlist unreachable (cannot connect to the server)"),
        (replace(live(0.0), endlist=True), "stream ended (EXT-X-ENDLIST)"),
        (PlaylistView(t_mono=0.0, url=URL, status=200), "playlist has no segments yet"),
        (PlaylistView(t_mono=0.0, url=URL, status=200, error="unparsable playlist: x"), "unparsable playlist: x"),
    ],
)
def test_not_playing_waits_with_the_reason_in_plain_words(view: PlaylistView, reason: str) -> None:
    assert LivenessPolicy().decide(0.0, view, IDLE) == Decision(action=Action.WAIT, reason=reason)


def test_starts_once_the_playlist_is_live() -> None:
    policy = LivenessPolicy()
    assert policy.decide(0.0, failing(0.0), IDLE).action is Action.WAIT
    assert policy.decide(1.0, live(1.0), IDLE).action is Action.START


def test_a_playlist_that_stopped_moving_is_not_live() -> None:
    policy = LivenessPolicy()
    patience = policy.patience_s(live(0.0))  # max(6 s, 3 × 2 s)
    assert patience == STALL_RESTART_S
    frozen = live(20.0, first_seen=20.0 - patience - 0.1)
    assert policy.decide(20.0, frozen, IDLE) == Decision(action=Action.WAIT, reason="playlist stopped updating")


def test_keeps_playing_while_pictures_come() -> None:
    policy = LivenessPolicy()
    for t in range(1, 60):
        playback = replace(PLAYING, last_picture_t=t - 0.2)
        assert policy.decide(t, live(t, seq=100 + t // 2), playback).action is Action.KEEP


@pytest.mark.parametrize("td", [1.0, 2.0, 4.0])
def test_restarts_after_no_picture_for_the_patience_of_the_stream(td: float) -> None:
    policy = LivenessPolicy()
    patience = max(STALL_RESTART_S, 3 * td)
    playback = replace(PLAYING, last_picture_t=10.0)
    assert policy.decide(10.0 + patience - 0.05, live(10.0 + patience, td=td), playback).action is Action.KEEP
    decision = policy.decide(10.0 + patience + 0.3, live(10.0 + patience, td=td), playback)
    reason = f"no picture for {patience + 0.3:.1f} s while the playlist is live"
    assert decision == Decision(action=Action.RESTART, reason=reason)


def test_before_the_first_picture_the_patience_counts_from_the_start() -> None:
    playback = Playback(playing=True, started_t=5.0)
    assert LivenessPolicy().decide(5.0 + STALL_RESTART_S + 0.1, live(11.0), playback).action is Action.RESTART


def test_restarts_when_libvlc_lost_a_stream_that_is_live() -> None:
    decision = LivenessPolicy().decide(1.0, live(1.0), replace(PLAYING, lost_reason="end of stream"))
    assert decision == Decision(action=Action.RESTART, reason="libVLC lost the stream (end of stream)")


def test_a_stream_that_went_away_is_given_a_grace_time_then_stopped() -> None:
    policy = LivenessPolicy()
    lost = replace(PLAYING, lost_reason="playlist updates failing")
    assert policy.decide(10.0, failing(10.0), lost).action is Action.KEEP  # not live: no restart into a 404
    assert policy.decide(10.0 + LOST_GRACE_S, failing(13.0), lost).action is Action.KEEP
    decision = policy.decide(10.0 + LOST_GRACE_S + 0.1, failing(13.1), lost)
    assert decision == Decision(action=Action.STOP, reason="stream not live: playlist answers HTTP 404")


def test_a_live_poll_ends_the_grace_time() -> None:
    policy = LivenessPolicy()
    policy.decide(10.0, failing(10.0), PLAYING)
    policy.decide(12.0, live(12.0), replace(PLAYING, last_picture_t=12.0))
    assert policy.decide(14.0, failing(14.0), replace(PLAYING, last_picture_t=14.0)).action is Action.KEEP


def test_a_frozen_playlist_stops_playback_after_the_grace_time() -> None:
    policy = LivenessPolicy()
    frozen = live(0.0, first_seen=-STALL_RESTART_S - 1.0)
    assert policy.decide(0.0, frozen, PLAYING).action is Action.KEEP
    decision = policy.decide(LOST_GRACE_S + 0.1, frozen, replace(PLAYING, last_picture_t=LOST_GRACE_S))
    assert decision == Decision(action=Action.STOP, reason="playlist stopped updating")


def test_a_media_sequence_that_goes_back_stops_playback_once() -> None:
    """The publisher reconnected: the origin starts a new playlist; start again when it is live (next step)."""
    policy = LivenessPolicy()
    assert policy.decide(1.0, live(1.0, seq=500), PLAYING).action is Action.KEEP
    decision = policy.decide(2.0, live(2.0, seq=3), PLAYING)
    assert decision == Decision(action=Action.STOP, reason="media sequence went back (origin or publisher restarted)")
    assert policy.decide(2.1, live(2.1, seq=3), IDLE).action is Action.START
    assert policy.decide(3.0, live(3.0, seq=4), PLAYING).action is Action.KEEP


def test_reset_forgets_the_previous_stream() -> None:
    policy = LivenessPolicy()
    policy.decide(1.0, live(1.0, seq=500), PLAYING)
    policy.reset()  # another URL
    assert policy.decide(2.0, live(2.0, seq=3), PLAYING).action is Action.KEEP


# --- scheduling properties: a simulated player follows the decisions over a scripted stream ------------------
STEP_S = 0.1  # the supervisor's period


@dataclass(frozen=True)
class Phase:
    up: bool  # the playlist is live (else it answers 404)
    seconds: float
    pictures: bool  # while up and playing, libVLC shows pictures (else it stalls)


phases = st.lists(
    st.builds(Phase, st.booleans(), st.floats(0.5, 20.0), st.just(True)),
    min_size=1,
    max_size=8,
)
any_phases = st.lists(st.builds(Phase, st.booleans(), st.floats(0.5, 20.0), st.booleans()), min_size=1, max_size=8)


def simulate(script: list[Phase], td: float = 2.0) -> list[tuple[float, Phase, bool, Decision]]:
    """Run the policy at ``STEP_S`` over ``script``; returns (time, phase, playing before, decision) per step."""
    policy = LivenessPolicy()
    playing, started, last_picture, seq, t = False, None, None, 100, 0.0
    out = []
    for phase in script:
        end = t + phase.seconds
        while t < end:
            if phase.up and playing and phase.pictures:
                last_picture = t
            seq += 1 if phase.up and int(t / td) != int((t - STEP_S) / td) else 0
            view = live(t, seq=seq, td=td, first_seen=t - (t % td)) if phase.up else failing(t)
            decision = policy.decide(t, view, Playback(playing=playing, started_t=started, last_picture_t=last_picture))
            out.append((t, phase, playing, decision))
            if decision.action in (Action.START, Action.RESTART):
                playing, started, last_picture = True, t, None
            elif decision.action is Action.STOP:
                playing = False
            t += STEP_S
    return out


@settings(max_examples=150, deadline=None)
@given(any_phases)
def test_the_decision_always_fits_the_playback(script: list[Phase]) -> None:
    for _, phase, playing, decision in simulate(script):
        if playing:
            assert decision.action in (Action.KEEP, Action.RESTART, Action.STOP)
            assert decision.action is not Action.RESTART or phase.up  # never restart into a stream that is not live
        else:
            assert decision.action is (Action.START if phase.up else Action.WAIT)


@settings(max_examples=150, deadline=None)
@given(phases)
def test_a_healthy_stream_is_never_restarted(script: list[Phase]) -> None:
    """Pictures whenever it plays and the playlist is live: no restart, and playing within a step of it going live."""
    steps = simulate(script)
    assert all(d.action is not Action.RESTART for *_, d in steps)
    for (_, phase, _, _), (_, _, playing_next, _) in pairwise(steps):
        if phase.up:
            assert playing_next


@settings(max_examples=150, deadline=None)
@given(any_phases)
def test_playback_of_a_stream_that_is_gone_stops_within_the_grace_time(script: list[Phase]) -> None:
    down_since = None
    for t, phase, playing, _ in simulate(script):
        down_since = None if phase.up else (t if down_since is None else down_since)
        if down_since is not None and t - down_since > LOST_GRACE_S + 2 * STEP_S:
            assert not playing


@settings(max_examples=150, deadline=None)
@given(st.floats(0.5, 4.0), st.floats(0.0, 30.0))
def test_a_stall_on_a_live_stream_is_restarted_within_the_patience(td: float, before_s: float) -> None:
    script = [Phase(up=True, seconds=before_s + 1.0, pictures=True), Phase(up=True, seconds=40.0, pictures=False)]
    patience = max(STALL_RESTART_S, 3 * td)
    steps = simulate(script, td=td)
    stall_t = next(t for t, phase, *_ in steps if not phase.pictures)
    restarts = [t for t, _, _, d in steps if d.action is Action.RESTART]
    assert restarts and restarts[0] - stall_t <= patience + 2 * STEP_S
    assert all(b - a > patience for a, b in pairwise(restarts))  # not a restart loop
