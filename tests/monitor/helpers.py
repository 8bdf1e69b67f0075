"""Builders for scripted snapshots and requests (injected times, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.parse import parse
from monitor.records import PlaylistSnapshot, RequestKind, RequestRecord, Window
from tests.monitor.fakeserver import playlist

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8080/hls/live.m3u8"


def utc(mono: float) -> datetime:
    return T0 + timedelta(seconds=mono)


def window(lo: float, hi: float) -> Window:
    return Window(lo=lo, hi=hi, lo_utc=utc(lo), hi_utc=utc(hi))


def snap(
    t: float,
    ms: int,
    n: int = 3,
    *,
    dur: float = 2.0,
    td: int = 2,
    rtt: float = 0.01,
    previous: PlaylistSnapshot | None = None,
    endlist: bool = False,
    name: str = "seg",
    text: str | None = None,
) -> PlaylistSnapshot:
    body = text if text is not None else playlist(ms, [dur] * n, td=td, endlist=endlist, name=name)
    out = parse(body, url=BASE, endpoint="origin", fetched=window(t, t + rtt), previous=previous)
    assert isinstance(out, PlaylistSnapshot)
    return out


def request(
    t: float,
    status: int | None,
    *,
    msn: int | None = None,
    kind: RequestKind = RequestKind.PROBE,
    method: str = "HEAD",
    headers: dict[str, str] | None = None,
    url: str = "",
    rtt: float = 0.005,
) -> RequestRecord:
    return RequestRecord(
        endpoint="origin",
        kind=kind,
        method=method,
        url=url or f"http://127.0.0.1:8080/hls/seg-{msn}.ts",
        final_url=None,
        sent_mono=t,
        sent_utc=utc(t),
        first_byte_mono=None if status is None else t + rtt,
        end_mono=t + rtt,
        end_utc=utc(t + rtt),
        status=status,
        headers=headers or {},
        msn=msn,
    )
