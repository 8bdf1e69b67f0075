"""Faults the lab's publisher can produce on cue, so operators see what each looks like and tests drive each.

Spec (``hlsmon lab --fault``): comma-separated ``NAME[=VALUE]@START[+DURATION]``, times in seconds since
the publisher's first frame::

    freeze@20,black@40,mute@60,gop=4@80,tsjump@100,fps=15@120

======== ============================================================== ======================
name     what the publisher does (ffmpeg)                               value
======== ============================================================== ======================
freeze   repeats one frame (``freezeframes``)                           --
black    paints the picture black (``drawbox`` with ``enable=``)        --
mute     silences the tone (``volume=0`` with ``enable=``)              --
gop      keyframes every VALUE s (``-force_key_frames`` expression)     seconds (required)
tsjump   moves every timestamp from START on by VALUE s (``setpts``)    seconds (default 2)
fps      keeps VALUE frames per second (``select``, evenly spread)      frames/s (required)
======== ============================================================== ======================

Every fault lasts DURATION seconds (default 6) and the stream then returns to normal, except
``tsjump``, a step that stays. ffmpeg's ``fps`` filter cannot be switched on and off mid-stream, so the
frame-rate fault drops frames with ``select`` instead (kept frames keep their timestamps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DURATION_S = 6.0
NAMES = ("freeze", "black", "mute", "gop", "tsjump", "fps")
_NEEDS_VALUE = {"gop": "gop=SECONDS (the keyframe interval during the fault)",
                "fps": "fps=FRAMES (the frame rate during the fault)"}
_NO_VALUE = ("freeze", "black", "mute")
_TSJUMP_DEFAULT_S = 2.0
_ITEM = re.compile(r"^(?P<name>[a-z]+)(?:=(?P<value>[^@]*))?@(?P<start>[^+]*)(?:\+(?P<duration>.*))?$")


class FaultSpecError(ValueError):
    """A ``--fault`` spec that cannot be used; the message says which part and why."""


@dataclass(frozen=True, kw_only=True)
class Fault:
    name: str
    start_s: float
    duration_s: float
    value: float | None = None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    @property
    def label(self) -> str:
        value = f"={self.value:g}" if self.value is not None else ""
        return f"{self.name}{value}@{self.start_s:g}"


def parse_faults(text: str, *, fps: int | None = None) -> tuple[Fault, ...]:
    """Parse a ``--fault`` spec; ``fps`` (the stream's frame rate) bounds the ``fps=`` fault."""
    faults = tuple(_parse_item(item.strip(), fps) for item in text.split(",") if item.strip())
    if not faults:
        raise FaultSpecError("no fault given: write e.g. freeze@20,mute@40")
    for a, b in ((a, b) for i, a in enumerate(faults) for b in faults[i + 1:]):
        if a.name == b.name and a.start_s < b.end_s and b.start_s < a.end_s:
            raise FaultSpecError(f"{a.label} and {b.label} overlap: give the same fault at times at least "
                                 f"{a.duration_s:g} s apart (or a shorter +DURATION)")
    return tuple(sorted(faults, key=lambda f: f.start_s))


def _parse_item(item: str, fps: int | None) -> Fault:
    match = _ITEM.match(item)
    if not match:
        raise FaultSpecError(f"{item!r} is not NAME[=VALUE]@START[+DURATION] (e.g. freeze@20 or gop=4@80+10)")
    name = match["name"]
    if name not in NAMES:
        raise FaultSpecError(f"unknown fault {name!r} in {item!r}; choose from {', '.join(NAMES)}")
    start = _number(match["start"], "start time", item)
    duration = _number(match["duration"], "duration", item) if match["duration"] is not None else DEFAULT_DURATION_S
    if start < 0:
        raise FaultSpecError(f"{item!r}: the start time must be 0 or more seconds after the publisher starts")
    if duration <= 0:
        raise FaultSpecError(f"{item!r}: the duration must be positive")
    value = _number(match["value"], "value", item) if match["value"] is not None else None
    return Fault(name=name, start_s=start, duration_s=duration, value=_check_value(name, value, item, fps))


def _check_value(name: str, value: float | None, item: str, fps: int | None) -> float | None:
    if name in _NO_VALUE:
        if value is not None:
            raise FaultSpecError(f"{item!r}: {name} takes no value (write {name}@START)")
        return None
    if name in _NEEDS_VALUE and value is None:
        raise FaultSpecError(f"{item!r}: write {_NEEDS_VALUE[name]}, e.g. {name}=4@80")
    if name == "gop" and value is not None and not 0.1 <= value <= 60:
        raise FaultSpecError(f"{item!r}: the keyframe interval must be between 0.1 and 60 s")
    bad_rate = value is not None and (value != int(value) or value < 1 or (fps is not None and value >= fps))
    if name == "fps" and bad_rate:
        bound = f" below the stream's {fps} fps" if fps is not None else ""
        raise FaultSpecError(f"{item!r}: the frame rate must be a whole number of frames per second{bound}")
    if name == "tsjump":
        value = _TSJUMP_DEFAULT_S if value is None else value
        if value == 0 or abs(value) > 60:
            raise FaultSpecError(f"{item!r}: the jump must be non-zero and at most 60 s either way")
    return value


def _number(text: str, what: str, item: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise FaultSpecError(f"{item!r}: the {what} {text!r} is not a number of seconds") from None


# ---- ffmpeg -------------------------------------------------------------------------------------------

def video_filters(faults: tuple[Fault, ...], fps: int) -> list[str]:
    """Filters appended to the picture chain, in order: freeze, black, frame rate, then the jump."""
    out = []
    for f in faults:
        if f.name == "freeze":
            first, last = round(f.start_s * fps), round(f.end_s * fps) - 1
            out.append(f"split[live][still];[live][still]freezeframes=first={first}:last={last}:replace={first}")
    out += [f"drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='{_during(f)}'" for f in faults if f.name == "black"]
    for f in faults:
        if f.name == "fps":  # keep frame n when n*F mod R < F: F frames in every R, evenly spread
            out.append(f"select='if({_during(f)},lt(mod(n*{f.value:g},{fps}),{f.value:g}),1)'")
    jumps = _jump_expr(faults)
    if jumps:
        out.append(f"setpts='PTS+({jumps})/TB'")
    return out


def audio_filters(faults: tuple[Fault, ...]) -> list[str]:
    out = [f"volume=volume=0:enable='{_during(f)}'" for f in faults if f.name == "mute"]
    jumps = _jump_expr(faults)
    if jumps:
        out.append(f"asetpts='PTS+({jumps})/TB'")
    return out


def keyframe_args(faults: tuple[Fault, ...], keyint_s: float, fps: int) -> list[str] | None:
    """``-g`` and ``-force_key_frames`` for a ``gop`` or ``tsjump`` fault (None: keep the usual ones).

    Keyframes are forced once the interval in force has passed since the last forced one, and at each
    gop fault's start and end, so the new cadence begins exactly at the onset. Counting from the last
    forced keyframe (not ``n_forced * interval``) also keeps a timestamp jump from forcing a burst.
    """
    gops = [f for f in faults if f.name == "gop"]
    if not gops and not any(f.name == "tsjump" for f in faults):
        return None
    half = 0.5 / fps
    interval = f"{keyint_s:g}"
    for f in reversed(gops):
        interval = f"if({_during(f)},{f.value:g},{interval})"
    edges = "".join(f"+lt(prev_forced_t,{e - half:g})*gte(t,{e - half:g})" for f in gops for e in (f.start_s, f.end_s))
    expr = f"isnan(prev_forced_t)+gte(t-prev_forced_t,{interval}-{half:g}){edges}"
    longest = max([keyint_s, *(f.value or 0 for f in gops)])
    return ["-g", str(round(longest * fps) + 1), "-force_key_frames", f"expr:{expr}"]


def _during(f: Fault) -> str:
    return f"between(t,{f.start_s:g},{f.end_s - 1e-3:g})"


def _jump_expr(faults: tuple[Fault, ...]) -> str:
    return "+".join(f"gte(T,{f.start_s:g})*{f.value:g}" for f in faults if f.name == "tsjump")
