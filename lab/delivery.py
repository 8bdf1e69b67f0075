"""Lab part two, wired into ``lab.stack.Lab``: the other origins and the delivery path to the viewer.

Origins besides nginx-rtmp: ``nms`` (Node-Media-Server 2.x, ``lab/nms_origin.py``) and ``ffmpeg`` (ffmpeg's
HLS muxer + a static HTTP server, ``lab/ffmpeg_origin.py``). Their HLS settings come from the same
``LabConfig`` fields as nginx's: ``hls_time`` = ``fragment_s``, ``hls_list_size`` = floor(playlist length /
fragment), ``delete_segments`` = ``cleanup``.

Delivery path (optional, in this order): origin folder → ``uploader`` → S3 bucket (moto) → CDN edge
(Varnish, CloudFront policy) → viewer. Without S3 the edge sits directly in front of the origin's HTTP port.
``Lab.playlist_url`` is the viewer URL (edge, else S3, else origin); ``origin_playlist_url``,
``s3_playlist_url`` and ``edge_playlist_url`` name each hop.
"""

from __future__ import annotations

import contextlib
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import requests

from lab.cdn import CdnEdge
from lab.cdn_policy import POLICY_NAMES
from lab.ffmpeg_origin import FfmpegHlsSettings, FfmpegOrigin
from lab.nms_origin import NmsOrigin, NmsSettings, hls_flags
from lab.process import wait_until
from lab.s3 import S3Store
from lab.uploader import MODES, Uploader, UploaderSettings

if TYPE_CHECKING:
    from lab.stack import Lab, LabConfig

log = logging.getLogger(__name__)

APP = "live"
CDN_POLICIES = ("none", *POLICY_NAMES)
S3_MODES = ("off", *MODES)
S3_PREFIX = "videos/"


class Part(Protocol):
    def stop(self) -> None: ...

    def check_alive(self) -> None: ...


def validate(config: LabConfig) -> None:
    if config.cdn_policy not in CDN_POLICIES:
        raise ValueError(f"unknown CDN policy {config.cdn_policy!r}; choose from {', '.join(CDN_POLICIES)}")
    if config.s3 not in S3_MODES:
        raise ValueError(f"unknown S3 mode {config.s3!r}; choose from {', '.join(S3_MODES)}")
    if config.s3_uplink_kbps < 0:
        raise ValueError("S3 uplink must be >= 0 kbit/s")
    if config.delete_threshold < 1:
        raise ValueError("hls_delete_threshold must be at least 1")


def list_size(config: LabConfig) -> int:
    """``hls_list_size`` for ffmpeg/NMS: entries nginx would list, floor(P / F), at least 1."""
    return max(1, math.floor(config.playlist_length_s / config.fragment_s + 1e-9))


def nms_settings(config: LabConfig) -> NmsSettings:
    flags = hls_flags(config.fragment_s, list_size(config), delete=config.cleanup)
    if config.cleanup and config.delete_threshold != 1:
        flags = flags[:-1] + f":hls_delete_threshold={config.delete_threshold}]"
    return NmsSettings(app=APP, hls_flags=flags, hls_keep=config.hls_keep,
                       rtmp_port=config.rtmp_port, http_port=config.http_port)  # fmt: skip


def ffmpeg_settings(config: LabConfig) -> FfmpegHlsSettings:
    return FfmpegHlsSettings(
        app=APP, stream=config.stream_key, hls_time=config.fragment_s, list_size=list_size(config),
        delete_segments=config.cleanup, delete_threshold=config.delete_threshold,
        cache_control="no-cache" if config.cache_control else None,
        rtmp_port=config.rtmp_port, http_port=config.http_port,
    )  # fmt: skip


# ---- paths of the non-nginx origins -------------------------------------------------------------
def origin_dir(lab: Lab) -> Path:
    """The folder the origin writes into (watched by the truth recorder)."""
    return lab.workdir / ("nms-media" if lab.config.origin == "nms" else "ffmpeg-hls")


def stream_dir(lab: Lab) -> Path:
    return origin_dir(lab) / APP / lab.config.stream_key


def start_origin(lab: Lab) -> Part:
    """Start the nms or ffmpeg origin; sets ``lab.rtmp_port`` / ``lab.http_port``."""
    part: NmsOrigin | FfmpegOrigin
    if lab.config.origin == "nms":
        part = NmsOrigin(lab.workdir, nms_settings(lab.config))
    else:
        part = FfmpegOrigin(lab.workdir, ffmpeg_settings(lab.config))
    lab.parts.append(part)
    part.start()
    lab.rtmp_port, lab.http_port = part.rtmp_port, part.http_port
    return part


# ---- delivery ------------------------------------------------------------------------------------
class Delivery:
    """S3 store + uploader and/or CDN edge for one lab."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.config = lab.config
        self.s3: S3Store | None = None
        self.uploader: Uploader | None = None
        self.edge: CdnEdge | None = None

    @property
    def mirror_root(self) -> Path:
        """The folder mirrored under ``videos/``: the stream's parent, so keys are ``videos/<key>/...``
        as in the tutorial (nginx non-nested: ``videos/<key>.m3u8``)."""
        if self.config.origin == "nginx":
            return self.lab.origin_dir
        return origin_dir(self.lab) / APP

    @property
    def playlist_key(self) -> str:
        return S3_PREFIX + self.lab.playlist_path.relative_to(self.mirror_root).as_posix()

    @property
    def s3_playlist_url(self) -> str | None:
        return self.s3.public_url(self.playlist_key) if self.s3 else None

    @property
    def edge_playlist_url(self) -> str | None:
        if self.edge is None:
            return None
        return self.edge.url_for(self.s3_playlist_url or self.lab.origin_playlist_url)

    @property
    def events_path(self) -> Path:
        return self.lab.workdir / "uploads.jsonl"

    def start_store(self) -> None:
        """S3 store and uploader: before the publisher, so the uploader sees every file appear."""
        if self.config.s3 == "off":
            return
        self.s3 = S3Store(self.lab.workdir, list_permission=self.config.s3_list_permission)
        self.lab.parts.append(self.s3)
        self.s3.start()
        settings = UploaderSettings(
            root=self.mirror_root, endpoint_url=self.s3.endpoint_url, bucket=self.s3.bucket, prefix=S3_PREFIX,
            mode=self.config.s3, uplink_kbps=self.config.s3_uplink_kbps, delete=self.config.s3_delete,
            events_path=self.events_path,
        )  # fmt: skip
        self.uploader = Uploader(settings, self.lab.workdir)
        self.lab.parts.append(self.uploader)
        self.uploader.start()

    def start_edge(self) -> None:
        if self.config.cdn_policy == "none":
            return
        upstream = self.s3.public_port if self.s3 else self.lab.http_port
        self.edge = CdnEdge(self.lab.workdir, upstream, self.config.cdn_policy, self.config.cdn_port,
                            self.config.cdn_pop)  # fmt: skip
        self.lab.parts.append(self.edge)
        self.edge.start()

    def wait_s3_playlist(self, timeout: float) -> bool:
        """Wait until the bucket serves the playlist (directly, not through the edge: no 404 cached)."""
        url = self.s3_playlist_url
        if url is None:
            return True
        session = requests.Session()

        def served() -> bool:
            with contextlib.suppress(requests.RequestException):
                resp = session.get(url, timeout=2)
                return resp.status_code == 200 and "#EXTINF" in resp.text
            return False

        try:
            return wait_until(served, timeout, interval=0.2, processes=[])
        finally:
            session.close()

    def describe_lines(self) -> list[str]:
        lines: list[str] = []
        if self.s3 is not None:
            lines.append(f"S3 (moto)          : {self.s3_playlist_url}  (uploader: {self.config.s3} mode, "
                         f"uplink {self.config.s3_uplink_kbps:g} kbit/s or unlimited if 0, "
                         f"list permission {'on' if self.config.s3_list_permission else 'off'}, "
                         f"uploads log {self.events_path})")  # fmt: skip
        if self.edge is not None:
            lines.append(f"CDN edge (Varnish) : {self.edge_playlist_url}  (policy {self.config.cdn_policy}, "
                         f"POP {self.config.cdn_pop})")  # fmt: skip
        return lines


def origin_description(lab: Lab) -> str:
    c = lab.config
    if c.origin == "nms":
        return (f"Node-Media-Server  : trans task hls: true, hlsFlags '{nms_settings(c).hls_flags}', "
                f"hlsKeep {str(c.hls_keep).lower()}; HTTP Cache-Control 'public, max-age=0' (Express)")  # fmt: skip
    settings = ffmpeg_settings(c)
    return (f"ffmpeg HLS muxer   : hls_time {settings.hls_time:g}, hls_list_size {settings.list_size}, "
            f"delete_segments {'on' if settings.delete_segments else 'off'}, hls_delete_threshold "
            f"{settings.delete_threshold}; Cache-Control {settings.cache_control or 'none'}")  # fmt: skip


def republish(lab: Lab, gap_s: float = 1.0) -> None:
    """Stop the publisher, wait ``gap_s``, start a new one with the same key (an OBS restart)."""
    from lab import publisher

    if lab.publisher is not None:
        lab.publisher.stop()
        with contextlib.suppress(ValueError):
            lab.processes.remove(lab.publisher)
    wait_until(lambda: False, gap_s)
    if lab.config.origin == "ffmpeg":
        part = next(p for p in lab.parts if isinstance(p, FfmpegOrigin))
        part.wait_listening(10.0)
    lab.publisher = publisher.start_publisher(lab.config, lab.rtmp_url, lab.workdir)
    lab.processes.append(lab.publisher)


def stop_parts(parts: list[Any]) -> None:
    for part in reversed(parts):
        try:
            part.stop()
        except Exception:  # keep stopping the others
            log.exception("stopping %s failed", type(part).__name__)
    parts.clear()
