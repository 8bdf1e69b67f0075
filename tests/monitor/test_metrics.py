"""Prometheus exposition (monitor/metrics.py): labels, what each event feeds, docs freshness, the bind address."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import requests
from hypothesis import given
from hypothesis import strategies as st

from monitor import records as R
from monitor.clock import FakeClock
from monitor.metrics import DOC_PATH, METRICS, Metrics, render_markdown, stream_name
from monitor.prom_rules import _plain
from monitor.rules.catalogue import make_alert, make_recovery

UTC0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
CONFIG = R.MonitorConfig(
    endpoints=(
        R.EndpointConfig(name="origin", url="http://127.0.0.1:1/live.m3u8"),
        R.EndpointConfig(name="cdn", url="http://127.0.0.1:2/live.m3u8", reference="origin"),
    )
)


def window(lo: float, hi: float) -> R.Window:
    return R.Window(lo=lo, hi=hi, lo_utc=UTC0 + timedelta(seconds=lo), hi_utc=UTC0 + timedelta(seconds=hi))


def life(msn: int, seen: float, *, endpoint: str = "origin", initial: bool = False, **kw) -> R.SegmentLifecycle:
    return R.SegmentLifecycle(
        endpoint=endpoint,
        msn=msn,
        uri=f"s{msn}.ts",
        extinf=2.0,
        first_seen=window(seen - 0.1, seen),
        initial=initial,
        **kw,
    )


def measures(endpoint: str = "origin", server: str | None = None, **kw) -> R.Measures:
    fingerprint = None if server is None else R.Fingerprint(name=server, reason="test")
    values = {"media_sequence": 10, "window_segments": 5, "window_s": 10.0, "target_duration": 2.0, "staleness_s": 0.5}
    return R.Measures(endpoint=endpoint, mono=5.0, utc=UTC0, fingerprint=fingerprint, **{**values, **kw})


def request(endpoint: str = "origin", status: int | None = 200, age: str | None = None) -> R.RequestRecord:
    return R.RequestRecord(
        endpoint=endpoint,
        kind=R.RequestKind.PLAYLIST,
        method="GET",
        url="http://127.0.0.1:1/live.m3u8",
        final_url=None,
        sent_mono=1.0,
        sent_utc=UTC0,
        first_byte_mono=1.01,
        end_mono=1.02,
        end_utc=UTC0,
        status=status,
        headers={} if age is None else {"age": age},
    )


def status(state: R.EndpointState, endpoint: str = "origin") -> R.EndpointStatus:
    return R.EndpointStatus(endpoint=endpoint, state=state, mono=1.0, utc=UTC0)


def metrics(server: str | None = None, clock: FakeClock | None = None) -> Metrics:
    return Metrics(None, stream="news", config=CONFIG, server=server, clock=clock or FakeClock())


def value(m: Metrics, name: str, endpoint: str = "origin", server: str = "unknown", **extra: str) -> float | None:
    labels = {"stream": "news", "endpoint": endpoint, "server": server, **extra}
    return m.registry.get_sample_value(name, labels)


def test_measures_feed_gauges_with_stream_endpoint_and_server_labels():
    m = metrics(server="nginx-rtmp")
    m.observe(measures(pdt_latency_s=3.5, loop_lateness_p95_s=0.01, age_s=7.0))
    assert value(m, "hlsmon_window_seconds", server="nginx-rtmp") == 10.0
    assert value(m, "hlsmon_window_segments", server="nginx-rtmp") == 5
    assert value(m, "hlsmon_pdt_latency_seconds", server="nginx-rtmp") == 3.5
    assert value(m, "hlsmon_playlist_last_age_seconds", server="nginx-rtmp") == 7.0
    assert value(m, "hlsmon_loop_lateness_p95_seconds", server="nginx-rtmp") == 0.01
    assert value(m, "hlsmon_request_budget_per_second", server="nginx-rtmp") == 1.5  # 3 per 2 s segment


def test_an_unmeasured_value_is_absent_not_zero():
    m = metrics()
    m.observe(measures())
    assert value(m, "hlsmon_pdt_latency_seconds") is None


def test_requests_counted_by_kind_and_status_and_age_observed():
    m = metrics()
    for r in (request(), request(), request(status=None), request(status=503), request(age="12")):
        m.observe(r)
    assert value(m, "hlsmon_requests_total", kind="playlist", status="200") == 3
    assert value(m, "hlsmon_requests_total", kind="playlist", status="error") == 1
    assert value(m, "hlsmon_requests_total", kind="playlist", status="503") == 1
    assert value(m, "hlsmon_playlist_age_seconds_sum") == 12.0
    assert value(m, "hlsmon_request_duration_seconds_count", kind="playlist") == 5


def test_alert_opens_and_its_recovery_closes_the_active_gauge():
    m = metrics()
    evidence = {"since_s": 4.0, "target_duration": 2}
    m.observe(make_alert("playlist_stale", endpoint="cdn", mono=1, utc=UTC0, evidence=evidence, variant="cdn"))
    active = {"code": "playlist_stale", "severity": "warning"}
    assert value(m, "hlsmon_alert_active", "cdn", **active) == 1
    m.observe(make_recovery("playlist_stale", endpoint="cdn", mono=2, utc=UTC0, evidence={"duration_s": 1, "count": 1}))
    assert value(m, "hlsmon_alert_active", "cdn", **active) == 0
    assert value(m, "hlsmon_alerts_total", "cdn", **active) == 1
    assert value(m, "hlsmon_alerts_total", "cdn", code="playlist_fresh", severity="info") == 1


def test_an_event_sets_its_timestamp_and_never_an_active_episode():
    m = metrics()
    m.observe(make_alert("msn_back", endpoint="origin", mono=1, utc=UTC0, evidence={"before": 9, "after": 0}))
    labels = {"code": "msn_back", "severity": "error"}
    assert value(m, "hlsmon_alert_last_timestamp_seconds", **labels) == UTC0.timestamp()
    assert value(m, "hlsmon_alert_active", **labels) is None


def test_endpoint_state_is_one_hot():
    m = metrics()
    m.observe(status(R.EndpointState.LIVE))
    m.observe(status(R.EndpointState.GONE))
    assert value(m, "hlsmon_endpoint_up") == 0
    assert value(m, "hlsmon_endpoint_state", state="gone") == 1
    assert value(m, "hlsmon_endpoint_state", state="live") == 0
    m.observe(status(R.EndpointState.STOPPED))  # close() is not a state of the stream
    assert value(m, "hlsmon_endpoint_state", state="gone") == 1


def test_re_emitted_lifecycles_are_observed_once():
    m = metrics()
    m.observe(life(1, 10.0, initial=True))
    for _ in range(3):
        m.observe(life(2, 12.0))
    m.observe(life(3, 14.1))
    gone = life(3, 14.1, left=window(20.0, 20.1), gone=window(25.0, 25.1))
    m.observe(gone)
    m.observe(replace(gone, probes=4))
    assert value(m, "hlsmon_detection_delay_seconds_count") == 2  # the initial segment has no delay
    assert value(m, "hlsmon_interarrival_seconds_count") == 1  # 2 → 3 (1 → 2: 1 was initial)
    assert abs(value(m, "hlsmon_interarrival_seconds_sum") - 2.1) < 0.06
    assert value(m, "hlsmon_deletion_lag_seconds_count") == 1


def test_seconds_since_new_segment_is_computed_at_scrape_time():
    clock = FakeClock(start=100.0)
    m = metrics(clock=clock)
    m.observe(life(1, 100.0))
    clock.advance(7.0)
    assert value(m, "hlsmon_seconds_since_new_segment") == 7.0


def test_part_arrivals_of_ll_hls():
    m = metrics()
    part = R.PartEntry(uri="p.mp4", duration=0.2)

    def snap(hi: float, parts: int, last: int = 5) -> R.PlaylistSnapshot:
        segments = tuple(R.SegmentEntry(msn=k, uri=f"s{k}", duration=1.0) for k in range(last - 2, last + 1))
        return R.PlaylistSnapshot(
            endpoint="origin",
            fetched=window(hi - 0.01, hi),
            url="u",
            media_sequence=last - 2,
            segments=segments,
            parts=(part,) * parts,
        )

    for hi, parts in ((1.0, 1), (1.2, 2), (1.2, 2), (1.45, 3)):
        m.observe(snap(hi, parts))
    assert value(m, "hlsmon_part_arrival_seconds_count") == 2
    assert abs(value(m, "hlsmon_part_arrival_seconds_sum") - 0.45) < 1e-9


def test_gauges_move_to_the_server_once_it_is_known():
    m = metrics()
    m.observe(status(R.EndpointState.LIVE))
    m.observe(make_alert("window_short", endpoint="origin", mono=1, utc=UTC0, evidence={}))
    m.observe(measures(server="nginx-rtmp"))
    assert value(m, "hlsmon_endpoint_up") is None, "no stale series left under server=unknown"
    assert value(m, "hlsmon_endpoint_up", server="nginx-rtmp") == 1
    assert value(m, "hlsmon_alert_active", server="nginx-rtmp", code="window_short", severity="warning") == 1
    assert 'server="unknown"' not in "\n".join(
        line for line in m.exposition().splitlines() if line.startswith(("hlsmon_endpoint", "hlsmon_alert_active"))
    )


def test_every_metric_of_the_table_is_exposed_with_its_name():
    m = metrics()
    text = m.exposition()
    for spec in METRICS:
        assert f"# TYPE {spec.name} {spec.kind}" in text, spec.name


def test_served_on_loopback_by_default():
    m = Metrics(0, stream="news", config=CONFIG)
    try:
        assert m.server.server_address[0] == "127.0.0.1"
        m.observe(measures())
        body = requests.get(f"http://127.0.0.1:{m.port}/metrics", timeout=2).text
        assert 'hlsmon_window_segments{endpoint="origin",server="unknown",stream="news"} 5.0' in body
    finally:
        m.close()


def test_docs_metrics_md_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), "run: python -m monitor.metrics docs"


def test_stream_name_from_the_url():
    assert stream_name("http://cdn.example/hls/news.m3u8?token=x") == "news"
    assert stream_name("http://cdn.example/") == "cdn.example"


@given(st.text(alphabet="{}ab $.", max_size=40))
def test_catalogue_words_never_become_go_template_actions(text):
    assert "{{" not in _plain(text)


def test_propagation_observed_once_per_new_sample():
    m = metrics()
    for sample in (0.4, 0.4, 0.4, 0.7, None, 0.7, 1.1):  # Measures come every second and carry the last sample
        m.observe(measures("cdn", propagation_s=sample))
    assert value(m, "hlsmon_propagation_seconds_count", "cdn") == 3
    assert abs(value(m, "hlsmon_propagation_seconds_sum", "cdn") - 2.2) < 1e-9
    assert value(m, "hlsmon_propagation_last_seconds", "cdn") == 1.1


def test_content_measures_are_gauges_and_dropped_segments_a_counter():
    m = metrics()
    content = {"keyint_measured_s": 4.0, "keyint_expected_s": 2.0, "av_drift_ms": 120.0, "level_dbfs": -23.5,
               "bitrate_bps": 2_400_000.0, "ingest_rate": 0.97}
    for dropped in (0, 2, 2, 5):  # Measures carry the running count
        m.observe(measures(content_dropped=dropped, **content))
    assert value(m, "hlsmon_keyframe_interval_seconds") == 4.0
    assert value(m, "hlsmon_keyframe_interval_expected_seconds") == 2.0
    assert value(m, "hlsmon_av_drift_seconds") == 0.12  # milliseconds in the measures, seconds here
    assert value(m, "hlsmon_audio_level_dbfs") == -23.5
    assert value(m, "hlsmon_media_bitrate_bits_per_second") == 2_400_000.0
    assert value(m, "hlsmon_ingest_rate_ratio") == 0.97
    assert value(m, "hlsmon_content_dropped_total") == 5
    m.observe(measures())  # no content analysis: the gauges keep their last value, nothing is counted
    assert value(m, "hlsmon_content_dropped_total") == 5
