"""A replayed session is the session: player health, latency and host series come back, the URL bar shows the
session's URLs, models reset themselves (and the charts follow), and batch ingestion ends like one by one."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from gui.dashboard_model import DashboardModel
from gui.ingest import Ingestor
from gui.synthetic import START, synthetic_events
from monitor.monitor import Monitor
from monitor.records import EndpointConfig, MonitorConfig, SampledValues
from monitor.session import SessionWriter, read_session

ORIGIN = "http://127.0.0.1:8080/hls/stream.m3u8"
CDN = "http://127.0.0.1:8081/hls/stream.m3u8"
SAMPLED = ("health.fps", "health.rebuffers", "latency.glass_to_glass", "host.cpu.hlsmon", "host.mem.hlsmon")


def _session(path, segments=60):
    config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=ORIGIN), EndpointConfig(name="cdn", url=CDN)))
    writer = SessionWriter(path, config)
    for ev in synthetic_events(segments):
        writer.write(ev)
    for i in range(segments):
        values = {name: float(i) for name in SAMPLED}
        writer.write(SampledValues(mono=1000.0 + i, utc=START + timedelta(seconds=i), values=values))
    writer.close()


@pytest.mark.parametrize("background", [False, True])
def test_replay_restores_sampled_series_and_the_session_urls(window, qtbot, tmp_path, background):
    path = tmp_path / "s.jsonl"
    _session(path)
    window.url_bar.set_urls("http://elsewhere.example/typed.m3u8", "")
    with qtbot.waitSignal(window.replay_finished, timeout=60_000):
        window.open_session(path, background=background)
    for name in SAMPLED:
        xs, ys = window.model.xy(name)
        assert len(xs) == 60 and list(ys[:3]) == [0.0, 1.0, 2.0], name
    assert window.url_bar.urls() == (ORIGIN, CDN)
    health = next(c for c in window.charts if c.title == "Player health")
    assert len(health.curves[0].item.xData) == 60  # drawn, not only in the model


def test_the_window_records_its_samples_in_the_session(window, tmp_path):
    record = tmp_path / "rec.jsonl"
    config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=ORIGIN),), record_path=record)
    window.stream.monitor = Monitor(config)  # not started: only its session file is used
    try:
        window._on_host_tick()
    finally:
        window.stream.monitor.close()
        window.stream.monitor = None
    samples = [e for e in read_session(record) if isinstance(e, SampledValues)]
    assert len(samples) == 1 and "host.cpu.hlsmon" in samples[0].values
    assert "host.cpu.hlsmon" in window.model.series  # and on screen


def test_clearing_resets_the_model_and_the_charts_follow(window):
    for ev in synthetic_events(40):
        window._on_event(ev)
    window.redraw()
    intervals = window.charts[1]
    assert len(intervals.curves[0].item.xData) > 0
    announced = []
    window.model.on_reset(lambda: announced.append(window.model.has_data))
    window.clear()
    assert announced == [False]
    assert not window.model.has_data and not window.ingestor.lifecycles and not window.ingestor.snapshots
    assert all(c.item.xData is None or len(c.item.xData) == 0 for c in intervals.curves)
    assert window.lifecycle.item._derived_cache == {}


def test_reset_from_another_model_takes_its_contents():
    filled = DashboardModel()
    ingestor = Ingestor(filled)
    ingestor.feed_many(list(synthetic_events(30)))
    model = DashboardModel()
    mine = Ingestor(model)
    version = model.version
    model.reset(filled)
    mine.reset(ingestor)
    assert model.version > version and model.generation == 1
    assert len(model.lifecycles["origin"]) == 30 and model.series.keys() == filled.series.keys()
    assert mine.model is model and len(mine.lifecycles) == len(ingestor.lifecycles)


@pytest.mark.parametrize("batch", [7, 200, 5000])
def test_batches_end_like_one_event_at_a_time(batch):
    events = list(synthetic_events(300, stale_every=100))
    one = Ingestor(DashboardModel())
    for ev in events:
        one.feed(ev)
    many = Ingestor(DashboardModel())
    for i in range(0, len(events), batch):
        assert many.feed_many(events[i : i + batch]) == len(events[i : i + batch])
    for ep, table in one.model.lifecycles.items():
        assert np.array_equal(table.buf.view(2), many.model.lifecycles[ep].buf.view(2), equal_nan=True)
        for col in range(10):
            assert np.array_equal(table.col(col), many.model.lifecycles[ep].col(col), equal_nan=True)
    assert one.model.series.keys() == many.model.series.keys()
    for name, buf in one.model.series.items():
        assert np.array_equal(buf.view(1), many.model.series[name].view(1), equal_nan=True), name
    assert (one.model.t_min, one.model.t_max) == (many.model.t_min, many.model.t_max)
    assert one.lifecycles.keys() == many.lifecycles.keys()


def test_session_urls_come_from_the_header_only(tmp_path):
    from gui.session_io import session_urls

    path = tmp_path / "s.jsonl"
    _session(path, segments=2)
    assert session_urls(path) == (ORIGIN, CDN)
    headerless = tmp_path / "h.jsonl"
    headerless.write_text('{"type":"EndpointStatus"}\n')
    assert session_urls(headerless) == ("", "")
