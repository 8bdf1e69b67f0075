"""Planners with injected times: the RFC rule, cadence learning, deletion prediction, the token bucket."""

from __future__ import annotations

import pytest

from monitor.budget import RequestBudget, TokenBucket, default_budget_per_s, reload_bound_s
from monitor.records import RequestKind
from monitor.scheduler import DeletionPlanner, FastPlanner, PollOutcome, RfcPlanner
from tests.monitor.helpers import window


def test_rfc_rule_td_after_change_half_after_unchanged():
    pl = RfcPlanner()
    pl.after_poll(PollOutcome(sent=10.0, first_byte=10.05, ok=True, changed=True, target_duration=4))
    assert pl.next_poll_at() == 14.0  # measured from the start of the load
    pl.after_poll(PollOutcome(sent=14.0, first_byte=14.05, ok=True, changed=False, target_duration=4))
    assert pl.next_poll_at() == 16.0


def simulate(planner: FastPlanner, arrivals: list[float], until: float, rtt: float = 0.004):
    """Drive the planner against a server whose playlist changes at ``arrivals``; return polls, delays."""
    t = planner.next_poll_at()
    polls, delays, seen = 0, [], 0
    last_sent = None
    while t < until:
        polls += 1
        visible = sum(1 for a in arrivals if a <= t + rtt / 2)
        new = visible - seen
        out = PollOutcome(
            sent=t, first_byte=t + rtt, ok=True, changed=new > 0, new_segments=new, target_duration=2, last_duration=2.0
        )
        if new and last_sent is not None:
            newest = arrivals[visible - 1]
            delays.append(t + rtt - newest)
            out = PollOutcome(
                sent=t,
                first_byte=t + rtt,
                ok=True,
                changed=True,
                new_segments=new,
                arrival=(last_sent + t + rtt) / 2,
                arrival_width=t + rtt - last_sent,
                target_duration=2,
                last_duration=2.0,
            )
        seen = visible
        last_sent = t
        planner.after_poll(out)
        t = max(planner.next_poll_at(), t + 0.001)
    return polls, delays


def test_fast_planner_learns_cadence_low_delay_few_requests():
    arrivals = [0.37 + 2.0 * k + (0.01 if k % 3 else -0.01) for k in range(40)]
    polls, delays = simulate(FastPlanner(step_s=0.06), arrivals, until=80.0)
    steady = sorted(delays[5:])
    assert steady[int(0.95 * (len(steady) - 1))] <= 0.1
    assert polls / 80.0 <= 2.0


def test_fast_planner_backs_off_on_a_stall():
    arrivals = [0.5 + 2.0 * k for k in range(10)]  # then nothing for 40 s
    polls, _ = simulate(FastPlanner(step_s=0.06), arrivals, until=60.0)
    assert polls < 20 / 0.06 * 0.1 + 60  # far fewer than dense polling for the whole stall


def test_rfc_baseline_is_slower_than_fast():
    arrivals = [0.37 + 2.0 * k for k in range(40)]
    _, fast = simulate(FastPlanner(step_s=0.06), arrivals, until=80.0)
    _, rfc = simulate(RfcPlanner(), arrivals, until=80.0)
    assert sorted(fast)[len(fast) // 2] < 0.1
    assert max(rfc) > max(fast)


def test_token_bucket_bounds_rate():
    b = TokenBucket(rate=1.0, burst=3, now=0.0)
    assert [b.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert b.ready_at(0.0) == pytest.approx(1.0)
    assert b.take(1.0)


def _gone(msn: int, first: float, left: float, gone: float):
    from monitor.records import SegmentLifecycle

    return SegmentLifecycle(
        endpoint="o",
        msn=msn,
        uri=f"s{msn}",
        extinf=2.0,
        first_seen=window(first, first),
        left=window(left, left),
        gone=window(gone, gone),
    )


def test_deletion_planner_learns_periodic_cleaner():
    dp = DeletionPlanner(rate=100, burst=100)
    for k, tick in enumerate((20.0, 32.0)):
        for j in range(3):
            dp.note_gone(_gone(3 * k + j, tick - 14 + 2 * j, tick - 8 + 2 * j, tick))
    dp.note_probe(32.1, gone=False)
    target = _gone(7, 22.0, 28.0, 0.0)
    target = target.__class__(**{**target.__dict__, "gone": None})
    when, _spread = dp.predict(target, now=33.0)
    assert when == pytest.approx(44.0, abs=0.01)
    at, chosen = dp.next_probe([target], now=33.0)
    assert chosen.msn == 7 and 43.0 < at < 44.0  # idle until just before the predicted tick


def test_deletion_planner_chains_after_a_gone():
    dp = DeletionPlanner(rate=100, burst=100)
    dp.note_gone(_gone(1, 0.0, 6.0, 12.0))
    cand = _gone(2, 2.0, 8.0, 0.0)
    cand = cand.__class__(**{**cand.__dict__, "gone": None})
    at, _ = dp.next_probe([cand], now=12.01)
    assert at == pytest.approx(12.01)


def test_deletion_planner_guesses_period_from_first_batch_then_falls_back():
    dp = DeletionPlanner(rate=100, burst=100)
    # one batch at t=20 deleting segments first seen at 6, 8, 10 (youngest 10 → age threshold ~10 s)
    for msn, first in ((0, 6.0), (1, 8.0), (2, 10.0)):
        dp.note_gone(_gone(msn, first, first + 6, 20.0))
    dp.note_probe(20.05, gone=False)
    target = _gone(3, 12.0, 18.0, 0.0)
    target = target.__class__(**{**target.__dict__, "gone": None})
    when, spread = dp.predict(target, now=21.0)
    assert when == pytest.approx(29.0) and spread == pytest.approx(1.0)
    at, _ = dp.next_probe([target], now=21.0)
    assert at == pytest.approx(27.95)  # idle until the guessed window
    assert dp.predict(target, now=31.0) is None  # window passed: guess dropped


def _pending(msn: int):
    life = _gone(msn, 2.0 * msn, 2.0 * msn + 6, 0.0)
    return life.__class__(**{**life.__dict__, "gone": None})


def test_deletion_planner_jumps_to_the_expected_batch_boundary():
    dp = DeletionPlanner(rate=100, burst=100)
    for msn in (0, 1, 2):  # a first batch of three at t=20
        dp.note_gone(_gone(msn, 2.0 * msn, 2.0 * msn + 6, 20.0))
    dp.note_probe(20.1, gone=False, msn=3)  # chain ends on a survivor
    dp.note_gone(_gone(3, 6.0, 12.0, 32.0))  # second batch starts with msn 3: expect 3, 4, 5 gone
    cands = [_pending(m) for m in range(4, 11)]
    at, target = dp.next_probe(cands, now=32.0)
    assert target.msn == 5 and at == pytest.approx(32.0)  # the expected youngest member at once
    dp.note_gone(_gone(5, 10.0, 16.0, 32.01))  # gone (4 is inferred by the poller)
    _, target = dp.next_probe(cands[2:], now=32.02)
    assert target.msn == 6  # its younger neighbour decides
    dp.note_probe(32.03, gone=False, msn=6)
    assert dp.next_probe(cands[2:], now=32.04) is not None and dp.anchor is None  # boundary found: chain over
    # A bigger batch than expected: walk on from the guess.
    dp2 = DeletionPlanner(rate=100, burst=100)
    for msn in (0, 1):
        dp2.note_gone(_gone(msn, 2.0 * msn, 2.0 * msn + 6, 20.0))
    dp2.note_probe(20.1, gone=False, msn=2)
    dp2.note_gone(_gone(2, 4.0, 10.0, 32.0))
    _, target = dp2.next_probe([_pending(m) for m in range(3, 9)], now=32.0)
    assert target.msn == 3
    dp2.note_gone(_gone(3, 6.0, 12.0, 32.01))
    _, target = dp2.next_probe([_pending(m) for m in range(4, 9)], now=32.02)
    assert target.msn == 4


def test_deletion_planner_bisects_after_learning_batches():
    dp = DeletionPlanner(rate=100, burst=100)
    for msn in (0, 1, 2):  # a first batch of three at t=20
        dp.note_gone(_gone(msn, 2.0 * msn, 2.0 * msn + 6, 20.0))
    dp.note_probe(20.1, gone=False, msn=3)  # chain ends on a survivor
    dp.note_gone(_gone(3, 6.0, 12.0, 32.0))  # second batch starts: bisect now
    dp._guess = None  # no expected boundary (e.g. the guess fell outside the candidates)
    cands = [_pending(m) for m in range(4, 11)]
    at, target = dp.next_probe(cands, now=32.0)
    assert target.msn == 10 and at == pytest.approx(32.0)  # the youngest removed first
    dp.note_probe(32.01, gone=False, msn=10)
    _, target = dp.next_probe(cands[:-1], now=32.02)
    assert target.msn == 7  # then the middle of what is left below
    dp.note_probe(32.03, gone=False, msn=7)
    _, target = dp.next_probe(cands[:3], now=32.04)
    assert target.msn == 5
    dp.note_probe(32.05, gone=False, msn=5)
    _, target = dp.next_probe(cands[:1], now=32.06)
    assert target.msn == 4
    dp.note_probe(32.07, gone=False, msn=4)
    assert dp.anchor is None or dp.next_probe(cands, now=32.08)[1].msn == 4  # chain over: oldest first again


def test_deletion_planner_period_prior_predicts_second_batch():
    """nginx-rtmp prior: cleaner every 2 x playlist length. One precise batch is enough to predict the next."""
    dp = DeletionPlanner(rate=100, burst=100)
    dp.period_hint = 12.0
    for msn in range(5):  # about a period's worth (12 s / 2 s): a cleaner batch
        dp.note_gone(_gone(msn, 2.0 * msn - 4, 2.0 * msn + 2, 20.0))
    dp.note_probe(20.1, gone=False, msn=5)
    target = _pending(5)
    when, spread = dp.predict(target, now=21.0)
    assert when == pytest.approx(32.0) and spread < 0.2
    at, chosen = dp.next_probe([target], now=21.0)
    assert chosen.msn == 5 and 32.0 < at < 32.1  # no probe in between: just after the predicted tick
    assert dp.predict(target, now=33.0)[0] == pytest.approx(44.0)  # missed tick: the next one (hint kept)
    without = DeletionPlanner(rate=100, burst=100)
    for msn in range(5):
        without.note_gone(_gone(msn, 2.0 * msn - 4, 2.0 * msn + 2, 20.0))
    assert without.predict(target, now=21.0) is None or without.predict(target, now=21.0)[0] != pytest.approx(32.0)
    small = DeletionPlanner(rate=100, burst=100)  # two at once is no 12-s cleaner's batch: hint not used
    small.period_hint = 12.0
    for msn in (0, 1):
        small.note_gone(_gone(msn, 2.0 * msn, 2.0 * msn + 6, 20.0))
    assert small.predict(target, now=21.0) is None or small.predict(target, now=21.0)[0] != pytest.approx(32.0)


def test_default_budget_is_a_function_of_the_target_duration():
    assert default_budget_per_s(2.0) == pytest.approx(1.5)
    assert default_budget_per_s(6.0) == pytest.approx(0.5)
    assert default_budget_per_s(0.5) == pytest.approx(6.0)
    assert default_budget_per_s(float("inf")) > 0 and default_budget_per_s(None) == pytest.approx(1.5)


def test_request_budget_priorities_and_total_from_the_first_second():
    """Reloads first, then HEADs, then probes; nothing sent in any stretch exceeds the budget plus one burst,
    from the start (the old probe bucket started with 60 tokens)."""
    budget = RequestBudget(0.0)
    budget.set_target_duration(2.0, 0.0)
    assert budget.ready_at(RequestKind.PLAYLIST, 0.0) == 0.0  # the first reload at once, nothing saved
    assert 0.0 < budget.ready_at(RequestKind.SEGMENT, 0.0) < budget.ready_at(RequestKind.PROBE, 0.0)
    sent: list[float] = []
    counts = dict.fromkeys(RequestKind, 0)
    due = {RequestKind.PLAYLIST: 0.0, RequestKind.SEGMENT: 0.0, RequestKind.PROBE: 0.0}
    every = {RequestKind.PLAYLIST: 1.25, RequestKind.SEGMENT: 2.0, RequestKind.PROBE: 0.01}  # probes: eager
    t = 0.0
    while t < 60.0:
        for kind in RequestKind:
            if due[kind] <= t and budget.ready_at(kind, t) <= t:
                budget.charge(kind, t)
                sent.append(t)
                counts[kind] += 1
                due[kind] = t + every[kind]
        t += 0.01
    assert len(sent) <= 1.5 * 60 + 1
    assert all(sum(1 for s in sent if s < t) <= 1 + 1.5 * t for t in range(1, 61))  # from the first second
    assert counts[RequestKind.PLAYLIST] >= 60 / 1.25 - 2  # reloads as wanted
    assert counts[RequestKind.SEGMENT] >= 60 / 2.0 - 6  # HEADs nearly so
    assert 0 < counts[RequestKind.PROBE] <= 0.2 * 60 + 3  # probes get what is left


def test_reloads_overdraw_a_tiny_budget_only_up_to_the_reload_bound():
    budget = RequestBudget(0.0, per_s=0.01)
    budget.set_target_duration(2.0, 0.0)
    assert budget.reload_at(0.0, 0.0) == 0.0
    budget.charge(RequestKind.PLAYLIST, 0.0)
    assert budget.reload_at(0.05, 0.05) == pytest.approx(reload_bound_s(2.0))  # then only the bound
    budget.charge(RequestKind.PLAYLIST, 3.0)
    assert budget.reload_at(3.05, 3.05) == pytest.approx(3.0 + reload_bound_s(2.0))
    assert budget.ready_at(RequestKind.PROBE, 0.2) > 100.0


def test_shifted_first_poll_saves_requests_without_late_detection():
    import random

    rng = random.Random(7)
    arrivals = [0.37 + 2.0 * k + rng.gauss(0, 0.01) for k in range(60)]
    shifted, delays = simulate(FastPlanner(step_s=0.06), arrivals, until=120.0)
    bracketing, _ = simulate(FastPlanner(step_s=0.06, calibrate_every=1), arrivals, until=120.0)
    steady = sorted(delays[5:])
    assert steady[int(0.95 * (len(steady) - 1))] <= 0.085
    assert shifted < 0.8 * bracketing
    assert shifted / 120.0 < 1.0


def test_window_estimate_for_wide_first_seen_windows():
    narrow, wide = window(10.0, 10.06), window(8.0, 10.06)
    assert narrow.estimate(0.06) == pytest.approx(narrow.mid)  # bracketed: the middle
    assert wide.estimate(0.06) == pytest.approx(10.03)  # opened by a long-past reload: within a step of hi
    assert wide.estimate(float("inf")) == pytest.approx(wide.mid)  # RFC poller: no such knowledge
