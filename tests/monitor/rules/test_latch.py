"""The one latch: one alert per episode, a recovery after the hold, escalation, events apart."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.records import Severity
from monitor.rules.latch import Alerter
from tests.monitor.rules.harness import stamp


def test_one_alert_per_episode_then_a_recovery_after_the_hold():
    al = Alerter("e")
    assert al.fire(stamp(0.0), "msn_jump", {"before": 1, "after": 5, "missed": 3})
    for t in range(1, 43):  # the condition repeats on every reload: counted, not repeated
        assert not al.fire(stamp(float(t)), "msn_jump", {"before": 1, "after": 5, "missed": 3})
    assert not al.clear(stamp(50.0), "msn_jump", hold_s=30.0)
    assert not al.clear(stamp(79.0), "msn_jump", hold_s=30.0)  # absent for 29 s: not yet
    assert al.clear(stamp(80.0), "msn_jump", hold_s=30.0)
    first, recovery = al.drain()
    assert first.code == "msn_jump" and first.severity == Severity.WARNING and first.recovers is None
    assert recovery.code == "msn_jump_recovered" and recovery.recovers == "msn_jump"
    assert recovery.severity == Severity.INFO and recovery.evidence == {"duration_s": 80.0, "count": 43}
    assert al.fire(stamp(90.0), "msn_jump", {})  # a new episode


def test_a_condition_flipping_within_the_hold_is_one_episode():
    al = Alerter("e")
    for t in range(60):  # one ERROR a second was the old behaviour
        if t % 2:
            al.fire(stamp(float(t)), "sequence_went_back", {"before": 10, "after": 8})
        else:
            al.clear(stamp(float(t)), "sequence_went_back")
    assert [a.code for a in al.drain()] == ["sequence_went_back"]


def test_a_worse_variant_escalates_once():
    al = Alerter("e")
    ev = {"msn": 1, "available_s": 1.0, "required_s": 8.0}
    assert al.fire(stamp(0.0), "deleted_too_early", ev, variant="batch")
    assert not al.fire(stamp(1.0), "deleted_too_early", ev, variant="batch")
    assert al.fire(stamp(2.0), "deleted_too_early", ev)
    assert not al.fire(stamp(3.0), "deleted_too_early", ev)
    assert [a.severity for a in al.drain()] == [Severity.WARNING, Severity.ERROR]


def test_keys_are_separate_episodes_and_bounded():
    al = Alerter("e")
    assert al.fire(stamp(0.0), "segment_differs", {}, key="0")
    assert al.fire(stamp(0.0), "segment_differs", {}, key="1")
    for k in range(5000):
        al.fire(stamp(1.0), "segment_differs", {}, key=str(k + 2))
    assert len(al.open_episodes()) <= 2000


def test_events_and_conditions_are_not_mixed_up():
    al = Alerter("e")
    with pytest.raises(AssertionError):
        al.fire(stamp(0.0), "stream_ended", {})
    with pytest.raises(AssertionError):
        al.event(stamp(0.0), "msn_jump", {})
    al.event(stamp(0.0), "stream_ended", {"last_msn": 3})
    al.event(stamp(1.0), "stream_ended", {"last_msn": 3})  # the caller decides an event happened
    assert len(al.drain()) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 40.0), st.booleans()), max_size=200))
def test_alerts_and_recoveries_alternate_and_follow_the_hold(steps):
    """Whatever the observations: alert, recovery, alert... in turn; a recovery only after the condition
    has been absent for the whole hold; a new alert only when no episode is open."""
    al, t, hold = Alerter("e"), 0.0, 30.0
    absent_since = None
    for dt, present in steps:
        t += dt
        if present:
            al.fire(stamp(t), "msn_jump", {})
            absent_since = None
        else:
            absent_since = t if absent_since is None else absent_since
            if al.clear(stamp(t), "msn_jump", hold_s=hold):
                assert t - absent_since >= hold
    kinds = [a.recovers is not None for a in al.drain()]
    assert kinds == [k % 2 == 1 for k in range(len(kinds))]
    fired = sum(1 for _, p in steps if p)
    assert (fired == 0) == (kinds == [])
