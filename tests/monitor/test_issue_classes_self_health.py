"""Issue 11, class "monitor self-health": when hlsmon's own loop runs late, its samples are uncertain, no
server fault is concluded from them, and the lateness is a measure (a clock whose waits overrun)."""

from __future__ import annotations

import dataclasses

from monitor.records import Severity
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.clocks import LateClock
from tests.monitor.origins.judge import coded, problems, watch
from tests.monitor.origins.live import LiveOrigin


def test_late_loop_is_measured_and_blames_no_server():
    origin = LiveOrigin(durations=(1.0,), window=4)
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 7.0, clock=LateClock(late_s=1.2))
    blamed = [a for a in problems(run.alerts("o", Severity.WARNING)) if a.code != "monitor_late"]
    assert not blamed, [a.message for a in blamed]
    assert coded(run.alerts("o"), "monitor_late"), run.alerts("o")
    last = dataclasses.asdict(run.measures("o")[-1])
    late = {k: v for k, v in last.items() if "late" in k and isinstance(v, int | float)}
    assert late and max(late.values()) >= 1.0, sorted(last)
