"""``hlsmon lab`` as operators run it: exits by itself, on SIGTERM/Ctrl-C, when its parent dies; no orphans."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.lab.helpers import read_jsonl

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]


def _hlsmon() -> list[str]:
    if os.environ.get("HLSMON_CMD"):  # e.g. run against an installed hlsmon elsewhere
        return os.environ["HLSMON_CMD"].split()
    exe = Path(sys.executable).with_name("hlsmon")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("hlsmon")
    return [found] if found else [sys.executable, str(ROOT / "main.py")]


def _descendants(proc: psutil.Process) -> set[psutil.Process]:
    try:
        return set(proc.children(recursive=True))
    except psutil.NoSuchProcess:
        return set()


def _alive(procs: set[psutil.Process]) -> list[psutil.Process]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.NoSuchProcess:
            continue
    return left


def _start(argv: list[str], tmp_path: Path) -> psutil.Popen:
    with open(tmp_path / "out.txt", "w") as out:  # the child writes to its own copy of the descriptor
        return psutil.Popen(argv, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)


def _output(tmp_path: Path) -> str:
    return (tmp_path / "out.txt").read_text(errors="replace")


def _watch_until_ready(proc: psutil.Popen, tmp_path: Path, timeout: float = 40) -> set[psutil.Process]:
    """Wait for the 'Playlist (HLS) URL' line; return every descendant seen meanwhile."""
    seen: set[psutil.Process] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen |= _descendants(proc)
        buffer = _output(tmp_path)
        if "Playlist (HLS) URL" in buffer:
            seen |= _descendants(proc)
            return seen
        assert proc.poll() is None, f"hlsmon lab exited early: {buffer}"
        time.sleep(0.2)
    raise AssertionError(f"lab not ready: {_output(tmp_path)}")


def test_duration_exits_by_itself_and_records_the_truth(tmp_path):
    truth = tmp_path / "t.jsonl"
    proc = _start([*_hlsmon(), "lab", "--duration", "30", "--truth", str(truth)], tmp_path)
    try:
        seen = _watch_until_ready(proc, tmp_path)
        names = " ".join(" ".join(p.cmdline()) for p in _alive(seen))
        assert "nginx" in names and "ffmpeg" in names and "lab.truth" in names
        while proc.poll() is None:
            seen |= _descendants(proc)
            time.sleep(0.5)
        rc = proc.wait(60)
        out = _output(tmp_path)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, out
    assert _alive(seen) == [], "processes left behind"
    actions = [r.get("action") for r in read_jsonl(truth)]
    assert actions.count("playlist_write") >= 10
    assert actions.count("segment_create") >= 10
    assert actions.count("segment_delete") >= 1  # default 2 s / 6 s: cleanup every 12 s, age >= 12 s


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_on_signal(tmp_path, sig):
    proc = _start([*_hlsmon(), "lab", "--fragment", "1", "--playlist-length", "3"], tmp_path)
    try:
        seen = _watch_until_ready(proc, tmp_path)
        proc.send_signal(sig)
        rc = proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0
    assert _alive(seen) == []


def test_parent_death_leaves_no_orphan(tmp_path):
    """A parent that is SIGKILLed: the lab notices and stops everything."""
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen({[*_hlsmon(), 'lab', '--fragment', '1', '--playlist-length', '3']!r},"
        " stdout=sys.stdout, stderr=subprocess.STDOUT)\n"
        "time.sleep(600)\n"
    )
    parent = _start([sys.executable, "-c", script], tmp_path)
    seen: set[psutil.Process] = set()
    try:
        seen = _watch_until_ready(parent, tmp_path)
        assert len(seen) >= 4
        parent.kill()
        parent.wait(5)
        deadline = time.monotonic() + 20
        while _alive(seen) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _alive(seen)
    finally:
        if parent.poll() is None:  # the lab never got ready: do not leave the sleeping parent behind
            parent.kill()
        for p in _alive(seen):
            p.kill()
    assert left == [], [p.cmdline() for p in left]
