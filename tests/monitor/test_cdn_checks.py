"""Pure tests of the CDN-side checks added for the delivery path (injected times, no I/O): a CDN serving an
old copy of a reused segment URL (Age older than the listing), a copy whose size differs from the
reference endpoint's (truncated S3 upload), and propagation keyed by generation."""

from __future__ import annotations

from monitor.checks import EndpointChecker, segment_size_alert
from monitor.poller import SharedState
from monitor.records import RequestKind, SegmentLifecycle, Severity
from monitor.scheduler import FastPlanner, PollOutcome
from tests.monitor.helpers import request, utc, window


def cdn_checker() -> EndpointChecker:
    return EndpointChecker("cdn", lambda: (0.0, utc(0.0)), is_cdn=True)


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
    alerts = ch.on_segment_response(life(), head(100.3, "14"), listed=True)
    reuse = [a for a in alerts if a.code == "uri_reused"]
    assert len(reuse) == 1 and reuse[0].severity == Severity.ERROR
    assert reuse[0].evidence["age_s"] == 14.0 and 0.3 <= reuse[0].evidence["listed_s"] <= 0.36
    # latched for the generation: the next reused segment does not repeat it
    assert ch.on_segment_response(life(3), head(101.3, "15", msn=3), listed=True) == []
    # a new generation (another restart) may fire again
    assert [a.code for a in ch.on_segment_response(life(2, generation=2), head(130.0, "40"), listed=True)] == [
        "uri_reused"
    ]


def test_old_copy_silent_for_fresh_copies_initial_segments_and_origins():
    ch = cdn_checker()
    # cached when it was listed (Age grows with the time listed): fine, however long it stays
    assert ch.on_segment_response(life(), head(100.2, "0"), listed=True) == []
    assert ch.on_segment_response(life(), head(110.0, "11"), listed=False) == []
    # Age whole seconds + the segment's own duration + slack: 3 s after the listing an Age of 5 is still fine
    assert ch.on_segment_response(life(), head(103.0, "5"), listed=True) == []
    # no Age header, or a segment already listed when monitoring started (first seen is an upper bound)
    assert ch.on_segment_response(life(), head(100.3, None), listed=True) == []
    assert ch.on_segment_response(life(initial=True), head(100.3, "500"), listed=True) == []
    # an origin endpoint (not a CDN) never runs this check
    origin = EndpointChecker("origin", lambda: (0.0, utc(0.0)))
    assert origin.on_segment_response(life(), head(100.3, "14"), listed=True) == []


def test_segment_size_differs_from_the_reference():
    ch = cdn_checker()
    assert segment_size_alert(ch, life=life(), size=43240, reference_size=43240, reference="origin") is None
    alert = segment_size_alert(ch, life=life(), size=13348, reference_size=46248, reference="origin")
    assert alert is not None and alert.code == "segment_differs" and "truncated" in alert.message
    assert alert.evidence == {"msn": 2, "url": life().uri, "size": 13348, "reference_size": 46248}
    # once per generation
    assert segment_size_alert(ch, life=life(3), size=1, reference_size=2, reference="origin") is None


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
    cdn, origin = cdn_checker(), EndpointChecker("origin", lambda: (0.0, utc(0.0)))
    for ch in (cdn, origin):
        ch._last_new_lo = 10.0  # the newest segment appeared at t=10 s at the latest
        assert ch.on_tick(12.9, 2.0, False) == []  # 2.9 s < 1.5 x TD
    (at_cdn,) = cdn.on_tick(13.1, 2.0, False)
    (at_origin,) = origin.on_tick(13.1, 2.0, False)
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
