"""``hlsmon clock``: serve the clock-strip page for an OBS Browser Source (true glass-to-glass latency).

Add ``http://127.0.0.1:PORT/`` as a Browser Source covering the whole canvas (width/height = the output
resolution, e.g. 1920×1080). The page draws the wall-clock strip (libvlc.md §5 geometry, relative to the
page size, so it is relative to the frame) and a readable UTC clock; hlsmon's player decodes the strip
from what it displays and reports latency = its clock − the stamped clock. Both machines' clocks must be
synchronised (NTP); any offset goes straight into the figure.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

HELP = "serve the clock-strip page (OBS Browser Source) for measuring true glass-to-glass latency"
DEFAULT_PORT = 8765

CLOCK_SYNC_CAVEAT = (
    "The latency hlsmon shows is (viewer clock at display) - (OBS machine clock at paint): both clocks must "
    "agree. Check on each machine: `chronyc tracking` (System time offset well under 10 ms) or "
    "`timedatectl` (System clock synchronized: yes); on Windows `w32tm /query /status`; on macOS "
    "`sntp -d time.apple.com`. Running hlsmon and OBS on the same machine avoids the problem."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free port)"
    )
    parser.add_argument("--no-text", action="store_true", help="strip only, no readable clock")


def make_server(host: str, port: int, *, bottom: bool = False, text: bool = True) -> ThreadingHTTPServer:
    from player.clock_page import STRIP_JS, render_page

    page = render_page(bottom=bottom, text=text).encode()
    script = STRIP_JS.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(page, "text/html; charset=utf-8")
            elif path == "/strip.js":
                self._send(script, "application/javascript; charset=utf-8")
            else:
                self.send_error(HTTPStatus.NOT_FOUND)

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            log.debug("clock page: %s", format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def run(args: argparse.Namespace) -> int:
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving the clock page on %s: reachable from other machines", args.host)
    try:
        server = make_server(args.host, args.port, text=not args.no_text)
    except OSError as exc:
        sys.stderr.write(f"hlsmon clock: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 2
    host, port = server.server_address[:2]
    sys.stdout.write(
        f"Clock strip page: http://{host}:{port}/\n"
        "In OBS: Sources > + > Browser; URL above; Width/Height = your canvas (e.g. 1920 x 1080); "
        "keep it on top and uncropped.\n"
        f"{CLOCK_SYNC_CAVEAT}\nCtrl-C to stop.\n"
    )
    sys.stdout.flush()
    thread = threading.Thread(target=server.serve_forever, name="hlsmon-clock", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0
