"""Issue 11, class "an origin that fails now and then": a 503, an HTML page with status 200 or a body cut
mid-tag, about one poll in seven and never twice in a row (scripted origin: tests/monitor/origins)."""

from __future__ import annotations

import pytest

from monitor import measures
from monitor.records import MonitorConfig, RequestKind, Severity
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.faults import flaky
from tests.monitor.origins.judge import Run, coded, watch
from tests.monitor.origins.live import LiveOrigin

FIRST_MSN = 100


@pytest.fixture(scope="module")
def flaky_run() -> tuple[Run, LiveOrigin]:
    origin = LiveOrigin(durations=(1.0,), window=4, first_msn=FIRST_MSN)
    origin.reply_faults.append(flaky(every=7, offset=3))
    with FakeServer() as server:
        run = watch({"origin": origin.install(server)}, 9.0)
    return run, origin


def _faulted(origin: LiveOrigin) -> list[int]:
    return [r.index for r in origin.requests_seen if r.index % 7 == 3]


def test_every_bad_reply_is_a_failure_with_its_reason(flaky_run):
    run, origin = flaky_run
    polls = run.requests("origin", RequestKind.PLAYLIST)
    assert len(polls) >= 14, "the scripted schedule needs at least two faults of each kind"
    failed = [p for p in polls if p.error]
    assert len(failed) >= len(_faulted(origin)) - 1, [p.error for p in failed]
    reasons = " ".join(p.error.lower() for p in failed)
    assert "503" in reasons and "html" in reasons and ("truncat" in reasons or "incomplete" in reasons), reasons
    assert all("exception" not in p.error.lower() and "error:" not in p.error.lower() for p in failed)


def test_failure_rate_alert_with_evidence(flaky_run):
    run, _ = flaky_run
    rate = coded(run.alerts("origin", Severity.WARNING), "failure_rate")
    assert len(rate) == 1, run.alerts("origin")  # failures never come twice in a row: still one alert
    assert rate[0].evidence, "a failure-rate alert carries its evidence (counts, reasons)"
    assert "%" in rate[0].message


def test_a_bad_body_is_never_believed(flaky_run):
    run, origin = flaky_run
    snaps = run.snapshots("origin")
    assert snaps and all(s.media_sequence >= FIRST_MSN and s.segments for s in snaps)
    for life in run.lifecycles("origin"):
        _listed, left, deleted = origin.truth(life.msn)
        if life.left is not None:
            assert life.left.hi >= left - 0.05, f"msn {life.msn} marked removed {left - life.left.hi:.2f} s early"
            listed = measures.listed_s(life, MonitorConfig(endpoints=()).arrival_step_s)
            assert listed is None or life.initial or listed > 2.5, (life.msn, listed)
        if life.gone is not None:
            assert life.gone.hi >= deleted - 0.05, f"msn {life.msn} marked gone early"
