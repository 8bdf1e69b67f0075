"""Sessions: open a recorded session (the core's JSON-lines file) and export what the window shows:
CSV/JSON of lifecycles, series and alerts, and a one-page HTML report with the charts. Qt-free except
for the PNG passed in as bytes.
"""

from __future__ import annotations

import base64
import csv
import gc
import html
import json
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from gui.dashboard_model import (
    EXTINF,
    FIRST_HI,
    FIRST_LO,
    GONE_HI,
    GONE_LO,
    LEFT_HI,
    LEFT_LO,
    PRED_HI,
    PRED_LO,
    SERIES,
    DashboardModel,
)
from gui.session_columns import header_supported
from monitor.redact import redact_text
from monitor.session import ProgressCallback, read_session

LIFECYCLE_FIELDS = (
    "endpoint",
    "msn",
    "segment",
    "extinf_s",
    "first_seen_lo",
    "first_seen_hi",
    "left_lo",
    "left_hi",
    "gone_lo",
    "gone_hi",
    "predicted_gone_lo",
    "predicted_gone_hi",
)
log = logging.getLogger(__name__)
_COLS = (EXTINF, FIRST_LO, FIRST_HI, LEFT_LO, LEFT_HI, GONE_LO, GONE_HI, PRED_LO, PRED_HI)


def read_events(path: str | Path) -> Iterator[object]:
    """The events of a recorded session, via the core's reader (monitor.session.read_session)."""
    return iter(read_session(Path(path)))


def _header(path: str | Path) -> dict | None:
    """The session's header line (None when the first line is not one). Raises OSError."""
    with Path(path).open("rb") as fh:
        first = fh.readline(1 << 20)
    try:
        header = json.loads(first)
    except ValueError:
        return None  # torn or headerless: the reader skips what it cannot read
    return header if isinstance(header, dict) and header.get("type") == "header" else None


def check_header(path: str | Path) -> None:
    """Raise OSError when the file cannot be read, ValueError when its header names another format or a
    newer version (so File → Open can say so before replaying in the background)."""
    header = _header(path)
    if header is None:
        return
    if not header_supported(header):
        raise ValueError(f"{path}: not an hlsmon session of a supported version")


def session_urls(path: str | Path) -> tuple[str, str]:
    """The origin and CDN URLs a session was recorded from (its header's config; credentials and tokens
    redacted by the writer), or empty strings when the header does not say."""
    header = _header(path) or {}
    config = header.get("config")
    endpoints = config.get("endpoints") if isinstance(config, dict) else None
    urls = {e.get("name"): e.get("url") or "" for e in endpoints or () if isinstance(e, dict)}
    return str(urls.get("origin", "")), str(urls.get("cdn", ""))


class SessionLoader:
    """Reads a session file on a background thread (``session-read``) in batches of events.

    Without ``consume`` the thread only touches the file and a bounded queue (so a slow consumer holds
    at most ``max_batches`` batches in memory) and the GUI thread drains it with :meth:`take`. With
    ``consume`` the thread hands each batch to it (e.g. the ``feed_many`` of an Ingestor whose model no
    other thread reads yet) and :meth:`take` only reports the end. ``fraction`` is the share of the
    file's bytes read so far. ``fast`` (e.g. gui.session_columns.load_session bound to that Ingestor) is
    tried first, with the progress callback: it returns the number of events it ingested, or None to leave
    the file to the event-by-event path.
    """

    _END = object()

    def __init__(
        self,
        path: str | Path,
        batch: int = 200,
        max_batches: int = 160,
        consume: Callable[[list[object]], object] | None = None,
        fast: Callable[[ProgressCallback], int | None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.batch = batch
        self.consume = consume
        self.fast = fast
        self.total_bytes = max(1, self.path.stat().st_size)
        self.read_bytes = 0
        self.events = 0  # handed out by take()
        self.error: BaseException | None = None
        self.finished = False
        self.started = time.monotonic()
        self._queue: queue.Queue = queue.Queue(max_batches)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="session-read", daemon=True)

    def start(self) -> SessionLoader:
        self._thread.start()
        return self

    @property
    def fraction(self) -> float:
        return 1.0 if self.finished else min(1.0, self.read_bytes / self.total_bytes)

    def _progress(self, done: int, total: int) -> None:
        self.read_bytes = done
        if self._stop.is_set():
            raise _Cancelled

    def _run(self) -> None:
        # everything decoded is kept (the model, the newest lifecycles): the cyclic GC would rescan the
        # growing heap again and again for nothing (a third of a 24 h open); collected once at the end
        collecting = gc.isenabled()
        gc.disable()
        try:
            if self.fast is not None:
                done = self.fast(self._progress)
                if done is not None:
                    self.events = done
                    return
            batch: list[object] = []
            for event in read_events_with_progress(self.path, self._progress):
                batch.append(event)
                if len(batch) >= self.batch:
                    self._hand_over(batch)
                    batch = []
            self._hand_over(batch)
        except _Cancelled:
            pass
        except Exception as exc:  # reported to the GUI thread via .error
            log.warning("reading %s failed: %s", self.path, exc)
            self.error = exc
        finally:
            if collecting:
                gc.enable()
            self._put(self._END)

    def _hand_over(self, batch: list[object]) -> None:
        if self.consume is None:
            self._put(batch)
            return
        if self._stop.is_set():
            raise _Cancelled
        self.consume(batch)
        self.events += len(batch)

    def _put(self, item: object) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        if item is not self._END:
            raise _Cancelled

    def take(self, deadline: float) -> Iterator[list[object]]:
        """Batches ready now, until the queue is empty or ``time.monotonic()`` passes ``deadline``;
        sets ``finished`` after the last one."""
        while not self.finished and time.monotonic() < deadline:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is self._END:
                self.finished = True
                return
            self.events += len(item)  # type: ignore[arg-type]
            yield item  # type: ignore[misc]

    def cancel(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)


class _Cancelled(Exception):
    pass


def read_events_with_progress(path: Path, progress: ProgressCallback) -> Iterator[object]:
    return iter(read_session(path, progress=progress))


def iso(t: float) -> str:
    if not math.isfinite(t):
        return ""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


def lifecycle_rows(model: DashboardModel) -> Iterator[dict[str, object]]:
    for endpoint, table in model.lifecycles.items():
        cols = [table.col(c) for c in _COLS]
        for r in range(len(table)):
            vals = [float(c[r]) for c in cols]
            row: dict[str, object] = {
                "endpoint": endpoint,
                "msn": table.seqs[r],
                "segment": table.uris[r],
                "extinf_s": vals[0],
            }
            for name, v in zip(LIFECYCLE_FIELDS[4:], vals[1:], strict=True):
                row[name] = iso(v)
            yield row


def export_csv(model: DashboardModel, path: str | Path) -> list[Path]:
    """Writes ``<stem>-lifecycles.csv``, ``<stem>-series.csv`` and ``<stem>-alerts.csv``."""
    path = Path(path)
    stem = path.with_suffix("")
    out = [Path(f"{stem}-lifecycles.csv"), Path(f"{stem}-series.csv"), Path(f"{stem}-alerts.csv")]
    with out[0].open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=LIFECYCLE_FIELDS)
        w.writeheader()
        w.writerows(lifecycle_rows(model))
    with out[1].open("w", newline="") as f:
        w2 = csv.writer(f)
        w2.writerow(["series", "label", "unit", "time_utc", "value"])
        for name, buf in model.series.items():
            label, unit = SERIES.get(name, (name, ""))
            for t, v in zip(buf.view(0), buf.view(1), strict=True):
                w2.writerow([name, label, unit, iso(float(t)), f"{v:.6g}"])
    with out[2].open("w", newline="") as f:
        w3 = csv.writer(f)
        w3.writerow(["time_utc", "severity", "code", "endpoint", "msn", "message", "advice"])
        for a in model.alerts:
            w3.writerow([iso(a.t), a.severity, a.code, a.endpoint, a.sequence, a.message, a.advice])
    return out


def to_json(model: DashboardModel) -> dict[str, object]:
    return {
        "format": "hlsmon-gui-export",
        "version": 1,
        "info": {k: redact_text(str(v)) for k, v in model.info.items()},
        "references": {
            "hls_fragment": model.refs.hls_fragment,
            "target_duration": model.refs.target_duration,
            "playlist_length": model.refs.playlist_length,
            **model.refs.values,
        },
        "lifecycles": list(lifecycle_rows(model)),
        "series": {
            name: {
                "label": SERIES.get(name, (name, ""))[0],
                "unit": SERIES.get(name, ("", ""))[1],
                "t": [round(float(t), 3) for t in buf.view(0)],
                "v": [None if math.isnan(v) else round(float(v), 4) for v in buf.view(1)],
            }
            for name, buf in model.series.items()
        },
        "alerts": [
            {
                "time_utc": iso(a.t),
                "severity": a.severity,
                "code": a.code,
                "endpoint": a.endpoint,
                "msn": a.sequence,
                "message": redact_text(a.message),
                "advice": a.advice,
            }
            for a in model.alerts
        ],
        "verdicts": [
            {"topic": v.topic, "status": v.status, "text": v.text, "numbers": v.numbers} for v in model.verdicts
        ],
    }


def export_json(model: DashboardModel, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(to_json(model), indent=1))
    return path


def _summary(model: DashboardModel) -> list[tuple[str, str]]:
    rows = [("Session", f"{iso(model.t_min)} → {iso(model.t_max)}" if model.has_data else "empty")]
    for k, v in model.info.items():
        rows.append((k, redact_text(str(v))))
    for endpoint, table in model.lifecycles.items():
        gone = table.col(GONE_HI)
        left = table.col(LEFT_HI)
        lag = gone - left
        lag = lag[~(lag != lag)]
        txt = f"{len(table)} segments"
        if len(lag):
            txt += f"; deleted {float(sorted(lag)[len(lag) // 2]):.1f} s (median) after leaving the playlist"
        rows.append((f"Segments at {endpoint}", txt))
    rows.append(("Alerts", str(len(model.alerts))))
    return rows


def latency_summary(model: DashboardModel) -> list[tuple[str, str]]:
    """Median, 95th percentile and range of every latency series the session holds, in its label's words."""
    rows = []
    for name, (label, unit) in SERIES.items():
        if not name.startswith("latency."):
            continue
        _, ys = model.xy(name)
        ys = ys[ys == ys] if len(ys) else ys
        if not len(ys):
            continue
        q50, q95 = (float(v) for v in np.percentile(ys, [50, 95]))
        rows.append((label, f"median {q50:.2f} {unit}, p95 {q95:.2f} {unit} ({len(ys)} samples, "
                            f"{float(ys.min()):.2f}–{float(ys.max()):.2f} {unit})"))  # fmt: skip
    return rows


def _table(rows: Sequence[tuple[str, str]]) -> list[str]:
    e = html.escape
    return ["<table>", *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows), "</table>"]


def export_html(
    model: DashboardModel,
    path: str | Path,
    images: Sequence[tuple[str, bytes]] = (),
    settings: Mapping[str, object] | None = None,
    thumbnails: Sequence[tuple[str, bytes]] = (),
) -> Path:
    """A one-page report: summary, latency, one image per chart, a strip of segment thumbnails (caption,
    JPEG), verdicts, alerts, the server settings."""
    path = Path(path)
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>hlsmon report</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
        "figure{margin:1em 0}img{max-width:100%;border:1px solid #ccc}"
        ".thumbs{display:flex;flex-wrap:wrap;gap:6px}.thumbs figure{margin:0;font-size:small}"
        ".warning{color:#a36b00}.error,.critical{color:#b00020}"
        "</style></head><body><h1>hlsmon report</h1>",
        *_table(_summary(model)),
        "<h2>Latency</h2>",
    ]
    latency = latency_summary(model)
    parts += _table(latency) if latency else ["<p>No latency was measured in this session.</p>"]
    if images:
        parts.append("<h2>Charts</h2>")
        parts += [
            f"<figure><img alt='{e(title)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
            f"<figcaption>{e(title)}</figcaption></figure>"
            for title, png in images
        ]
    if thumbnails:
        parts.append("<h2>What the segments showed</h2><div class='thumbs'>")
        parts += [
            f"<figure class='thumb'><img alt='{e(caption)}' src='data:image/jpeg;base64,"
            f"{base64.b64encode(jpeg).decode()}'><figcaption>{e(caption)}</figcaption></figure>"
            for caption, jpeg in thumbnails
        ]
        parts.append("</div>")
    parts.append(
        "<h2>Verdicts</h2><table><tr><th>topic</th><th>verdict</th><th>in plain words</th><th>numbers</th></tr>"
    )
    parts += [
        f"<tr><td>{e(v.topic)}</td><td>{e(v.status)}</td><td>{e(v.text)}</td><td>{e(v.numbers)}</td></tr>"
        for v in model.verdicts
    ]
    parts.append(
        "</table><h2>Alerts</h2><table><tr><th>time (UTC)</th><th>severity</th><th>where</th>"
        "<th>what happened</th><th>advice</th></tr>"
    )
    parts += [
        f"<tr class='{e(a.severity)}'><td>{e(iso(a.t))}</td><td>{e(a.severity)}</td><td>{e(a.endpoint)}</td>"
        f"<td>{e(redact_text(a.message))}</td><td>{e(a.advice)}</td></tr>"
        for a in model.alerts
    ]
    parts.append("</table>")
    if settings:
        parts.append("<h2>Server settings</h2>")
        parts += _table([(k, str(v)) for k, v in settings.items()])
    parts.append(f"<p>Generated {e(datetime.now(UTC).isoformat(timespec='seconds'))} by hlsmon.</p></body></html>")
    path.write_text("".join(parts))
    return path
