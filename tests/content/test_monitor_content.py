"""Content analysis through monitor.Monitor: a scripted live origin on 127.0.0.1 serving real tiny MPEG-TS
segments (moving picture, then a frozen one, then a black one); the alerts, Measures, the session records
and the thumbnails beside the session file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitor.content_feed import thumb_name, thumbs_dir
from monitor.monitor import Monitor
from monitor.records import Alert, ContentReport, EndpointConfig, Measures, MonitorConfig, RequestKind, RequestRecord
from monitor.session import read_session
from tests.content.media import encode, needs_ffmpeg
from tests.monitor.fakeserver import M3U8, FakeServer, Reply, playlist

pytestmark = needs_ffmpeg

SEGMENT_S = 2.0
KEYINT_S = 0.4  # 10 frames at 25 fps
#: moving picture for 0-6 s (segments 0-2), frozen for 6-8 s (segment 3), black from 8 s (segment 4)
PICTURE = ("split[a][b];[a][b]freezeframes=first=150:last=199:replace=150,"
           "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='gte(t,8)'")


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    made = encode(tmp_path_factory.mktemp("live"), seconds=12, keyint_s=KEYINT_S, vf=PICTURE)
    return made[:5]  # the last one may be short


class Origin:
    """A live playlist of ``segments``: the first listed at once, one more every SEGMENT_S (3 listed)."""

    def __init__(self, segments: list[bytes]) -> None:
        self.segments = segments
        self.t0 = time.monotonic()

    def newest(self) -> int:
        return min(len(self.segments) - 1, int((time.monotonic() - self.t0) / SEGMENT_S))

    def playlist(self, method: str, path: str) -> Reply:
        last = self.newest()
        first = max(0, last - 2)
        text = playlist(first, [SEGMENT_S] * (last - first + 1), td=2)
        return Reply(200, text, {"Content-Type": M3U8, "Cache-Control": "no-cache"})

    def segment(self, method: str, path: str) -> Reply:
        msn = int(path.split("?")[0].rsplit("-", 1)[1].split(".")[0])
        if msn > self.newest():
            return Reply(404, "")
        return Reply(200, self.segments[msn], {"Content-Type": "video/mp2t"})

    def install(self, server: FakeServer) -> str:
        server.routes["/live.m3u8"] = self.playlist
        server.fallback = lambda method, path: self.segment(method, path) if path.startswith("/seg-") else Reply(404)
        return server.url("/live.m3u8")


def _wait_for(events: list, codes: set[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if codes <= {e.code for e in list(events) if isinstance(e, Alert)}:
            return
        time.sleep(0.2)


def test_frozen_and_black_picture_alerts_and_the_measured_keyframe_interval(segments: list[bytes],
                                                                            tmp_path: Path) -> None:
    session = tmp_path / "run.jsonl"
    events: list = []
    with FakeServer() as server:
        url = Origin(segments).install(server)
        config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=url),), record_path=session,
                               analyse_content=True, probe_deletions=False, request_budget_per_s=6.0)
        monitor = Monitor(config, events.append).start()
        try:
            _wait_for(events, {"frozen_picture", "black_picture"}, timeout_s=30)
            time.sleep(0.5)  # the Measures after the last result
        finally:
            monitor.close()
    alerts = {a.code: a for a in monitor.alerts()}
    assert "frozen_picture" in alerts and "black_picture" in alerts
    assert alerts["frozen_picture"].msn == 3 and alerts["black_picture"].msn == 4
    assert "picture has not changed" in alerts["frozen_picture"].message
    assert alerts["black_picture"].advice  # operators' words from the catalogue
    # the new segment's check is one GET (the bytes), not a HEAD plus a download
    gets = [e for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.SEGMENT]
    assert gets and all(e.method == "GET" for e in gets)

    reports = [e for e in events if isinstance(e, ContentReport)]
    assert [r.msn for r in reports] == list(range(1, len(reports) + 1))  # every new segment, the first excepted
    assert reports[-1].keyint_s == pytest.approx(KEYINT_S, abs=0.001)
    assert reports[-1].resolution == "160x90" and "black_picture" in reports[-1].findings
    measured = [e.keyint_measured_s for e in events if isinstance(e, Measures) and e.keyint_measured_s is not None]
    assert measured and measured[-1] == pytest.approx(KEYINT_S, abs=0.001)

    # the session holds the same records; the thumbnails lie beside it, not in the JSON lines
    read = [e for e in read_session(session) if isinstance(e, ContentReport)]
    assert read == reports
    for r in reports:
        assert r.thumbnail == thumb_name("origin", 0, r.msn)
        assert (thumbs_dir(session) / r.thumbnail).read_bytes()[:2] == b"\xff\xd8"
    assert b"\xff\xd8" not in session.read_bytes()


def test_without_content_analysis_new_segments_get_a_head_and_no_worker(segments: list[bytes]) -> None:
    events: list = []
    with FakeServer() as server:
        url = Origin(segments[:2]).install(server)
        config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=url),), probe_deletions=False,
                               request_budget_per_s=6.0)
        monitor = Monitor(config, events.append).start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                    isinstance(e, RequestRecord) and e.kind == RequestKind.SEGMENT for e in list(events)):
                time.sleep(0.2)
        finally:
            monitor.close()
    heads = [e for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.SEGMENT]
    assert heads and all(e.method == "HEAD" for e in heads)
    assert not any(isinstance(e, ContentReport) for e in events)
