"""The content worker: off the caller's thread, bounded queue that drops the oldest and says so."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from monitor.clock import FakeClock
from monitor.content import ContentResult, ContentWorker, SegmentInput, SegmentJob
from monitor.content import findings as F
from tests.content.media import encode, needs_ffmpeg

pytestmark = needs_ffmpeg


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return encode(tmp_path_factory.mktemp("w"), seconds=1, segment_s=1)[0]


def job(data: bytes, msn: int, *, seen: float | None = None) -> SegmentJob:
    return SegmentJob(endpoint="origin", uri=f"http://127.0.0.1/s{msn}.ts", data=data,
                      segment=SegmentInput(msn=msn, extinf_s=1.0), seen_mono=seen)


def test_results_come_from_the_worker_thread(segment: bytes) -> None:
    got: list[tuple[str, ContentResult]] = []
    worker = ContentWorker(lambda r: got.append((threading.current_thread().name, r)), clock=FakeClock()).start()
    try:
        assert worker.submit(job(segment, 7))
        assert worker.drain(10)
    finally:
        worker.close()
    ((thread, result),) = got
    assert thread == "content"
    assert result.msn == 7 and result.skipped == 0 and result.findings == ()
    assert result.report is not None and result.report.format.size == "160x90"
    assert 0 < result.cpu_s < 1 and worker.cpu_s == result.cpu_s


def test_a_full_queue_drops_the_oldest_and_says_so(segment: bytes, caplog: pytest.LogCaptureFixture) -> None:
    holding, release = threading.Event(), threading.Event()
    got: list[ContentResult] = []

    def slow(result: ContentResult) -> None:
        holding.set()
        release.wait(10)  # the first result holds the worker while we submit more
        got.append(result)

    worker = ContentWorker(slow, capacity=2).start()
    try:
        worker.submit(job(segment, 0))
        assert holding.wait(10)
        kept = [worker.submit(job(segment, msn)) for msn in range(1, 6)]
        release.set()
        assert worker.drain(10)
    finally:
        worker.close()
    assert kept == [True, True, False, False, False]
    assert worker.dropped == 3
    assert [r.msn for r in got] == [0, 4, 5]  # the newest are kept
    assert [r.skipped for r in got] == [0, 3, 0]
    assert "content analysis is behind" in caplog.text


def test_unreadable_bytes_become_a_finding() -> None:
    got: list[ContentResult] = []
    worker = ContentWorker(got.append).start()
    try:
        worker.submit(job(b"<html>502 Bad Gateway</html>", 0))
        assert worker.drain(10)
    finally:
        worker.close()
    (result,) = got
    assert result.report is None
    assert [f.code for f in result.findings] == [F.UNREADABLE_SEGMENT]


def test_ingest_drift_is_measured_from_arrival_times(tmp_path: Path) -> None:
    # 40 one-second segments that appear every 1.05 s: the origin publishes 0.95 media s per s
    segments = encode(tmp_path, seconds=40, segment_s=1, size="160x90", audio=False)
    got: list[ContentResult] = []
    worker = ContentWorker(got.append, capacity=len(segments)).start()
    try:
        for msn, data in enumerate(segments):
            worker.submit(job(data, msn, seen=100 + msn * 1.05))
        assert worker.drain(30)
    finally:
        worker.close()
    drift = [f for r in got for f in r.findings if f.code == F.INGEST_DRIFT]
    assert drift and drift[-1].evidence["rate"] == pytest.approx(0.952, abs=0.005)
    assert not any(f.code == F.INGEST_DRIFT for r in got[:25] for f in r.findings)  # before the window is full
