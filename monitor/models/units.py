"""Parsing of each server's own setting syntax (times, durations, booleans) and an interval type.

* nginx (``hls_fragment``, ``hls_playlist_length``): nginx's msec parser. A **bare number means seconds**
  (``hls_fragment 3;`` is 3 s), units ``ms``, ``s``, ``m``, ``h``, ``d``, ``w``, ``M``, ``y`` may be
  combined in decreasing order (``1m30s``). nginx accepts no fractions: ``1.5s`` is a configuration error
  there, write ``1500ms``.
* FFmpeg (``hls_time``): ``[-][HH:]MM:SS[.m...]`` or ``S+[.m...][s|ms|us]`` (av_parse_time, duration).
* Go / MediaMTX (``hlsSegmentDuration``): ``1s``, ``500ms``, ``1m30s``, ``2.5s``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NGINX_UNITS_MS = {
    "y": 365 * 86_400_000,
    "M": 30 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1_000,
    "ms": 1,
}
_NGINX_PART = re.compile(r"(\d+)(ms|y|M|w|d|h|m|s)?")
_GO_UNITS_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def nginx_time_ms(value: str | float | int) -> int:
    """Parse an nginx msec directive value (``"3"``, ``"3s"``, ``"500ms"``, ``"1m30s"``) into milliseconds.

    Numbers given as Python ints/floats are taken as seconds, like a bare number in nginx.conf.
    """
    if isinstance(value, bool):
        raise ValueError(f"not an nginx time: {value!r}")
    if isinstance(value, int | float):
        ms = float(value) * 1000
        if abs(ms - round(ms)) > 1e-6 or ms < 0:
            raise ValueError(f"not an nginx time: {value!r}")
        return round(ms)
    text = value.strip().rstrip(";")
    if not text:
        raise ValueError("empty nginx time")
    if "." in text:
        raise ValueError(f"nginx accepts no fractions in {text!r}: write it in ms, e.g. 1500ms for 1.5s")
    total = 0
    pos = 0
    seen: list[int] = []
    while pos < len(text):
        if text[pos] == " ":
            pos += 1
            continue
        match = _NGINX_PART.match(text, pos)
        if not match:
            raise ValueError(f"not an nginx time: {value!r}")
        number, unit = match.group(1), match.group(2)
        if unit is None:
            if match.end() != len(text):
                raise ValueError(f"not an nginx time: {value!r}")
            unit = "s"  # a bare trailing number is seconds
        scale = _NGINX_UNITS_MS[unit]
        if seen and scale >= seen[-1]:
            raise ValueError(f"nginx time units must decrease: {value!r}")
        seen.append(scale)
        total += int(number) * scale
        pos = match.end()
    return total


def ffmpeg_duration_s(value: str | float | int) -> float:
    """Parse an FFmpeg duration (``"2"``, ``"1.5"``, ``"500ms"``, ``"00:00:02.5"``) into seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if ":" in text:
        parts = text.split(":")
        if len(parts) > 3 or not all(re.fullmatch(r"\d+(\.\d*)?", p) for p in parts):
            raise ValueError(f"not a duration: {value!r}")
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + float(part)
        return sign * seconds
    match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)(s|ms|us)?", text)
    if not match:
        raise ValueError(f"not a duration: {value!r}")
    scale = {"s": 1.0, None: 1.0, "ms": 1e-3, "us": 1e-6}[match.group(2)]
    return sign * float(match.group(1)) * scale


def go_duration_s(value: str | float | int) -> float:
    """Parse a Go duration (``"1s"``, ``"500ms"``, ``"1m30s"``); plain numbers are seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d*)?", text):
        return float(text)
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _GO_PART.match(text, pos)
        if not match:
            raise ValueError(f"not a Go duration: {value!r}")
        total += float(match.group(1)) * _GO_UNITS_S[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"not a Go duration: {value!r}")
    return total


def seconds(value: str | float | int) -> float:
    """A plain seconds value; also accepts ``"2s"`` / ``"500ms"`` for convenience."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return go_duration_s(str(value))


def count(value: str | int) -> int:
    """A whole number of entries or segments, 0 or more (``"5"``, ``5``); no fractions, no units."""
    if isinstance(value, bool | float):
        raise ValueError(f"not a whole number: {value!r}")
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"not a whole number: {value!r}")
    return int(text)


def number(value: str | float | int) -> float:
    """A plain decimal number (SRS ``hls_fragment 10;``, ``hls_td_ratio 1.5;``)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", text):
        raise ValueError(f"not a number: {value!r}")
    return float(text)


def flag(value: str | bool | int) -> bool:
    """nginx/SRS ``on``/``off``, yes/no, true/false, 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in ("on", "yes", "true", "1", "y"):
        return True
    if text in ("off", "no", "false", "0", "n", ""):
        return False
    raise ValueError(f"not on/off: {value!r}")


def fmt_s(value: float) -> str:
    """Seconds in plain words: ``6 s``, ``17.8 s``, ``0.25 s``."""
    if math.isinf(value):
        return "never"
    if abs(value) < 0.005:
        return "0 s"
    if abs(value - round(value)) < 0.05 and abs(value) >= 1:
        return f"{round(value)} s"
    if abs(value) < 1:
        return f"{value:.2f} s"
    return f"{value:.1f} s"


@dataclass(frozen=True)
class Interval:
    """A closed range of seconds ``[lo, hi]`` (``hi`` may be ``inf`` for "never"): what a model predicts (a
    duration, "deleted 6 to 18 s after leaving") and the difference of two observed instants.

    Not an observed instant: that is ``monitor.records.Window`` (monotonic and UTC, with its estimate), which
    the models read directly; ``monitor.models.observed.span`` gives its range for the arithmetic here."""

    lo: float
    hi: float

    @classmethod
    def point(cls, value: float) -> Interval:
        return cls(value, value)

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def width(self) -> float:
        return self.hi - self.lo

    def shift(self, delta: float) -> Interval:
        return Interval(self.lo + delta, self.hi + delta)

    def widen(self, before: float, after: float | None = None) -> Interval:
        return Interval(self.lo - before, self.hi + (before if after is None else after))

    def contains(self, value: float, tol: float = 0.0) -> bool:
        return self.lo - tol <= value <= self.hi + tol

    def overlaps(self, other: Interval, tol: float = 0.0) -> bool:
        """True when an uncertain observation ``other`` can lie in this interval."""
        return other.lo <= self.hi + tol and other.hi >= self.lo - tol

    def minus(self, other: Interval) -> Interval:
        """The interval of ``x - y`` for x in self, y in other."""
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def words(self) -> str:
        """``6 to 18 s``, ``4 s``, ``at least 7 s``."""
        if math.isinf(self.hi):
            return f"at least {fmt_s(self.lo)}"
        if abs(self.hi - self.lo) < 0.05:
            return fmt_s(self.lo)
        return f"{fmt_s(self.lo).removesuffix(' s')} to {fmt_s(self.hi)}"
