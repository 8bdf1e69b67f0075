"""Alerts and verdicts agree: where the server model explains a deletion before RFC 8216 §6.2.2 allows
(nginx-rtmp's batch cleaner), the alert says so once, at the verdict's level, with advice that never proposes
the value already set. A scripted nginx-rtmp origin in simulated time (tests/monitor/simorigin.py): no lab."""

from __future__ import annotations

import random
import threading
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

import monitor.poller
from monitor.clock import FakeClock
from monitor.models import judge, profile_for
from monitor.models.advice import early_share, nginx_longer_playlist_words, recommendations
from monitor.poller import EndpointPoller
from monitor.records import Alert, EndpointConfig, Event, MonitorConfig, SegmentLifecycle, Severity
from tests.monitor.simorigin import BASE, SimOrigin, drive

START = 1000.0
#: The default demo: hls_fragment 2 s, hls_playlist_length 10 s (5 entries, a cleaner tick every 20 s).
DEMO = {"hls_fragment": "2s", "hls_playlist_length": "10s"}


def run_demo(settings: dict[str, str] | None, seconds: float = 300.0) -> tuple[list[Alert], list[SegmentLifecycle]]:
    """nginx-rtmp's cleaner: files 2P old go at each tick; whole-second mtimes make it up to 1 s early."""
    clock = FakeClock(start=START)
    origin = SimOrigin(
        clock, window=5, td=2.0, cleaner_period=20.0, cleaner_phase=START, max_age=19.0, rng=random.Random(3)
    )
    alerts: list[Alert] = []
    lives: dict[int, SegmentLifecycle] = {}

    def emit(event: Event) -> None:
        if isinstance(event, Alert):
            alerts.append(event)
        elif isinstance(event, SegmentLifecycle):
            lives[event.msn] = event

    ep = EndpointConfig(name="origin", url=f"{BASE}/index.m3u8")
    server = None if settings is None else profile_for("nginx-rtmp", settings)
    poller = EndpointPoller(
        ep, MonitorConfig(endpoints=(ep,)), emit, clock=clock, stop=threading.Event(), server=server
    )
    with mock.patch.object(monitor.poller, "fetch", origin.fetch):
        drive(poller, clock, START + seconds)
    return alerts, list(lives.values())


def _early(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.code.startswith("deleted_too_early")]


def test_without_a_server_model_the_spec_alone_warns():
    """The control: the same run judged by the spec alone raises the WARNING the demo showed."""
    alerts, _ = run_demo(None)
    assert [a.severity for a in _early(alerts) if a.recovers is None] == [Severity.WARNING]


def test_the_demo_says_once_what_the_verdicts_say():
    alerts, lives = run_demo(DEMO)
    early = _early(alerts)
    assert len(early) == 1, [a.message for a in early]  # once, and never "cleared" (a property of the settings)
    alert = early[0]
    assert alert.severity == Severity.INFO and alert.recovers is None
    assert "Expected of nginx-rtmp" in alert.message and "batches every 20 s" in alert.message
    assert "404" in alert.message  # what it means for players
    # the verdict on the same deletion: as the model predicts (info: against the spec)
    profile = profile_for("nginx-rtmp", DEMO)
    verdicts = [v for v in judge(lives, profile, arrival_step_s=0.06) if v.code == "gone" and v.msn == alert.msn]
    assert [v.level for v in verdicts] == ["info"], verdicts
    # advice never proposes the value already set
    assert "10 s or more" not in alert.advice and "20 s instead of 10 s" in alert.advice


def test_a_deletion_the_model_does_not_expect_still_warns():
    """Configured 30 s but the origin cleans like 10 s: earlier than the model predicts, so not explained."""
    alerts, _ = run_demo({"hls_fragment": "2s", "hls_playlist_length": "30s"})
    early = [a for a in _early(alerts) if a.recovers is None]
    assert early and all(a.severity >= Severity.WARNING for a in early)
    assert not any("Expected of" in a.message for a in early)


@given(
    fragment_s=st.integers(min_value=1, max_value=10),
    entries=st.integers(min_value=1, max_value=20),
)
def test_playlist_advice_never_proposes_the_value_set(fragment_s: int, entries: int):
    settings = {"hls_fragment": f"{fragment_s}s", "hls_playlist_length": f"{fragment_s * entries}s"}
    profile = profile_for("nginx-rtmp", settings)
    words = nginx_longer_playlist_words(profile, float(fragment_s))
    assert f"{2 * fragment_s * entries:g} s instead of {fragment_s * entries:g} s" in words
    assert early_share(2 * profile.playlist_length_s, fragment_s) < early_share(profile.playlist_length_s, fragment_s)
    for verdict in recommendations(profile):
        assert f"{fragment_s * entries:g} s or more" not in verdict.message
