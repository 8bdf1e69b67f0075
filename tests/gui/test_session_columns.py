"""The fast File → Open (gui/session_columns.py) ends where feeding every event to the Ingestor ends: every
series, every lifecycle row, alerts, references, and what the verdicts read (the newest lifecycles, the last
snapshot, measures and state of each endpoint)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import numpy as np
import pytest

from gui.dashboard_model import DashboardModel
from gui.ingest import KEEP_LIFECYCLES, Ingestor
from gui.replay import BATCH
from gui.session_columns import load_session
from gui.synthetic import START, synthetic_events
from monitor.records import (
    Alert,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SampledValues,
    SegmentLifecycle,
    Severity,
    Window,
)
from monitor.session import SessionWriter, encode, read_session

AFTER = (11.5, 23.0)  # a predicted deletion interval after arrival


def _extras(i: int) -> list[object]:
    t = START + timedelta(seconds=i)
    seen = Window(lo=1000.0 + i - 0.2, hi=1000.0 + i, lo_utc=t - timedelta(seconds=0.2), hi_utc=t)
    values = {"health.fps": 25.0 - i % 3, "host.cpu.hlsmon": 4.0}
    out: list[object] = [SampledValues(mono=1000.0 + i, utc=t, values=values)]
    if i % 7 == 0:
        out.append(
            RequestRecord(
                endpoint="origin",
                kind=RequestKind.PLAYLIST,
                method="GET",
                url="http://h/x.m3u8",
                final_url=None,
                sent_mono=1.0,
                sent_utc=t,
                first_byte_mono=1.1,
                end_mono=1.2,
                end_utc=t,
                status=200,
                headers={"age": str(i)},
            )
        )
        snapshot = PlaylistSnapshot(endpoint="cdn", fetched=seen, url="u", media_sequence=i, target_duration=2 + i % 2)
        out.append(snapshot)
    if i % 50 == 0:
        out.append(Alert(endpoint="cdn", severity=Severity.WARNING, code="stale", message=f"m{i}", mono=1.0, utc=t))
    if i % 11 == 0:  # a segment with a size, a PROGRAM-DATE-TIME, and one missed
        pdt = t - timedelta(seconds=4)
        uri = f"x/{i}.ts?tok=1"
        lc = SegmentLifecycle(endpoint="origin", msn=100_000 + i, uri=uri, extinf=1.0, first_seen=seen, pdt=pdt)
        out.append(dataclasses.replace(lc, size=125_000, missed=i % 22 == 0))
    return out


def _write(path, segments: int, extras: bool = True) -> list[object]:
    events = []
    for i, ev in enumerate(synthetic_events(segments, stale_every=40)):
        events.append(ev)
        if extras and i % 3 == 0:
            events.extend(_extras(i // 3))
    writer = SessionWriter(path)
    for ev in events:
        writer.write(ev)
    writer.close()
    return events


def _slow(path, batch: int) -> Ingestor:
    ing = Ingestor(DashboardModel())
    ing.predict_deletion = lambda: AFTER
    events = list(read_session(path))
    for i in range(0, len(events), batch):
        ing.feed_many(events[i : i + batch])
    return ing


def _fast(path) -> Ingestor:
    ing = Ingestor(DashboardModel())
    ing.predict_deletion = lambda: AFTER
    assert load_session(path, ing) == sum(1 for _ in read_session(path))
    return ing


def assert_same(a: Ingestor, b: Ingestor, lifecycle_order: bool) -> None:
    ma, mb = a.model, b.model
    assert ma.lifecycles.keys() == mb.lifecycles.keys()
    for ep, ta in ma.lifecycles.items():
        tb = mb.lifecycles[ep]
        assert (ta.rows, ta.seqs, ta.uris) == (tb.rows, tb.seqs, tb.uris), ep
        for col in range(10):
            assert np.array_equal(ta.col(col), tb.col(col), equal_nan=True), (ep, col)
    assert (ma._y_of, ma.row_sequences) == (mb._y_of, mb.row_sequences)
    assert sorted(ma.series) == sorted(mb.series)
    for name, buf in ma.series.items():
        for col in (0, 1):
            assert np.array_equal(buf.view(col), mb.series[name].view(col), equal_nan=True), name
    assert (ma.t_min, ma.t_max, ma.refs) == (mb.t_min, mb.t_max, mb.refs)
    assert (ma.alerts, ma.thumbnails) == (mb.alerts, mb.thumbnails)
    assert (a.snapshots, a.playlist_headers) == (b.snapshots, b.playlist_headers)
    assert (a.states, a.measures) == (b.states, b.measures)
    assert a.requests == b.requests
    assert (a._last_first, a._first_mid, a._sized) == (b._last_first, b._first_mid, b._sized)
    assert dict(a.lifecycles) == dict(b.lifecycles)
    if lifecycle_order:
        assert list(a.lifecycles) == list(b.lifecycles)


@pytest.mark.parametrize("segments", [1, 400])
def test_the_fast_open_ends_like_feeding_every_event(tmp_path, segments):
    path = tmp_path / "s.jsonl"
    _write(path, segments)
    fast = _fast(path)
    assert_same(fast, _slow(path, batch=10**9), lifecycle_order=True)  # the whole file as one batch
    assert_same(fast, _slow(path, batch=BATCH), lifecycle_order=False)  # as the window fed it before
    assert fast.model.series["latency.origin_cdn"].view(0).size and fast.model.alerts and fast.snapshots


def test_more_segments_than_the_ingestor_keeps(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, KEEP_LIFECYCLES + 300, extras=False)  # more origin arrivals than the ingestor remembers
    fast = _fast(path)
    assert len(fast.lifecycles) == KEEP_LIFECYCLES
    assert_same(fast, _slow(path, batch=10**9), lifecycle_order=True)


def test_torn_and_appended_files_read_like_the_core_reads_them(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, 60)
    with path.open("ab") as fh:
        fh.write(b'{"type":"SegmentLifecycle","endpoint":"origin","msn":9')  # killed mid-line
    _write(path, 30)  # a second recording appended (new header, records of msns seen before)
    with path.open("ab") as fh:
        fh.write(b'{"type":"SomethingNewer","x":1}\n[1,2]\n\n{"type":"Measures","endpo')
    assert_same(_fast(path), _slow(path, batch=10**9), lifecycle_order=True)


def test_an_unexpected_record_leaves_the_ingestor_to_the_general_reader(tmp_path):
    path = tmp_path / "s.jsonl"
    events = _write(path, 20, extras=False)
    lc = next(e for e in events if isinstance(e, SegmentLifecycle))
    data = json.loads(encode(dataclasses.replace(lc, msn=77)))
    data["extinf"] = None  # null where the lite record wants a number: the core's reader decides
    with path.open("a") as fh:
        fh.write(json.dumps(data) + "\n")
    ing = Ingestor(DashboardModel())
    assert load_session(path, ing) is None
    assert not ing.model.has_data and not ing.lifecycles
