"""The content rules (findings → latched alerts), the inbox between the content and poller threads, the
ContentReport session record and the content measures. No ffmpeg: results are scripted."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from monitor.content import ContentResult, Format, SegmentReport, StreamState
from monitor.content import findings as F
from monitor.content.findings import finding
from monitor.content_feed import ContentFeed, to_record
from monitor.measures import MeasureAggregator
from monitor.records import ContentReport, Severity
from monitor.rules.content import CLEAR_HOLD_S, ContentRules
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter
from monitor.session import SessionWriter, read_session
from tests.monitor.helpers import snap, utc
from tests.monitor.rules.harness import stamp

FROZEN = finding(F.FROZEN_PICTURE, "the picture has not changed for 1.6 s (since 6.00 s stream time)",
                 duration_s=1.6, since_s=6.0)


def report(msn: int, *found: object) -> SegmentReport:
    return SegmentReport(
        msn=msn, size=1000, extinf_s=2.0, media_s=2.0, keyframes_s=(0.0, 0.4), keyint_s=0.4, keyint_expected_s=0.4,
        starts_on_keyframe=True, video_gap_ms=0.0, audio_gap_ms=0.0, av_offset_ms=10.0, av_drift_ms=2.0,
        format=Format(video_codec="h264", size="160x90", fps=25.0, audio_codec="aac"), bitrate_bps=80_000.0,
        average_bitrate_bps=79_000.0, mean_luma=100.0, level_dbfs=-21.0, findings=tuple(found),  # type: ignore[arg-type]
        thumbnail=b"\xff\xd8jpeg", state=StreamState(msn=msn),
    )


def result(msn: int, *found: object, skipped: int = 0, readable: bool = True) -> ContentResult:
    rep = report(msn, *found) if readable else None
    return ContentResult(endpoint="origin", uri=f"http://127.0.0.1/seg-{msn}.ts", msn=msn, generation=0,
                         mono=float(msn), cpu_s=0.01, skipped=skipped,
                         findings=rep.findings if rep else tuple(found),  # type: ignore[arg-type]
                         report=rep, ingest_rate=1.01)


def facts(t: float) -> Facts:
    from monitor.records import EndpointState

    return Facts(at=stamp(t), state=EndpointState.LIVE)


def test_a_frozen_stretch_is_one_alert_then_one_recovery() -> None:
    al = Alerter("origin")
    rules = ContentRules(al)
    for t in (0.0, 2.0, 4.0):  # three frozen segments in a row
        rules.on_result(facts(t), result(int(t), FROZEN))
    rules.on_result(facts(6.0), result(3))
    rules.on_result(facts(6.0 + CLEAR_HOLD_S), result(4))
    alert, recovery = al.drain()
    assert alert.code == F.FROZEN_PICTURE and alert.severity == Severity.ERROR and alert.msn == 0
    assert alert.message == "Frozen picture: the picture has not changed for 1.6 s (since 6.00 s stream time)."
    assert "source" in alert.advice
    assert recovery.recovers == F.FROZEN_PICTURE and recovery.evidence["count"] == 3


def test_an_unreadable_segment_does_not_clear_what_it_cannot_see() -> None:
    al = Alerter("origin")
    rules = ContentRules(al)
    rules.on_result(facts(0.0), result(0, FROZEN))
    broken = finding(F.UNREADABLE_SEGMENT, "not MPEG-TS")
    for t in range(1, 40):
        rules.on_result(facts(float(t)), result(t, broken, readable=False))
    assert [a.code for a in al.drain()] == [F.FROZEN_PICTURE, F.UNREADABLE_SEGMENT]
    assert al.active(F.FROZEN_PICTURE)


def test_dropped_analysis_is_a_content_behind_event() -> None:
    al = Alerter("origin")
    ContentRules(al).on_result(facts(0.0), result(7, skipped=3))
    (behind,) = al.drain()
    assert behind.code == "content_behind" and behind.recovers is None
    assert behind.message == "Content analysis fell behind: 3 segment(s) were not analysed."


def test_results_wait_in_the_inbox_for_the_poller_thread() -> None:
    feed = ContentFeed("origin", None)
    sent = [result(1), result(2, FROZEN)]
    deliverer = threading.Thread(target=lambda: [feed.deliver(r, None) for r in sent], name="content")
    deliverer.start()
    deliverer.join()
    assert [r for r, _ in feed.drain()] == sent
    assert feed.drain() == []


def test_the_session_record_round_trips_without_the_thumbnail_bytes(tmp_path: Path) -> None:
    record = to_record(result(5, FROZEN), utc(5.0), "origin-0-5.jpg")
    assert record is not None and record.findings == (F.FROZEN_PICTURE,)
    assert record.keyint_s == 0.4 and record.resolution == "160x90" and record.ingest_rate == 1.01
    path = tmp_path / "s.jsonl"
    writer = SessionWriter(path)
    writer.write(record)
    writer.write(replace(record, msn=6, keyint_s=None, starts_on_keyframe=None, findings=()))
    writer.close()
    back = [e for e in read_session(path) if isinstance(e, ContentReport)]
    assert back == [record, replace(record, msn=6, keyint_s=None, starts_on_keyframe=None, findings=())]
    assert b"jpeg" not in path.read_bytes()
    assert to_record(result(7, readable=False), utc(7.0), None) is None


def test_measures_carry_the_latest_content_values() -> None:
    agg = MeasureAggregator("origin", 0.0)
    playlist = snap(1.0, 0, 2)
    assert agg.build(playlist, 1.0, utc(1.0)).keyint_measured_s is None
    agg.on_content(to_record(result(1), utc(1.0), None), dropped=2)
    agg.on_content(None, dropped=1)  # unreadable: the latest readable values stay
    m = agg.build(playlist, 2.0, utc(2.0))
    assert (m.keyint_measured_s, m.keyint_expected_s, m.level_dbfs) == (0.4, 0.4, -21.0)
    assert (m.bitrate_bps, m.av_drift_ms, m.ingest_rate, m.content_dropped) == (80_000.0, 2.0, 1.01, 3)


def test_the_window_charts_the_measured_keyframe_interval_bitrate_and_level() -> None:
    from gui.dashboard_model import SERIES, DashboardModel
    from gui.ingest import Ingestor

    model = DashboardModel()
    ingest = Ingestor(model)
    ingest.thumbs_dir = Path("/sessions/run.thumbs")
    record = to_record(result(5), utc(5.0), "origin-0-5.jpg", declared_bps=100_000)
    assert record is not None
    ingest.feed(record)
    assert model.thumbnails == {("origin", 5): "/sessions/run.thumbs/origin-0-5.jpg"}  # shown on hover
    ingest.feed(replace(record, endpoint="cdn", keyint_s=9.9))  # the origin's content only
    t = utc(5.0).timestamp()
    for name, value in (("content.keyint", 0.4), ("content.bitrate", 80.0), ("content.bitrate_declared", 100.0),
                        ("content.level", -21.0)):
        assert name in SERIES
        xs, ys = model.xy(name)
        assert list(xs) == [t] and list(ys) == [value], name


def test_the_probe_summary_shows_the_measured_keyframe_interval() -> None:
    from monitor.probe_cli import EndpointFacts, _endpoint_summary
    from monitor.records import EndpointConfig, Measures, MonitorConfig

    m = Measures(endpoint="origin", mono=1.0, utc=utc(1.0), media_sequence=0, window_segments=3, window_s=6.0,
                 target_duration=2, staleness_s=0.0, keyint_measured_s=4.0, keyint_expected_s=2.0, level_dbfs=-21.0,
                 bitrate_bps=800_000.0, content_dropped=2)
    facts = EndpointFacts(name="origin", lifecycles=[], measures=m, state="live", requests={}, elapsed_s=10.0)
    endpoints = (EndpointConfig(name="origin", url="http://127.0.0.1/live.m3u8"),)
    text = "\n".join(_endpoint_summary(facts, MonitorConfig(endpoints=endpoints, analyse_content=True)))
    assert "keyframe interval measured in the media: 4.00 s (expected 2.00 s)" in text
    assert "800 kbit/s, audio level -21.0 dBFS" in text and "2 segment(s) not analysed" in text
    off = "\n".join(_endpoint_summary(facts, MonitorConfig(endpoints=endpoints)))
    assert "keyframe interval measured in the media: not measured (content analysis off" in off
