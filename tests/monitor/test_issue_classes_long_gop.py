"""Issue 11, class "a long GOP": durations alternating long/short because the keyframe interval does not divide
the fragment (servers.md §7.2: FFmpeg hls_time 3 s with keyframes every 2 s cuts 4, 2, 4, 2 s; the issue's
nginx-rtmp 2 s / keyframes 3 s lab gave the same 4/2 pattern). Scripted origin: tests/monitor/origins/live.py."""

from __future__ import annotations

import contextlib
import io
import statistics

import pytest

from main import main
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.judge import watch
from tests.monitor.origins.live import LiveOrigin


@pytest.mark.xfail(strict=False, reason="the request budget delays learning the 4/2 phase past this 12 s run")
def test_short_segments_after_long_ones_are_seen_on_time():
    # the 4/2 s pattern at half scale (2/1 s) keeps the test short; the planner must follow the pattern
    origin = LiveOrigin(durations=(2.0, 1.0), window=6, target_duration=2)
    with FakeServer() as server:
        run = watch({"origin": origin.install(server)}, 12.0)
    fresh = [lf for lf in run.lifecycles("origin") if not lf.initial and not lf.missed]
    assert len(fresh) >= 6
    late = {lf.msn: lf.first_seen.hi - origin.truth(lf.msn)[0] for lf in fresh[3:]}  # after learning
    assert statistics.median(late.values()) < 0.12, late
    assert max(late.values()) < 0.3, late


def test_verdict_names_the_alternation_not_a_4_s_keyframe_interval():
    origin = LiveOrigin(durations=(4.0, 2.0), window=6, target_duration=4)
    out = io.StringIO()
    with FakeServer() as server, contextlib.redirect_stdout(out):
        url = origin.install(server)
        main(["probe", url, "--duration", "3", "--quiet", "--profile", "nginx-rtmp:hls_fragment=2s"])
    text = out.getvalue().lower()
    assert "probably 4 s" not in text, text
    assert "alternate" in text and "4/2" in text.replace(" s/", "/").replace(" / ", "/"), text
