"""Session retention: the window records every stream it opens, so old session files are removed by age and
by total size (whichever limit is reached first), oldest first, never the one being written.

Pure file-system policy with an injected ``now`` (aware UTC); the GUI calls it when a recording starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_KEEP_DAYS = 7.0
DEFAULT_KEEP_BYTES = 2 * 1024**3
SESSION_GLOB = "session-*.jsonl"


@dataclass(frozen=True)
class Retention:
    removed: tuple[Path, ...]
    bytes_removed: int
    bytes_kept: int
    files_kept: int

    def words(self) -> str:
        kept = f"sessions use {human_bytes(self.bytes_kept)} in {self.files_kept} file(s)"
        if not self.removed:
            return kept
        return f"{kept}; removed {len(self.removed)} old file(s), {human_bytes(self.bytes_removed)}"


def human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def prune_sessions(
    folder: Path,
    *,
    now: datetime,
    keep_days: float = DEFAULT_KEEP_DAYS,
    keep_bytes: int = DEFAULT_KEEP_BYTES,
    protect: frozenset[Path] = frozenset(),
) -> Retention:
    """Remove session files older than ``keep_days`` and, newest kept first, those past ``keep_bytes`` in total."""
    files = []
    for path in folder.glob(SESSION_GLOB):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed meanwhile (another window)
            continue
        files.append((datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size, path))
    files.sort(reverse=True)  # newest first
    oldest_kept = now - timedelta(days=keep_days)
    removed: list[Path] = []
    bytes_removed = bytes_kept = files_kept = 0
    for mtime, size, path in files:
        keep = path in protect or (mtime >= oldest_kept and bytes_kept + size <= keep_bytes)
        if keep or not _unlink(path):
            bytes_kept += size
            files_kept += 1
        else:
            removed.append(path)
            bytes_removed += size
    return Retention(tuple(removed), bytes_removed, bytes_kept, files_kept)


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError as exc:
        log.warning("could not remove old session %s: %s", path, exc)
        return False
    return True
