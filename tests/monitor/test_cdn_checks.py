"""Pure tests of the CDN-side checks added for the delivery path (injected times, no I/O): a CDN serving an
old copy of a reused segment URL (Age older than the listing), a copy whose size differs from the
reference endpoint's (truncated S3 upload), and propagation keyed by generation."""

from __future__ import annotations

from monitor.poller import SharedState
from monitor.records import RequestKind, SegmentLifecycle, Severity
from monitor.scheduler import FastPlanner, PollOutcome
from tests.monitor.helpers import request, snap, window
from tests.monitor.rules.harness import Driver


def cdn_checker() -> Driver:
    return Driver(is_cdn=True)


def life(msn: int = 2, *, first_seen: float = 100.0, generation: int = 1, initial: bool = False) -> SegmentLifecycle:
    return SegmentLifecycle(
        endpoint="cdn",
        msn=msn,
        uri=f"http://127.0.0.1:8081/live/test/index{msn}.ts",
        extinf=1.0,
        first_seen=window(first_seen - 0.05, first_seen),
        generation=generation,
        initial=initial,
    )


def head(t: float, age: str | None, msn: int = 2):
    headers = {"x-cache": "Hit from cloudfront", "content-length": "43240"}
    if age is not None:
        headers["age"] = age
    return request(t, 200, msn=msn, kind=RequestKind.SEGMENT, headers=headers)


def test_old_copy_fires_when_the_edge_copy_predates_the_listing():
    ch = cdn_checker()
    alerts = ch.segment(head(100.3, "14"), life())
    reuse = [a for a in alerts if a.code == "uri_reused"]
    assert len(reuse) == 1 and reuse[0].severity == Severity.ERROR
    assert reuse[0].evidence["age_s"] == 14.0 and 0.3 <= reuse[0].evidence["listed_s"] <= 0.36
    # latched for the generation: the next reused segment does not repeat it
    assert ch.segment(head(101.3, "15", msn=3), life(3)) == []
    # a new generation (another restart) may fire again
    assert [a.code for a in ch.segment(head(130.0, "40"), life(2, generation=2))] == ["uri_reused"]


def test_old_copy_silent_for_fresh_copies_initial_segments_and_origins():
    ch = cdn_checker()
    # cached when it was listed (Age grows with the time listed): fine, however long it stays
    assert ch.segment(head(100.2, "0"), life()) == []
    assert ch.segment(head(110.0, "11"), life(), listed=False) == []
    # Age whole seconds + the segment's own duration + slack: 3 s after the listing an Age of 5 is still fine
    assert ch.segment(head(103.0, "5"), life()) == []
    # no Age header, or a segment already listed when monitoring started (first seen is an upper bound)
    assert ch.segment(head(100.3, None), life()) == []
    assert ch.segment(head(100.3, "500"), life(initial=True)) == []
    # an origin endpoint (no --cdn, no cache signs seen in its playlist responses) never runs this check
    assert Driver().segment(head(100.3, "14"), life()) == []


def test_segment_size_differs_from_the_reference():
    ch = cdn_checker()

    def size(lf: SegmentLifecycle, got: int, ref: int) -> list:
        ch.rules.cdn.size(ch.facts(100.0), lf, got, ref, "origin")
        return ch.rules.drain()

    assert size(life(), 43240, 43240) == []
    (alert,) = size(life(), 13348, 46248)
    assert alert.code == "segment_differs" and "truncated" in alert.message
    assert {k: alert.evidence[k] for k in ("msn", "url", "size", "reference_size")} == {
        "msn": 2,
        "url": life().uri,
        "size": 13348,
        "reference_size": 46248,
    }
    # once per generation (one episode)
    assert size(life(3), 1, 2) == []


def test_shared_state_is_keyed_by_generation():
    shared = SharedState()
    shared.note_first_seen("origin", 2, window(10.0, 10.1), generation=0)
    shared.note_size("origin", 2, 1000, generation=0)
    # after a restart the same media sequence number is another segment
    assert shared.lookup("origin", 2, generation=1) is None
    assert shared.size_of("origin", 2, generation=1) is None
    assert shared.lookup("origin", 2, generation=0) == window(10.0, 10.1)
    assert shared.size_of("origin", 2) == 1000


def test_playlist_stale_advice_at_a_cdn_points_at_the_cache():
    cdn, origin = cdn_checker(), Driver()
    for ch in (cdn, origin):
        first = snap(9.99, 3)  # the newest segment appeared at t=10 s at the latest
        ch.playlist(first)
        assert ch.playlist(snap(12.9, 3, previous=first)) == []  # 2.9 s < 1.5 x TD
    (at_cdn,) = cdn.playlist(snap(13.1, 3, previous=first))
    (at_origin,) = origin.playlist(snap(13.1, 3, previous=first))
    assert at_cdn.code == at_origin.code == "playlist_stale"
    assert "cached playlist" in at_cdn.advice and "publisher" in at_origin.advice


def test_a_frozen_cdn_playlist_is_polled_gently():
    """A CDN copy that never changes (stale-playlist) gave the fast planner nothing to learn: it polled every
    0.1 s for as long as the copy stayed cached (~10 req/s). Dense for 1.5 x TD, then every TD/2."""
    planner, polls, t = FastPlanner(step_s=0.06), 0, 0.0
    while t < 60.0:
        polls += 1
        planner.after_poll(PollOutcome(sent=t, first_byte=t + 0.004, ok=True, changed=False, target_duration=2))
        t = max(planner.next_poll_at(), t + 0.001)
    assert polls <= 31 + 60  # ~30 dense polls in the first 3 s, then one a second
    assert polls / 60.0 <= 1.6
