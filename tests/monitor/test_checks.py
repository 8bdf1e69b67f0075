"""Each check fires on a scripted violation and stays silent on healthy input (pure, injected times)."""

from __future__ import annotations

from dataclasses import replace

from monitor.checks import EndpointChecker, cache_lifetime_s, cdn_stale_alert
from monitor.records import RequestKind, SegmentLifecycle, Severity
from monitor.tracker import LifecycleTracker
from tests.monitor.fakeserver import playlist
from tests.monitor.helpers import request, snap, utc, window

GOOD = {
    "content-type": "application/vnd.apple.mpegurl",
    "cache-control": "no-cache",
    "access-control-allow-origin": "*",
}


def checker(**kw) -> EndpointChecker:
    return EndpointChecker("origin", lambda: (0.0, utc(0.0)), **kw)


def pl_req(t: float, status: int | None = 200, headers: dict | None = None):
    return request(
        t,
        status,
        kind=RequestKind.PLAYLIST,
        method="GET",
        headers=GOOD if headers is None else headers,
        url="http://127.0.0.1/live.m3u8",
    )


def run_stream(ch: EndpointChecker, snaps) -> list:
    tr = LifecycleTracker("origin")
    alerts, prev = [], None
    for s in snaps:
        upd = tr.observe(s)
        alerts += ch.on_playlist_request(pl_req(s.fetched.lo), None, s.target_duration)
        alerts += ch.on_snapshot(s, prev, upd.new, upd.reset is not None, upd.uri_changed)
        alerts += ch.on_tick(s.fetched.hi, s.target_duration, s.endlist)
        prev = s
    return alerts


def healthy(n: int = 12, start: int = 0):
    out, prev = [], None
    for k in range(n):
        prev = snap(2.0 * k, start + k, 3, previous=prev)
        out.append(prev)
    return out


def test_healthy_stream_is_silent():
    assert run_stream(checker(), healthy()) == []


def codes(alerts) -> set[str]:
    return {a.code for a in alerts}


def test_extinf_over_target_and_target_changed():
    s = healthy(3)
    bad = snap(6.0, 3, 3, dur=2.6, td=2, previous=s[-1])
    changed = snap(8.0, 4, 3, dur=2.0, td=3, previous=bad)
    got = codes(run_stream(checker(), [*s, bad, changed]))
    assert {"extinf_over_target", "target_changed"} <= got


def test_window_short_only_once_removing():
    s, prev = [], None
    for k in range(6):  # 2 x 2 s = 4 s < 3 x TD; growing first (legitimate), then sliding
        prev = snap(2.0 * k, max(0, k - 1), min(k + 1, 2), previous=prev)
        s.append(prev)
    alerts = [a for a in run_stream(checker(), s) if a.code == "window_short"]
    assert len(alerts) == 1 and alerts[0].spec == "RFC 8216 §6.2.2"


def test_msn_back_and_jump():
    s = healthy(3, start=50)
    back = snap(6.0, 0, 3, previous=s[-1])
    jump = snap(8.0, 10, 3, previous=back)
    got = codes(run_stream(checker(), [*s, back, jump]))
    assert {"msn_back", "msn_jump"} <= got


def test_stale_playlist_once_and_not_on_jittery_healthy():
    s = healthy(3)
    ch = checker()
    run_stream(ch, s)
    assert ch.on_tick(s[-1].fetched.hi + 2.9, 2, False) == []  # < 1.5 x TD: fine
    first = ch.on_tick(s[-1].fetched.hi + 3.1, 2, False)
    assert codes(first) == {"playlist_stale"}
    assert ch.on_tick(s[-1].fetched.hi + 5.0, 2, False) == []  # latched


def test_gone_back_and_ended():
    ch = checker()
    s = healthy(2)
    run_stream(ch, s)
    assert ch.on_playlist_request(pl_req(5.0, 404), "HTTP 404", 2)[0].code == "playlist_gone"
    back = snap(7.0, 5, previous=s[-1])
    ended = snap(9.0, 6, endlist=True, previous=back)
    got = run_stream(ch, [back, ended])
    assert {"stream_back", "stream_ended"} <= codes(got)


def test_header_checks_fire_and_cdn_skips_cacheability():
    bad = {"content-type": "text/plain", "cache-control": "max-age=60"}
    got = checker().on_playlist_request(pl_req(0.0, 200, bad), None, 2)
    assert codes(got) == {"content_type", "cors", "cacheable_playlist"}
    got = checker(is_cdn=True).on_playlist_request(pl_req(0.0, 200, bad), None, 2)
    assert "cacheable_playlist" not in codes(got)
    assert checker().on_playlist_request(pl_req(0.0, 200), None, 2) == []
    assert cache_lifetime_s("public, max-age=1") == 1.0 and cache_lifetime_s("no-cache") is None


def test_transport_failures_need_two_in_a_row():
    ch = checker()
    assert ch.on_playlist_request(pl_req(0.0, None), "timeout", None) == []
    assert codes(ch.on_playlist_request(pl_req(1.0, None), "timeout", None)) == {"unreachable"}
    ch = checker()
    assert ch.on_playlist_request(pl_req(0.0, 200), "HTML page instead of a playlist", None) == []
    assert codes(ch.on_playlist_request(pl_req(1.0, 200), "HTML page instead of a playlist", None)) == {"bad_playlist"}


def _life(left: float, gone: float) -> SegmentLifecycle:
    return SegmentLifecycle(
        endpoint="origin",
        msn=3,
        uri="u",
        extinf=2.0,
        first_seen=window(0, 0),
        left=window(left, left + 0.05),
        gone=window(gone - 0.05, gone),
    )


def test_deleted_too_early_uses_conservative_bounds():
    ch = checker()
    run_stream(ch, healthy(3))  # longest playlist 6 s → required 8 s
    assert ch.on_gone(_life(10.0, 18.5)) == []
    (alert,) = ch.on_gone(_life(10.0, 17.5))
    assert alert.code == "deleted_too_early" and alert.severity == Severity.WARNING
    (alert,) = ch.on_gone(_life(10.0, 12.0))  # worse: escalates despite the rate limit
    assert alert.severity == Severity.ERROR


def test_segment_missing_and_uri_reuse():
    ch = checker()
    got = ch.on_segment_response(None, request(1.0, 404, msn=4), listed=True)
    assert codes(got) == {"segment_missing"}
    h1 = {"etag": '"a-1"', "content-length": "100", "content-type": "video/mp2t"}
    h2 = {"etag": '"b-2"', "content-length": "120", "content-type": "video/mp2t"}
    assert ch.on_segment_response(None, request(1.0, 200, msn=0, headers=h1), listed=True) == []
    assert ch.on_segment_response(None, request(2.0, 200, msn=0, headers=h1), listed=False) == []
    assert codes(ch.on_segment_response(None, request(60.0, 200, msn=0, headers=h2), listed=True)) == {"uri_reused"}


def test_cdn_stale():
    ch = checker(is_cdn=True)
    cdn = snap(10.0, 3)
    assert cdn_stale_alert(ch, cdn=cdn, origin_first_seen_hi=9.0, now=10.0, reference="origin") is None
    alert = cdn_stale_alert(ch, cdn=cdn, origin_first_seen_hi=5.0, now=10.0, reference="origin")
    assert alert is not None and alert.code == "stale_cdn_playlist"
    assert cdn_stale_alert(ch, cdn=cdn, origin_first_seen_hi=5.0, now=10.5, reference="origin") is None  # latched


# ---- what real servers legitimately do must not raise false alarms (engineer D's review) -------------------
def test_stop_cleanup_is_not_a_listed_segment_fault():
    """NMS deletes everything after ENDLIST; nginx-rtmp's cleaner removes the stale playlist and its files
    together: a 404 for a still-'listed' segment then is the cleanup, not segment_missing."""
    ended = checker()
    run_stream(ended, [*healthy(2), snap(4.0, 2, endlist=True)])
    assert ended.on_segment_response(None, request(5.0, 404, msn=2), listed=True) == []
    (gone,) = ended.on_playlist_request(pl_req(5.5, 404), "HTTP 404", 2)
    assert gone.code == "playlist_gone" and gone.severity == Severity.INFO
    stale = checker()
    s = healthy(3)
    run_stream(stale, s)
    assert codes(stale.on_tick(s[-1].fetched.hi + 3.5, 2, False)) == {"playlist_stale"}
    assert stale.on_segment_response(None, request(s[-1].fetched.hi + 4, 404, msn=3), listed=True) == []
    assert stale.on_playlist_request(pl_req(20.0, 404), "HTTP 404", 2)[0].severity == Severity.INFO
    live = checker()  # vanishing while live is still an error, and so is a listed 404 while live
    run_stream(live, healthy(3))
    assert live.on_playlist_request(pl_req(4.5, 404), "HTTP 404", 2)[0].severity == Severity.ERROR
    assert codes(checker().on_segment_response(None, request(1.0, 404, msn=4), listed=True)) == {"segment_missing"}


def test_restart_after_a_stop_is_a_new_session_not_an_error():
    ch = checker()
    s = healthy(3, start=50)
    run_stream(ch, s)
    ch.on_playlist_request(pl_req(7.0, 404), "HTTP 404", 2)
    tr = LifecycleTracker("origin")
    for x in s:
        tr.observe(x)
    back = snap(9.0, 0, 1, previous=s[-1])
    alerts = ch.on_snapshot(back, s[-1], tr.observe(back).new, True, [])
    (msn_back,) = [a for a in alerts if a.code == "msn_back"]
    assert msn_back.severity == Severity.INFO and msn_back.evidence["new_session"]
    live = [a for a in run_stream(checker(), [*healthy(3, start=50), snap(6.0, 0, 3)]) if a.code == "msn_back"]
    assert live[0].severity == Severity.ERROR


def test_ffmpeg_lrint_tie_is_not_over_target():
    s = healthy(3)
    tie = snap(6.0, 3, 3, dur=2.5, td=2, previous=s[-1])  # ffmpeg: lrint(2.5) = 2
    assert "extinf_over_target" not in codes(run_stream(checker(), [*s, tie]))
    over = snap(6.0, 3, 3, dur=2.501, td=2, previous=s[-1])
    assert "extinf_over_target" in codes(run_stream(checker(), [*s, over]))


def test_target_changed_reported_once():
    s, prev = [], None
    for k, td in enumerate([2, 3, 2, 3, 2, 3]):
        prev = snap(2.0 * k, k, 3, td=td, previous=prev)
        s.append(prev)
    assert [a.code for a in run_stream(checker(), s)].count("target_changed") == 1


def test_nginx_cleanup_shortfall_with_whole_second_mtimes_is_a_warning():
    ch = checker()
    run_stream(ch, healthy(3))  # required 8 s; nginx may fall short by one segment + 1 s
    (alert,) = ch.on_gone(_life(10.0, 15.1))
    assert alert.severity == Severity.WARNING


def test_s3_without_origin_header_cors_is_not_verified():
    s3 = {**GOOD, "server": "AmazonS3"}
    del s3["access-control-allow-origin"]
    (alert,) = checker().on_playlist_request(pl_req(0.0, 200, s3), None, 2)
    assert alert.code == "cors" and alert.severity == Severity.INFO


def test_deletions_after_endlist_are_the_stop_cleanup():
    ch = checker()
    run_stream(ch, [*healthy(3), snap(6.0, 3, endlist=True)])
    assert ch.on_gone(_life(10.0, 11.0)) == []  # NMS wipes the folder once ffmpeg exits (no hlsKeep)


def test_exact_three_target_durations_and_nginx_stop_are_not_short():
    """2 s / 6 s (3 x TD exactly): ms-jittered EXTINFs, then nginx's last playlist at a stop, which ends with
    the short fragment that was open when the publisher left."""
    s, prev = [], None
    for k in range(6):
        text = playlist(k, [2.0, 2.0, 1.999], td=2, name="seg")
        prev = snap(2.0 * k, k, text=text, previous=prev)
        s.append(prev)
    stop = snap(12.0, 6, text=playlist(6, [2.0, 2.0, 0.4], td=2), previous=prev)
    text = playlist(7, [2.0, 0.4, 2.0], td=2)
    text = text.replace("#EXTINF:2.000,\nseg-9", "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg-9")
    republished = snap(30.0, 7, text=text, previous=stop)  # nginx continues the sequence within P..3P
    assert republished.segments[2].discontinuity
    assert "window_short" not in codes(run_stream(checker(), [*s, stop, republished]))
    short = [snap(2.0 * k, k, 2, previous=None) for k in range(4)]  # 2 x 2 s by the settings: still fires
    assert "window_short" in codes(run_stream(checker(), short))


def test_uri_reuse_after_a_restart_is_one_alert_with_a_count():
    ch = checker()
    h1 = {"etag": '"a"', "content-length": "100"}
    h2 = {"etag": '"b"', "content-length": "120"}
    for msn in range(5):
        ch.on_segment_response(None, request(1.0, 200, msn=msn, headers=h1), listed=True)
    got = [ch.on_segment_response(None, request(30.0 + m, 200, msn=m, headers=h2), listed=True) for m in range(5)]
    alerts = [a for batch in got for a in batch]
    assert [a.code for a in alerts] == ["uri_reused"]
    assert codes(ch.on_segment_response(None, request(95.0, 200, msn=0, headers=h1), listed=True)) == {"uri_reused"}


# ---- review items applied (engineer D): repeats, restarts, never-live 404s, cache lifetimes ---------------
def test_required_availability_counts_the_playlists_that_listed_the_segment():
    """A long playlist of an earlier session must not raise the bar for the new session's segments."""
    ch = checker()
    first = [snap(2.0 * k, 50 + k, 10, previous=None) for k in range(3)]  # 20 s playlists
    restarted = [snap(10.0 + 2.0 * k, k, 3) for k in range(3)]  # republished with 3 x 2 s: 6 s
    run_stream(ch, [*first, *restarted])
    assert ch.max_playlist_s == 6.0
    life = replace(_life(20.0, 28.5), msn=2, generation=1)  # 8.5 s >= 2 + 6 (was held to 2 + 20)
    assert ch.on_gone(life) == []
    (alert,) = ch.on_gone(replace(_life(20.0, 25.0), msn=3, generation=1))  # really short: still reported
    assert alert.code == "deleted_too_early" and alert.evidence["required_s"] == 8.0


def test_msn_jump_once_a_minute_with_a_running_count():
    s = [snap(4.0 * k, 2 * k, 1) for k in range(30)]  # 1-entry playlist reloaded every 4 s: jumps every poll
    jumps = [a for a in run_stream(checker(), s) if a.code == "msn_jump"]
    assert 2 <= len(jumps) <= 3  # 116 s: the first, then once a minute (was 29)
    assert jumps[0].evidence["count"] == 1 and jumps[1].evidence["count"] > 10


def test_404_before_the_stream_was_ever_live_is_a_warning():
    ch = checker()
    assert ch.on_playlist_request(pl_req(0.0, 404), "HTTP 404", None) == []
    (alert,) = ch.on_playlist_request(pl_req(1.0, 404), "HTTP 404", None)
    assert alert.code == "http_error" and alert.severity == Severity.WARNING  # OBS not started yet


def test_cacheable_playlist_info_up_to_one_target_duration():
    def cacheable(cache_control: str | None):
        headers = {k: v for k, v in GOOD.items() if k != "cache-control"}
        if cache_control is not None:
            headers["cache-control"] = cache_control
        alerts = checker().on_playlist_request(pl_req(0.0, 200, headers), None, 2)
        return [a for a in alerts if a.code == "cacheable_playlist"]

    assert cacheable("max-age=1") == []  # TD/2
    (mediamtx,) = cacheable("max-age=2")  # = TD: MediaMTX's design, at most one segment late
    assert mediamtx.severity == Severity.INFO
    assert [a.severity for a in cacheable("max-age=3")] == [Severity.WARNING]
    assert [a.severity for a in cacheable(None)] == [Severity.WARNING]  # the CDN's default TTL (24 h)


def test_extinf_over_target_once_a_minute_with_a_running_count():
    s, prev = [], None
    for k in range(40):  # every segment 2.6 s with TARGETDURATION 2, for 80 s
        prev = snap(2.0 * k, k, 3, dur=2.6, td=2, previous=prev)
        s.append(prev)
    over = [a for a in run_stream(checker(), s) if a.code == "extinf_over_target"]
    assert len(over) == 2 and over[0].severity == Severity.ERROR  # was one per segment (42)
    assert over[1].evidence["count"] > 20


def test_reuse_validators_are_bounded_and_recent_reuse_still_caught():
    ch = checker()
    h1 = {"etag": '"a"', "content-length": "100"}
    for n in range(25_000):  # unique names (hls_fragment_naming system): one URL per segment, forever
        ch._reuse_check(request(1.0, 200, msn=n, headers=h1))
    assert len(ch._validators) <= 20_000
    h2 = {"etag": '"b"', "content-length": "120"}
    assert codes(ch.on_segment_response(None, request(2.0, 200, msn=24_999, headers=h2), listed=True)) == {"uri_reused"}
