"""The whole request budget and the deletion planner against scripted nginx-rtmp cleaner ticks, through
EndpointPoller.step() with a fake clock (tests/monitor/simorigin.py): no sockets, minutes of simulated time."""

from __future__ import annotations

import random
from unittest import mock

import pytest

import monitor.poller
from monitor.clock import FakeClock
from monitor.records import RequestKind
from tests.monitor.simorigin import Run, SimOrigin, drive, make_poller

START = 1000.0


def simulate(seconds: float, phase: float, shift_at: float | None = None, **config: object):
    clock = FakeClock(start=START)
    origin = SimOrigin(
        clock, window=3, td=2.0, cleaner_period=12.0, cleaner_phase=START + phase, max_age=12.0, rng=random.Random(3)
    )
    if shift_at is not None:  # the cleaner's ticks move once (its process restarted): a missed tick

        def shift(o: SimOrigin) -> None:
            if o.clock.mono() > START + shift_at and o.cleaner_phase == START + phase:
                o.cleaner_phase += 5.3

        origin.on_arrival = shift
    run = Run()
    poller = make_poller(origin, run, **config)
    with mock.patch.object(monitor.poller, "fetch", origin.fetch):
        drive(poller, clock, START + seconds)
    deleted = {s.msn: s.deleted_at for s in origin.segments}
    late = {
        lf.msn: lf.gone.hi - deleted[lf.msn]
        for lf in run.lifecycles.values()
        if lf.gone is not None and lf.msn in deleted and not lf.gone_inferred
    }
    rates = {k: sum(1 for r in run.requests if r.kind == k) / seconds for k in RequestKind}
    return late, rates, deleted, poller


def p95(values) -> float:
    vals = sorted(values)
    return vals[int(0.95 * (len(vals) - 1))]


@pytest.mark.parametrize("phase", [0.0, 5.3, 9.9])
def test_everything_fits_one_budget_and_cleaner_ticks_are_seen_at_once(phase):
    """2 s segments, nginx-rtmp's cleaner every 12 s: ≤ 1.5 requests/s in total from the start, the HEAD
    of each new segment, and each deletion seen within 250 ms once the phase is learned."""
    late, rates, deleted, _ = simulate(600.0, phase)
    assert sum(rates.values()) <= 1.5 + 0.02
    assert rates[RequestKind.SEGMENT] >= 0.45  # a HEAD for (nearly) every new segment
    steady = [v for msn, v in late.items() if deleted[msn] > START + 120]
    assert len(steady) >= 30 and p95(steady) <= 0.25 and min(steady) >= 0


def test_a_missed_cleaner_tick_is_recovered_within_a_bounded_budget():
    """The ticks move by 5.3 s at 300 s: the predicted tick passes without a deletion. The planner starts
    its phase over (no fallback to dense probing) and times the deletions again within a few periods."""
    late, rates, deleted, poller = simulate(700.0, 0.0, shift_at=300.0)
    assert rates[RequestKind.PROBE] <= 0.35 and sum(rates.values()) <= 1.5 + 0.02
    assert poller.deletions.cleaner is not None and poller.deletions.cleaner.resets >= 1
    after = [v for msn, v in late.items() if deleted[msn] > START + 420]
    assert len(after) >= 20 and p95(after) <= 0.25


def test_the_first_second_already_fits_the_budget():
    clock = FakeClock(start=START)
    origin = SimOrigin(clock, window=3, td=2.0, delete_after=4.0)
    run = Run()
    poller = make_poller(origin, run)
    with mock.patch.object(monitor.poller, "fetch", origin.fetch):
        drive(poller, clock, START + 10.0)
    sent = [r.sent_mono - START for r in run.requests]
    for t in range(10):  # any window of T seconds: at most rate x T + start tokens + overdraft + 1
        assert sum(1 for s in sent if t <= s < t + 1) <= 1.5 + 1 + 3 + 1
    assert len(sent) <= 1.5 * 10 + 1 + 3 + 1
