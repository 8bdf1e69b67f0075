"""The plain FFmpeg HLS origin: ffmpeg listens for RTMP (``-listen 1``) and runs its HLS muxer directly.

For machines without Node: the same files NMS writes (``index.m3u8``, ``index<n>.ts`` under
``<root>/<app>/<stream>/``), cut with ``hls_time``, ``hls_list_size``, ``delete_segments`` and
``hls_delete_threshold``, served by ``lab/static_http.py`` (nginx-like headers, no Cache-Control by
default). ffmpeg's listen mode takes one publisher and exits when it leaves, so a supervisor thread
starts a fresh ffmpeg after each publish, like NMS spawning one per publish: a republish starts again at
``index0.ts`` (name reuse). Unlike NMS, nothing is deleted when the publisher leaves; the last playlist
keeps ``#EXT-X-ENDLIST``.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lab.netutil import LOOPBACK, http_ok, pick_port, port_listening
from lab.process import ManagedProcess, ProcessFailed, wait_until

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FfmpegHlsSettings:
    app: str = "live"
    stream: str = "stream"
    hls_time: float = 1.0
    list_size: int = 3
    delete_segments: bool = True
    delete_threshold: int = 1
    cache_control: str | None = None  # header the HTTP server adds; None = like nginx without add_header
    rtmp_port: int = 0
    http_port: int = 0
    ffmpeg: str = "ffmpeg"


def hls_muxer_args(settings: FfmpegHlsSettings, out_dir: Path) -> list[str]:
    """The ``-f hls`` output options (pure; tested)."""
    args = ["-f", "hls", "-hls_time", f"{settings.hls_time:g}", "-hls_list_size", str(settings.list_size)]
    if settings.delete_segments:
        args += ["-hls_flags", "delete_segments", "-hls_delete_threshold", str(settings.delete_threshold)]
    args += ["-hls_segment_filename", str(out_dir / "index%d.ts"), str(out_dir / "index.m3u8")]
    return args


class FfmpegOrigin:
    """ffmpeg (RTMP listener + HLS muxer, restarted per publish) plus a static HTTP server."""

    def __init__(self, workdir: Path, settings: FfmpegHlsSettings | None = None) -> None:
        self.settings = settings or FfmpegHlsSettings()
        self.workdir = Path(workdir)
        self.media_root = self.workdir / "ffmpeg-hls"
        self.rtmp_port = pick_port(self.settings.rtmp_port)
        self.http_port = pick_port(self.settings.http_port)
        self.http: ManagedProcess | None = None
        self.ffmpeg: ManagedProcess | None = None
        self.publishes = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def app(self) -> str:
        return self.settings.app

    def rtmp_url(self, stream: str | None = None) -> str:
        return f"rtmp://{LOOPBACK}:{self.rtmp_port}/{self.app}/{stream or self.settings.stream}"

    def playlist_url(self, stream: str | None = None) -> str:
        return f"{self.base_url}/{self.app}/{stream or self.settings.stream}/index.m3u8"

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    def stream_dir(self, stream: str | None = None) -> Path:
        return self.media_root / self.app / (stream or self.settings.stream)

    def ffmpeg_argv(self) -> list[str]:
        out_dir = self.stream_dir()
        return [
            self.settings.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "info", "-y",
            "-analyzeduration", "1000000", "-listen", "1", "-i", f"rtmp://{LOOPBACK}:{self.rtmp_port}/{self.app}/{self.settings.stream}",
            "-map", "0:v?", "-map", "0:a?", "-c", "copy",
            *hls_muxer_args(self.settings, out_dir),
        ]  # fmt: skip

    def start(self, timeout: float = 10.0) -> FfmpegOrigin:
        self.stream_dir().mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "lab.static_http", "--root", str(self.media_root)]
        argv += ["--port", str(self.http_port)]
        if self.settings.cache_control:
            argv += ["--cache-control", self.settings.cache_control]
        log_path = self.workdir / "logs" / "ffmpeg-origin-http.log"
        self.http = ManagedProcess("ffmpeg-origin-http", argv, log_path, cwd=Path(__file__).resolve().parent.parent)
        self.http.start()
        if not wait_until(lambda: http_ok(self.base_url + "/"), timeout, processes=[self.http]):
            self.stop()
            raise ProcessFailed("ffmpeg origin HTTP server did not start")
        self._spawn()
        if not self.wait_listening(timeout):
            self.stop()
            raise ProcessFailed("ffmpeg (-listen 1) did not open its RTMP port")
        self._thread = threading.Thread(target=self._supervise, name="ffmpeg-origin", daemon=True)
        self._thread.start()
        log.info("ffmpeg origin: rtmp %d, http %d, dir %s", self.rtmp_port, self.http_port, self.stream_dir())
        return self

    def wait_listening(self, timeout: float = 5.0) -> bool:
        """Wait until ffmpeg listens for the next publisher (after start or after a publish ended)."""
        return wait_until(lambda: port_listening(self.rtmp_port), timeout)

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self.ffmpeg = ManagedProcess("ffmpeg-hls", self.ffmpeg_argv(), self.workdir / "logs" / "ffmpeg-hls.log")
            self.ffmpeg.start()

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = self.ffmpeg
            if process is None or process.popen is None:
                return
            while process.alive() and not self._stopping.wait(0.2):
                pass
            if self._stopping.is_set():
                return
            self.publishes += 1
            log.info("ffmpeg HLS muxer exited (publish %d ended); listening again", self.publishes)
            time.sleep(0.2)
            self._spawn()

    def check_alive(self) -> None:
        """The HTTP server must be up; ffmpeg itself is restarted after each publish."""
        if self.http is not None:
            self.http.check_alive()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self.ffmpeg is not None:
                self.ffmpeg.stop()
        if self._thread is not None:
            self._thread.join(2.0)
        if self.http is not None:
            self.http.stop()

    def __enter__(self) -> FfmpegOrigin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
