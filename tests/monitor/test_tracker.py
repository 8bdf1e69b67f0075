"""Lifecycle tracker on scripted playlists (pure, injected times) plus a hypothesis property test."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.records import RequestKind
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
    assert life.gone.lo >= life.left.lo
    assert tr.removed_not_gone() == []
    assert tr.observe_probe(0, request(15.0, 404, msn=0)) is None  # already gone: no change


def test_missed_segments_between_polls():
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 0)  # 0..2
    tr.observe(s1)
    upd = tr.observe(snap(10.0, 6, previous=s1))  # 6..8: 3,4,5 came and went unseen
    (missed,) = [lf for lf in upd.changed if lf.missed]
    assert (missed.msn, missed.missed_through, missed.missed_count) == (3, 5, 3)


def test_a_media_sequence_jump_is_one_missed_range():
    """A jump of 10,000 used to create 10,000 missed records per reload (35 → 108 MB in 25 s)."""
    tr = LifecycleTracker("origin")
    prev = snap(0.0, 0)
    tr.observe(prev)
    for k in range(1, 30):
        cur = snap(float(k), 10_000 * k, previous=prev)
        upd = tr.observe(cur)
        prev = cur
        missed = [lf for lf in upd.changed if lf.missed]
        assert len(missed) == 1 and missed[0].missed_count == 10_000 * k - (10_000 * (k - 1) + 3)
    assert len(tr) < 200


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


def _left_and_probed(tr, msn, t, status):
    return tr.observe_probe(msn, request(t, status, msn=msn))


def test_gone_is_never_before_left():
    """A 404 while listed is counted, not taken as the deletion; after leaving, gone starts after left."""
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 0)
    tr.observe(s1)
    life = tr.observe_probe(0, request(0.5, 404, msn=0))
    assert life.errors_while_listed == 1 and life.gone is None
    s2 = snap(4.0, 1, previous=s1)
    tr.observe(s2)
    life = tr.observe_probe(0, request(4.1, 404, msn=0), not_before=-100.0)
    assert life.gone is not None and life.left is not None
    assert life.gone.lo >= life.left.lo and life.gone.hi >= life.left.hi


def test_a_restart_closes_the_old_generation_at_the_first_404_of_the_outage():
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 40)
    tr.observe(s1)
    for t in (2.0, 4.0, 6.0, 8.0):  # the outage: the first 404 at 2 s
        tr.note_playlist_failure(request(t, 404, kind=RequestKind.PLAYLIST))
    upd = tr.observe(snap(9.8, 0, previous=s1))
    assert upd.reset is not None
    closed = [lf for lf in upd.changed if lf.generation == 0]
    assert {lf.msn for lf in closed} == {40, 41, 42}
    assert all(lf.left.hi == 2.005 for lf in closed)  # not 9.81 (7.8 s late)
    # a 404 then recovery at the same sequence is no restart: nothing is closed at the 404
    tr2 = LifecycleTracker("origin")
    a = snap(0.0, 40)
    tr2.observe(a)
    tr2.note_playlist_failure(request(2.0, 404, kind=RequestKind.PLAYLIST))
    b = snap(4.0, 41, previous=a)
    upd = tr2.observe(b)
    (left,) = [lf for lf in upd.changed if lf.left is not None]
    assert left.msn == 40 and left.left.hi == 4.01


def test_the_last_lifecycle_reported_is_the_current_state():
    """A restart gives up the old generation's probed segments: the update carries their final version
    only, never the earlier "left" version after it."""
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 40)
    tr.observe(s1)
    s2 = snap(2.0, 41, previous=s1)
    tr.observe(s2)
    tr.observe_probe(40, request(2.5, 200, msn=40))
    upd = tr.observe(snap(4.0, 0, previous=s2))
    versions = [lf for lf in upd.changed if (lf.generation, lf.msn) == (0, 40)]
    assert len(versions) == 1 and versions[0].gave_up
    for lf in upd.changed:
        assert tr.get(lf.msn, lf.generation) in (None, lf)


def test_never_probed_segments_are_never_given_up_as_still_available():
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 0)
    tr.observe(s1)
    tr.observe(snap(2.0, 2, previous=s1))  # 0 and 1 left
    tr.observe_probe(1, request(2.5, 200, msn=1))
    assert tr.give_up(0) is None  # never probed: no claim at all
    assert tr.give_up(1).gave_up  # really answered 200: still available
    assert tr.removed_not_gone() == []


def test_gap_segments_are_never_probed_as_missing():
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2,\na.ts\n#EXT-X-GAP\n#EXTINF:2,\nb.ts\n"
    tr = LifecycleTracker("origin")
    s1 = snap(0.0, 0, text=text)
    tr.observe(s1)
    assert tr.get(1).gap
    after = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:2\n#EXTINF:2,\nc.ts\n"
    tr.observe(snap(4.0, 2, text=after, previous=s1))
    assert [lf.msn for lf in tr.removed_not_gone()] == [0]


def test_memory_is_bounded_over_a_long_run():
    """A day of 0.5 s segments, with and without deletion probes: the state stays bounded."""
    for probing in (True, False):
        tr = LifecycleTracker("origin")
        prev = None
        for k in range(5_000):
            cur = snap(k * 0.5, k, 6, dur=0.5, previous=prev)
            tr.observe(cur)
            prev = cur
            if probing:
                for lf in tr.removed_not_gone()[:1]:
                    tr.observe_probe(lf.msn, request(k * 0.5 + 0.2, 404, msn=lf.msn))
        assert len(tr) <= 1000 + 2000 + 10
