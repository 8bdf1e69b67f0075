"""ManagedProcess: children outlive the thread that started them, and stop() leaves nothing behind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil

from lab.process import ManagedProcess, ProcessFailed


def test_child_started_from_a_finished_thread_stays_alive(tmp_path: Path) -> None:
    started: list[ManagedProcess] = []
    worker = threading.Thread(
        target=lambda: started.append(ManagedProcess("sleeper", ["sleep", "30"], tmp_path / "s.log").start())
    )
    worker.start()
    worker.join()
    process = started[0]
    try:
        time.sleep(0.5)  # PR_SET_PDEATHSIG would have fired by now if the worker had forked it
        assert process.alive()
    finally:
        process.stop()
    assert not process.alive()


def test_stop_kills_the_whole_process_group(tmp_path: Path) -> None:
    process = ManagedProcess("forker", ["sh", "-c", "sleep 30 & sleep 30 & wait"], tmp_path / "f.log").start()
    time.sleep(0.3)
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) == 2
    process.stop()
    time.sleep(0.2)
    assert not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children)


def test_missing_program_says_how_to_install(tmp_path: Path) -> None:
    try:
        ManagedProcess("ghost", ["no-such-program-hlsmon"], tmp_path / "g.log").start()
    except ProcessFailed as exc:
        assert "scripts/setup.sh" in str(exc)
    else:
        raise AssertionError("starting a missing program must raise ProcessFailed")
