"""Issue 11, class "a publisher restart": media sequence back to 0, same names, new bytes, a short 404 outage
(scripted origin: tests/monitor/origins/live.py, ``LiveOrigin.restart``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.records import SegmentLifecycle, Severity
from monitor.session import read_session
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.judge import Run, coded, watch
from tests.monitor.origins.live import LiveOrigin

RESTART_AT = 3.0


@pytest.fixture(scope="module")
def restart_run(tmp_path_factory) -> tuple[Run, LiveOrigin, float, Path]:
    origin = LiveOrigin(durations=(1.0,), window=4)
    record = tmp_path_factory.mktemp("restart") / "session.jsonl"
    moment: list[float] = []
    with FakeServer() as server:
        run = watch(
            {"origin": origin.install(server)},
            10.0,
            schedule=[(RESTART_AT, lambda: moment.append(origin.restart(outage_s=1.5)))],
            record_path=record,
        )
    return run, origin, moment[0], record


def test_one_restart_alert(restart_run):
    run, *_ = restart_run
    said = coded(run.alerts("origin", Severity.WARNING), "msn_back")
    assert len(said) == 1, run.alerts("origin")
    assert not coded(run.alerts("origin"), "sequence_went_back", "segment_missing"), run.alerts("origin")
    assert any(lf.generation == 1 and lf.msn == 0 for lf in run.lifecycles("origin")), "new generation tracked"


def test_old_generation_closed_at_the_first_404(restart_run):
    run, _, restarted, _ = restart_run
    old = [lf for lf in run.lifecycles("origin") if lf.generation == 0 and (lf.gone is None or lf.gone.hi > restarted)]
    assert old, "segments were listed when the publisher restarted"
    for life in old:
        closed = life.gone or life.left
        assert closed is not None, f"msn {life.msn} of the old generation never closed"
        assert closed.hi - restarted < 1.2, f"msn {life.msn} closed {closed.hi - restarted:.1f} s after the restart"


def test_lifecycles_are_consistent_and_the_session_ends_on_their_state(restart_run):
    run, _, _, record = restart_run
    lives = run.monitor.lifecycles()
    for life in lives.values():
        if life.gone is not None:
            assert life.left is not None and life.gone.hi >= life.left.lo, f"gone before left: msn {life.msn}"
        if life.gave_up:
            assert life.probes > 0, f"msn {life.msn}: 'still available' without a probe"
    last = {}
    for event in read_session(record):
        if isinstance(event, SegmentLifecycle):
            last[(event.endpoint, event.generation, event.msn)] = event
    assert last == lives
