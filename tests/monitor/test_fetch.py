"""fetch() against hostile loopback servers: a body dripped one byte at a time, a gzip bomb, plain reasons."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from monitor.clock import Clock
from monitor.fetch import fetch, new_session
from monitor.records import RequestKind


@contextmanager
def raw_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection-at-a-time TCP server on 127.0.0.1 that lets ``handle`` write raw bytes."""
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                try:
                    handle(conn)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/live.m3u8"
    finally:
        stop.set()
        thread.join(5)
        srv.close()


def _get(url: str, **kwargs):
    with new_session("test") as session:
        return fetch(session, url, endpoint="o", kind=RequestKind.PLAYLIST, clock=Clock(), **kwargs)


def test_a_dripping_body_is_cut_at_the_total_deadline():
    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n#EXTM3U\n")
        for _ in range(1000):
            time.sleep(0.1)
            conn.sendall(b"#")

    with raw_server(drip) as url:
        start = time.monotonic()
        got = _get(url, timeout=(1.0, 1.0))  # each byte comes well within the read timeout
        took = time.monotonic() - start
    assert took < 2.0 + 1.0 + 0.5  # the deadline (connect + read) plus at most one read timeout
    assert got.truncated and "deadline" in got.record.error
    assert got.record.status == 200


def test_a_gzip_bomb_is_capped_after_decompression_without_taking_the_memory():
    bomb = gzip.compress(b"\0" * 300_000_000, compresslevel=9)  # ~300 kB on the wire

    def serve_bomb(conn: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
        conn.sendall(head.encode() + bomb)

    with raw_server(serve_bomb) as url:
        tracemalloc.start()
        try:
            got = _get(url, timeout=(2.0, 5.0), max_bytes=1_000_000)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert got.truncated and "after decompression" in got.record.error
    assert len(got.body) <= 1_000_001
    assert peak < 20_000_000


def test_a_gzip_body_is_read_and_an_unknown_encoding_is_named():
    body = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n"

    def serve(encoding: str, data: bytes) -> Callable[[socket.socket], None]:
        def handle(conn: socket.socket) -> None:
            head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {len(data)}\r\n\r\n"
            conn.sendall(head.encode() + data)

        return handle

    with raw_server(serve("gzip", gzip.compress(body))) as url:
        got = _get(url, timeout=(2.0, 2.0))
    assert got.body == body and not got.truncated and got.record.size == len(body)
    with raw_server(serve("br", b"xxxx")) as url:
        got = _get(url, timeout=(2.0, 2.0))
    assert got.truncated and "'br'" in got.record.error and "Error" not in got.record.error
    members = gzip.compress(body[:10]) + gzip.compress(body[10:])  # several gzip members: valid (RFC 1952 §2.2)
    with raw_server(serve("gzip", members)) as url:
        got = _get(url, timeout=(2.0, 2.0))
    assert got.body == body and not got.truncated


def test_failure_reasons_do_not_echo_secrets():
    got = _get("http://user:pw@[::1/x.m3u8?token=abc", timeout=(1.0, 1.0))  # an unclosed IPv6 bracket
    assert got.record.status is None and got.record.error
    assert "pw" not in got.record.error and "abc" not in got.record.error
