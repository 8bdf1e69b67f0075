"""Transport (failure rate, self-health), stream state (one owner) and CDN attribution, on scripted input."""

from __future__ import annotations

from monitor.records import EndpointState, Severity
from monitor.stream_state import Liveness
from tests.monitor.helpers import snap
from tests.monitor.rules.harness import Driver
from tests.monitor.test_checks import _life, healthy


def test_failures_never_twice_in_a_row_raise_one_rate_alert_with_evidence_then_a_recovery():
    d = Driver()
    d.run(healthy(1))
    reasons = ["HTTP 503", "HTML page instead of a playlist", "truncated playlist: stops mid-tag"]
    t, prev = 2.0, d.last
    for k in range(35):  # one poll in seven fails, never two in a row
        if k % 7 == 3:
            d.failure(t, 200 if k % 3 else 503, reasons[k % 3])
        else:
            prev = snap(t, 1 + k, 3, previous=prev)
            d.playlist(prev)
        t += 2.0
    rate = [a for a in d.alerts if a.code == "failure_rate"]
    assert len(rate) == 1 and rate[0].severity == Severity.WARNING  # was no alert at all
    assert rate[0].evidence["failures"] >= 2 and rate[0].evidence["by_reason"]
    assert not [a for a in d.alerts if a.code in ("bad_playlist", "http_error", "unreachable")]
    for _ in range(70):  # two calm minutes
        prev = snap(t, prev.media_sequence + 1, 3, previous=prev)
        d.playlist(prev)
        t += 2.0
    assert "failure_rate_recovered" in [a.code for a in d.alerts]


def test_an_outage_is_said_once_not_again_as_a_failure_rate():
    d = Driver()
    d.run(healthy(1))
    t, prev = 2.0, d.last
    for _ in range(8):  # the origin stops answering: failures in a row
        d.failure(t, None, "connection refused (nothing listening)")
        t += 1.0
    for k in range(20):  # it comes back
        prev = snap(t, prev.media_sequence + 1 + k % 2, 3, previous=prev)
        d.playlist(prev)
        t += 2.0
    told = [a.code for a in d.alerts]
    assert told.count("unreachable") == 1
    assert "failure_rate" not in told  # one judgement per fact


def test_a_late_monitor_concludes_no_stall_and_no_early_deletion():
    first = snap(0.0, 0, 3)
    live = Liveness()
    assert live.after_snapshot(EndpointState.STARTING, first, first.fetched.hi, at_cdn=False, uncertain=False) == (
        EndpointState.LIVE
    )
    frozen = snap(10.0, 0, 3, previous=first)
    assert live.after_snapshot(EndpointState.LIVE, frozen, None, at_cdn=False, uncertain=True) == EndpointState.LIVE
    assert live.after_snapshot(EndpointState.LIVE, frozen, None, at_cdn=False, uncertain=False) == (
        EndpointState.STALLED
    )
    d = Driver()
    d.run(healthy(3))
    d.uncertain = True
    assert d.gone(12.0, _life(10.0, 12.0)) == []  # would be deleted_too_early from a punctual monitor
    d.uncertain = False
    assert [a.code for a in d.gone(12.0, _life(10.0, 12.0))] == ["deleted_too_early"]


def test_monitor_lateness_is_an_alert_with_a_recovery():
    d = Driver()
    d.rules.transport.on_loop(d.facts(0.0), 3.2)
    d.rules.transport.on_loop(d.facts(1.0), 2.0)
    for t in range(2, 70):
        d.rules.transport.on_loop(d.facts(float(t)), 0.0)
    assert [a.code for a in d.rules.drain()] == ["monitor_late", "monitor_late_recovered"]


def _frozen_at_cdn(d: Driver, seconds: float, start: float = 0.0, ms: int = 0):
    """A copy listing ms.. stays cached: reloads every 0.5 s see the same playlist with a growing Age."""
    first = snap(start, ms, 3)
    d.playlist(first)
    t = start + 0.5
    while t < start + seconds:
        s = snap(t, ms, 3, previous=first)
        d.playlist(s.__class__(**{**vars(s), "age_s": float(int(t - start))}))
        t += 0.5
    return t


def test_a_frozen_playlist_at_a_cdn_is_the_cdn_copy_not_the_publisher():
    signs = {"age": "5", "x-cache": "Hit from cloudfront", "via": "1.1 varnish"}
    d = Driver(signs=signs)  # no --cdn: the cache headers alone make it a CDN
    _frozen_at_cdn(d, 10.0)
    (alert,) = [a for a in d.alerts if a.recovers is None]
    assert alert.code == "cdn_old_copy" and "Age" in alert.message and "Hit" in alert.message
    assert "publisher" not in (alert.message + alert.advice).lower()
    assert d.state == EndpointState.STALLED


def test_a_cdn_refreshing_its_old_copy_does_not_flap_and_recovers_once_fresh():
    signs = {"age": "5", "x-cache": "Hit from cloudfront"}
    d = Driver(signs=signs)
    states = []
    t, ms = 0.0, 0
    for _ in range(4):  # an edge refreshing a stale copy every 6 s: bursts of new segments
        t = _frozen_at_cdn(d, 6.0, start=t, ms=ms)
        ms += 3
        states.append(d.state)
    assert states.count(EndpointState.LIVE) == 0, states  # one episode, no live/stalled flapping
    prev = d.last
    for _ in range(80):  # fresh for 40 s
        prev = snap(t, ms, 3, previous=prev)
        d.playlist(prev)
        t, ms = t + 0.5, ms + (1 if int(t * 2) % 4 == 0 else 0)
    codes = [a.code for a in d.alerts]
    assert codes == ["cdn_old_copy", "cdn_old_copy_recovered"] and d.state == EndpointState.LIVE, codes


def test_stale_at_the_origin_names_the_publisher_and_recovers_at_once():
    d = Driver()
    first = snap(0.0, 0, 3)
    d.run([first, snap(3.5, 0, 3, previous=first)])
    assert [a.code for a in d.alerts] == ["playlist_stale"] and "publisher" in d.alerts[0].advice
    d.playlist(snap(4.0, 1, 3, previous=d.last))
    assert [a.code for a in d.alerts] == ["playlist_stale", "playlist_fresh"]


def test_cdn_signs():
    from monitor.rules.cdn import cdn_signs, is_hit

    assert cdn_signs({"x-amz-cf-pop": "CDG50", "etag": "x"}) == {"x-amz-cf-pop": "CDG50"}
    assert is_hit({"cf-cache-status": "HIT"}) and not is_hit({"x-cache": "Miss from cloudfront"})
    assert cdn_signs({"server": "nginx", "content-type": "x"}) == {}


def test_stopping_the_monitor_or_failing_requests_end_no_episode():
    d = Driver()
    first = snap(0.0, 0, 3)
    d.run([first, snap(3.5, 0, 3, previous=first)])
    d.failure(4.0, None, "timeout")
    d.failure(5.0, None, "timeout")
    d.set_state(6.0, EndpointState.STOPPED)
    assert [a.code for a in d.alerts] == ["playlist_stale", "unreachable"]  # no "fresh" from a failure or a stop


def test_a_stall_followed_by_an_outage_recovers_when_the_stream_is_seen_again():
    d = Driver()
    first = snap(0.0, 0, 3)
    d.run([first, snap(3.5, 0, 3, previous=first)])
    d.failure(4.0, 503, "HTTP 503")
    d.playlist(snap(5.0, 1, 3, previous=d.last))
    assert [a.code for a in d.alerts] == ["playlist_stale", "playlist_fresh"]
