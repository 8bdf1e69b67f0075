"""A scripted Low-Latency HLS origin on 127.0.0.1 (RFC 8216bis: parts, preload hints, rendition reports,
blocking reloads, delta updates), driven by the real monotonic clock.

Part ``j`` (counted from the start of the stream) is published ``(j + 1) * part_target`` seconds after the
start; segment ``m`` is made of parts ``m*P .. m*P + P - 1`` and is listed (EXTINF) when its last part is
published. The playlist lists ``window`` complete segments, the parts of the last ``parts_kept`` of them and
of the open segment, an ``EXT-X-PRELOAD-HINT`` for the next part and two rendition reports (one of them
without LAST-MSN, which is valid). A segment's file answers 404 ``delete_after_s`` after it left the playlist.

Blocking reloads: ``_HLS_msn=M`` holds the request until segment M is complete, ``_HLS_msn=M&_HLS_part=p``
until part p of segment M is published (at most 3 target durations, then the current playlist). ``_HLS_skip=YES``
answers a delta update (``EXT-X-SKIP``) when ``can_skip_until_s`` is set. Ground truth (when each segment was
listed and deleted, when each part was published) comes from the same schedule, on the caller's monotonic
clock: the origin runs in the caller's process::

    with LlOrigin(LlSettings(part_target_s=0.33)) as origin:
        url = origin.url        # http://127.0.0.1:<port>/ll/index.m3u8
        listed, deleted = origin.truth()

Run it alone with ``python -m lab.ll_origin [--part-target 0.33]``.
"""

from __future__ import annotations

import argparse
import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

M3U8 = "application/vnd.apple.mpegurl"
PATH = "/ll/index.m3u8"


@dataclass(frozen=True, kw_only=True)
class LlSettings:
    part_target_s: float = 0.33
    parts_per_segment: int = 6  # segment duration = 6 x 0.33 = 1.98 s, target duration 2
    window: int = 6  # complete segments listed
    parts_kept: int = 2  # complete segments whose parts are still listed
    delete_after_s: float | None = None  # None: segment duration + playlist duration (RFC 8216 §6.2.2)
    can_skip_until_s: float | None = None  # None: no delta updates (at least 6 x TD when set)
    rendition_reports: bool = True
    port: int = 0

    @property
    def segment_s(self) -> float:
        return self.part_target_s * self.parts_per_segment

    @property
    def target_duration(self) -> int:
        return max(1, math.ceil(self.segment_s - 0.5))


class LlOrigin:
    """The origin; ``start()``/``stop()`` or a context manager. Thread-safe, stateless apart from the clock."""

    def __init__(self, settings: LlSettings | None = None) -> None:
        self.settings = settings or LlSettings()
        s = self.settings
        # ``window`` segments already exist when the origin starts
        self.t0 = time.monotonic() - s.window * s.segment_s - 0.01
        self._utc0 = datetime.now(UTC) - timedelta(seconds=time.monotonic() - self.t0)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[tuple[float, str, str]] = []  # (monotonic, method, path with query)

    # ---- schedule ------------------------------------------------------------------------------------
    def parts_published(self, now: float) -> int:
        return max(0, int((now - self.t0) / self.settings.part_target_s + 1e-9))

    def part_at(self, index: int) -> float:
        """Publication instant of part ``index`` (counted from the stream start)."""
        return self.t0 + (index + 1) * self.settings.part_target_s

    def segment_listed_at(self, msn: int) -> float:
        return self.part_at((msn + 1) * self.settings.parts_per_segment - 1)

    def segment_deleted_at(self, msn: int) -> float:
        s = self.settings
        left = self.segment_listed_at(msn + s.window)
        grace = s.delete_after_s if s.delete_after_s is not None else s.segment_s * (s.window + 1)
        return left + grace

    def truth(self, until: float | None = None) -> tuple[dict[str, float], dict[str, float]]:
        """(instant each segment file name was first listed, instant it was deleted), up to ``until``."""
        now = time.monotonic() if until is None else until
        complete = self.parts_published(now) // self.settings.parts_per_segment
        listed = {f"seg-{m}.ts": self.segment_listed_at(m) for m in range(complete)}
        deleted = {f"seg-{m}.ts": t for m in range(complete) if (t := self.segment_deleted_at(m)) <= now}
        return listed, deleted

    # ---- playlist ------------------------------------------------------------------------------------
    def playlist(self, now: float, skip: bool = False) -> str:
        s = self.settings
        parts = self.parts_published(now)
        complete, open_parts = divmod(parts, s.parts_per_segment)
        first = max(0, complete - s.window)
        control = f"CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={3 * s.part_target_s:.3f}"
        if s.can_skip_until_s is not None:
            control += f",CAN-SKIP-UNTIL={s.can_skip_until_s:g}"
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            f"#EXT-X-TARGETDURATION:{s.target_duration}",
            f"#EXT-X-SERVER-CONTROL:{control}",
            f"#EXT-X-PART-INF:PART-TARGET={s.part_target_s:g}",
            f"#EXT-X-MEDIA-SEQUENCE:{first}",
        ]
        skipped = self._skippable(complete - first) if skip and s.can_skip_until_s is not None else 0
        if skipped:
            lines.append(f"#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}")
        for msn in range(first + skipped, complete):
            if msn == first + skipped:
                pdt = self._utc0 + timedelta(seconds=msn * s.segment_s)
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{pdt.isoformat(timespec='milliseconds')}")
            if msn >= complete - s.parts_kept:
                lines += self._parts(msn, s.parts_per_segment)
            lines += [f"#EXTINF:{s.segment_s:.5f},", f"seg-{msn}.ts"]
        lines += self._parts(complete, open_parts)
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-{complete}.part{open_parts}.ts"')
        if s.rendition_reports:
            last_part = open_parts - 1 if open_parts else s.parts_per_segment - 1
            last_msn = complete if open_parts else complete - 1
            lines.append(f'#EXT-X-RENDITION-REPORT:URI="../alt/index.m3u8",LAST-MSN={last_msn},LAST-PART={last_part}')
            lines.append('#EXT-X-RENDITION-REPORT:URI="../audio/index.m3u8"')
        return "\n".join(lines) + "\n"

    def _parts(self, msn: int, count: int) -> list[str]:
        dur = self.settings.part_target_s
        out = []
        for k in range(count):
            independent = ",INDEPENDENT=YES" if k == 0 else ""
            out.append(f'#EXT-X-PART:DURATION={dur:.5f},URI="seg-{msn}.part{k}.ts"{independent}')
        return out

    def _skippable(self, listed: int) -> int:
        """Segments older than CAN-SKIP-UNTIL from the end of the playlist."""
        s = self.settings
        keep = math.ceil((s.can_skip_until_s or 0) / s.segment_s)
        return max(0, listed - keep)

    def ready_at(self, msn: int, part: int | None) -> float:
        """When a blocking reload for (msn, part) may be answered."""
        if part is None:
            return self.segment_listed_at(msn)
        return self.part_at(msn * self.settings.parts_per_segment + part)

    # ---- files ---------------------------------------------------------------------------------------
    def file_status(self, name: str, now: float) -> tuple[int, float]:
        """(status, seconds to hold first) for a segment or part file name."""
        stem = name.removesuffix(".ts")
        if not stem.startswith("seg-"):
            return 404, 0.0
        msn_text, _, part_text = stem[4:].partition(".part")
        try:
            msn = int(msn_text)
            part = int(part_text) if part_text else None
        except ValueError:
            return 404, 0.0
        if part is None:
            if now < self.segment_listed_at(msn) or now >= self.segment_deleted_at(msn):
                return 404, 0.0
            return 200, 0.0
        if part >= self.settings.parts_per_segment or now >= self.segment_deleted_at(msn):
            return 404, 0.0
        wait = self.part_at(msn * self.settings.parts_per_segment + part) - now
        if wait > self.settings.part_target_s * 2:  # only the hinted (next) part is held
            return 404, 0.0
        return 200, max(0.0, wait)

    # ---- HTTP ----------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def start(self) -> LlOrigin:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.settings.port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="ll-origin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LlOrigin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(origin: LlOrigin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _serve(self) -> None:
            origin.requests.append((time.monotonic(), self.command, self.path))
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if parts.path == PATH:
                self._playlist(query)
                return
            status, hold = origin.file_status(parts.path.rsplit("/", 1)[-1], time.monotonic())
            time.sleep(hold)
            body = b"\x47" * 188 * 8 if status == 200 else b"not found"
            self._reply(status, body, "video/mp2t" if status == 200 else "text/plain")

        def _playlist(self, query: dict[str, str]) -> None:
            try:
                msn = int(query["_HLS_msn"]) if "_HLS_msn" in query else None
                part = int(query["_HLS_part"]) if "_HLS_part" in query else None
            except ValueError:
                self._reply(400, b"bad _HLS_msn/_HLS_part", "text/plain")
                return
            if msn is not None:
                limit = time.monotonic() + 3 * origin.settings.target_duration
                time.sleep(max(0.0, min(origin.ready_at(msn, part), limit) - time.monotonic()))
            body = origin.playlist(time.monotonic(), skip=query.get("_HLS_skip") == "YES").encode()
            self._reply(200, body, M3U8)

        def _reply(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        do_GET = _serve
        do_HEAD = _serve

    return Handler


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="a scripted LL-HLS origin on 127.0.0.1")
    ap.add_argument("--part-target", type=float, default=0.33)
    ap.add_argument("--parts-per-segment", type=int, default=6)
    ap.add_argument("--can-skip-until", type=float, default=None)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    settings = LlSettings(
        part_target_s=args.part_target,
        parts_per_segment=args.parts_per_segment,
        can_skip_until_s=args.can_skip_until,
        port=args.port,
    )
    with LlOrigin(settings) as origin:
        log.info("LL-HLS origin: %s (Ctrl-C to stop)", origin.url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
