"""Session reading speed: write a synthetic 24-hour session file (86 400 one-second segments at origin and
CDN, through the real SessionWriter) and read it back with the old reader (per-record type-hint walking,
kept below as the baseline) and with ``monitor.session.read_session``, in the same run. Both readers
decode the same even sample of ``--baseline-events`` lines and must give equal records (that ratio is
the speed-up); the new reader then reads the whole file (with progress reports, as File → Open does).
Prints events/s (wall and per CPU second) and the speed-up; the last line is JSON.
Target: >= 20x the baseline.

    .venv/bin/python bench/session_read.py [--segments 86400] [--baseline-events 30000] [--file PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import os
import sys
import tempfile
import time
import types
import typing
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui.synthetic import synthetic_events
from monitor import records as R
from monitor.session import FORMAT_NAME, RECORD_TYPES, SessionWriter, read_session

# ---- the reader as it was (HEAD before this change), kept as the baseline -----------------------


def _old_hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls, vars(R))


_OLD_HINTS: dict[type, dict[str, object]] = {}


def _old_decode_value(hint: object, value: object) -> object:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        for arg in args:
            try:
                return _old_decode_value(arg, value)
            except (TypeError, ValueError, KeyError):
                continue
        return value
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else object
        return tuple(_old_decode_value(inner, v) for v in value)  # type: ignore[union-attr]
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _old_decode_dataclass(hint, value)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int):
        return float(value)
    if hint is Path:
        return Path(str(value))
    return value


def _old_decode_dataclass(cls: type, data: dict) -> object:
    hints = _OLD_HINTS.get(cls)
    if hints is None:  # functools.cache in the old module
        hints = _OLD_HINTS[cls] = _old_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _old_decode_value(hints[f.name], data[f.name])
    return cls(**kwargs)


def old_read_session(path: Path) -> typing.Iterator[object]:
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            kind = data.pop("type", None)
            if kind == "header":
                if data.get("format") != FORMAT_NAME:
                    raise ValueError("not a session")
                continue
            cls = RECORD_TYPES.get(kind)
            if cls is None:
                continue
            known = {f.name for f in dataclasses.fields(cls)}
            yield _old_decode_dataclass(cls, {k: v for k, v in data.items() if k in known})


# ---- the run ------------------------------------------------------------------------------------


def write_session(path: Path, segments: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    writer = SessionWriter(path, flush_s=5.0)
    n = 0
    for event in synthetic_events(segments, fragment_s=1.0, playlist_len_s=6.0, stale_every=3600):
        writer.write(event)
        n += 1
    writer.close()
    return n, time.perf_counter() - t0


def measure(events: typing.Iterable[object]) -> tuple[int, float, float]:
    """Events/s of a reader consumed like the window does (one at a time, nothing kept): wall clock and
    process CPU time (less sensitive to the other work on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    n = 0
    for _ in events:
        n += 1
    return n, n / (time.perf_counter() - t0), n / max(1e-9, time.process_time() - c0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=86_400, help="one-second segments per endpoint")
    ap.add_argument("--baseline-events", type=int, default=30_000, help="events both readers decode (sample)")
    ap.add_argument("--file", type=Path, help="reuse (or create) this session file instead of a temporary one")
    args = ap.parse_args()
    out = sys.stdout.write
    tmp = None
    path = args.file
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="hlsmon-bench-")
        path = Path(tmp.name) / "session-24h.jsonl"
    if not path.exists():
        n_written, write_s = write_session(path, args.segments)
        out(f"wrote {n_written} events ({path.stat().st_size / 1e6:.0f} MB) in {write_s:.1f} s: {path}\n")
    size_mb = path.stat().st_size / 1e6

    # the same events for both readers: an even sample of the whole file (early lines are lighter)
    sample = path.with_name(path.stem + "-sample.jsonl")
    total_lines = sum(1 for _ in path.open("rb"))
    every = max(1, total_lines // args.baseline_events)
    with path.open("rb") as src, sample.open("wb") as dst:
        for i, line in enumerate(src):
            if i == 0 or i % every == 0:
                dst.write(line)
    n_old, old_rate, old_cpu_rate = measure(old_read_session(sample))
    _, new_k_rate, new_k_cpu_rate = measure(read_session(sample))
    same = list(old_read_session(sample)) == list(read_session(sample))
    sample.unlink()
    out(
        f"sample of {n_old} events (1 line in {every}): baseline (old reader) {old_rate:,.0f} events/s, "
        f"new reader {new_k_rate:,.0f} events/s ({new_k_rate / old_rate:.1f}x); per CPU second "
        f"{old_cpu_rate:,.0f} -> {new_k_cpu_rate:,.0f} ({new_k_cpu_rate / old_cpu_rate:.1f}x); records equal: {same}\n"
    )

    marks: list[int] = []
    t0 = time.perf_counter()
    n, rate, cpu_rate = measure(read_session(path, progress=lambda done, total: marks.append(done)))
    all_s = time.perf_counter() - t0
    speedup = new_k_rate / old_rate
    cpu_speedup = new_k_cpu_rate / old_cpu_rate
    out(
        f"whole file ({size_mb:.0f} MB): {n} events in {all_s:.1f} s = {rate:,.0f} events/s "
        f"({cpu_rate:,.0f} per CPU second) "
        f"({len(marks)} progress reports); the baseline would take ~{n / old_rate:.0f} s\n"
    )
    load = os.getloadavg()[0]
    out(
        f"speed-up on the same events {speedup:.1f}x wall, {cpu_speedup:.1f}x CPU "
        f"(target >= 20x: {'PASS' if min(speedup, cpu_speedup) >= 20 else 'FAIL'}); "
        f"machine load average {load:.1f} on {os.cpu_count()} cores (shared: absolute rates are noisy)\n"
    )
    out(
        json.dumps(
            {
                "events": n,
                "file_mb": round(size_mb, 1),
                "baseline_events_per_s": round(old_rate),
                "new_events_per_s_same_subset": round(new_k_rate),
                "new_events_per_s_whole_file": round(rate),
                "whole_file_s": round(all_s, 1),
                "baseline_events_per_cpu_s": round(old_cpu_rate),
                "new_events_per_cpu_s_whole_file": round(cpu_rate),
                "speedup": round(speedup, 1),
                "speedup_cpu": round(cpu_speedup, 1),
                "records_equal": same,
                "load_avg": round(load, 1),
            }
        )
        + "\n"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0 if same and min(speedup, cpu_speedup) >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
