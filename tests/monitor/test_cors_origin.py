"""CORS is verified the way a browser player triggers it: hlsmon sends an Origin header, and an S3-like server
(real socket) that answers Access-Control-Allow-Origin only to such requests gets no ``cors`` alert."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from monitor.clock import FakeClock
from monitor.poller import EndpointPoller
from monitor.records import Alert, EndpointConfig, MonitorConfig, PlaylistSnapshot
from tests.monitor.fakeserver import M3U8, playlist


class S3Like(BaseHTTPRequestHandler):
    """Like S3 with a bucket CORS rule allowing GET from any origin: CORS headers only if Origin is sent."""

    protocol_version = "HTTP/1.1"
    origins: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        origin = self.headers.get("Origin")
        self.origins.append(origin)
        body = playlist(0, [2.0] * 3, td=2).encode()
        self.send_response(200)
        for name, value in (("Content-Type", M3U8), ("Cache-Control", "no-cache"), ("Server", "AmazonS3")):
            self.send_header(name, value)
        if origin:
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_origin_header_sent_so_s3_cors_is_verified():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), S3Like)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        events: list = []
        url = f"http://127.0.0.1:{httpd.server_address[1]}/live.m3u8"
        cfg = MonitorConfig(endpoints=(EndpointConfig(name="s3", url=url),), probe_deletions=False)
        poller = EndpointPoller(cfg.endpoints[0], cfg, events.append, clock=FakeClock(), stop=threading.Event())
        poller.step()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert any(isinstance(e, PlaylistSnapshot) for e in events)
    assert len(S3Like.origins) == 1 and S3Like.origins[0]  # an Origin, as a browser player sends
    assert [e.code for e in events if isinstance(e, Alert)] == []  # was an INFO "CORS not verified"
