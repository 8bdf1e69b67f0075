"""The reload planner against scripted arrival times: periodic EXTINF patterns, missed beats, jitter,
and the bounds on every wait (hypothesis over simulated days)."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.budget import MAX_DURATION_S, reload_bound_s
from monitor.scheduler import FastPlanner, PollOutcome, RfcPlanner, predict_durations

STEP = 0.06


def stream(
    durations: list[float], start: float = 0.37, jitter: float = 0.0, seed: int = 1
) -> list[tuple[float, float]]:
    """(arrival, EXTINF) of each segment: a segment appears when it closes, one duration after the last."""
    rng = random.Random(seed)
    out, t = [], start
    for d in durations:
        t += d
        out.append((t + rng.gauss(0, jitter) if jitter else t, d))
    return out


def simulate(planner, segments: list[tuple[float, float]], until: float, rtt: float = 0.004, td: float = 4.0):
    """Drive the planner against a server listing ``segments`` once they arrived; return the number of
    polls and the detection delay of each segment (first poll listing it − its arrival)."""
    t = planner.next_poll_at()
    polls, delays, seen, last_sent = 0, [], 0, None
    while t < until:
        polls += 1
        visible = sum(1 for a, _ in segments if a <= t + rtt / 2)
        new = visible - seen
        fields: dict = {"sent": t, "first_byte": t + rtt, "ok": True, "changed": new > 0}
        fields.update(new_segments=new, target_duration=td)
        if new:
            fields["new_durations"] = tuple(d for _, d in segments[seen:visible])
            fields["last_duration"] = segments[visible - 1][1]
        if new and last_sent is not None:
            delays += [t + rtt - a for a, _ in segments[seen:visible]]
            fields.update(arrival=(last_sent + t + rtt) / 2, arrival_width=t + rtt - last_sent)
        planner.after_poll(PollOutcome(**fields))
        seen, last_sent = visible, t
        t = max(planner.next_poll_at(), t + 0.001)
    return polls, delays


def p95(values: list[float]) -> float:
    vals = sorted(values)
    return vals[int(0.95 * (len(vals) - 1))]


def test_pattern_of_durations_continues_the_period():
    assert predict_durations([4, 2, 4, 2, 4, 2], 3) == [4, 2, 4]
    assert predict_durations([3, 3, 3], 2) == [3, 3]
    assert predict_durations([2, 2, 4, 2, 2, 4, 2, 2], 2) == [4, 2]  # period 3
    assert predict_durations([2.0], 1) == [2.0]  # the newest EXTINF alone
    assert predict_durations([], 1) == []


def test_alternating_gop_cuts_are_seen_within_a_couple_of_steps():
    """Keyframes every 3 s with 2 s fragments: durations alternate 4 and 2 s. The median interval (3 s)
    predicted every arrival wrong; the EXTINF pattern predicts each one."""
    segments = stream([4.0, 2.0] * 40)
    polls, delays = simulate(FastPlanner(step_s=STEP), segments, until=segments[-1][0] + 1)
    assert p95(delays[8:]) <= 2 * STEP
    assert polls / segments[-1][0] < 1.2


def test_period_three_pattern_and_constant_durations():
    for durations in ([2.0, 2.0, 4.0] * 30, [3.0] * 60):
        segments = stream(durations, jitter=0.01)
        _, delays = simulate(FastPlanner(step_s=STEP), segments, until=segments[-1][0] + 1)
        assert p95(delays[8:]) <= 2 * STEP, durations[:3]


def test_jitter_widens_the_window_but_detection_stays_close():
    segments = stream([2.0] * 80, jitter=0.03, seed=3)
    polls, delays = simulate(FastPlanner(step_s=STEP), segments, until=segments[-1][0] + 1, td=2.0)
    assert p95(delays[8:]) <= 2 * STEP
    assert polls / segments[-1][0] < 1.5


def test_a_missed_beat_is_recovered():
    """One segment comes 1.3 s late (the publisher hiccups); the next ones are on the old grid again."""
    segments = stream([2.0] * 60)
    late = 30
    segments[late] = (segments[late][0] + 1.3, segments[late][1])
    _, delays = simulate(FastPlanner(step_s=STEP), segments, until=segments[-1][0] + 1, td=2.0)
    assert delays[late] <= 0.5 + STEP  # seen by a coarse poll between the beats
    after = delays[late + 3 :]
    assert p95(after) <= 2 * STEP  # back on the cadence within a few segments


def test_a_skipped_beat_is_seen_at_the_next_one():
    """The publisher drops one segment's slot: the next arrives one beat later, on the grid."""
    segments = stream([2.0] * 60)
    segments = segments[:30] + [(a + 2.0, d) for a, d in segments[30:]]
    _, delays = simulate(FastPlanner(step_s=STEP), segments, until=segments[-1][0] + 1, td=2.0)
    assert delays[30] <= 2 * STEP
    assert p95(delays[33:]) <= 2 * STEP


def test_a_frozen_stream_is_reloaded_forever_within_the_bound():
    """A day frozen (the stale-CDN case): ``1.5 ** misses`` used to overflow after 1,751 unchanged reloads."""
    for planner in (FastPlanner(step_s=STEP), RfcPlanner()):
        t = 0.0
        for k in range(60_000):
            new = 1 if k % 20 == 0 and k < 200 else 0
            planner.after_poll(
                PollOutcome(
                    sent=t,
                    first_byte=t + 0.01,
                    ok=True,
                    changed=bool(new),
                    new_segments=new,
                    arrival=t - 0.05 if new else None,
                    arrival_width=0.1 if new else None,
                    target_duration=2,
                    new_durations=(2.0,) * new,
                )
            )
            nxt = planner.next_poll_at()
            assert t <= nxt <= t + 0.01 + reload_bound_s(2.0)
            t = max(nxt, t + 0.001)
        assert t > 20_000  # reloads went on, about every TD/2


def test_absurd_extinf_never_stops_reloads():
    for extinf in (1e6, 1e308, math.inf, math.nan, -5.0, 0.0):
        planner = FastPlanner(step_s=STEP)
        t = 0.0
        for k in range(200):
            new = 1 if k % 5 == 0 else 0
            planner.after_poll(
                PollOutcome(
                    sent=t,
                    first_byte=t + 0.01,
                    ok=True,
                    changed=bool(new),
                    new_segments=new,
                    arrival=t - 0.1 if k else None,
                    arrival_width=0.2,
                    target_duration=extinf,
                    last_duration=extinf,
                    new_durations=(extinf,) * new,
                )
            )
            nxt = planner.next_poll_at()
            assert math.isfinite(nxt) and t <= nxt <= t + 0.01 + 1.5 * MAX_DURATION_S, (extinf, k, nxt)
            t = max(nxt, t + 0.001)


outcomes = st.tuples(
    st.sampled_from(["new", "same", "error", "endlist"]),
    st.floats(0.0, 30.0),  # time since the previous poll beyond the planned instant
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),  # target duration
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),  # EXTINF
    st.integers(1, 10_000),  # new segments
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["fast", "rfc"]), st.lists(outcomes, min_size=1, max_size=400))
def test_property_next_poll_is_finite_due_and_bounded(kind, steps):
    """Random outcomes: the next reload is always finite, not in the past and at most the reload bound
    after now (the bound of the sane target duration last seen, at most 1.5 × 60 s)."""
    planner = FastPlanner(step_s=STEP) if kind == "fast" else RfcPlanner()
    t = 0.0
    for what, extra, td, extinf, n in steps:
        t = max(t, planner.next_poll_at()) + extra
        new = n if what == "new" else 0
        planner.after_poll(
            PollOutcome(
                sent=t,
                first_byte=t + 0.01,
                ok=what != "error",
                changed=bool(new),
                new_segments=new,
                arrival=t - extra / 2 if new else None,
                arrival_width=extra if new else None,
                target_duration=td,
                last_duration=extinf,
                new_durations=(extinf,) * min(new, 3) if extinf is not None else (),
                endlist=what == "endlist",
            )
        )
        nxt = planner.next_poll_at()
        assert math.isfinite(nxt)
        assert t <= nxt <= t + 0.01 + 1.5 * MAX_DURATION_S
