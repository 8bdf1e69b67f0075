"""Every new segment is analysed, not only the newest of a reload: a scripted origin on 127.0.0.1 that lists
several new segments at once (real tiny MPEG-TS segments). The segments are fetched oldest first, so each one
is read against the one before it (its timestamp continuity is measured); beyond a few waiting the oldest
are dropped and counted."""

from __future__ import annotations

import time

import pytest

from monitor.monitor import Monitor
from monitor.poller import PENDING_CHECKS
from monitor.records import ContentReport, EndpointConfig, Measures, MonitorConfig, RequestKind, RequestRecord
from tests.content.media import encode, needs_ffmpeg
from tests.content.test_monitor_content import SEGMENT_S, Origin
from tests.monitor.fakeserver import M3U8, FakeServer, Reply, playlist

pytestmark = needs_ffmpeg

STEP_S = 2.0  # a reload interval's worth: the new segments of a step appear together


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return encode(tmp_path_factory.mktemp("queue"), seconds=16, keyint_s=0.4)[:8]


class PairsOrigin(Origin):
    """Segments 0-1 listed at once, then two new ones together every STEP_S (three listed)."""

    def newest(self) -> int:
        return min(len(self.segments) - 1, 1 + 2 * int((time.monotonic() - self.t0) / STEP_S))


class BurstOrigin(Origin):
    """Segment 0 alone, then every other segment at once after STEP_S (all listed)."""

    def newest(self) -> int:
        return 0 if time.monotonic() - self.t0 < STEP_S else len(self.segments) - 1

    def playlist(self, method: str, path: str) -> Reply:
        text = playlist(0, [SEGMENT_S] * (self.newest() + 1), td=2)
        return Reply(200, text, {"Content-Type": M3U8, "Cache-Control": "no-cache"})


def _run(origin: Origin, reports_wanted: int, dropped_wanted: int = 0) -> list:
    events: list = []
    with FakeServer() as server:
        url = origin.install(server)
        config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=url),), analyse_content=True,
                               probe_deletions=False, request_budget_per_s=6.0)
        monitor = Monitor(config, events.append).start()
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                seen = list(events)
                reports = sum(isinstance(e, ContentReport) for e in seen)
                dropped = max((e.content_dropped for e in seen if isinstance(e, Measures)), default=0)
                if reports >= reports_wanted and dropped >= dropped_wanted:
                    break
                time.sleep(0.2)
        finally:
            monitor.close()
    return events


def test_two_new_segments_per_reload_are_both_analysed_in_order(segments: list[bytes]) -> None:
    events = _run(PairsOrigin(segments[:6]), reports_wanted=4)
    reports = [e for e in events if isinstance(e, ContentReport)]
    assert [r.msn for r in reports] == [2, 3, 4, 5]  # 0 and 1 were listed at the start (not fetched)
    # each one read against the one before: the continuity of the timestamps is measured
    assert all(r.video_gap_ms == pytest.approx(0.0, abs=50) for r in reports[1:])
    gets = [e for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.SEGMENT]
    assert sorted(e.msn for e in gets) == [2, 3, 4, 5]  # one GET each, within the budget


def test_beyond_a_few_waiting_the_oldest_are_dropped_and_counted(segments: list[bytes]) -> None:
    dropped = len(segments) - 1 - PENDING_CHECKS  # segment 0 was listed at the start
    events = _run(BurstOrigin(segments), reports_wanted=PENDING_CHECKS, dropped_wanted=dropped)
    reports = [e for e in events if isinstance(e, ContentReport)]
    newest = list(range(len(segments) - PENDING_CHECKS, len(segments)))
    assert [r.msn for r in reports] == newest
    assert reports[0].video_gap_ms is None and all(r.video_gap_ms is not None for r in reports[1:])
    measures = [e for e in events if isinstance(e, Measures)]
    assert measures[-1].content_dropped == dropped
