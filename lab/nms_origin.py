"""The Node-Media-Server 2.x origin: the tutorial's ``trans`` task (ffmpeg HLS) behind Express.static.

``NmsOrigin(workdir).start()`` runs ``node lab/nms/launch.js`` (installed by scripts/setup.sh with
``npm install`` in lab/nms) on 127.0.0.1 with its own RTMP and HTTP ports. A publisher pushes to
``rtmp_url(stream)``; NMS spawns ffmpeg, which writes ``<mediaroot>/<app>/<stream>/index.m3u8`` and
``index<n>.ts``; the playlist is ``playlist_url(stream)``. Without ``hls_keep`` every file is deleted
when the publisher disconnects; a republish starts again at ``index0.ts`` (see servers.md §3.1).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from lab.netutil import LOOPBACK, pick_port, port_open
from lab.process import ManagedProcess, ProcessFailed, ProcessService, wait_until

log = logging.getLogger(__name__)

NMS_DIR = Path(__file__).resolve().parent / "nms"
DEFAULT_HLS_FLAGS = "[hls_time=1:hls_list_size=3:hls_flags=delete_segments]"


def nms_available() -> str | None:
    """None when node and the installed node-media-server are present, else the reason."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs)"
    if not (NMS_DIR / "node_modules" / "node-media-server").is_dir():
        return "node-media-server is not installed; run scripts/setup.sh (npm install in lab/nms)"
    return None


def hls_flags(hls_time: float = 1, list_size: int = 3, delete: bool = True, extra: str = "") -> str:
    """The tee-muxer option string NMS puts before the playlist path, e.g. ``[hls_time=1:...]``."""
    parts = [f"hls_time={hls_time:g}", f"hls_list_size={list_size}"]
    if delete:
        parts.append("hls_flags=delete_segments")
    if extra:
        parts.append(extra)
    return "[" + ":".join(parts) + "]"


@dataclass(frozen=True)
class NmsSettings:
    app: str = "live"
    hls_flags: str = DEFAULT_HLS_FLAGS
    hls_keep: bool = False
    rtmp_port: int = 0
    http_port: int = 0
    ffmpeg: str = "ffmpeg"


class NmsOrigin(ProcessService):
    """One Node-Media-Server process; ``start()`` waits until both ports answer."""

    def __init__(self, workdir: Path, settings: NmsSettings | None = None) -> None:
        self.settings = settings or NmsSettings()
        self.workdir = Path(workdir)
        self.media_root = self.workdir / "nms-media"
        self.rtmp_port = pick_port(self.settings.rtmp_port)
        self.http_port = pick_port(self.settings.http_port)
        self.process: ManagedProcess | None = None

    @property
    def app(self) -> str:
        return self.settings.app

    def rtmp_url(self, stream: str) -> str:
        return f"rtmp://{LOOPBACK}:{self.rtmp_port}/{self.app}/{stream}"

    def playlist_url(self, stream: str) -> str:
        return f"http://{LOOPBACK}:{self.http_port}/{self.app}/{stream}/index.m3u8"

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    def stream_dir(self, stream: str) -> Path:
        return self.media_root / self.app / stream

    def argv(self) -> list[str]:
        ffmpeg = shutil.which(self.settings.ffmpeg) or self.settings.ffmpeg
        return [
            "node",
            str(NMS_DIR / "launch.js"),
            "--rtmp-port", str(self.rtmp_port),
            "--http-port", str(self.http_port),
            "--mediaroot", str(self.media_root),
            "--ffmpeg", ffmpeg,
            "--app", self.app,
            "--hls-flags", self.settings.hls_flags,
            "--hls-keep", "1" if self.settings.hls_keep else "0",
        ]  # fmt: skip

    def start(self, timeout: float = 15.0) -> NmsOrigin:
        reason = nms_available()
        if reason:
            raise ProcessFailed(f"Node-Media-Server origin unavailable: {reason}")
        self.media_root.mkdir(parents=True, exist_ok=True)
        self.process = ManagedProcess("node-media-server", self.argv(), self.workdir / "logs" / "nms.log")
        self.process.start()
        ready = wait_until(
            lambda: port_open(self.rtmp_port) and port_open(self.http_port),
            timeout,
            processes=[self.process],
        )
        if not ready:
            self.stop()
            raise ProcessFailed(f"Node-Media-Server did not open its ports in {timeout:.0f} s")
        log.info("NMS origin: rtmp %d, http %d, media %s", self.rtmp_port, self.http_port, self.media_root)
        return self
