"""A scripted live origin on 127.0.0.1 that behaves as servers.md describes SRS and MediaMTX.

SRS and MediaMTX cannot be installed here, so this writes their playlists (format, window rule, deletion
rule) into a folder served by a stdlib HTTP server. A writer thread closes one segment every ``duration``
seconds (real time):

* ``srs``: ``#EXTINF:1.000, no desc``, names ``<stream>-<seq>.ts``, window = the newest segments whose
  durations sum to more than ``hls_window`` (SrsFragmentWindow::shrink), shrunk-out files unlinked right
  after the new playlist is renamed into place (clear_expired).
* ``mediamtx``: ``#EXT-X-ALLOW-CACHE:NO``, PDT per segment, names ``<12 hex>_<stream>_seg<N>.ts``,
  ``hlsSegmentCount`` entries, the removed segment unregistered (404) at the moment of rotation.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug(format, *args)

    def end_headers(self) -> None:
        if self.server.server_header:  # type: ignore[attr-defined]
            self.send_header("X-Server", self.server.server_header)  # type: ignore[attr-defined]
        super().end_headers()

    def version_string(self) -> str:
        return self.server.server_header or super().version_string()  # type: ignore[attr-defined]


class ScriptedOrigin:
    """``kind`` is ``srs`` or ``mediamtx``; ``window`` is hls_window seconds (srs) or the count (mediamtx)."""

    def __init__(self, root: Path, kind: str, duration: float, window: float, stream: str = "livestream") -> None:
        if kind not in ("srs", "mediamtx"):
            raise ValueError(kind)
        self.root = Path(root)
        self.kind = kind
        self.duration = duration
        self.window = window
        self.stream = stream
        self.prefix = secrets.token_hex(6)
        self.listed: list[tuple[int, str, float]] = []  # (seq, name, duration)
        self.seq = 0
        self.started = datetime.now(UTC)
        self._stop = threading.Event()
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.server_header = "SRS/6.0.157" if kind == "srs" else ""  # type: ignore[attr-defined]
        self._threads: list[threading.Thread] = []

    @property
    def playlist_name(self) -> str:
        return f"{self.stream}.m3u8" if self.kind == "srs" else f"{self.stream}_stream.m3u8"

    @property
    def playlist_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{self.playlist_name}"

    def start(self) -> ScriptedOrigin:
        self.root.mkdir(parents=True, exist_ok=True)
        for target, name in ((self.httpd.serve_forever, "scripted-http"), (self._run, "scripted-writer")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(2.0)

    def __enter__(self) -> ScriptedOrigin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- writer ------------------------------------------------------------------------------------
    def _name(self, seq: int) -> str:
        return f"{self.stream}-{seq}.ts" if self.kind == "srs" else f"{self.prefix}_{self.stream}_seg{seq}.ts"

    def _run(self) -> None:
        next_close = time.monotonic() + self.duration
        while not self._stop.wait(max(0.0, next_close - time.monotonic())):
            self._close_segment()
            next_close += self.duration

    def _close_segment(self) -> None:
        name = self._name(self.seq)
        tmp = self.root / (name + ".tmp")
        tmp.write_bytes(b"\x47" + os.urandom(187))  # one TS-sized packet
        tmp.rename(self.root / name)  # SRS writes .tmp and renames at close
        self.listed.append((self.seq, name, self.duration))
        self.seq += 1
        expired = self._shrink()
        if self.kind == "mediamtx":
            self._unlink(expired)  # unregistered at once, before the new playlist
        self._write_playlist()
        if self.kind == "srs":
            self._unlink(expired)  # clear_expired after refresh_m3u8

    def _shrink(self) -> list[str]:
        if self.kind == "mediamtx":
            count = int(self.window)
            expired = [n for _, n, _ in self.listed[:-count]]
            self.listed = self.listed[-count:]
            return expired
        total, keep_from = 0.0, 0
        for i in range(len(self.listed) - 1, -1, -1):
            total += self.listed[i][2]
            if total > self.window:
                keep_from = i
                break
        expired = [n for _, n, _ in self.listed[:keep_from]]
        self.listed = self.listed[keep_from:]
        return expired

    def _unlink(self, names: list[str]) -> None:
        for name in names:
            (self.root / name).unlink(missing_ok=True)

    def _write_playlist(self) -> None:
        first = self.listed[0][0]
        if self.kind == "srs":
            td = max(d for _, _, d in self.listed)
            lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{first}", f"#EXT-X-TARGETDURATION:{td:.0f}"]
            for _, name, d in self.listed:
                lines += [f"#EXTINF:{d:.3f}, no desc", name]
        else:
            lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-ALLOW-CACHE:NO"]
            lines += [f"#EXT-X-TARGETDURATION:{round(self.duration)}", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
            for seq, name, d in self.listed:
                pdt = self.started + timedelta(seconds=seq * d)
                lines += [
                    f"#EXT-X-PROGRAM-DATE-TIME:{pdt.isoformat(timespec='milliseconds')}",
                    f"#EXTINF:{d:.5f},",
                    name,
                ]
        tmp = self.root / (self.playlist_name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        tmp.rename(self.root / self.playlist_name)
