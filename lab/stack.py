"""The lab: the operators' streaming stack on 127.0.0.1, started and stopped as one unit.

``Lab(LabConfig(...))`` starts, in order, the origin (nginx with the rtmp module, configured like the
tutorial), the ground-truth recorder (inotify on the origin's HLS folder → JSON lines) and the publisher
standing in for OBS (numpy frames with the wall-clock strip → ffmpeg → RTMP). ``start()`` returns once the
playlist is served over HTTP, or raises ``LabError`` naming the part that failed and its log.

    with Lab(LabConfig(fragment_s=2, playlist_length_s=6)) as lab:
        requests.get(lab.playlist_url, timeout=2)

Every server is a ``lab.process.ManagedProcess`` (own process group, dies with its parent), so a crashed
or killed lab leaves nothing behind. Layout of the work directory::

    <workdir>/www/hls/            nginx hls_path (HTTP root is <workdir>/www, so URLs are /hls/...)
    <workdir>/nginx/nginx.conf    generated config, error.log, access.log, pid, temp dirs
    <workdir>/publisher.log       publisher + ffmpeg output
    <workdir>/stamps.jsonl        one line per frame the publisher made: {"i", "epoch_ms", "t_mono"}
    <workdir>/truth.jsonl         ground truth (unless LabConfig.truth_path says otherwise)
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import requests

from lab.process import ManagedProcess, ProcessFailed, wait_until

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
APP = "live"
FRAGMENT_NAMINGS = ("sequential", "timestamp", "system")
ORIGINS = ("nginx", "nms", "ffmpeg")  # nms/ffmpeg and the delivery path: lab/delivery.py


class LabError(RuntimeError):
    """The lab could not start: the message names the part that failed and where its log is."""


@dataclass(frozen=True)
class LabConfig:
    """Everything that shapes the lab. Ports 0 mean "pick a free port"; ``workdir=None`` means a temp dir."""

    # network
    rtmp_port: int = 0
    http_port: int = 0
    # files
    workdir: Path | None = None
    truth_path: Path | None = None  # None: <workdir>/truth.jsonl
    keep_workdir: bool = False  # keep a temp workdir after stop (a given workdir is always kept)
    fresh: bool = True  # empty the HLS folder at start (False: keep old files, nginx continues numbering)
    # stream (what OBS is told)
    stream_key: str = "test"
    # origin: nginx-rtmp directives
    origin: str = "nginx"
    fragment_s: float = 2.0  # hls_fragment
    playlist_length_s: float = 6.0  # hls_playlist_length (3 entries; tutorial: 5 s with 3 s fragments)
    cleanup: bool = True  # hls_cleanup
    nested: bool = False  # hls_nested
    fragment_naming: str = "sequential"  # hls_fragment_naming: sequential | timestamp | system
    # HTTP headers of the origin (drop one to reproduce a misconfiguration)
    cache_control: bool = True  # Cache-Control: no-cache
    cors: bool = True  # Access-Control-Allow-Origin: *
    mime: bool = True  # .m3u8 application/vnd.apple.mpegurl, .ts video/mp2t
    # publisher (OBS stand-in)
    keyint_s: float = 1.0  # keyframe interval (OBS "Keyframe Interval")
    fps: int = 25
    size: tuple[int, int] = (640, 360)
    bitrate_kbps: int = 500
    audio: bool = True  # a 440/880 Hz tone
    publish: bool = True  # False: start the origin only (an external OBS publishes)
    # health check
    start_timeout_s: float | None = None  # None: 4 fragments + 10 s
    # lab/delivery.py: other origins, S3 path, CDN edge
    hls_keep: bool = False  # nms: hlsKeep (keep files after the publisher leaves)
    delete_threshold: int = 1  # nms/ffmpeg: hls_delete_threshold
    s3: str = "off"  # off | tutorial | ordered: mirror the origin folder into a moto S3 bucket
    s3_list_permission: bool = True  # False: missing objects answer 403 (no s3:ListBucket), else 404
    s3_uplink_kbps: float = 0.0  # modelled upload bandwidth of the uploader (0 = unlimited)
    s3_delete: bool = False  # also delete objects whose file left the origin folder
    cdn_policy: str = "none"  # none | caching-optimized | caching-disabled | elemental-mediapackage | tutorial-fix
    cdn_port: int = 0
    cdn_pop: str = "LAB1-P1"
    # free-form extras
    extras: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    def validate(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"unknown origin {self.origin!r}; choose from {', '.join(ORIGINS)}")
        from lab import delivery

        delivery.validate(self)
        if self.fragment_naming not in FRAGMENT_NAMINGS:
            raise ValueError(f"fragment_naming must be one of {', '.join(FRAGMENT_NAMINGS)}")
        if self.fragment_s <= 0 or self.playlist_length_s <= 0 or self.keyint_s <= 0:
            raise ValueError("fragment, playlist length and keyframe interval must be positive")
        if self.fps <= 0 or self.bitrate_kbps <= 0:
            raise ValueError("fps and bitrate must be positive")
        width, height = self.size
        if width < 160 or height < 90 or width % 2 or height % 2:
            raise ValueError(f"size must be even and at least 160x90, got {width}x{height}")
        if not self.stream_key or "/" in self.stream_key or "?" in self.stream_key:
            raise ValueError(f"bad stream key {self.stream_key!r}")

    def with_(self, **changes: object) -> LabConfig:
        return replace(self, **changes)

    def summary(self) -> dict[str, object]:
        data = asdict(self)
        data["size"] = f"{self.size[0]}x{self.size[1]}"
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in data.items() if k != "extras"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind-test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:``port`` (bind-test)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


class Lab:
    """The running stack. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, config: LabConfig | None = None) -> None:
        self.config = config or LabConfig()
        self.config.validate()
        self._tmp: str | None = None
        self._keep_logs = False
        if self.config.workdir is None:
            self._tmp = tempfile.mkdtemp(prefix="hlsmon-lab-")
            self.workdir = Path(self._tmp)
        else:
            self.workdir = Path(self.config.workdir).resolve()
        self.rtmp_port = self.config.rtmp_port
        self.http_port = self.config.http_port
        self.processes: list[ManagedProcess] = []
        self.origin: ManagedProcess | None = None
        self.truth: ManagedProcess | None = None
        self.publisher: ManagedProcess | None = None
        self.parts: list = []  # delivery components (origin, S3, uploader, edge), each with stop()/check_alive()
        self.delivery = None  # lab.delivery.Delivery once started
        self.started_utc: float | None = None
        self._running = False

    # ---- addresses -------------------------------------------------------------------------------
    @property
    def www_dir(self) -> Path:
        return self.workdir / "www"

    @property
    def origin_dir(self) -> Path:
        """The HLS folder the origin writes (nginx ``hls_path``; NMS mediaroot; ffmpeg output root)."""
        if self.config.origin != "nginx":
            from lab import delivery

            return delivery.origin_dir(self)
        return self.www_dir / "hls"

    @property
    def stream_dir(self) -> Path:
        """The folder holding this stream's playlist and segments."""
        if self.config.origin != "nginx":
            from lab import delivery

            return delivery.stream_dir(self)
        return self.origin_dir / self.config.stream_key if self.config.nested else self.origin_dir

    @property
    def playlist_path(self) -> Path:
        name = "index.m3u8" if self.config.nested or self.config.origin != "nginx" else f"{self.config.stream_key}.m3u8"
        return self.stream_dir / name

    @property
    def playlist_url(self) -> str:
        """What a viewer loads: the CDN edge's URL if any, else the S3 URL if any, else the origin's."""
        if self.delivery is not None:
            return self.delivery.edge_playlist_url or self.delivery.s3_playlist_url or self.origin_playlist_url
        return self.origin_playlist_url

    @property
    def origin_playlist_url(self) -> str:
        """The playlist straight from the origin's HTTP server (no S3, no CDN)."""
        if self.config.origin != "nginx":
            rel = self.playlist_path.relative_to(self.origin_dir).as_posix()
            return f"{self.base_url}/{rel}"
        rel = self.playlist_path.relative_to(self.www_dir).as_posix()
        return f"{self.base_url}/{rel}"

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def rtmp_server_url(self) -> str:
        """What OBS calls "Server"."""
        return f"rtmp://{HOST}:{self.rtmp_port}/{APP}"

    @property
    def rtmp_url(self) -> str:
        """The full publish URL: server URL + "/" + stream key."""
        return f"{self.rtmp_server_url}/{self.config.stream_key}"

    @property
    def truth_path(self) -> Path:
        return Path(self.config.truth_path).resolve() if self.config.truth_path else self.workdir / "truth.jsonl"

    @property
    def stamps_path(self) -> Path:
        """Publisher's record of every frame it made: JSON lines ``{"i", "epoch_ms", "t_mono"}``."""
        return self.workdir / "stamps.jsonl"

    @property
    def nginx_dir(self) -> Path:
        return self.workdir / "nginx"

    # ---- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Lab:
        from lab import delivery, nginx, publisher, truth  # local: keeps `import lab.stack` light

        if self._running:
            return self
        self._running = True
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
            if self.config.fresh and self.origin_dir.exists():
                shutil.rmtree(self.origin_dir)
            if self.config.fresh:
                for stale in (self.stamps_path, self.truth_path):
                    stale.unlink(missing_ok=True)
            self.origin_dir.mkdir(parents=True, exist_ok=True)
            if self.config.origin == "nginx":
                self.origin = self._start_origin(nginx)
            else:
                delivery.start_origin(self)
            self.truth = truth.start_recorder(self.origin_dir, self.truth_path, self.workdir / "truth.log")
            self.processes.append(self.truth)
            wait_until(lambda: self.truth_path.exists(), 5.0, processes=[self.truth])
            self.delivery = delivery.Delivery(self)
            self.delivery.start_store()
            self.delivery.start_edge()
            if self.config.publish:
                self.publisher = publisher.start_publisher(self.config, self.rtmp_url, self.workdir)
                self.processes.append(self.publisher)
                self._wait_healthy()
                if not self.delivery.wait_s3_playlist(self.config.start_timeout_s or 20.0):
                    raise LabError(
                        f"the S3 bucket never served {self.delivery.s3_playlist_url}; "
                        f"see {self.workdir / 'logs' / 'uploader.log'}"
                    )
            self.started_utc = time.time()
        except BaseException:
            self._keep_logs = True  # the error message points into the workdir: keep it
            self.stop()
            raise
        return self

    def _start_origin(self, nginx_mod) -> ManagedProcess:
        for label, port in (("RTMP", self.config.rtmp_port), ("HTTP", self.config.http_port)):
            if port and not port_free(port):
                raise LabError(
                    f"origin (nginx): {label} port {port} on {HOST} is already in use; "
                    "choose another or 0 for a free one"
                )
        auto_ports = self.config.rtmp_port == 0 or self.config.http_port == 0
        attempts = 3 if auto_ports else 1
        for attempt in range(attempts):
            self.rtmp_port = self.config.rtmp_port or free_port()
            self.http_port = self.config.http_port or free_port()
            while self.http_port == self.rtmp_port:
                self.http_port = free_port()
            proc = nginx_mod.start_nginx(self.config, self.nginx_dir, self.www_dir, self.origin_dir,
                                         self.rtmp_port, self.http_port)
            self.processes.append(proc)
            try:
                nginx_mod.wait_listening(proc, self.rtmp_port, self.http_port)
                return proc
            except ProcessFailed as exc:
                proc.stop()
                self.processes.remove(proc)
                if attempt + 1 < attempts and "Address already in use" in str(exc):
                    log.info("port race, retrying nginx with new ports")
                    continue
                raise LabError(f"origin (nginx) failed to start: {exc}") from exc
        raise LabError("origin (nginx) failed to start")  # pragma: no cover

    def _wait_healthy(self) -> None:
        timeout = self.config.start_timeout_s or (4 * max(self.config.fragment_s, self.config.keyint_s) + 10)
        session = requests.Session()

        def served() -> bool:
            with contextlib.suppress(requests.RequestException):
                resp = session.get(self.origin_playlist_url, timeout=2)
                return resp.status_code == 200 and "#EXTINF" in resp.text
            return False

        try:
            ok = wait_until(served, timeout, interval=0.2, processes=self.processes)
        except ProcessFailed as exc:
            raise LabError(f"lab failed while waiting for the playlist: {exc}") from exc
        finally:
            session.close()
        if not ok:
            raise LabError(self._diagnose(timeout))

    def _diagnose(self, timeout: float) -> str:
        """Name the part that failed: publisher never connected, or nginx never wrote a playlist."""
        lines = [f"playlist {self.origin_playlist_url} not served within {timeout:.0f} s."]
        if not any(self.origin_dir.rglob("*.ts")):
            lines.append("No segment was written: the publisher did not get a stream into nginx.")
            if self.publisher:
                lines.append(f"publisher log {self.publisher.log_path}:\n{self.publisher.log_tail()}")
        elif not self.playlist_path.exists():
            lines.append("Segments are written but no playlist yet (fragment longer than expected?).")
        else:
            lines.append("The playlist exists on disk but is not served over HTTP.")
        if self.origin:
            lines.append(f"nginx error log {self.nginx_dir / 'error.log'}:\n"
                         f"{_tail(self.nginx_dir / 'error.log')}")
        return "\n".join(lines)

    def stop(self) -> None:
        """Stop the publisher first (nginx closes the last fragment), then the recorder, then nginx."""
        for proc in reversed(self.processes):
            try:
                was_publishing = proc is self.publisher and proc.alive()
                proc.stop()
                if was_publishing and self.truth is not None and self.truth.alive():
                    time.sleep(0.5)  # the origin closes the last fragment and rewrites the playlist: record it
            except Exception:  # keep stopping the others
                log.exception("stopping %s failed", proc.name)
        self.processes.clear()
        from lab import delivery

        delivery.stop_parts(self.parts)
        self.delivery = None
        self._running = False
        if self._tmp and not self.config.keep_workdir and not self._keep_logs:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def check_alive(self) -> None:
        """Raise ``ProcessFailed`` if any part of the lab has exited."""
        for proc in self.processes:
            proc.check_alive()
        for part in self.parts:
            part.check_alive()

    def describe(self) -> str:
        """What an operator needs: URLs, OBS settings, and the settings in force."""
        c = self.config
        publisher = (f"ffmpeg test picture {c.size[0]}x{c.size[1]} @ {c.fps} fps, strip + clock + tone"
                     if c.publish else "none (publish with OBS)")
        lines = [
            f"Playlist (HLS) URL : {self.playlist_url}",
            "OBS  Settings > Stream: Service 'Custom...'",
            f"     Server        : {self.rtmp_server_url}",
            f"     Stream Key    : {c.stream_key}",
            f"     Output        : keyframe interval {c.keyint_s:g} s, {c.bitrate_kbps} kbit/s (OBS Settings > Output)",
            f"nginx-rtmp         : hls_fragment {c.fragment_s:g}s; hls_playlist_length {c.playlist_length_s:g}s; "
            f"hls_cleanup {_onoff(c.cleanup)}; hls_nested {_onoff(c.nested)}; "
            f"hls_fragment_naming {c.fragment_naming}",
            f"HTTP headers       : Cache-Control no-cache {_onoff(c.cache_control)}; "
            f"CORS * {_onoff(c.cors)}; m3u8/ts MIME types {_onoff(c.mime)}",
            f"Publisher          : {publisher}",
            f"Origin folder      : {self.origin_dir}",
            f"Ground truth       : {self.truth_path}",
            f"Logs               : {self.workdir}"
            + (" (temporary, removed at exit; --workdir to keep)" if self._tmp and not c.keep_workdir else ""),
        ]
        if c.origin != "nginx" or self.delivery is not None:  # other origins, S3, CDN
            from lab import delivery

            if c.origin != "nginx":
                lines[5:7] = [delivery.origin_description(self)]
            if self.playlist_url != self.origin_playlist_url:
                lines.insert(1, f"Origin playlist    : {self.origin_playlist_url}")
            if self.delivery is not None:
                lines[2:2] = self.delivery.describe_lines()
        return "\n".join(lines)


def _onoff(flag: bool) -> str:
    return "on" if flag else "off"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
