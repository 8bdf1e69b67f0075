"""The ground-truth recorder on a real folder (real inotify), driven by scripted file operations."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from lab.truth import TruthRecorder, action_for, classify, parse_playlist
from tests.lab.helpers import read_jsonl

PLAYLIST = (
    "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nk-7.ts\n"
    "#EXT-X-DISCONTINUITY\n#EXTINF:1.960,\nk-8.ts\n"
)


class _Sink(io.StringIO):
    """A text sink that can be read while the recorder thread writes to it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock, open(self.path, "a") as out:
            out.write(text)
        return len(text)


@pytest.fixture
def recorder(tmp_path):
    root = tmp_path / "hls"
    out = tmp_path / "truth.jsonl"
    rec = TruthRecorder(root, _Sink(out))
    thread = threading.Thread(target=rec.run, kwargs={"poll_s": 0.05}, daemon=True)
    thread.start()
    _wait(lambda: out.exists() and "start" in out.read_text())
    yield root, out
    rec.stop()
    thread.join(5)
    rec.close()


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def _actions(out: Path) -> list[tuple[str, str]]:
    return [(r["action"], r["path"]) for r in read_jsonl(out) if "action" in r]


def test_classify_and_actions():
    assert classify("a/index.m3u8") == "playlist"
    assert classify("test-3.ts") == "segment"
    assert classify("test.m3u8.bak") == "temp"
    assert action_for("moved_to", "playlist") == "playlist_write"
    assert action_for("create", "temp") is None
    parsed = parse_playlist(PLAYLIST)
    assert parsed == {
        "media_sequence": 7,
        "target_duration": 2,
        "uris": ["k-7.ts", "k-8.ts"],
        "durations": [2.0, 1.96],
        "discontinuity": [False, True],
        "endlist": False,
    }


def test_records_nginx_style_writes_and_deletes(recorder):
    root, out = recorder
    seg = root / "k-7.ts"
    with open(seg, "wb") as f:
        f.write(b"x" * 188)
    bak = root / "k.m3u8.bak"
    bak.write_text(PLAYLIST)
    os.rename(bak, root / "k.m3u8")  # nginx-rtmp writes the playlist like this
    _wait(lambda: ("playlist_write", "k.m3u8") in _actions(out))  # sizes are read when the event is read
    seg.unlink()
    _wait(lambda: ("segment_delete", "k-7.ts") in _actions(out))
    assert _actions(out) == [
        ("segment_create", "k-7.ts"),
        ("segment_close", "k-7.ts"),
        ("playlist_write", "k.m3u8"),
        ("segment_delete", "k-7.ts"),
    ]
    records = read_jsonl(out)
    write = next(r for r in records if r.get("action") == "playlist_write")
    assert write["event"] == "moved_to"
    assert write["media_sequence"] == 7 and write["uris"] == ["k-7.ts", "k-8.ts"]
    close = next(r for r in records if r.get("action") == "segment_close")
    assert close["size"] == 188
    monos = [r["t_mono"] for r in records]
    assert monos == sorted(monos)
    assert all(r["t_utc"].endswith("+00:00") for r in records)


def test_follows_new_subfolders(recorder):
    root, out = recorder
    nested = root / "key"
    nested.mkdir()
    (nested / "3.ts").write_bytes(b"y")  # may land before the watch exists: reported as 'exists' then
    time.sleep(0.2)
    (nested / "4.ts").write_bytes(b"z")
    _wait(lambda: ("segment_close", "key/4.ts") in _actions(out))
    records = read_jsonl(out)
    assert any(r["event"] == "mkdir" and r["path"] == "key" for r in records)
    assert any(r["path"] == "key/3.ts" for r in records)
