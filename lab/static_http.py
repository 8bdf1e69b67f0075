"""A small static file server for an HLS folder, run as its own process: ``python -m lab.static_http``.

Serves like nginx's static module: ``Content-Type`` by extension (m3u8, ts), ``Last-Modified`` (1 s
resolution), ``ETag: "<hex mtime>-<hex size>"``, conditional GETs (304) and no ``Cache-Control`` unless
``--cache-control`` is given. Used by the ffmpeg origin (``lab/ffmpeg_origin.py``) on machines without nginx.
"""

from __future__ import annotations

import argparse
import email.utils
import logging
import os
import posixpath
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

MIME_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".key": "application/octet-stream",
    ".json": "application/json",
    ".txt": "text/plain",
    ".html": "text/html",
}


def content_type(path: str) -> str:
    return MIME_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


def nginx_etag(mtime: float, size: int) -> str:
    return f'"{int(mtime):x}-{size:x}"'


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` for ``url_path``, or None when it escapes the root."""
    clean = posixpath.normpath(urllib.parse.unquote(url_path.split("?", 1)[0]))
    candidate = (root / clean.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    return candidate


class _Handler(BaseHTTPRequestHandler):
    server_version = "hlsmon-static"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    root: Path
    cache_control: str | None

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _serve(self, body: bool) -> None:
        path = resolve(self.root, self.path)
        try:
            if path is None or not path.is_file():
                raise FileNotFoundError
            data = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", {}, body)
            return
        etag = nginx_etag(mtime, len(data))
        headers = {"Last-Modified": email.utils.formatdate(int(mtime), usegmt=True), "ETag": etag}
        headers["Accept-Ranges"] = "bytes"
        if self.cache_control:
            headers["Cache-Control"] = self.cache_control
        if self._not_modified(etag, int(mtime)):
            self._send(HTTPStatus.NOT_MODIFIED, b"", None, headers, False)
            return
        self._send(HTTPStatus.OK, data, content_type(str(path)), headers, body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [tag.strip() for tag in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return mtime <= since
        return False

    def _send(self, status: int, data: bytes, ctype: str | None, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and data:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def make_server(root: Path, port: int, cache_control: str | None = None) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"root": root.resolve(), "cache_control": cache_control})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cache-control", default=None, help="Cache-Control value for every 200/304")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("HLSMON_LOG", "INFO"))
    args.root.mkdir(parents=True, exist_ok=True)
    server = make_server(args.root, args.port, args.cache_control)
    log.info("serving %s on 127.0.0.1:%d", args.root, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
