"""Lifecycle tracker on scripted playlists (pure, injected times) plus a hypothesis property test."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.tracker import LifecycleTracker
from tests.monitor.helpers import request, snap


def test_first_seen_left_gone_windows():
    tr = LifecycleTracker("origin")
    s1 = snap(10.0, 0)
    upd = tr.observe(s1)
    assert [lf.msn for lf in upd.new] == [0, 1, 2] and all(lf.initial for lf in upd.new)
    s2 = snap(11.0, 0, previous=s1)  # unchanged
    assert tr.observe(s2).new == []
    s3 = snap(12.0, 1, previous=s2)  # 3 new, 0 left
    upd = tr.observe(s3)
    (new,) = upd.new
    assert new.msn == 3 and not new.initial
    assert (new.first_seen.lo, new.first_seen.hi) == (11.0, 12.01)  # last poll without it → first with it
    (left,) = [lf for lf in upd.changed if lf.msn == 0]
    assert (left.left.lo, left.left.hi) == (11.0, 12.01)
    assert [lf.msn for lf in tr.removed_not_gone()] == [0]
    assert tr.observe_probe(0, request(13.0, 200, msn=0)).gone is None
    life = tr.observe_probe(0, request(14.0, 404, msn=0))
    assert life.gone is not None and (life.gone.lo, life.gone.hi) == (13.0, 14.005) and life.gone_status == 404
    assert life.deletion_lag_s == life.gone.mid - life.left.mid
    assert tr.removed_not_gone() == []
    assert tr.observe_probe(0, request(15.0, 404, msn=0)) is None  # already gone: no change


def test_missed_segments_between_polls():
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 0)  # 0..2
    tr.observe(s1)
    upd = tr.observe(snap(10.0, 6, previous=s1))  # 6..8: 3,4,5 came and went unseen
    missed = sorted(lf.msn for lf in upd.changed if lf.missed)
    assert missed == [3, 4, 5]


def test_restart_opens_a_new_generation_and_reports_uri_change():
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 40)
    tr.observe(s1)
    upd = tr.observe(snap(2.0, 0, previous=s1))
    assert upd.reset is not None and tr.generation == 1
    assert {lf.generation for lf in upd.new} == {1}
    s3 = snap(4.0, 0, name="other", previous=None)
    assert tr.observe(s3).uri_changed  # same MSN, different URI


def test_404_while_listed_counts():
    tr = LifecycleTracker("origin")
    tr.observe(snap(0.0, 0))
    life = tr.note_download(2, request(0.1, 404, msn=2, method="GET"))
    assert life.errors_while_listed == 1


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.booleans()), min_size=1, max_size=25))
def test_property_windows_are_ordered_and_each_msn_tracked_once(steps):
    """Random sliding/jumping/restarting playlists: invariants of the lifecycles always hold."""
    tr = LifecycleTracker("origin")
    t, ms, prev = 0.0, 0, None
    for advance, n, restart in steps:
        t += 0.5
        ms = 0 if restart else ms + advance
        cur = snap(t, ms, n, previous=prev)
        tr.observe(cur)
        prev = cur
        for lf in tr.removed_not_gone()[:1]:
            tr.observe_probe(lf.msn, request(t + 0.1, 404, msn=lf.msn), lf.generation)
        t += 0.2
    keys = [(lf.generation, lf.msn) for lf in tr.lifecycles()]
    assert len(keys) == len(set(keys))
    for lf in tr.lifecycles():
        assert lf.first_seen.lo <= lf.first_seen.hi
        if lf.left is not None:
            assert lf.left.hi >= lf.first_seen.lo
        if lf.gone is not None:
            assert lf.left is not None and lf.gone.lo <= lf.gone.hi
            assert lf.gone.hi >= lf.left.lo


def test_restart_after_endlist_at_the_same_media_sequence_is_a_new_generation():
    """NMS's tutorial task (hls_list_size=100): the media sequence is still 0 when the publisher restarts."""
    tr = LifecycleTracker("origin")
    prev = None
    for k in range(1, 4):
        prev = snap(2.0 * k, 0, k, previous=prev, name="index")
        tr.observe(prev)
    ended = snap(7.0, 0, 3, previous=prev, endlist=True, name="index")
    assert tr.observe(ended).reset is None
    upd = tr.observe(snap(15.0, 0, 1, previous=ended, name="index"))
    assert upd.reset is not None and tr.generation == 1
    assert [lf.msn for lf in upd.new] == [0] and upd.new[0].generation == 1
