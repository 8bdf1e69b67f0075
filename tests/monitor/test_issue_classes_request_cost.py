"""Issue 11, class "request cost": with the product's defaults, everything sent to a 2 s stream (reloads,
HEADs of new segments, deletion probes) stays within 1.5 requests/s from the first second."""

from __future__ import annotations

from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.judge import watch
from tests.monitor.origins.live import LiveOrigin


def test_default_budget_for_2_s_segments():
    origin = LiveOrigin(durations=(2.0,), window=3, delete_after=2.0)
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 10.0)
    sent = [r.sent_mono - run.started for r in run.requests("o")]
    elapsed = run.ended - run.started
    assert len(sent) / elapsed <= 1.5, f"{len(sent) / elapsed:.2f} requests/s"
    first = sum(1 for t in sent if t < 4.0)
    assert first <= 1.5 * 4 + 1, f"{first} requests in the first 4 s: the budget starts full"
