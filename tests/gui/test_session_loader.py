"""File → Open reads on a thread: SessionLoader (Qt-free) and the window's progress bar."""

from __future__ import annotations

import time

import pytest

from gui.session_io import SessionLoader, check_header
from gui.synthetic import synthetic_events
from monitor.session import SessionWriter, read_session


def _write(path, segments):
    writer = SessionWriter(path)
    n = 0
    for ev in synthetic_events(segments):
        writer.write(ev)
        n += 1
    writer.close()
    return n


def _drain(loader, timeout=60.0):
    out = []
    end = time.monotonic() + timeout
    while not loader.finished and time.monotonic() < end:
        for batch in loader.take(time.monotonic() + 0.05):
            out.extend(batch)
        time.sleep(0.001)
    return out


def test_loader_reads_everything_in_order_with_progress(tmp_path):
    path = tmp_path / "s.jsonl"
    n = _write(path, 400)
    loader = SessionLoader(path, batch=100, max_batches=3).start()  # a small queue: the reader must wait
    got = _drain(loader)
    assert loader.finished and loader.error is None
    assert got == list(read_session(path)) and len(got) == n == loader.events
    assert loader.fraction == 1.0


def test_loader_cancel_stops_the_thread(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, 3000)
    loader = SessionLoader(path, batch=50, max_batches=2).start()
    time.sleep(0.2)
    loader.cancel()
    assert not loader._thread.is_alive()
    assert not loader.finished and loader.read_bytes < loader.total_bytes  # stopped early (queue full)


def test_loader_reports_errors_and_bad_headers(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"type":"header","format":"hlsmon-session","version":1}\n{"type":"EndpointStatus"}\n')
    loader = SessionLoader(path).start()
    _drain(loader)
    assert loader.finished and isinstance(loader.error, TypeError)
    other = tmp_path / "o.jsonl"
    other.write_text('{"type":"header","format":"something-else","version":1}\n')
    with pytest.raises(ValueError):
        check_header(other)
    with pytest.raises(OSError):
        check_header(tmp_path / "missing.jsonl")


def test_window_shows_progress_while_reading(window, qtbot, tmp_path):
    path = tmp_path / "s.jsonl"
    n = _write(path, 1500)
    with qtbot.waitSignal(window.replay_finished, timeout=60_000) as blocker:
        window.open_session(path, background=True)
        assert window.replay.bar.isVisible()
        assert window.replay.timer.isActive()
    assert blocker.args == [n]
    assert not window.replay.bar.isVisible() and not window.replay.active
    assert len(window.model.lifecycles["origin"]) == 1500
    # a second open while one is running cancels the first
    window.open_session(path, background=True)
    first = window.replay.loader
    with qtbot.waitSignal(window.replay_finished, timeout=60_000):
        window.open_session(path, background=True)
    assert not first._thread.is_alive()
    assert len(window.model.lifecycles["origin"]) == 1500
