"""Each rule fires on a scripted violation and stays silent on healthy input (pure, injected times)."""

from __future__ import annotations

from dataclasses import replace

from monitor.records import EndpointState, SegmentLifecycle, Severity
from monitor.rules.transport import cache_lifetime_s
from tests.monitor.fakeserver import playlist
from tests.monitor.helpers import request, snap, window
from tests.monitor.rules.harness import GOOD, Driver, pl_req, stamp


def raised(alerts) -> set[str]:
    """Codes of the alerts (recoveries left out)."""
    return {a.code for a in alerts if a.recovers is None}


def healthy(n: int = 12, start: int = 0):
    out, prev = [], None
    for k in range(n):
        prev = snap(2.0 * k, start + k, 3, previous=prev)
        out.append(prev)
    return out


def test_healthy_stream_is_silent():
    assert Driver().run(healthy()) == []


def test_extinf_over_target_and_target_changed():
    s = healthy(3)
    bad = snap(6.0, 3, 3, dur=2.6, td=2, previous=s[-1])
    changed = snap(8.0, 4, 3, dur=2.0, td=3, previous=bad)
    assert {"extinf_over_target", "target_changed"} <= raised(Driver().run([*s, bad, changed]))


def test_window_short_only_once_removing():
    s, prev = [], None
    for k in range(6):  # 2 x 2 s = 4 s < 3 x TD; growing first (legitimate), then sliding
        prev = snap(2.0 * k, max(0, k - 1), min(k + 1, 2), previous=prev)
        s.append(prev)
    alerts = [a for a in Driver().run(s) if a.code == "window_short"]
    assert len(alerts) == 1 and alerts[0].spec == "RFC 8216 §6.2.2"


def test_msn_back_and_jump():
    s = healthy(3, start=50)
    back = snap(6.0, 0, 3, previous=s[-1])
    jump = snap(8.0, 10, 3, previous=back)
    assert {"msn_back", "msn_jump"} <= raised(Driver().run([*s, back, jump]))


def test_stale_playlist_once_from_reloads_that_list_nothing_new():
    s = healthy(3)
    d = Driver()
    d.run(s)
    last = s[-1]  # newest segment seen at 4.01 at the latest
    assert d.playlist(snap(6.9, 2, 3, previous=last)) == []  # 2.89 s < 1.5 x TD: fine
    assert d.state == EndpointState.LIVE
    (stale,) = d.playlist(snap(7.1, 2, 3, previous=last))
    assert stale.code == "playlist_stale" and d.state == EndpointState.STALLED
    assert d.playlist(snap(9.0, 2, 3, previous=last)) == []  # latched
    (fresh,) = d.playlist(snap(10.0, 3, 3, previous=last))
    assert fresh.code == "playlist_fresh" and fresh.recovers == "playlist_stale" and fresh.severity == Severity.INFO
    assert d.state == EndpointState.LIVE


def test_gone_back_and_ended():
    d = Driver()
    s = healthy(2)
    d.run(s)
    (gone,) = d.failure(5.0, 404, "HTTP 404")
    assert gone.code == "playlist_gone" and d.state == EndpointState.GONE
    back = snap(7.0, 5, previous=s[-1])
    ended = snap(9.0, 6, endlist=True, previous=back)
    got = d.run([back, ended])
    assert [a.code for a in got] == ["stream_back", "stream_ended"]
    assert got[0].recovers == "playlist_gone"


def test_header_checks_fire_and_cdn_skips_cacheability():
    bad = {"content-type": "text/plain", "cache-control": "max-age=60"}
    one = snap(0.0, 0)
    assert raised(Driver().playlist(one, pl_req(0.0, 200, bad))) == {"content_type", "cors", "cacheable_playlist"}
    assert "cacheable_playlist" not in raised(Driver(is_cdn=True).playlist(one, pl_req(0.0, 200, bad)))
    assert Driver().playlist(one, pl_req(0.0, 200)) == []
    assert cache_lifetime_s("public, max-age=1") == 1.0 and cache_lifetime_s("no-cache") is None


def test_transport_failures_need_two_in_a_row():
    d = Driver()
    assert d.failure(0.0, None, "timeout") == []
    assert raised(d.failure(1.0, None, "timeout")) == {"unreachable"}
    d = Driver()
    assert d.failure(0.0, 200, "HTML page instead of a playlist") == []
    assert raised(d.failure(1.0, 200, "HTML page instead of a playlist")) == {"bad_playlist"}


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
    d = Driver()
    d.run(healthy(3))  # longest playlist 6 s → required 8 s
    assert d.gone(18.5, _life(10.0, 18.5)) == []
    (alert,) = d.gone(17.5, _life(10.0, 17.5))
    assert alert.code == "deleted_too_early" and alert.severity == Severity.WARNING
    (alert,) = d.gone(18.0, _life(10.0, 12.0))  # worse: escalates within the episode
    assert alert.severity == Severity.ERROR
    assert d.gone(19.0, _life(10.0, 12.5)) == []  # same episode, same severity: silent


def test_segment_missing_and_uri_reuse():
    d = Driver()
    assert raised(d.segment(request(1.0, 404, msn=4))) == {"segment_missing"}
    h1 = {"etag": '"a-1"', "content-length": "100", "content-type": "video/mp2t"}
    h2 = {"etag": '"b-2"', "content-length": "120", "content-type": "video/mp2t"}
    d = Driver()
    assert d.segment(request(1.0, 200, msn=0, headers=h1)) == []
    assert d.segment(request(2.0, 200, msn=0, headers=h1), listed=False) == []
    assert raised(d.segment(request(60.0, 200, msn=0, headers=h2))) == {"uri_reused"}


def test_cdn_stale():
    d = Driver(is_cdn=True)
    cdn = snap(10.0, 3)
    d.rules.cdn.behind_reference(d.facts(10.0), cdn, 9.0, "origin")
    assert d.rules.drain() == []
    d.rules.cdn.behind_reference(d.facts(10.0), cdn, 5.0, "origin")
    (alert,) = d.rules.drain()
    assert alert.code == "stale_cdn_playlist" and alert.evidence["behind_s"] == 5.0
    d.rules.cdn.behind_reference(d.facts(10.5), snap(10.5, 3), 5.0, "origin")
    assert d.rules.drain() == []  # latched


# ---- what real servers legitimately do must not raise false alarms ------------------------------------------
def test_stop_cleanup_is_not_a_listed_segment_fault():
    """NMS deletes everything after ENDLIST; nginx-rtmp's cleaner removes the stale playlist and its files
    together: a 404 for a still-'listed' segment then is the cleanup, not segment_missing."""
    ended = Driver()
    ended.run([*healthy(2), snap(4.0, 2, endlist=True)])
    assert ended.segment(request(5.0, 404, msn=2)) == []
    (gone,) = ended.failure(5.5, 404, "HTTP 404")
    assert gone.code == "playlist_gone" and gone.severity == Severity.INFO
    stale = Driver()
    s = healthy(3)
    stale.run(s)
    assert raised(stale.playlist(snap(7.6, 2, 3, previous=s[-1]))) == {"playlist_stale"}
    assert stale.segment(request(8.0, 404, msn=3)) == []
    assert stale.failure(20.0, 404, "HTTP 404")[0].severity == Severity.INFO
    live = Driver()  # vanishing while live is still an error, and so is a listed 404 while live
    live.run(healthy(3))
    assert live.failure(4.5, 404, "HTTP 404")[0].severity == Severity.ERROR
    assert raised(Driver().segment(request(1.0, 404, msn=4))) == {"segment_missing"}


def test_restart_after_a_stop_is_a_new_session_not_an_error():
    d = Driver()
    s = healthy(3, start=50)
    d.run(s)
    d.failure(7.0, 404, "HTTP 404")
    alerts = d.playlist(snap(9.0, 0, 1, previous=s[-1]))
    (msn_back,) = [a for a in alerts if a.code == "msn_back"]  # a restart after an outage: one WARNING
    assert msn_back.severity == Severity.WARNING and msn_back.evidence["new_session"]
    ended = Driver()
    ended.run([*healthy(3, start=50), snap(6.0, 53, endlist=True)])
    (again,) = [a for a in ended.playlist(snap(9.0, 0, 1)) if a.code == "msn_back"]
    assert again.severity == Severity.INFO  # after ENDLIST: a deliberate new session
    live = [a for a in Driver().run([*healthy(3, start=50), snap(6.0, 0, 3)]) if a.code == "msn_back"]
    assert live[0].severity == Severity.ERROR


def test_ffmpeg_lrint_tie_is_not_over_target():
    s = healthy(3)
    tie = snap(6.0, 3, 3, dur=2.5, td=2, previous=s[-1])  # ffmpeg: lrint(2.5) = 2
    assert "extinf_over_target" not in raised(Driver().run([*s, tie]))
    over = snap(6.0, 3, 3, dur=2.501, td=2, previous=s[-1])
    assert "extinf_over_target" in raised(Driver().run([*s, over]))


def test_target_changed_flapping_is_one_episode():
    s, prev = [], None
    for k, td in enumerate([2, 3, 2, 3, 2, 3]):
        prev = snap(2.0 * k, k, 3, td=td, previous=prev)
        s.append(prev)
    assert [a.code for a in Driver().run(s)].count("target_changed") == 1


def test_nginx_cleanup_shortfall_with_whole_second_mtimes_is_a_warning():
    d = Driver()
    d.run(healthy(3))  # required 8 s; nginx may fall short by one segment + 1 s
    (alert,) = d.gone(15.1, _life(10.0, 15.1))
    assert alert.severity == Severity.WARNING


def test_s3_without_origin_header_cors_is_not_verified():
    s3 = {**GOOD, "server": "AmazonS3"}
    del s3["access-control-allow-origin"]
    (alert,) = Driver().playlist(snap(0.0, 0), pl_req(0.0, 200, s3))
    assert alert.code == "cors" and alert.severity == Severity.INFO


def test_deletions_after_endlist_are_the_stop_cleanup():
    d = Driver()
    d.run([*healthy(3), snap(6.0, 3, endlist=True)])
    assert d.gone(11.0, _life(10.0, 11.0)) == []  # NMS wipes the folder once ffmpeg exits (no hlsKeep)


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
    text = text.replace("#EXT-X-TARGETDURATION:2", "#EXT-X-TARGETDURATION:2\n#EXT-X-DISCONTINUITY-SEQUENCE:0")
    republished = snap(30.0, 7, text=text, previous=stop)  # nginx continues the sequence within P..3P
    assert republished.segments[2].discontinuity
    assert "window_short" not in raised(Driver().run([*s, stop, republished]))
    short = [snap(2.0 * k, k, 2, previous=None) for k in range(4)]  # 2 x 2 s by the settings: still fires
    assert "window_short" in raised(Driver().run(short))


def test_uri_reuse_after_a_restart_is_one_alert_per_episode():
    d = Driver()
    h1 = {"etag": '"a"', "content-length": "100"}
    h2 = {"etag": '"b"', "content-length": "120"}
    for msn in range(5):
        d.segment(request(1.0, 200, msn=msn, headers=h1))
    got = [d.segment(request(30.0 + m, 200, msn=m, headers=h2)) for m in range(5)]
    assert [a.code for batch in got for a in batch] == ["uri_reused"]
    for t in range(35, 100, 5):  # a calm minute: unchanged answers
        d.segment(request(float(t), 200, msn=1, headers=h2))
    assert [a.recovers for a in d.alerts] == [None, "uri_reused"]
    assert raised(d.segment(request(101.0, 200, msn=0, headers=h1))) == {"uri_reused"}  # a new episode


# ---- review items: restarts, never-live 404s, cache lifetimes ----------------------------------------------
def test_required_availability_counts_the_playlists_that_listed_the_segment():
    """A long playlist of an earlier session must not raise the bar for the new session's segments."""
    d = Driver()
    first = [snap(2.0 * k, 50 + k, 10, previous=None) for k in range(3)]  # 20 s playlists
    restarted = [snap(10.0 + 2.0 * k, k, 3) for k in range(3)]  # republished with 3 x 2 s: 6 s
    d.run([*first, *restarted])
    assert d.rules.segments.lengths.max_s == 6.0
    life = replace(_life(20.0, 28.5), msn=2, generation=1)  # 8.5 s >= 2 + 6 (was held to 2 + 20)
    assert d.gone(28.5, life) == []
    (alert,) = d.gone(25.0, replace(_life(20.0, 25.0), msn=3, generation=1))  # really short: still reported
    assert alert.code == "deleted_too_early" and alert.evidence["required_s"] == 8.0


def test_msn_jump_is_one_episode():
    s = [snap(4.0 * k, 2 * k, 1) for k in range(30)]  # 1-entry playlist reloaded every 4 s: jumps every poll
    jumps = [a for a in Driver().run(s) if a.code == "msn_jump"]
    assert len(jumps) == 1 and jumps[0].evidence["missed"] == 1  # was once per reload (29)


def test_404_before_the_stream_was_ever_live_is_a_warning():
    d = Driver()
    assert d.failure(0.0, 404, "HTTP 404") == []
    (alert,) = d.failure(1.0, 404, "HTTP 404")
    assert alert.code == "http_error" and alert.severity == Severity.WARNING  # OBS not started yet


def test_cacheable_playlist_info_up_to_one_target_duration():
    def cacheable(cache_control: str | None):
        headers = {k: v for k, v in GOOD.items() if k != "cache-control"}
        if cache_control is not None:
            headers["cache-control"] = cache_control
        alerts = Driver().playlist(snap(0.0, 0), pl_req(0.0, 200, headers))
        return [a for a in alerts if a.code == "cacheable_playlist"]

    assert cacheable("max-age=1") == []  # TD/2
    (mediamtx,) = cacheable("max-age=2")  # = TD: MediaMTX's design, at most one segment late
    assert mediamtx.severity == Severity.INFO
    assert [a.severity for a in cacheable("max-age=3")] == [Severity.WARNING]
    assert [a.severity for a in cacheable(None)] == [Severity.WARNING]  # the CDN's default TTL (24 h)


def test_extinf_over_target_is_one_alert_per_episode():
    s, prev = [], None
    for k in range(40):  # every segment 2.6 s with TARGETDURATION 2, for 80 s
        prev = snap(2.0 * k, k, 3, dur=2.6, td=2, previous=prev)
        s.append(prev)
    over = [a for a in Driver().run(s) if a.code == "extinf_over_target"]
    assert len(over) == 1 and over[0].severity == Severity.ERROR  # was one per segment (42)


def test_reuse_validators_are_bounded_and_recent_reuse_still_caught():
    d = Driver()
    h1 = {"etag": '"a"', "content-length": "100"}
    for n in range(25_000):  # unique names (hls_fragment_naming system): one URL per segment, forever
        d.rules.segments._reuse(d.facts(1.0), request(1.0, 200, msn=n, headers=h1))
    assert len(d.rules.segments._validators) <= 20_000
    h2 = {"etag": '"b"', "content-length": "120"}
    assert raised(d.segment(request(2.0, 200, msn=24_999, headers=h2))) == {"uri_reused"}


def test_stamp_helper_is_utc():
    assert stamp(1.0).utc.tzinfo is not None
