"""Chart data without a window: buffers, the dashboard model and the record ingestion (no Qt)."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from gui.buffers import GrowBuffer
from gui.dashboard_model import FIRST_HI, GONE_HI, LEFT_HI, PRED_LO, DashboardModel
from gui.ingest import Ingestor
from gui.session_io import export_csv, export_html, export_json
from gui.synthetic import synthetic_events
from monitor.records import Alert, Measures, SegmentLifecycle, Severity, Window

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def win(t: float) -> Window:
    return Window(lo=t - 0.1, hi=t, lo_utc=T0 + timedelta(seconds=t - 0.1), hi_utc=T0 + timedelta(seconds=t))


def test_grow_buffer_doubles_and_keeps_rows():
    buf = GrowBuffer(2, capacity=2)
    for i in range(10):
        buf.append(i, i * i)
    assert len(buf) == 10
    assert buf.view(1).tolist() == [i * i for i in range(10)]
    buf.extend(np.array([[10, 11], [100, 121]]))
    assert buf.view(0)[-1] == 11 and len(buf) == 12


def test_lifecycle_updates_the_same_row_and_shares_rows_across_endpoints():
    model = DashboardModel()
    ing = Ingestor(model)
    lc = SegmentLifecycle(endpoint="origin", msn=7, uri="http://h/hls/s-7.ts", extinf=2.0, first_seen=win(10))
    ing.feed(lc)
    ing.feed(replace(lc, left=win(16)))
    ing.feed(replace(lc, left=win(16), gone=win(30)))
    ing.feed(replace(lc, endpoint="cdn", first_seen=win(10.6)))
    origin, cdn = model.lifecycles["origin"], model.lifecycles["cdn"]
    assert len(origin) == 1 and len(cdn) == 1
    assert origin.buf.get(0, FIRST_HI) == (T0 + timedelta(seconds=10)).timestamp()
    assert origin.buf.get(0, GONE_HI) - origin.buf.get(0, LEFT_HI) == 14.0
    assert origin.buf.get(0, 0) == cdn.buf.get(0, 0)  # same row (y) for the same segment
    _, y = model.xy("latency.origin_cdn")
    assert len(y) == 1 and math.isclose(y[0], 0.6, abs_tol=1e-6)


def test_interarrival_durations_and_window_series():
    model = DashboardModel()
    ing = Ingestor(model)
    for i, t in enumerate((10.0, 12.0, 14.5)):
        ing.feed(SegmentLifecycle(endpoint="origin", msn=i, uri=f"s-{i}.ts", extinf=2.0, first_seen=win(t)))
        ing.feed(
            Measures(
                endpoint="origin",
                mono=t,
                utc=T0 + timedelta(seconds=t),
                media_sequence=0,
                window_segments=i + 1,
                window_s=2.0 * (i + 1),
                target_duration=2,
                staleness_s=0.5,
            )
        )
    assert model.xy("interval.origin")[1].tolist() == [2.0, 2.5]
    assert model.xy("duration.origin")[1].tolist() == [2.0, 2.0, 2.0]
    assert model.xy("window_n.origin")[1].tolist() == [1, 2, 3]
    assert model.refs.target_duration == 2 and model.refs.three_td == 6


def test_predicted_deletion_interval_is_stored_per_segment():
    model = DashboardModel()
    ing = Ingestor(model)
    ing.predict_deletion = lambda: (12.0, 24.0)
    ing.feed(SegmentLifecycle(endpoint="origin", msn=1, uri="s-1.ts", extinf=1.0, first_seen=win(5)))
    t = (T0 + timedelta(seconds=4.95)).timestamp()
    assert math.isclose(model.lifecycles["origin"].buf.get(0, PRED_LO), t + 12, abs_tol=1e-6)


def test_exports_round_trip_the_numbers(tmp_path):
    model = DashboardModel()
    ing = Ingestor(model)
    ing.feed_many(synthetic_events(40, stale_every=10))
    ing.feed(Alert(endpoint="cdn", severity=Severity.ERROR, code="x", message="m", mono=1, utc=T0, advice="do y"))
    files = export_csv(model, tmp_path / "out.csv")
    with files[0].open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 80 and {r["endpoint"] for r in rows} == {"origin", "cdn"}
    assert rows[0]["first_seen_hi"].startswith("2026-11-25T")
    data = json.loads(export_json(model, tmp_path / "out.json").read_text())
    assert len(data["lifecycles"]) == 80
    assert data["alerts"][-1]["advice"] == "do y"
    assert len(data["series"]["interval.origin"]["t"]) == 39
    page = export_html(model, tmp_path / "r.html", [("Charts", b"\x89PNG")], {"hls_fragment": 2.0}).read_text()
    assert "data:image/png;base64," in page and "do y" in page and "Segments at origin" in page
