"""The fast File → Open: a session file read straight into an Ingestor's chart model (Qt-free).

The core's reader (monitor.session.read_session) builds every record in full and the Ingestor takes them one
by one: ~700k records for 24 h of two endpoints, most of whose fields no chart draws. Here each line is
decoded into a small msgspec Struct holding only what the Ingestor reads, the Ingestor's own rules
(gui/ingest.py) run on those, the lifecycle table is filled column-wise, and only the records the window
keeps (the newest lifecycles, each endpoint's last snapshot, measures and status; alerts) are decoded in
full. The whole file is one batch in the sense of ``Ingestor.feed_many``: a lifecycle re-emitted later is
ingested once, at its first place, with its latest content.

The model and ingestor end as ``feed_many`` of every event leaves them (tests/gui/test_session_columns.py).
A line that is not JSON is skipped, as the core's reader does (a torn last line); a record this reader does
not expect (a field of another type, a required field missing) makes :func:`load_session` return None and
leave the ingestor empty, so the caller takes the general path.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import operator
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import msgspec
import numpy as np

from gui.dashboard_model import (
    EXTINF,
    FIRST_HI,
    FIRST_LO,
    GONE_HI,
    GONE_LO,
    LEFT_HI,
    LEFT_LO,
    LIFECYCLE_COLUMNS,
    PRED_HI,
    PRED_LO,
    LifecycleTable,
    Y,
)
from gui.ingest import KEEP_LIFECYCLES, Ingestor, _segment_name
from monitor import records as R
from monitor.session import FORMAT_NAME, RECORD_TYPES, decode_record

log = logging.getLogger(__name__)

CHUNK = 8 << 20  # bytes read at a time
READ_SHARE = 0.6  # of the progress bar: reading the file (then the columns)
READ_TOGETHER = 128 << 20  # records decoded in full are read in one piece when they lie within this
_NEWLINE, _COMMA, _CLOSE = ord("\n"), ord(","), ord("]")
#: (bytes read, file size) -> None; raises to cancel.
Progress = Callable[[int, int], None]


class _Seen(msgspec.Struct):
    lo: float
    hi: float
    lo_utc: datetime
    hi_utc: datetime


class _Lifecycle(msgspec.Struct, kw_only=True, tag="SegmentLifecycle", tag_field="type"):
    endpoint: str
    msn: int
    uri: str
    extinf: float
    first_seen: _Seen
    pdt: datetime | None = None
    generation: int = 0
    left: _Seen | None = None
    gone: _Seen | None = None
    missed: bool = False
    size: int | None = None


class _Measures(msgspec.Struct, kw_only=True, tag="Measures", tag_field="type"):
    endpoint: str
    mono: float
    utc: datetime
    media_sequence: int
    window_segments: int
    window_s: float
    target_duration: float | None
    staleness_s: float
    age_s: float | None = None


class _Snapshot(msgspec.Struct, kw_only=True, tag="PlaylistSnapshot", tag_field="type"):
    endpoint: str
    fetched: _Seen
    url: str
    media_sequence: int
    target_duration: float | None = None


class _Request(msgspec.Struct, kw_only=True, tag="RequestRecord", tag_field="type"):
    endpoint: str
    kind: R.RequestKind
    method: str
    url: str
    final_url: str | None
    sent_mono: float
    sent_utc: datetime
    first_byte_mono: float | None
    end_mono: float
    end_utc: datetime
    status: int | None
    headers: dict[str, str] = msgspec.field(default_factory=dict)


class _Sampled(msgspec.Struct, kw_only=True, tag="SampledValues", tag_field="type"):
    mono: float
    utc: datetime
    values: dict[str, float | None]


class _Header(msgspec.Struct, tag="header", tag_field="type"):
    format: str = ""
    version: int = 0


_LITE = (_Lifecycle, _Measures, _Snapshot, _Request, _Sampled)
# the rest are few (alerts, state changes) or rare: kept as a place in the file and decoded in full
_FULL = {
    kind: msgspec.defstruct(f"_{kind}", [], tag=kind, tag_field="type")
    for kind in RECORD_TYPES
    if kind not in {cls.__struct_config__.tag for cls in _LITE}
}
_KIND_OF = {struct: kind for kind, struct in _FULL.items()}
_UNION_FULL = functools.reduce(operator.or_, _FULL.values())
_RECORD = _Lifecycle | _Measures | _Snapshot | _Request | _Sampled | _Header | _UNION_FULL
_DECODE = msgspec.json.Decoder(_RECORD).decode
_DECODE_MANY = msgspec.json.Decoder(list[_RECORD]).decode


_BULK = (_Lifecycle, _Measures, _Sampled)  # the numerous kinds
# lifecycle record columns: line, first-seen lo/hi (monotonic), first-seen, left and gone UTC bounds, EXTINF,
# PROGRAM-DATE-TIME, missed, size (nan: none)
_LC_AT, _LC_LO, _LC_HI, _LC_FIRST_LO, _LC_FIRST_HI, _LC_LEFT_LO, _LC_LEFT_HI, _LC_GONE_LO, _LC_GONE_HI = range(9)
_LC_EXTINF, _LC_PDT, _LC_MISSED, _LC_SIZE = range(9, 13)
_ENDPOINT = operator.attrgetter("endpoint")
_GENERATION = operator.attrgetter("generation")
_MSN = operator.attrgetter("msn")


def header_supported(header: Mapping[str, object]) -> bool:
    """A session header the core's reader reads (its format, a version not newer than ours)."""
    return header.get("format") == FORMAT_NAME and int(header.get("version", 0) or 0) <= R.FORMAT_VERSION  # type: ignore[call-overload]


class _Unexpected(Exception):
    """A record this reader does not take: the caller uses the general path."""


class _Reader:
    """One pass over the file: the lite records by kind with their place (line index), and where each line is."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, int, int], int] = {}  # lifecycle key -> place of its first record
        self.latest: dict[tuple[str, int, int], int] = {}  # lifecycle key -> index of its latest record
        # every lifecycle record, as columns (_LC_*) and lists, in file order
        self.lc_count = 0
        self.lc_parts: list[list[np.ndarray]] = []
        self.lc_endpoints: list[str] = []
        self.lc_msns: list[int] = []
        self.lc_names: list[str] = []
        # every measures record as columns: endpoint, place, time, window_s, window_n, staleness, age (nan: none)
        self.measures: list[tuple[list[str], np.ndarray, ...]] = []  # type: ignore[misc]
        self.last_measures: dict[str, int] = {}  # endpoint -> place
        self.snapshots: dict[str, int] = {}
        self.target_duration: float | None = None  # the last one set wins
        self.requests = 0
        self.playlist_headers: dict[str, dict[str, str]] = {}
        self.sampled: list[tuple[int, _Sampled]] = []
        self.full: list[tuple[int, str]] = []  # place, kind
        self._starts: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []
        self.lines = 0
        self.events = 0  # records (the core's reader yields each)

    def chunk(self, buf: bytearray, cut: int, offset: int) -> None:
        """The whole lines in ``buf[1:cut]`` (``buf[0]`` is "["), the first one at ``offset`` in the file."""
        view = np.frombuffer(buf, dtype=np.uint8, count=cut)
        ends = np.flatnonzero(view == _NEWLINE)
        starts = np.empty_like(ends)
        starts[:1] = 1
        starts[1:] = ends[:-1] + 1
        self._starts.append(starts + (offset - 1))
        self._lengths.append(ends - starts)
        view[ends] = _COMMA
        view[ends[-1]] = _CLOSE
        try:  # one call for the whole chunk; a torn or odd line sends the chunk through line by line
            with memoryview(buf) as whole, whole[:cut] as array:
                records = _DECODE_MANY(array)
        except (msgspec.ValidationError, msgspec.DecodeError):
            view[ends] = _NEWLINE
            lines = bytes(buf[1 : cut - 1]).split(b"\n")
            records = [_decode_line(self.lines + i, line) for i, line in enumerate(lines)]
        del view
        self._take(records)

    def _take(self, records: list[object]) -> None:
        """Sort a chunk's records by kind; the numerous kinds go in whole (C-level gathers), in file order."""
        base = self.lines
        kinds = list(map(type, records))
        rare = [i for i, kind in enumerate(kinds) if kind not in _BULK]
        for kind in _BULK:
            mask = list(map(operator.is_, kinds, itertools.repeat(kind)))
            recs = list(itertools.compress(records, mask))
            if not recs:
                continue
            ats = list(itertools.compress(itertools.count(base), mask))
            if kind is _Lifecycle:
                self._lifecycles(recs, ats)  # type: ignore[arg-type]
            elif kind is _Measures:
                self._measures(recs, ats)  # type: ignore[arg-type]
            else:
                self.sampled.extend(zip(ats, recs, strict=True))  # type: ignore[arg-type]
        for i in rare:
            self._rare(base + i, records[i])
        self._target_duration(records, kinds)
        self.events += len(records) - kinds.count(type(None)) - kinds.count(_Header)
        self.lines = base + len(records)

    def _lifecycles(self, recs: list[_Lifecycle], ats: list[int]) -> None:
        """Every lifecycle record's fields as columns, while the chunk is fresh in memory (the records go)."""
        keys = list(zip(map(_ENDPOINT, recs), map(_GENERATION, recs), map(_MSN, recs), strict=True))
        known = self.first
        for key, at in dict(zip(reversed(keys), reversed(ats), strict=True)).items():  # the first place wins
            if key not in known:
                known[key] = at
        last = dict(zip(keys, range(len(keys)), strict=True))  # only the chunk's latest record of a segment
        keep = sorted(last.values())
        recs = [recs[i] for i in keep]
        ats = [ats[i] for i in keep]
        row = dict(zip(keep, range(self.lc_count, self.lc_count + len(keep)), strict=True))
        self.latest.update(zip(last, map(row.__getitem__, last.values()), strict=True))
        self.lc_count += len(keep)
        eps, msns, uris, extinf, seen, pdt, _, lefts, gones, missed, sizes = zip(
            *map(msgspec.structs.astuple, recs), strict=True
        )
        self.lc_endpoints.extend(eps)
        self.lc_msns.extend(msns)
        self.lc_names.extend(map(_segment_name, uris))
        lo, hi, lo_utc, hi_utc = zip(*map(msgspec.structs.astuple, seen), strict=True)
        left_lo, left_hi = _window_ts(lefts)
        gone_lo, gone_hi = _window_ts(gones)
        size = np.array([math.nan if v is None else v for v in sizes], dtype=float)
        part = (ats, lo, hi, _ts(lo_utc), _ts(hi_utc), left_lo, left_hi, gone_lo, gone_hi, extinf, _ts_or_nan(pdt))
        self.lc_parts.append([np.asarray(c, dtype=np.int64 if i == 0 else float) for i, c in enumerate(part)])
        self.lc_parts[-1] += [np.array(missed, dtype=bool), size]

    def lifecycle_columns(self) -> list[np.ndarray]:
        """The columns of every lifecycle record (_LC_* order), in file order."""
        if len(self.lc_parts) != 1:
            self.lc_parts = [[np.concatenate(c) for c in zip(*self.lc_parts, strict=True)]] if self.lc_parts else []
        return self.lc_parts[0] if self.lc_parts else []

    def _measures(self, recs: list[_Measures], ats: list[int]) -> None:
        """The chart fields of measures records as columns, while the chunk is fresh in memory."""
        eps = list(map(_ENDPOINT, recs))
        self.last_measures.update(zip(eps, ats, strict=True))
        _, _, utc, _, window_n, window_s, _, stale, age = zip(*map(msgspec.structs.astuple, recs), strict=True)
        columns = (np.array(ats, dtype=np.int64), _ts(utc), np.array(window_s, dtype=float))
        columns += (np.array(window_n, dtype=float), np.array(stale, dtype=float), _float_or_nan(age))
        self.measures.append((eps, *columns))

    def _target_duration(self, records: list[object], kinds: list[type]) -> None:
        """The last target duration set in the chunk (by measures or a snapshot) wins."""
        for i in range(len(records) - 1, -1, -1):
            if kinds[i] is _Measures or kinds[i] is _Snapshot:
                td = records[i].target_duration  # type: ignore[attr-defined]
                if td:
                    self.target_duration = td
                    return

    def _rare(self, at: int, rec: object) -> None:
        kind = type(rec)
        if kind is _Request:
            self.requests += 1
            if rec.kind == R.RequestKind.PLAYLIST and rec.status == 200:  # type: ignore[attr-defined]
                self.playlist_headers[rec.endpoint] = dict(rec.headers)  # type: ignore[attr-defined]
        elif kind is _Snapshot:
            self.snapshots[rec.endpoint] = at  # type: ignore[attr-defined]
        elif kind is _Header:
            if not header_supported({"format": rec.format, "version": rec.version}):  # type: ignore[attr-defined]
                raise ValueError("not an hlsmon session of a supported version")
        elif kind in _KIND_OF:
            self.full.append((at, _KIND_OF[kind]))

    def span(self, at: int) -> tuple[int, int]:
        """(offset, length) of line ``at``."""
        if len(self._starts) > 1:
            self._starts, self._lengths = [np.concatenate(self._starts)], [np.concatenate(self._lengths)]
        return int(self._starts[0][at]), int(self._lengths[0][at])


def _decode_line(at: int, line: bytes) -> object:
    """One line; None when the core's reader skips it too (not JSON, not an object, a type it does not know);
    raises _Unexpected for a record it would read that the Structs do not take."""
    try:
        return _DECODE(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    try:
        data = json.loads(line)
    except ValueError:
        if line.strip():
            log.warning("line %d: unreadable line skipped", at + 1)
        return None
    if type(data) is dict and (data.get("type") in RECORD_TYPES or data.get("type") == "header"):
        raise _Unexpected(f"line {at + 1}: a {data.get('type')} this reader does not take")
    return None


def read(path: Path, progress: Progress | None = None) -> _Reader:
    """Decode every line (raises _Unexpected, ValueError for another format, OSError)."""
    reader = _Reader()
    offset = 0
    with path.open("rb") as fh:
        total = max(1, os.fstat(fh.fileno()).st_size)
        buf = bytearray(b"[")  # whole lines after the "[", their newlines turned into "," in place
        while True:
            chunk = fh.read(CHUNK)
            buf += chunk
            if not chunk and len(buf) > 1 and buf[-1] != _NEWLINE:
                buf += b"\n"  # a torn last line
            cut = buf.rfind(b"\n") + 1
            if cut > 1:
                reader.chunk(buf, cut, offset)
                offset += cut - 1
                del buf[1:cut]
            if progress is not None:
                progress(min(offset, total), total)
            if not chunk:
                return reader


@functools.cache
def _full_decoder(kind: str) -> Callable[[bytes], object]:
    return msgspec.json.Decoder(RECORD_TYPES[kind]).decode


def _decode_at(fh: BinaryIO, reader: _Reader, at: int, kind: str) -> object:
    """The record on line ``at`` in full, as the core's reader decodes it: msgspec straight into the record,
    and the core's general decoder for what msgspec rejects (e.g. null in a float field)."""
    offset, length = reader.span(at)
    fh.seek(offset)
    line = fh.read(length)
    try:
        return _full_decoder(kind)(line)
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError):
        data = json.loads(line)
        data.pop("type", None)
        return decode_record(RECORD_TYPES[kind], data)


def _decode_lines(fh: BinaryIO, reader: _Reader, lines: list[int], kind: str) -> list[object]:
    """Records of one kind in full (as _decode_at), read together when they lie close in the file."""
    spans = [reader.span(at) for at in lines]
    if not spans:
        return []
    start = min(offset for offset, _ in spans)
    end = max(offset + length for offset, length in spans)
    if end - start > READ_TOGETHER:
        return [_decode_at(fh, reader, at, kind) for at in lines]
    fh.seek(start)
    data = fh.read(end - start)
    parts = [data[offset - start : offset - start + length] for offset, length in spans]
    try:
        return _many_decoder(kind)(b"[" + b",".join(parts) + b"]")
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError):
        return [_decode_at(fh, reader, at, kind) for at in lines]


@functools.cache
def _many_decoder(kind: str) -> Callable[[bytes], list[object]]:
    return msgspec.json.Decoder(list[RECORD_TYPES[kind]]).decode  # type: ignore[name-defined]


#: series name -> parts of (times, values, places in the file), merged in file order at the end
_Points = dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]


def load_session(path: str | Path, ingestor: Ingestor, progress: Progress | None = None) -> int | None:
    """Fill ``ingestor`` (new, its model empty) from the session at ``path``; the number of events, or None
    (the ingestor left empty) when the file holds a record this reader does not take. ``progress(bytes,
    size)`` during the read."""
    path = Path(path)
    total = max(1, path.stat().st_size)

    def report(fraction: float) -> None:  # the read is most of the time; the columns the rest
        if progress is not None:
            progress(round(fraction * total), total)

    try:
        reader = read(path, None if progress is None else lambda done, size: report(READ_SHARE * done / size))
    except _Unexpected as exc:
        log.info("%s: the general reader takes this session (%s)", path, exc)
        return None
    points: _Points = {}
    ingestor._pending = {}
    try:
        with path.open("rb") as fh:
            _lifecycles(reader, ingestor, fh, points, lambda done: report(READ_SHARE + (1 - READ_SHARE) * done))
            report(READ_SHARE + (1 - READ_SHARE) * 0.7)
            _measures(reader, ingestor, fh, points)
            _others(reader, ingestor, fh, points)
            report(READ_SHARE + (1 - READ_SHARE) * 0.85)
        pending = ingestor._pending
    except _Unexpected as exc:
        log.info("%s: the general reader takes this session (%s)", path, exc)
        ingestor.reset()
        ingestor.model.reset()
        return None
    finally:
        ingestor._pending = None
    for name, (times, values, places) in pending.items():
        v = np.array([math.nan if x is None else x for x in values], dtype=float)
        points.setdefault(name, []).append((np.array(times, dtype=float), v, np.array(places, dtype=np.int64)))
    for name, parts in points.items():
        t, v, at = (np.concatenate(c) for c in zip(*parts, strict=True))
        if len(at) > 1 and bool(np.any(at[1:] < at[:-1])):
            order = np.argsort(at, kind="stable")
            t, v = t[order], v[order]
        ingestor.model.add_points(name, t, v)
    return reader.events


def _add(points: _Points, name: str, t: np.ndarray, v: np.ndarray, at: np.ndarray) -> None:
    if len(t):
        points.setdefault(name, []).append((t, v, at))


def _window_ts(windows: Sequence[_Seen | None]) -> tuple[np.ndarray, np.ndarray]:
    """The UTC bounds of optional windows as timestamps (nan for None)."""
    given = np.fromiter(map(operator.is_not, windows, itertools.repeat(None)), dtype=bool, count=len(windows))
    lo, hi = np.full(len(windows), math.nan), np.full(len(windows), math.nan)
    if given.any():
        _, _, lo_utc, hi_utc = zip(*map(msgspec.structs.astuple, itertools.compress(windows, given)), strict=True)
        lo[given], hi[given] = _ts(lo_utc), _ts(hi_utc)
    return lo, hi


def _codes(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Each value as the index of its first appearance, and the distinct values in that order."""
    index = {v: i for i, v in enumerate(dict.fromkeys(values))}
    return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values)), list(index)


def _float_or_nan(values: Sequence[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _ts(times: Sequence[datetime]) -> np.ndarray:
    return np.fromiter(map(datetime.timestamp, times), dtype=float, count=len(times))


def _ts_or_nan(times: Sequence[datetime | None]) -> np.ndarray:
    return np.fromiter((math.nan if d is None else d.timestamp() for d in times), dtype=float, count=len(times))


def _others(reader: _Reader, ing: Ingestor, fh: BinaryIO, points: _Points) -> None:
    """What is not a lifecycle or measures, by the Ingestor's own rules."""
    for endpoint, at in reader.snapshots.items():
        ing.snapshots[endpoint] = _decode_at(fh, reader, at, "PlaylistSnapshot")  # type: ignore[assignment]
    if reader.target_duration is not None:
        ing.model.refs.target_duration = reader.target_duration
    ing.requests = reader.requests
    ing.playlist_headers.update(reader.playlist_headers)
    _sampled(reader, points)
    for at, kind in reader.full:  # alerts in order; the last state of an endpoint wins
        ing._at = at
        ing.feed(_decode_at(fh, reader, at, kind))


def _sampled(reader: _Reader, points: _Points) -> None:
    """Ingestor._sampled over all samples at once (kept in step with it): every value a point at its time.
    Samples are grouped by their names (usually one group: the window samples the same values each time)."""
    if not reader.sampled:
        return
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, (_, s) in enumerate(reader.sampled):
        groups.setdefault(tuple(s.values), []).append(i)
    at = np.fromiter((a for a, _ in reader.sampled), dtype=np.int64, count=len(reader.sampled))
    t = _ts([s.utc for _, s in reader.sampled])
    for names, members in groups.items():
        if not names:
            continue
        values = np.array([tuple(reader.sampled[i][1].values.values()) for i in members], dtype=float)  # None: nan
        for k, name in enumerate(names):
            _add(points, name, t[members], values[:, k], at[members])


def _measures(reader: _Reader, ing: Ingestor, fh: BinaryIO, points: _Points) -> None:
    """Ingestor._measure_points over all measures at once (kept in step with it)."""
    for endpoint, at in reader.last_measures.items():
        ing.measures[endpoint] = _decode_at(fh, reader, at, "Measures")  # type: ignore[assignment]
    if not reader.measures:
        return
    endpoints = [ep for part in reader.measures for ep in part[0]]
    places, t, window_s, window_n, stale, age = (
        np.concatenate(c) for c in list(zip(*reader.measures, strict=True))[1:]
    )
    eps, names = _codes(endpoints)
    age = np.where(np.isnan(age), stale, np.maximum(stale, age))
    for code, ep in enumerate(names):
        sel = eps == code
        _add(points, f"window_s.{ep}", t[sel], window_s[sel], places[sel])
        _add(points, f"window_n.{ep}", t[sel], window_n[sel], places[sel])
        _add(points, f"latency.playlist_age.{ep}", t[sel], age[sel], places[sel])


def _arrival(lo: np.ndarray, hi: np.ndarray, hi_ts: np.ndarray, step: float) -> np.ndarray:
    """``Window.estimate_utc(step).timestamp()`` of many windows, to the bit: the estimate's offset from
    ``hi`` is rounded to whole microseconds (half to even) as ``timedelta(seconds=...)`` does."""
    est = np.maximum((lo + hi) / 2, hi - step / 2)
    frac, whole = np.modf(hi - est)
    offset_us = whole * 1e6 + np.rint(frac * 1e6)
    return (np.rint(hi_ts * 1e6) - offset_us) / 1e6


def _lifecycles(reader: _Reader, ing: Ingestor, fh: BinaryIO, points: _Points, step: Callable[[float], None]) -> None:
    """Every segment once, at its first place, with its latest content: Ingestor._lifecycle and
    Ingestor._new_segment over all of them at once (kept in step with them)."""
    keys = sorted(reader.first, key=reader.first.__getitem__)
    n = len(keys)
    if not n:
        return
    model = ing.model
    latest = np.fromiter(map(reader.latest.__getitem__, keys), dtype=np.int64, count=n)
    places = np.fromiter(map(reader.first.__getitem__, keys), dtype=np.int64, count=n)
    lc = [c[latest] for c in reader.lifecycle_columns()]
    pick = latest.tolist()
    eps = [reader.lc_endpoints[i] for i in pick]
    msns = [reader.lc_msns[i] for i in pick]
    names = [reader.lc_names[i] for i in pick]
    cols = np.full((LIFECYCLE_COLUMNS, n), np.nan)
    cols[FIRST_LO], cols[FIRST_HI] = lc[_LC_FIRST_LO], lc[_LC_FIRST_HI]
    cols[LEFT_LO], cols[LEFT_HI] = lc[_LC_LEFT_LO], lc[_LC_LEFT_HI]
    cols[GONE_LO], cols[GONE_HI] = lc[_LC_GONE_LO], lc[_LC_GONE_HI]
    extinf = cols[EXTINF] = lc[_LC_EXTINF]
    arrival = _arrival(lc[_LC_LO], lc[_LC_HI], lc[_LC_FIRST_HI], ing.arrival_step_s)
    after = ing.predict_deletion() if ing.predict_deletion else None
    if after:
        cols[PRED_LO] = arrival + after[0]
        cols[PRED_HI] = arrival + after[1]
    row_keys = list(zip(msns, names, strict=True))
    y_of = model._y_of
    for msn, name in dict.fromkeys(row_keys):
        model.segment_y(msn, name)
    cols[Y] = np.fromiter(map(y_of.__getitem__, row_keys), dtype=float, count=n)
    ep_of, endpoints = _codes(eps)
    is_new = np.zeros(n, dtype=bool)
    for code, ep in enumerate(endpoints):
        sel = np.flatnonzero(ep_of == code)
        table = model.lifecycles.get(ep)
        if table is None:
            table = model.lifecycles[ep] = LifecycleTable()
        rows = _new_rows(table, [row_keys[i] for i in sel.tolist()])
        _, first = np.unique(rows, return_index=True)
        is_new[sel[first]] = True
        _fill(table, rows, cols[:, sel])
    step(0.3)
    times = cols[[FIRST_LO, FIRST_HI, LEFT_LO, LEFT_HI, GONE_LO, GONE_HI]]
    if np.any(~np.isnan(times)):
        model._touch(float(np.nanmin(times)))
        model._touch(float(np.nanmax(times)))
    size = lc[_LC_SIZE]
    sized = ~np.isnan(size) & (size != 0) & (extinf > 0) & (ep_of == _code_of(endpoints, "origin"))
    bitrate = np.where(sized, size * 8 / extinf / 1000, np.nan)
    new = is_new & ~lc[_LC_MISSED]
    _segment_points(ing, points, ep_of, endpoints, msns, new, sized, arrival, extinf, lc[_LC_PDT], bitrate, places)
    step(0.5)
    _keep_newest(reader, ing, fh, eps, msns, lc[_LC_AT].tolist())


def _code_of(values: list[str], value: str) -> int:
    return values.index(value) if value in values else -1


def _new_rows(table: LifecycleTable, keys: list[tuple[int, str]]) -> np.ndarray:
    """The row of each key in an empty table, rows numbered in order of first appearance."""
    assert not len(table), "load_session fills a new model"
    table.rows = {key: row for row, key in enumerate(dict.fromkeys(keys))}
    table.seqs = [msn for msn, _ in table.rows]
    table.uris = [name for _, name in table.rows]
    return np.fromiter(map(table.rows.__getitem__, keys), dtype=np.int64, count=len(keys))


def _fill(table: LifecycleTable, rows: np.ndarray, cols: np.ndarray) -> None:
    """Write each key's columns to its row in order (DashboardModel.update_lifecycle's rules: a later record
    of the same row wins, and one without a prediction keeps the earlier prediction)."""
    count = len(table.rows)
    if count == len(rows):  # every row once, in order (a restarted stream may reuse a name: below)
        table.buf.extend(cols)
        return
    table.buf.extend(np.full((LIFECYCLE_COLUMNS, count), np.nan))
    data = table.buf._data
    for j, row in enumerate(rows.tolist()):
        for c in range(LIFECYCLE_COLUMNS):
            v = cols[c, j]
            if v == v or c not in (PRED_LO, PRED_HI):
                data[c, row] = v


def _segment_points(
    ing: Ingestor,
    points: _Points,
    ep_of: np.ndarray,
    endpoints: list[str],
    msns: list[int],
    new: np.ndarray,
    sized: np.ndarray,
    arrival: np.ndarray,
    extinf: np.ndarray,
    pdt: np.ndarray,
    bitrate: np.ndarray,
    places: np.ndarray,
) -> None:
    """Ingestor._new_segment and Ingestor._bitrate over all segments at once (kept in step with them)."""
    for code, ep in enumerate(endpoints):
        sel = np.flatnonzero(new & (ep_of == code))
        if not len(sel):
            continue
        t = arrival[sel]
        later = np.flatnonzero(t[1:] > t[:-1]) + 1
        _add(points, f"interval.{ep}", t[later], t[later] - t[later - 1], places[sel[later]])
        ing._last_first[ep] = float(t[-1])
        if ep == "origin":
            _add(points, "duration.origin", t, extinf[sel], places[sel])
            dated = ~np.isnan(pdt[sel])
            _add(
                points,
                "latency.encoder_origin",
                t[dated],
                t[dated] - (pdt[sel][dated] + extinf[sel][dated]),
                places[sel][dated],
            )
    # the origin's arrivals a CDN segment is compared with, and the bit rate once per segment, in order
    msn = np.array(msns, dtype=np.int64)
    origin = ep_of == _code_of(endpoints, "origin")
    if len(np.unique(msn[origin])) == int(origin.sum()) and not ing._first_mid and not ing._sized:
        _arrivals_at_once(ing, points, msn, origin, new, sized, arrival, bitrate, places)
        return
    first_mid, seen_size = ing._first_mid, ing._sized
    propagation: list[int] = []
    lag = np.full(len(msns), math.nan)
    rate: list[int] = []
    arrivals, is_new, is_sized, at_origin = arrival.tolist(), new.tolist(), sized.tolist(), origin.tolist()
    for i in np.flatnonzero(new | sized).tolist():
        m, t = msns[i], arrivals[i]
        if is_new[i]:
            if at_origin[i]:
                first_mid[("origin", m)] = t
                if len(first_mid) > KEEP_LIFECYCLES:
                    first_mid.popitem(last=False)
                    seen_size.clear()
            else:
                origin_t = first_mid.get(("origin", m))
                if origin_t is not None:
                    propagation.append(i)
                    lag[i] = t - origin_t
        if is_sized[i] and m not in seen_size:
            seen_size.add(m)
            rate.append(i)
    cdn = np.array(propagation, dtype=np.int64)
    _add(points, "latency.origin_cdn", arrival[cdn], lag[cdn], places[cdn])
    rated = np.array(rate, dtype=np.int64)
    _add(points, "health.bitrate", arrival[rated], bitrate[rated], places[rated])


def _arrivals_at_once(
    ing: Ingestor,
    points: _Points,
    msn: np.ndarray,
    origin: np.ndarray,
    new: np.ndarray,
    sized: np.ndarray,
    arrival: np.ndarray,
    bitrate: np.ndarray,
    places: np.ndarray,
) -> None:
    """The loop in _segment_points when every origin segment number is distinct: a CDN segment finds the
    origin's arrival if it came before and is among the newest KEEP_LIFECYCLES; every sized segment gives a
    bit rate (none was sized before), and the set of sized ones starts again with each origin arrival dropped."""
    ins = np.flatnonzero(new & origin)  # origin arrivals, in order
    order = np.argsort(msn[ins], kind="stable")
    by_msn = msn[ins][order]
    cdn = np.flatnonzero(new & ~origin)
    j = np.minimum(np.searchsorted(by_msn, msn[cdn]), max(len(by_msn) - 1, 0))
    if len(by_msn):
        rank = order[j]
        before = np.searchsorted(ins, cdn)  # origin arrivals before each CDN segment
        found = (by_msn[j] == msn[cdn]) & (rank < before) & (rank >= before - KEEP_LIFECYCLES)
        cdn, rank = cdn[found], rank[found]
        t = arrival[cdn]
        _add(points, "latency.origin_cdn", t, t - arrival[ins[rank]], places[cdn])
    rated = np.flatnonzero(sized)
    _add(points, "health.bitrate", arrival[rated], bitrate[rated], places[rated])
    kept = ins[-KEEP_LIFECYCLES:]
    ing._first_mid.update(zip([("origin", m) for m in msn[kept].tolist()], arrival[kept].tolist(), strict=True))
    last_drop = ins[-1] if len(ins) > KEEP_LIFECYCLES else -1
    ing._sized.update(msn[rated[rated >= last_drop]].tolist())


def _keep_newest(
    reader: _Reader, ing: Ingestor, fh: BinaryIO, eps: Sequence[str], msns: Sequence[int], lines: list[int]
) -> None:
    """Ingestor.lifecycles: the newest KEEP_LIFECYCLES segments, in order of their last update, in full."""
    pairs = list(zip(eps, msns, strict=True))
    last = dict(zip(pairs, lines, strict=True))  # the latest record of each (endpoint, msn)
    newest = list(dict.fromkeys(reversed(pairs)))[:KEEP_LIFECYCLES]
    newest.reverse()
    records = _decode_lines(fh, reader, [last[pair] for pair in newest], "SegmentLifecycle")
    ing.lifecycles.update(zip(newest, records, strict=True))  # type: ignore[arg-type]
