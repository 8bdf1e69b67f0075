"""Session retention: by age and by total size, oldest first, never the session being written."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.retention import human_bytes, prune_sessions

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _session(folder: Path, name: str, size: int, age_days: float) -> Path:
    path = folder / f"session-{name}.jsonl"
    path.write_bytes(b"x" * size)
    stamp = (NOW - timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_old_sessions_go_by_age(tmp_path: Path) -> None:
    old = _session(tmp_path, "old", 10, 8)
    recent = _session(tmp_path, "recent", 10, 1)
    result = prune_sessions(tmp_path, now=NOW, keep_days=7, keep_bytes=10**9)
    assert result.removed == (old,) and recent.exists() and not old.exists()
    assert result.files_kept == 1 and result.bytes_kept == 10


def test_size_limit_removes_the_oldest_first_but_never_the_current_one(tmp_path: Path) -> None:
    a = _session(tmp_path, "a", 600, 3)
    b = _session(tmp_path, "b", 600, 2)
    current = _session(tmp_path, "c", 600, 0)
    result = prune_sessions(tmp_path, now=NOW, keep_days=7, keep_bytes=1000, protect=frozenset({current}))
    assert set(result.removed) == {a, b}
    assert current.exists()
    assert "removed 2 old file(s)" in result.words()


def test_other_files_are_never_touched(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("mine")
    os.utime(other, (0, 0))
    prune_sessions(tmp_path, now=NOW, keep_days=0, keep_bytes=0)
    assert other.exists()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.floats(0, 30)), max_size=12), st.integers(0, 20000))
def test_what_is_kept_fits_the_limits(tmp_path_factory, files, limit) -> None:
    folder = tmp_path_factory.mktemp("s")
    for i, (size, age) in enumerate(files):
        _session(folder, str(i), size, age)
    result = prune_sessions(folder, now=NOW, keep_days=7, keep_bytes=limit)
    kept = list(folder.glob("session-*.jsonl"))
    assert result.bytes_kept == sum(p.stat().st_size for p in kept) <= limit
    assert all(p.stat().st_mtime >= (NOW - timedelta(days=7)).timestamp() for p in kept)


def test_human_bytes() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(3 * 1024**3) == "3.0 GB"
