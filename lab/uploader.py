"""Mirror an origin's HLS folder into the lab's S3 bucket, like the tutorial's chokidar watcher.

Run as its own process (``python -m lab.uploader``), or through ``Uploader(...).start()``.

Modes:

``tutorial``  the tutorial's watcher: when a new file appears (chokidar ``add``), upload it as it is *now*
              and, at the same time, re-upload the folder's playlist (the two uploads race; the small
              playlist wins). A playlist overwritten in place is not an ``add``, so it is uploaded only
              when some new file appears. With nginx-rtmp the new ``.ts`` is still empty when it is read,
              so the bucket keeps a truncated copy; with ffmpeg/NMS the playlist that lists segment k is
              visible before k's upload has finished.
``ordered``   the fix: when a playlist changes, upload every segment it lists that is new (or was
              rewritten, e.g. ``index0.ts`` after a republish) and wait for those uploads, then upload
              the playlist.

``--uplink-kbps`` models the uploader's bandwidth (an object becomes visible only when its upload ends:
size × 8 / kbps seconds after it starts). ``--delete`` also deletes objects whose file left the folder
(the tutorial does not). Content-Type is set for .m3u8 and .ts. Every upload start/end and delete is
logged as a JSON line (``--events``), the S3 side's ground truth.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lab.process import ManagedProcess

log = logging.getLogger(__name__)

MODES = ("tutorial", "ordered")
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".m4s": "video/iso.segment"}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def upload_seconds(size: int, uplink_kbps: float) -> float:
    """How long an upload of ``size`` bytes takes on the modelled uplink (0 = unlimited)."""
    return size * 8 / (uplink_kbps * 1000) if uplink_kbps > 0 else 0.0


def playlist_uris(text: str) -> list[str]:
    """URIs listed by a media playlist (relative names as written)."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def is_hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in Path(rel).parts)


@dataclass(frozen=True)
class UploaderSettings:
    root: Path
    endpoint_url: str
    bucket: str
    prefix: str = "videos/"
    mode: str = "tutorial"
    uplink_kbps: float = 0.0
    delete: bool = False
    poll_s: float = 0.05
    playlist_cache_control: str | None = None
    segment_cache_control: str | None = None
    events_path: Path | None = None


class Mirror:
    """The polling loop; one instance per process."""

    def __init__(self, settings: UploaderSettings, client: Any) -> None:
        self.s = settings
        self.client = client
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="upload")
        self.seen: dict[str, tuple[int, int]] = {}  # rel path -> (mtime_ns, size) at last sighting
        self.uploaded: dict[str, tuple[int, int]] = {}  # rel path -> (mtime_ns, size) uploaded
        self.playlist_text: dict[str, str] = {}  # rel path -> last uploaded text (ordered mode)
        self.stopping = threading.Event()
        self._events = open(settings.events_path, "a", buffering=1) if settings.events_path else None  # noqa: SIM115
        self._events_lock = threading.Lock()

    def key(self, rel: str) -> str:
        return self.s.prefix + rel

    def event(self, kind: str, rel: str, **fields: object) -> None:
        if self._events is None:
            return
        record = {"t_utc": datetime.now(UTC).isoformat(), "t_mono": time.monotonic(), "event": kind,
                  "path": rel, "key": self.key(rel), **fields}  # fmt: skip
        with self._events_lock:
            self._events.write(json.dumps(record) + "\n")

    def scan(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for dirpath, _dirs, files in os.walk(self.s.root):
            for name in files:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, self.s.root).replace(os.sep, "/")
                if is_hidden(rel):
                    continue
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                found[rel] = (st.st_mtime_ns, st.st_size)
        return found

    def put(self, rel: str, data: bytes | None = None) -> bool:
        """Upload one file as it is now (blocking, with the modelled uplink delay)."""
        path = self.s.root / rel
        if data is None:
            try:
                data = path.read_bytes()
            except OSError:
                return False
        self.event("upload_start", rel, size=len(data))
        delay = upload_seconds(len(data), self.s.uplink_kbps)
        if delay and self.stopping.wait(delay):
            return False
        extra: dict[str, str] = {"ContentType": content_type(rel)}
        cache_control = self.s.playlist_cache_control if rel.endswith(".m3u8") else self.s.segment_cache_control
        if cache_control:
            extra["CacheControl"] = cache_control
        try:
            self.client.put_object(Bucket=self.s.bucket, Key=self.key(rel), Body=data, **extra)
        except Exception as exc:  # boto3 raises many types; keep mirroring
            log.warning("upload of %s failed: %s", rel, exc)
            self.event("upload_failed", rel, error=str(exc))
            return False
        self.event("upload_done", rel, size=len(data))
        return True

    def remove(self, rel: str) -> None:
        try:
            self.client.delete_object(Bucket=self.s.bucket, Key=self.key(rel))
        except Exception as exc:
            log.warning("delete of %s failed: %s", rel, exc)
            return
        self.uploaded.pop(rel, None)
        self.event("delete", rel)

    # ---- tutorial: on "add", upload the file and the folder's playlist, concurrently -------------
    def tick_tutorial(self, now: dict[str, tuple[int, int]]) -> None:
        for rel in sorted(set(now) - set(self.seen)):
            folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            playlists = [p for p in now if p.endswith(".m3u8") and p.startswith(folder) and "/" not in p[len(folder) :]]
            self.pool.submit(self.put, rel)
            for playlist in playlists:
                if playlist != rel:
                    self.pool.submit(self.put, playlist)

    # ---- ordered: segments first, then the playlist that lists them ------------------------------
    def tick_ordered(self, now: dict[str, tuple[int, int]]) -> None:
        for rel in sorted(p for p in now if p.endswith(".m3u8")):
            try:
                text = (self.s.root / rel).read_text(errors="replace")
            except OSError:
                continue
            if text == self.playlist_text.get(rel):
                continue
            folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            todo = []
            for uri in playlist_uris(text):
                seg = folder + uri.split("?", 1)[0]
                stamp = now.get(seg)
                if stamp is not None and self.uploaded.get(seg) != stamp:
                    todo.append((seg, stamp))
            futures = {self.pool.submit(self.put, seg): (seg, stamp) for seg, stamp in todo}
            ok = True
            for future, (seg, stamp) in futures.items():
                if future.result():
                    self.uploaded[seg] = stamp
                else:
                    ok = False
            if ok and self.put(rel, text.encode()):
                self.playlist_text[rel] = text

    def tick(self) -> None:
        now = self.scan()
        if self.s.mode == "tutorial":
            self.tick_tutorial(now)
        else:
            self.tick_ordered(now)
        if self.s.delete:
            for rel in sorted(set(self.seen) - set(now)):
                if not rel.endswith(".tmp"):
                    self.pool.submit(self.remove, rel)
        self.seen = now

    def run(self) -> None:
        self.event("start", "", mode=self.s.mode, uplink_kbps=self.s.uplink_kbps)
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except Exception:
                log.exception("mirror tick failed")
            self.stopping.wait(max(0.0, self.s.poll_s - (time.monotonic() - started)))
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.event("stop", "")


class Uploader:
    """``python -m lab.uploader`` as a lab process."""

    def __init__(self, settings: UploaderSettings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = Path(workdir)
        self.process: ManagedProcess | None = None

    def argv(self) -> list[str]:
        s = self.settings
        argv = [sys.executable, "-m", "lab.uploader", "--root", str(s.root), "--endpoint", s.endpoint_url,
                "--bucket", s.bucket, "--prefix", s.prefix, "--mode", s.mode,
                "--uplink-kbps", f"{s.uplink_kbps:g}", "--poll", f"{s.poll_s:g}"]  # fmt: skip
        if s.delete:
            argv.append("--delete")
        if s.playlist_cache_control:
            argv += ["--playlist-cache-control", s.playlist_cache_control]
        if s.segment_cache_control:
            argv += ["--segment-cache-control", s.segment_cache_control]
        if s.events_path:
            argv += ["--events", str(s.events_path)]
        return argv

    def start(self) -> Uploader:
        root = Path(__file__).resolve().parent.parent
        self.process = ManagedProcess(
            f"uploader ({self.settings.mode})", self.argv(), self.workdir / "logs" / "uploader.log", cwd=root
        )
        self.process.start()
        return self

    def check_alive(self) -> None:
        if self.process is not None:
            self.process.check_alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def key_prefix_for(rel_dir: str, base: str = "videos/") -> str:
    """``videos/`` plus a relative folder, normalised to end with one slash."""
    rel = re.sub(r"/+", "/", rel_dir.strip("/"))
    return base + (rel + "/" if rel else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="folder to mirror")
    parser.add_argument("--endpoint", required=True, help="S3 endpoint (moto), e.g. http://127.0.0.1:9000")
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="videos/", help="key prefix (tutorial: videos/)")
    parser.add_argument("--mode", choices=MODES, default="tutorial")
    parser.add_argument("--uplink-kbps", type=float, default=0.0, help="modelled upload bandwidth (0: none)")
    parser.add_argument("--delete", action="store_true", help="delete objects whose file disappeared")
    parser.add_argument("--poll", type=float, default=0.05, help="folder polling interval in seconds")
    parser.add_argument("--playlist-cache-control", default=None)
    parser.add_argument("--segment-cache-control", default=None)
    parser.add_argument("--events", type=Path, default=None, help="JSON lines of uploads and deletes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("HLSMON_LOG", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    from lab.s3 import s3_client

    settings = UploaderSettings(
        root=args.root, endpoint_url=args.endpoint, bucket=args.bucket, prefix=args.prefix, mode=args.mode,
        uplink_kbps=args.uplink_kbps, delete=args.delete, poll_s=args.poll,
        playlist_cache_control=args.playlist_cache_control, segment_cache_control=args.segment_cache_control,
        events_path=args.events,
    )  # fmt: skip
    args.root.mkdir(parents=True, exist_ok=True)
    mirror = Mirror(settings, s3_client(args.endpoint))
    signal.signal(signal.SIGTERM, lambda *_: mirror.stopping.set())
    log.info("mirroring %s to s3://%s/%s (%s mode)", args.root, args.bucket, args.prefix, args.mode)
    try:
        mirror.run()
    except KeyboardInterrupt:
        mirror.stopping.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
