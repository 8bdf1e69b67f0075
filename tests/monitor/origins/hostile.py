"""Servers that misbehave below HTTP, and hostile playlists that are not a live origin's fault schedule."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

DRIP_BODY = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n" + b"#EXTINF:1.0,\nseg-0.ts\n" * 50


class DripServer:
    """Answers every request with 200 headers at once and then one body byte every ``interval_s``: each
    read returns within any per-read timeout, so only a total deadline ends the request."""

    def __init__(self, interval_s: float = 0.5, body: bytes = DRIP_BODY) -> None:
        self.interval_s = interval_s
        self.body = body
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self.connections = 0

    def url(self, path: str = "/drip.m3u8") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> DripServer:
        self._acceptor = threading.Thread(target=self._accept, name="drip-accept", daemon=True)
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # close() alone does not wake a thread blocked in accept()
        self._sock.close()
        self._acceptor.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), name="drip", daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.recv(65536)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\n"
                f"Content-Length: {len(self.body)}\r\n\r\n"
            )
            conn.sendall(head.encode())
            for byte in self.body:
                if self._stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(self.interval_s)


def self_listing_master(path: str, variant: str) -> str:
    """A master playlist that lists itself (and one real variant)."""
    name = path.rsplit("/", 1)[-1]
    return (
        "#EXTM3U\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n{name}\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\n{variant}\n"
    )
