"""EndpointPoller.step() with a fake clock through simulated hours and a simulated day of random playlists
and HTTP outcomes (status codes, HTML, truncation, timeouts, absurd EXTINF and target durations, media
sequence jumps and resets, frozen copies, 404 outages): nothing escapes, every wait is bounded, reloads
never stop (the gap between two is at most 1.5 × max(TD, 1 s)), and memory stays flat."""

from __future__ import annotations

import gc
import math
import random
from dataclasses import dataclass
from unittest import mock

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import monitor.poller
from monitor.budget import bounded_duration, reload_bound_s
from monitor.clock import FakeClock
from monitor.records import PlaylistSnapshot, RequestKind, RequestRecord, SegmentLifecycle
from monitor.tracker import KEEP_FINISHED, MAX_PENDING
from tests.monitor.simorigin import Run, SimOrigin, drive, make_poller

START = 1000.0
ABSURD = (1e6, 1e308, math.inf, math.nan, -1.0, 0.0)


@dataclass
class Chaos:
    """Random events at each new segment."""

    rng: random.Random
    rate: float  # chance of an event per segment

    def __call__(self, o: SimOrigin) -> None:
        if self.rng.random() >= self.rate:
            o.extinf_override = None
            return
        now = o.clock.mono()
        event = self.rng.choice(["jump", "restart", "freeze", "absurd", "outage"])
        if event == "jump":
            o.msn_offset += self.rng.choice([1, 7, 10_000, 123_456])
        elif event == "restart":
            o.restart()
            o.outage_until = now + self.rng.uniform(0.0, 10.0)
        elif event == "freeze":
            o.frozen = (o.playlist_text(), now + self.rng.choice([5.0, 60.0, 1000.0]))
        elif event == "absurd":
            value = self.rng.choice(ABSURD)
            o.extinf_override = lambda k: value
        else:
            o.outage_until = now + self.rng.uniform(1.0, 30.0)


class Reloads:
    """Checks the gap between consecutive playlist reloads (time spent in other requests excluded)."""

    def __init__(self, td: float) -> None:
        self.bound = reload_bound_s(bounded_duration(td) or 1.0)
        self.last_end: float | None = None
        self.busy = 0.0
        self.count = 0
        self.worst = 0.0

    def __call__(self, rec: RequestRecord) -> None:
        if rec.kind != RequestKind.PLAYLIST:
            self.busy += rec.end_mono - rec.sent_mono
            return
        if self.last_end is not None and self.count > 3:  # the first ones use the default target duration
            gap = rec.sent_mono - self.last_end - self.busy
            self.worst = max(self.worst, gap)
            assert gap <= self.bound + 0.05, (gap, self.bound)
        self.last_end, self.busy = rec.end_mono, 0.0
        self.count += 1


def _live_objects() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, SegmentLifecycle | PlaylistSnapshot | RequestRecord))


def run_chaos(seed: int, td: float, seconds: float, chaos: float, faults: float, durations: str) -> Reloads:
    rng = random.Random(seed)
    clock = FakeClock(start=START)
    base = bounded_duration(td) or 2.0
    pattern = {
        "constant": lambda k: base,
        "alternating": lambda k: base * (1.5 if k % 2 else 0.5),
        "jitter": lambda k: base * rng.uniform(0.6, 1.0),
    }[durations]
    origin = SimOrigin(
        clock,
        duration=pattern,
        window=rng.choice([3, 6, 30]),
        td=td,
        delete_after=rng.uniform(0.0, 20.0),
        rng=rng,
        fault_rate=faults,
    )
    origin.on_arrival = Chaos(rng, chaos)
    reloads = Reloads(td)
    run = Run(keep=False, on_request=reloads)
    poller = make_poller(origin, run)
    objects: list[int] = []

    def check(now: float) -> None:
        assert len(poller.tracker) <= KEEP_FINISHED + MAX_PENDING + 100
        if not objects and now > START + seconds / 3:
            objects.append(_live_objects())

    with mock.patch.object(monitor.poller, "fetch", origin.fetch):
        drive(poller, clock, START + seconds, check)
    assert reloads.count >= seconds / (reloads.bound + 13.1) - 2  # reloads never stopped
    assert _live_objects() <= objects[0] + 3000  # flat: no per-segment state piles up
    return reloads


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a simulated hour is too slow to shrink
)
@given(
    seed=st.integers(0, 2**32 - 1),
    td=st.sampled_from([1.0, 2.0, 6.0, 10.0, 1e6, math.inf]),
    chaos=st.sampled_from([0.0, 0.02, 0.2]),
    faults=st.sampled_from([0.0, 0.15, 0.6]),
    durations=st.sampled_from(["constant", "alternating", "jitter"]),
)
def test_property_random_origins_for_a_simulated_hour(seed, td, chaos, faults, durations):
    run_chaos(seed, td, 3600.0, chaos, faults, durations)


def test_a_simulated_day_of_a_flaky_origin_with_long_freezes():
    """A day at 10 s segments: outages, restarts, 15-minute frozen copies, one poll in seven failing."""
    reloads = run_chaos(11, 10.0, 24 * 3600.0, 0.01, 0.15, "jitter")
    assert reloads.count > 24 * 3600 / reloads.bound
