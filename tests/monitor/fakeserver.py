"""A scripted HTTP server on 127.0.0.1 (real sockets: timeouts, resets, redirects, HTML error pages)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

M3U8 = "application/vnd.apple.mpegurl"


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the headers
    reset: bool = False  # close the connection with RST instead of answering


Route = Callable[[str, str], Reply]  # (method, path with query) -> Reply


class FakeServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.fallback: Route | None = None  # for paths without a route
        self.log: list[tuple[float, str, str]] = []
        # open client connections: a stopped server drops them (a kept-alive one would hold its thread forever)
        self.connections: set[socket.socket] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACK hold the body ~40 ms
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                server.connections.add(self.connection)

            def finish(self) -> None:
                server.connections.discard(self.connection)
                super().finish()

            def _serve(self) -> None:
                server.log.append((time.monotonic(), self.command, self.path))
                path = self.path.split("?", 1)[0]
                route = server.routes.get(path) or server.fallback
                reply = route(self.command, self.path) if route else Reply(404, "not found")
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(body)), **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            do_GET = _serve
            do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fakeserver", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def playlist(
    ms: int, durations: list[float], *, td: int = 2, name: str = "seg", endlist: bool = False, extra_head: str = ""
) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{ms}", f"#EXT-X-TARGETDURATION:{td}"]
    if extra_head:
        lines.append(extra_head)
    for i, d in enumerate(durations):
        lines += [f"#EXTINF:{d:.3f},", f"{name}-{ms + i}.ts"]
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


class LiveStream:
    """A live stream in wall time: a new segment every ``interval`` s, ``window`` listed, files deleted
    ``delete_after`` s after leaving the playlist. Serves /live.m3u8 and /seg-N.ts."""

    def __init__(
        self,
        interval: float = 0.5,
        window: int = 3,
        delete_after: float = 0.6,
        td: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.interval = interval
        self.window = window
        self.delete_after = delete_after
        self.td = td
        self.t0 = time.monotonic()
        self.headers = {
            "Content-Type": M3U8,
            "Cache-Control": "no-cache",
            "Access-Control-Allow-Origin": "*",
            **(headers or {}),
        }
        self.stopped_at: float | None = None

    def newest(self, now: float) -> int:
        return int((now - self.t0) / self.interval) + self.window - 1

    def playlist(self, method: str, path: str) -> Reply:
        now = time.monotonic() if self.stopped_at is None else self.stopped_at
        last = self.newest(now)
        ms = last - self.window + 1
        return Reply(200, playlist(ms, [self.interval] * self.window, td=self.td), dict(self.headers))

    def segment(self, method: str, path: str) -> Reply:
        msn = int(path.split("?")[0].rsplit("-", 1)[1].split(".")[0])
        now = time.monotonic()
        ms_now = self.newest(now) - self.window + 1
        if msn > self.newest(now):
            return Reply(404, "")
        if msn < ms_now:
            left_at = self.t0 + (msn + 1) * self.interval  # when MS passed msn
            if now - left_at > self.delete_after:
                return Reply(404, "")
        return Reply(200, b"\x47" * 188, {"Content-Type": "video/mp2t", "ETag": f'"e{msn}"'})

    def install(self, server: FakeServer) -> str:
        server.routes["/live.m3u8"] = self.playlist
        server.fallback = lambda method, path: (
            self.segment(method, path) if path.startswith("/seg-") else Reply(404, "not found")
        )
        return server.url("/live.m3u8")
