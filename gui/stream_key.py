"""Stream-key helper: builds the RTMP and HLS URLs from server, application and stream key, and shows the
settings to type into OBS (Settings → Stream / Output)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class StreamUrls:
    rtmp_server: str
    stream_key: str
    publish_url: str
    playlist_url: str

    def obs_text(self, keyint_s: float, fragment_s: float) -> str:
        return (
            "OBS → Settings → Stream\n"
            "  Service     : Custom...\n"
            f"  Server      : {self.rtmp_server}\n"
            f"  Stream Key  : {self.stream_key}\n"
            "OBS → Settings → Output (Output Mode: Advanced) → Streaming\n"
            f"  Keyframe Interval : {keyint_s:g} s  (should divide hls_fragment = {fragment_s:g} s)\n"
            "  Rate Control      : CBR\n"
            f"\nPublish URL : {self.publish_url}\nPlaylist URL: {self.playlist_url}\n"
        )


@dataclass(frozen=True)
class Ingest:
    """Where OBS publishes the running stream and how it should encode, as far as the window knows it."""

    server: str  # rtmp://host[:port]/app
    key: str
    http_base: str  # the HTTP folder the playlist is served from
    origin: str  # server profile: nginx-rtmp, nms, ffmpeg, ...
    keyint_s: float | None = None
    fragment_s: float | None = None
    source: str = "the playing URL"  # where these values come from, said in the dialog


NESTED_NAMES = ("index.m3u8", "playlist.m3u8", "stream.m3u8")


def ingest_from_playlist(url: str, origin: str, *, keyint_s: float | None, fragment_s: float | None) -> Ingest | None:
    """Read server, application and key back from a playlist URL laid out as the origin serves it:
    nginx-rtmp ``http://host/hls/KEY.m3u8`` (``hls_nested``: ``…/KEY/index.m3u8``), Node-Media-Server
    ``http://host:8000/APP/KEY/index.m3u8``. None when the URL says nothing usable."""
    parts = urlsplit(url)
    segments = [p for p in parts.path.split("/") if p]
    if not parts.hostname or not segments or not segments[-1].endswith(".m3u8"):
        return None
    nested = segments[-1] in NESTED_NAMES and len(segments) >= 2
    key = segments[-2] if nested else segments[-1].removesuffix(".m3u8")
    folder = segments[:-2] if nested else segments[:-1]
    app = folder[-1] if origin == "nms" and folder else "live"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    http_base = f"{parts.scheme}://{parts.netloc}/" + "/".join(folder)
    return Ingest(
        server=f"rtmp://{host}/{app}",
        key=key,
        http_base=http_base.rstrip("/"),
        origin=origin,
        keyint_s=keyint_s,
        fragment_s=fragment_s,
    )


def build_urls(server: str, app: str, key: str, http_base: str, origin: str = "nginx-rtmp") -> StreamUrls:
    """``server`` is ``rtmp://host[:port]`` (an app path in it is accepted); ``http_base`` is the HTTP
    folder that serves hls_path (e.g. ``http://host:8080/hls``; Node-Media-Server: ``http://host:8000/APP``)."""
    server = server.strip().rstrip("/")
    app = app.strip().strip("/")
    key = key.strip()
    parts = urlsplit(server if "://" in server else f"rtmp://{server}")
    path = parts.path.strip("/")
    if not app:
        app = path or "live"
    host = parts.netloc or parts.path
    rtmp_server = f"{parts.scheme or 'rtmp'}://{host}/{app}"
    base = http_base.strip().rstrip("/")
    if not base:
        base = f"http://{parts.hostname or '127.0.0.1'}:8080/hls"
    return StreamUrls(
        rtmp_server=rtmp_server,
        stream_key=key,
        publish_url=f"{rtmp_server}/{key}",
        playlist_url=f"{base}/{quote(key)}/index.m3u8" if origin == "nms" else f"{base}/{quote(key)}.m3u8",
    )


class StreamKeyDialog(QDialog):
    def __init__(
        self, server: str, http_base: str, key: str, parent: QWidget | None = None, *, running: Ingest | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Stream key helper")
        self.origin = running.origin if running is not None else "nginx-rtmp"
        if running is not None:  # the running stream wins over the last values typed here
            server, http_base, key = running.server, running.http_base, running.key
        self.source = QLabel(
            f"Filled from {running.source} ({running.origin})." if running else "No stream is running: type yours."
        )
        self.source.setWordWrap(True)
        self.server = QLineEdit(server)
        self.app = QLineEdit("")
        self.app.setPlaceholderText("application (from the server URL when empty, e.g. live)")
        self.key = QLineEdit(key)
        self.http = QLineEdit(http_base)
        keyint = running.keyint_s if running and running.keyint_s else 2.0
        fragment = running.fragment_s if running and running.fragment_s else 2.0
        self.keyint = QDoubleSpinBox(minimum=0.5, maximum=20, singleStep=0.5, value=keyint, suffix=" s")
        self.fragment = QDoubleSpinBox(minimum=0.5, maximum=60, singleStep=0.5, value=fragment, suffix=" s")
        self.out = QPlainTextEdit()
        self.out.setReadOnly(True)
        form = QFormLayout()
        form.addRow("RTMP server", self.server)
        form.addRow("Application", self.app)
        form.addRow("Stream key", self.key)
        form.addRow("HLS base URL", self.http)
        form.addRow("Keyframe interval", self.keyint)
        form.addRow("hls_fragment", self.fragment)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this playlist URL")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addLayout(form)
        layout.addWidget(self.out, 1)
        layout.addWidget(buttons)
        for w in (self.server, self.app, self.key, self.http):
            w.textChanged.connect(self._update)
        for s in (self.keyint, self.fragment):
            s.valueChanged.connect(self._update)
        self.resize(560, 440)
        self._update()

    def urls(self) -> StreamUrls:
        return build_urls(self.server.text(), self.app.text(), self.key.text(), self.http.text(), self.origin)

    def _update(self, *args: object) -> None:
        self.out.setPlainText(self.urls().obs_text(self.keyint.value(), self.fragment.value()))
