"""Ground truth: every create, replace and delete in the origin's HLS folder, timestamped, as JSON lines.

Runs as its own process (``python -m lab.truth ROOT OUT``) so its timestamps do not wait for the GIL of the
process under test. It watches ROOT recursively with inotify (new subfolders, as with ``hls_nested on``, are
added as they appear) and writes one JSON object per line, flushed per line.

Fields of every line:

``t_utc``     ISO 8601 UTC with microseconds, e.g. ``2026-11-25T13:20:01.123456+00:00``
``t_mono``    ``time.monotonic()`` seconds (CLOCK_MONOTONIC: comparable with other processes on the host)
``event``     the inotify event: ``create``, ``close_write``, ``moved_from``, ``moved_to``, ``delete``,
              ``mkdir``, ``rmdir``, ``exists`` (already there at start), ``overflow``, ``start``, ``stop``
``path``      path relative to ROOT (posix), e.g. ``test-12.ts`` or ``test/index.m3u8``
``kind``      ``playlist`` (.m3u8), ``segment`` (.ts/.m4s/.mp4/.aac), ``temp`` (.bak/.tmp, a playlist
              being written), ``key``, ``dir``, ``other``
``action``    what it means: ``playlist_write`` (a new playlist version is in place: ``moved_to`` of an
              .m3u8, nginx writes ``<name>.m3u8.bak`` then renames it; or ``close_write`` for origins that
              write in place), ``playlist_delete``, ``segment_create`` (file created, still growing),
              ``segment_close`` (complete), ``segment_delete``; absent for other events
``size``      bytes when the event was read (null for deletions, or when the file was already gone)

Playlist writes also carry what the version written says, read right after the rename:
``media_sequence`` (int or null), ``target_duration`` (int or null), ``uris``, ``durations`` (EXTINF),
``discontinuity`` (one bool per entry: preceded by #EXT-X-DISCONTINUITY) and ``endlist`` (bool).

One read of the inotify queue stamps all its events with the same time; the delay between the file system
change and the stamp is normally well under 1 ms on an idle host (more when the CPU is saturated).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from lab.process import ManagedProcess

log = logging.getLogger(__name__)

SEGMENT_SUFFIXES = (".ts", ".m4s", ".mp4", ".aac")
TEMP_SUFFIXES = (".bak", ".tmp")
_EXTINF = re.compile(r"^#EXTINF:\s*([0-9.]+)")
_MEDIA_SEQ = re.compile(r"^#EXT-X-MEDIA-SEQUENCE:\s*(\d+)")
_TARGET = re.compile(r"^#EXT-X-TARGETDURATION:\s*(\d+)")


def classify(path: str, is_dir: bool = False) -> str:
    if is_dir:
        return "dir"
    name = path.lower()
    if name.endswith(".m3u8"):
        return "playlist"
    if name.endswith(SEGMENT_SUFFIXES):
        return "segment"
    if name.endswith(TEMP_SUFFIXES) or ".tmp" in name:
        return "temp"
    if name.endswith(".key"):
        return "key"
    return "other"


def action_for(event: str, kind: str) -> str | None:
    if kind == "playlist":
        return {"moved_to": "playlist_write", "close_write": "playlist_write",
                "delete": "playlist_delete", "moved_from": "playlist_delete"}.get(event)
    if kind == "segment":
        return {"create": "segment_create", "close_write": "segment_close", "moved_to": "segment_close",
                "delete": "segment_delete", "moved_from": "segment_delete"}.get(event)
    return None


def parse_playlist(text: str) -> dict[str, Any]:
    """Media sequence, URIs, EXTINF durations and ENDLIST of a media playlist (tolerant, no m3u8 dep)."""
    media_sequence: int | None = None
    target_duration: int | None = None
    uris: list[str] = []
    durations: list[float] = []
    discontinuity: list[bool] = []
    pending_discontinuity = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := _MEDIA_SEQ.match(line):
            media_sequence = int(m.group(1))
        elif m := _TARGET.match(line):
            target_duration = int(m.group(1))
        elif line.startswith("#EXT-X-DISCONTINUITY") and not line.startswith("#EXT-X-DISCONTINUITY-"):
            pending_discontinuity = True
        elif m := _EXTINF.match(line):
            durations.append(float(m.group(1)))
        elif not line.startswith("#"):
            uris.append(line)
            discontinuity.append(pending_discontinuity)
            pending_discontinuity = False
    return {
        "media_sequence": media_sequence,
        "target_duration": target_duration,
        "uris": uris,
        "durations": durations,
        "discontinuity": discontinuity,
        "endlist": "#EXT-X-ENDLIST" in text,
    }


def read_truth(path: Path) -> list[dict[str, Any]]:
    """All records of a truth file (a torn last line is skipped)."""
    records = []
    for line in Path(path).read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            records.append(json.loads(line))
    return records


class TruthRecorder:
    """Watch ``root`` recursively and write JSON lines to ``out`` until ``stop()``."""

    def __init__(self, root: Path, out: IO[str]) -> None:
        from inotify_simple import INotify, flags  # Linux only; imported here so the module imports anywhere

        self.root = Path(root).resolve()
        self.out = out
        self.flags = flags
        self.inotify = INotify()
        self.mask = (flags.CREATE | flags.CLOSE_WRITE | flags.MOVED_TO | flags.MOVED_FROM | flags.DELETE
                     | flags.DELETE_SELF)
        self.watches: dict[int, Path] = {}
        self._stopping = False

    # ---- output ----------------------------------------------------------------------------------
    def emit(self, event: str, rel: str, kind: str, t_mono: float, t_utc: datetime, **extra: Any) -> None:
        record: dict[str, Any] = {"t_utc": t_utc.isoformat(), "t_mono": round(t_mono, 6), "event": event,
                                  "path": rel, "kind": kind}
        action = action_for(event, kind)
        if action:
            record["action"] = action
        record.update(extra)
        self.out.write(json.dumps(record, separators=(",", ":")) + "\n")
        self.out.flush()

    def _file_extra(self, event: str, kind: str, full: Path) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if event in ("delete", "moved_from", "rmdir"):
            extra["size"] = None
            return extra
        try:
            if kind == "playlist" and event in ("moved_to", "close_write", "exists"):
                data = full.read_bytes()
                extra["size"] = len(data)
                extra.update(parse_playlist(data.decode("utf-8", "replace")))
            else:
                extra["size"] = full.stat().st_size
        except OSError:
            extra["size"] = None
        return extra

    # ---- watching --------------------------------------------------------------------------------
    def _add_tree(self, directory: Path, announce: bool) -> None:
        """Watch ``directory`` and its subfolders; report files already present (``exists``)."""
        try:
            wd = self.inotify.add_watch(str(directory), self.mask)
        except OSError as exc:
            log.warning("cannot watch %s: %s", directory, exc)
            return
        self.watches[wd] = directory
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            full = Path(entry.path)
            rel = full.relative_to(self.root).as_posix()
            if entry.is_dir(follow_symlinks=False):
                if announce:
                    self.emit("exists", rel, "dir", time.monotonic(), datetime.now(UTC))
                self._add_tree(full, announce)
            elif announce:
                kind = classify(rel)
                self.emit("exists", rel, kind, time.monotonic(), datetime.now(UTC),
                          **self._file_extra("exists", kind, full))

    def run(self, poll_s: float = 0.25) -> None:
        f = self.flags
        self.root.mkdir(parents=True, exist_ok=True)
        self.emit("start", ".", "dir", time.monotonic(), datetime.now(UTC), root=str(self.root), pid=os.getpid())
        self._add_tree(self.root, announce=True)
        names = ((f.CREATE, "create"), (f.CLOSE_WRITE, "close_write"), (f.MOVED_TO, "moved_to"),
                 (f.MOVED_FROM, "moved_from"), (f.DELETE, "delete"))
        while not self._stopping:
            events = self.inotify.read(timeout=int(poll_s * 1000))
            if not events:
                continue
            t_mono = time.monotonic()
            t_utc = datetime.now(UTC)
            for ev in events:
                if ev.mask & f.Q_OVERFLOW:
                    self.emit("overflow", ".", "other", t_mono, t_utc)
                    continue
                base = self.watches.get(ev.wd)
                if base is None:
                    continue
                if ev.mask & f.IGNORED or ev.mask & f.DELETE_SELF:
                    if ev.mask & f.IGNORED:
                        self.watches.pop(ev.wd, None)
                    continue
                full = base / ev.name
                rel = full.relative_to(self.root).as_posix()
                is_dir = bool(ev.mask & f.ISDIR)
                for bit, name in names:
                    if not ev.mask & bit:
                        continue
                    if is_dir:
                        event = {"create": "mkdir", "moved_to": "mkdir", "delete": "rmdir",
                                 "moved_from": "rmdir"}.get(name, name)
                        self.emit(event, rel, "dir", t_mono, t_utc)
                        if event == "mkdir":
                            self._add_tree(full, announce=True)  # files may already be inside
                    else:
                        kind = classify(rel)
                        self.emit(name, rel, kind, t_mono, t_utc, **self._file_extra(name, kind, full))
        self.emit("stop", ".", "dir", time.monotonic(), datetime.now(UTC))

    def stop(self) -> None:
        self._stopping = True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.inotify.close()


def start_recorder(root: Path, out: Path, log_path: Path) -> ManagedProcess:
    """Start the recorder as a child process (``python -m lab.truth``) writing to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "lab.truth", str(root), str(out)]
    env = dict(os.environ)
    project = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = project + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return ManagedProcess("truth recorder", argv, log_path, env=env).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.truth", description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="folder to watch (recursively)")
    parser.add_argument("out", type=Path, help="JSON lines file (appended)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with open(args.out, "a", encoding="utf-8") as out:
        recorder = TruthRecorder(args.root, out)
        signal.signal(signal.SIGTERM, lambda *_: recorder.stop())
        signal.signal(signal.SIGINT, lambda *_: recorder.stop())
        try:
            recorder.run()
        finally:
            recorder.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
