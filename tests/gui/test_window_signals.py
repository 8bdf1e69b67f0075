"""Ctrl-C or SIGTERM to the window started on the lab: it closes like the close button, the session ends with a
whole line, and the lab's temporary folder is removed."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _wait_for_line(proc: subprocess.Popen, words: str, timeout: float) -> str:
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline()
                if words in line:
                    return line
                if not line and proc.poll() is not None:
                    break
    raise AssertionError(f"no {words!r} from the window within {timeout} s")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_closes_the_window_and_removes_the_lab_folder(tmp_path: Path, signum: signal.Signals) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    sessions = tmp_path / "sessions"
    config = tmp_path / "settings.ini"
    config.write_text(f"[settings]\nrecord_dir={sessions}\n")
    env = {**os.environ, "TMPDIR": str(tmp), "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [sys.executable, "main.py", "--no-player", "--lab-cdn", "none", "--config-file", str(config)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = _wait_for_line(proc, "Lab running. OBS: server rtmp://127.0.0.1", timeout=60)
        assert "stream key" in line
        assert [p.name for p in tmp.iterdir() if p.name.startswith("hlsmon-lab-")], "the lab works in TMPDIR"
        time.sleep(3)  # a few polls recorded
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("hlsmon-lab-")]
    (session,) = sessions.glob("session-*.jsonl")
    text = session.read_text()
    assert text.endswith("\n")
    for line in text.splitlines():
        json.loads(line)


def test_garbage_is_collected_on_the_gui_thread_only(qtbot) -> None:
    """A worker thread's automatic collection could free a Qt object off the GUI thread and deadlock."""
    import gc
    import threading

    from PySide6.QtCore import QObject

    from gui.app import collect_garbage_on_the_gui_thread

    owner = QObject()
    enabled = gc.isenabled()
    threads: set[str] = set()
    gc.callbacks.append(lambda phase, info: threads.add(threading.current_thread().name) if phase == "start" else None)
    try:
        timer = collect_garbage_on_the_gui_thread(owner, every_ms=20)
        assert not gc.isenabled() and timer.isActive()
        def make_cycles() -> None:
            for _ in range(20_000):  # garbage only the cyclic collector frees
                cycle: list[object] = []
                cycle.append(cycle)

        worker = threading.Thread(target=make_cycles, name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: threading.main_thread().name in threads, timeout=3000)
        assert threads == {threading.main_thread().name}
        timer.stop()
    finally:
        gc.callbacks.pop()
        if enabled:
            gc.enable()
