"""The public read endpoint of the lab's S3 bucket: ``python -m lab.s3_gateway``.

A thin reverse proxy in front of moto's server mode (path-style ``/<bucket>/<key>``, GET and HEAD only).
moto answers a missing key with 404 ``NoSuchKey`` whatever the bucket policy says; real S3 answers 403
``AccessDenied`` when the requester lacks ``s3:ListBucket`` (the usual CloudFront OAC/OAI setup with a
GetObject-only policy). ``--no-list-permission`` reproduces that by rewriting moto's 404 into S3's 403.
It also adds the headers S3 sends (``Server: AmazonS3``, ``x-amz-request-id``, ``x-amz-id-2``).
Conditional requests (If-None-Match / If-Modified-Since) are passed to moto, which answers 304.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

FORWARDED_REQUEST_HEADERS = ("If-None-Match", "If-Modified-Since", "Range", "If-Match", "If-Unmodified-Since")
DROPPED_RESPONSE_HEADERS = {
    "server", "date", "connection", "transfer-encoding", "keep-alive",
    "x-amzn-requestid", "x-amz-content-sha256", "x-amz-sdk-checksum-algorithm",
}  # fmt: skip


def access_denied_body(request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>{request_id}</RequestId>"
        "<HostId>hlsmon-lab</HostId></Error>"
    ).encode()


def rewrite_missing(status: int, body: bytes, list_permission: bool) -> bool:
    """True when S3 without ListBucket would answer 403 instead of moto's 404 NoSuchKey."""
    return status == 404 and not list_permission and b"NoSuchKey" in body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream_port: int
    list_permission: bool

    def version_string(self) -> str:
        return "AmazonS3"

    def do_GET(self) -> None:
        self._proxy("GET")

    def do_HEAD(self) -> None:
        self._proxy("HEAD")

    def _proxy(self, method: str) -> None:
        headers = {name: self.headers[name] for name in FORWARDED_REQUEST_HEADERS if self.headers.get(name)}
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        try:
            # moto answers HEAD of a missing key without a body; ask with GET to tell NoSuchKey apart.
            conn.request("GET" if method == "HEAD" else method, self.path, headers=headers)
            upstream = conn.getresponse()
            body = upstream.read()
            status = upstream.status
            out_headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in DROPPED_RESPONSE_HEADERS]
        except OSError as exc:
            log.warning("upstream failed: %s", exc)
            status, body, out_headers = 503, b"store unavailable\n", [("Content-Type", "text/plain")]
        finally:
            conn.close()
        request_id = secrets.token_hex(8).upper()
        if rewrite_missing(status, body, self.list_permission):
            status, body = 403, access_denied_body(request_id)
            out_headers = [("Content-Type", "application/xml")]
        self.send_response(status)
        for name, value in out_headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("x-amz-request-id", request_id)
        self.send_header("x-amz-id-2", secrets.token_urlsafe(24))
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "GET" and status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def make_server(port: int, upstream_port: int, list_permission: bool) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"upstream_port": upstream_port, "list_permission": list_permission})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream-port", type=int, required=True, help="moto server port")
    parser.add_argument(
        "--no-list-permission",
        dest="list_permission",
        action="store_false",
        help="missing keys answer 403 AccessDenied (S3 without s3:ListBucket)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("HLSMON_LOG", "INFO"))
    server = make_server(args.port, args.upstream_port, args.list_permission)
    log.info(
        "S3 gateway on 127.0.0.1:%d -> moto :%d (list permission %s)",
        args.port,
        args.upstream_port,
        args.list_permission,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
