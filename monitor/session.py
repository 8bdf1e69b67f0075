"""Session file: every event as one JSON line; versioned, flushed at least every second, readable back.

Format (docs/session-format.md): the first line is a header
``{"type": "header", "format": "hlsmon-session", "version": 1, "created": ISO, "config": {...}}``; every
other line is ``{"type": <record type>, ...fields}`` where the record type is the dataclass name
(RequestRecord, PlaylistSnapshot, SegmentLifecycle, Alert, Measures, EndpointStatus, VariantList,
ContentReport, and SampledValues a client of the core records with Monitor.record). A ContentReport's
thumbnail is a JPEG file in ``<session>.thumbs/`` beside the session file.
Datetimes are ISO 8601 strings with offset, enums their values, nested dataclasses objects, tuples lists.
Every http(s) URL in any string is redacted (credentials, signed-URL tokens).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import logging
import os
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
        R.SampledValues,
        R.ContentReport,
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
        return redact_text(value) if "://" in value or "=" in value or "@" in value else value
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

    A background timer also flushes every ``flush_s`` so an idle writer never holds data back. Lines are
    buffered here and written whole, with one ``write`` of complete lines each flush, so a process killed
    at any moment (SIGTERM, SIGKILL) leaves only whole lines; appending to a file whose last line was torn
    starts on a new line, so the new header stays readable.
    """

    def __init__(self, path: Path, config: object | None = None, flush_s: float = 0.5) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("ab", buffering=0)
        self._pending: list[str] = []
        if self._fh.tell() > 0 and not _ends_with_newline(self.path):
            self._pending.append("\n")  # the previous writer was killed mid-line
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
            self._pending.append(line + "\n")
            self._dirty = True
            if time.monotonic() - self._last_flush >= self._flush_s:
                self._flush_locked()

    def _flush_locked(self) -> None:
        if self._dirty and not self._fh.closed:
            data = memoryview("".join(self._pending).encode("utf-8"))
            self._pending.clear()
            while data:
                data = data[self._fh.write(data) :]
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


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


# ---- reading back --------------------------------------------------------------------------------
# A record is decoded with a per-type plan built once from the type hints (field name -> converter),
# and built without re-running the frozen dataclass __init__ (the plan already supplies every field).
# Anything the plan cannot handle falls back to the general hint-walking decoder below, which defines
# the semantics. 24 h of two endpoints (~700k events) read in well under a minute instead of ~6.

Converter = typing.Callable[[object], object]


@functools.cache
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
    """The general (slow) decoder: walks the type hints for every value."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode_value(hints[f.name], data[f.name])
    return cls(**kwargs)


class _Fallback(Exception):
    """The fast plan cannot decode this value: use the general decoder."""


def _to_float(value: object) -> object:
    return float(value) if type(value) is int else value


def _converter(hint: object) -> Converter | None:
    """A converter for one type hint (None: the JSON value is already right); raises _Fallback when the
    hint is one the fast path does not handle."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise _Fallback(hint)
        return _converter(args[0])  # None is passed through before a converter is called
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise _Fallback(hint)
        inner = _converter(args[0])
        if inner is None:
            return tuple
        return lambda value: tuple([None if v is None else inner(v) for v in value])  # type: ignore[attr-defined]
    if hint is datetime:
        return datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _plan(hint)
    if hint is float:
        return _to_float
    if hint is Path:
        return lambda value: Path(str(value))
    if hint in (str, int, bool) or (origin is not None and issubclass(origin, Mapping)):
        return None
    raise _Fallback(hint)


@functools.cache
def _plan(cls: type) -> Converter:
    """The fast decoder of one record type: dict (from JSON) -> frozen dataclass instance."""
    hints = _hints(cls)
    fields = []
    defaults: dict[str, object] = {}
    factories: list[tuple[str, typing.Callable[[], object]]] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            raise _Fallback(cls)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        fields.append((f.name, _converter(hints[f.name]), required))
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            factories.append((f.name, f.default_factory))
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        raise _Fallback(cls)
    new = object.__new__

    def decode(data: object) -> object:
        if type(data) is not dict:
            raise _Fallback(cls)
        values = dict(defaults)
        for name, factory in factories:
            values[name] = factory()
        for name, conv, required in fields:
            if name in data:
                value = data[name]
                if conv is not None and value is not None:
                    value = conv(value)
                values[name] = value
            elif required:
                raise _Fallback(cls)  # the general decoder raises the dataclass's own TypeError
        obj = new(cls)
        obj.__dict__.update(values)
        return obj

    return decode


def _fast_decoder(cls: type) -> Converter | None:
    try:
        return _plan(cls)
    except _Fallback:
        log.info("no fast session decoder for %s", cls.__name__)
        return None


def decode_record(cls: type, data: dict) -> object:
    """One record from its JSON object (without "type"); unknown fields are ignored."""
    fast = _fast_decoder(cls)
    if fast is not None:
        try:
            return fast(data)
        except (_Fallback, TypeError, ValueError, KeyError, AttributeError):
            pass
    known = {f.name for f in dataclasses.fields(cls)}
    return _decode_dataclass(cls, {k: v for k, v in data.items() if k in known})


# msgspec (optional) decodes a line straight into the record dataclass, ~6x faster than json.loads
# alone; unknown fields are ignored as above, and any line it rejects goes through the general path.
try:
    import msgspec
except ImportError:  # pragma: no cover - the json path below does the same, slower
    msgspec = None

_TYPE_PREFIX = b'{"type":"'
_TYPE_AT = len(_TYPE_PREFIX)
_MSGSPEC_ERRORS: tuple[type[Exception], ...] = (
    (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError) if msgspec else (ValueError,)
)


@functools.cache
def _typed_decoders() -> dict[bytes, Converter]:
    if msgspec is None or os.environ.get("HLSMON_SESSION_NO_MSGSPEC"):
        return {}
    out = {}
    for kind, cls in RECORD_TYPES.items():
        try:
            out[kind.encode()] = msgspec.json.Decoder(cls).decode
        except TypeError:  # a field type msgspec does not support: that record type takes the json path
            log.info("msgspec cannot decode %s", kind)
    return out


def _supported(header: dict) -> bool:
    return header.get("format") == FORMAT_NAME and int(header.get("version", 0)) <= R.FORMAT_VERSION


ProgressCallback = typing.Callable[[int, int], None]


def read_session(path: Path, progress: ProgressCallback | None = None, every: int = 4096) -> Iterator[object]:
    """Yield the events of a session file as the same frozen records (unknown types/fields skipped).

    A truncated last line (the process was killed mid-write) is ignored. ``progress(bytes_read,
    file_size)`` is called every ``every`` lines and once at the end (from the iterating thread).
    """
    path = Path(path)
    decoders = {kind: (cls, _fast_decoder(cls)) for kind, cls in RECORD_TYPES.items()}
    typed = _typed_decoders()
    loads = json.loads
    with path.open("rb") as fh:
        total = os.fstat(fh.fileno()).st_size
        for lineno, line in enumerate(fh, 1):
            if progress is not None and lineno % every == 0:
                progress(fh.tell(), total)
            if typed and line.startswith(_TYPE_PREFIX):  # the writer puts "type" first
                decoder = typed.get(line[_TYPE_AT : line.find(b'"', _TYPE_AT)])
                if decoder is not None:
                    try:
                        yield decoder(line)
                        continue
                    except _MSGSPEC_ERRORS:
                        pass  # e.g. null in a float field, a required field missing: the general path
            try:
                data = loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                if line.strip():
                    log.warning("%s:%d: unreadable line skipped", path, lineno)
                continue
            if type(data) is not dict:
                continue
            kind = data.pop("type", None)
            entry = decoders.get(kind)
            if entry is None:
                if kind == "header" and not _supported(data):
                    raise ValueError(f"{path}: not an hlsmon session of a supported version")
                continue
            cls, fast = entry
            if fast is not None:
                try:
                    yield fast(data)
                    continue
                except (_Fallback, TypeError, ValueError, KeyError, AttributeError):
                    pass
            yield decode_record(cls, data)
        if progress is not None:
            progress(total, total)
