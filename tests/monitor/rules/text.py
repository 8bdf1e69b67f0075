"""Playlist text builders for the rule tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Seg:
    name: str
    duration: float = 2.0
    discontinuity: bool = False
    gap: bool = False
    key: str | None = None  # "AES-128" with a key URI k.key
    byterange: str | None = None
    parts: Sequence[float] = ()


def media(
    ms: int,
    segs: Sequence[Seg],
    *,
    td: int = 2,
    dsn: int = 0,
    kind: str | None = None,
    endlist: bool = False,
    part_target: float | None = None,
    open_parts: Sequence[float] = (),
    hint: str | None = None,
    numbered: bool = True,
) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:9", f"#EXT-X-TARGETDURATION:{td}", f"#EXT-X-MEDIA-SEQUENCE:{ms}"]
    if numbered:
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{dsn}")
    if kind:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{kind}")
    if part_target is not None:
        lines.append(f"#EXT-X-PART-INF:PART-TARGET={part_target}")
    for s in segs:
        if s.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if s.key:
            lines.append(f'#EXT-X-KEY:METHOD={s.key},URI="k.key"')
        for i, d in enumerate(s.parts):
            lines.append(f'#EXT-X-PART:DURATION={d},URI="{s.name}.{i}.mp4"')
        lines.append(f"#EXTINF:{s.duration:.3f},")
        if s.byterange:
            lines.append(f"#EXT-X-BYTERANGE:{s.byterange}")
        if s.gap:
            lines.append("#EXT-X-GAP")
        lines.append(s.name)
    for i, d in enumerate(open_parts):
        lines.append(f'#EXT-X-PART:DURATION={d},URI="open.{i}.mp4"')
    if hint:
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{hint}"')
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def names(first: int, count: int, **kw: object) -> list[Seg]:
    return [Seg(f"s{n}.ts", **kw) for n in range(first, first + count)]  # type: ignore[arg-type]
