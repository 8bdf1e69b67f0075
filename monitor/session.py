"""Session file: every event as one JSON line; versioned, flushed at least every second, readable back.

Format (docs/session-format.md): the first line is a header
``{"type": "header", "format": "hlsmon-session", "version": 1, "created": ISO, "config": {...}}``; every
other line is ``{"type": <record type>, ...fields}`` where the record type is the dataclass name
(RequestRecord, PlaylistSnapshot, SegmentLifecycle, Alert, Measures, EndpointStatus, VariantList).
Datetimes are ISO 8601 strings with offset, enums their values, nested dataclasses objects, tuples lists.
Every http(s) URL in any string is redacted (credentials, signed-URL tokens).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import logging
import threading
import time
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from monitor import records as R
from monitor.redact import redact_text

log = logging.getLogger(__name__)

FORMAT_NAME = "hlsmon-session"
RECORD_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        R.RequestRecord,
        R.PlaylistSnapshot,
        R.SegmentLifecycle,
        R.Alert,
        R.Measures,
        R.EndpointStatus,
        R.VariantList,
    )
}


def to_jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return redact_text(value) if "://" in value else value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and value != value:
        return None
    return value


def encode(event: object) -> str:
    data = to_jsonable(event)
    assert isinstance(data, dict)
    return json.dumps({"type": type(event).__name__, **data}, separators=(",", ":"), ensure_ascii=False)


class SessionWriter:
    """Appends events; thread-safe; flushes when ``flush_s`` has passed since the last flush.

    A background timer also flushes every ``flush_s`` so an idle writer never holds data back.
    """

    def __init__(self, path: Path, config: object | None = None, flush_s: float = 0.5) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._flush_s = flush_s
        self._last_flush = time.monotonic()
        self._dirty = False
        self._closed = threading.Event()
        header = {
            "type": "header",
            "format": FORMAT_NAME,
            "version": R.FORMAT_VERSION,
            "created": R.utc_now().isoformat(),
            "config": to_jsonable(config) if config else None,
        }
        self._write_line(json.dumps(header, ensure_ascii=False))
        self.flush()
        self._timer = threading.Thread(target=self._flusher, name="session-flush", daemon=True)
        self._timer.start()

    def _write_line(self, line: str) -> None:
        with self._lock:
            if self._fh.closed:
                return
            self._fh.write(line + "\n")
            self._dirty = True
            if time.monotonic() - self._last_flush >= self._flush_s:
                self._flush_locked()

    def _flush_locked(self) -> None:
        if self._dirty and not self._fh.closed:
            self._fh.flush()
            self._dirty = False
        self._last_flush = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flusher(self) -> None:
        while not self._closed.wait(self._flush_s):
            self.flush()

    def write(self, event: object) -> None:
        try:
            self._write_line(encode(event))
        except (TypeError, ValueError):
            log.exception("could not encode %s", type(event).__name__)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._flush_locked()
            self._fh.close()


# ---- reading back --------------------------------------------------------------------------------


@functools.cache  # get_type_hints per record made replay ~400 events/s (F)
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls, vars(R))


def _decode_value(hint: object, value: object) -> object:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        for arg in args:
            try:
                return _decode_value(arg, value)
            except (TypeError, ValueError, KeyError):
                continue
        return value
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else object
        return tuple(_decode_value(inner, v) for v in value)  # type: ignore[union-attr]
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, value)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int):
        return float(value)
    if hint is Path:
        return Path(str(value))
    return value


def _decode_dataclass(cls: type, data: dict) -> object:
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode_value(hints[f.name], data[f.name])
    return cls(**kwargs)


def read_session(path: Path) -> Iterator[object]:
    """Yield the events of a session file as the same frozen records (unknown types/fields skipped).

    A truncated last line (the process was killed mid-write) is ignored.
    """
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                log.warning("%s:%d: unreadable line skipped", path, lineno)
                continue
            kind = data.pop("type", None)
            if kind == "header":
                if data.get("format") != FORMAT_NAME or int(data.get("version", 0)) > R.FORMAT_VERSION:
                    raise ValueError(f"{path}: not an hlsmon session of a supported version")
                continue
            cls = RECORD_TYPES.get(kind)
            if cls is None:
                continue
            known = {f.name for f in dataclasses.fields(cls)}
            yield _decode_dataclass(cls, {k: v for k, v in data.items() if k in known})
