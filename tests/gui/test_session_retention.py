"""The window keeps its recorded sessions within the retention settings and says how much they use."""

from __future__ import annotations

import os
import time


def test_starting_a_recording_prunes_old_sessions_and_shows_the_space_used(window, tmp_path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir(exist_ok=True)
    old = folder / "session-20260101T000000Z.jsonl"
    old.write_text('{"type":"header"}\n')
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    recent = folder / "session-20261203T000000Z.jsonl"
    recent.write_text('{"type":"header"}\n')
    window.play("http://127.0.0.1:9/live.m3u8")  # nothing listens there: the recording starts all the same
    try:
        assert not old.exists() and recent.exists()
        assert "removed 1 old file(s)" in window.status.text()
        assert "sessions use" in window.status.text()
    finally:
        window.stop()
