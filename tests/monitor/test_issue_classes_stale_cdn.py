"""Issue 11, class "a CDN edge serving an old copy": Age growing, X-Cache: Hit, media sequence frozen, with
and without the origin's URL given (scripted edge: tests/monitor/origins/cdn.py)."""

from __future__ import annotations

import time

import pytest

from monitor.records import EndpointConfig, Severity
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.cdn import StaleEdge
from tests.monitor.origins.judge import Run, coded, flips, mentioning, recoveries, watch
from tests.monitor.origins.live import LiveOrigin

FREEZE = (2.0, 7.5)
CDN_CODES = ("cdn_old_copy", "stale_cdn_playlist")  # seconds after start: the edges serve the copy they hold


@pytest.fixture(scope="module")
def cdn_run() -> Run:
    paired, alone = LiveOrigin(durations=(1.0,), window=4), LiveOrigin(durations=(1.0,), window=4)
    edge, lone_edge = StaleEdge(paired, ttl_s=1.0), StaleEdge(alone, ttl_s=1.0)
    with FakeServer() as o, FakeServer() as e, FakeServer() as e2:
        endpoints = [
            EndpointConfig(name="origin", url=paired.install(o)),
            EndpointConfig(name="cdn", url=edge.install(e), reference="origin"),
            EndpointConfig(name="edge", url=lone_edge.install(e2)),  # no origin URL given
        ]

        def freeze() -> None:
            now = time.monotonic()
            for edge_ in (edge, lone_edge):
                edge_.freeze(now, now + FREEZE[1] - FREEZE[0])

        return watch(endpoints, 10.0, schedule=[(FREEZE[0], freeze)])


@pytest.mark.parametrize("endpoint", ["cdn", "edge"])
def test_one_alert_per_episode_naming_the_cdn_copy_and_its_age(cdn_run, endpoint):
    alerts = cdn_run.alerts(endpoint, Severity.WARNING)
    stale = coded(alerts, *CDN_CODES)
    assert stale and all(len(coded(alerts, code)) <= 1 for code in CDN_CODES), alerts
    assert all("cdn" in a.message.lower() and "age" in a.message.lower() for a in stale), stale
    assert not coded(alerts, "playlist_stale") and not mentioning(alerts, "publisher"), "not the publisher's fault"


@pytest.mark.parametrize("endpoint", ["cdn", "edge"])
def test_episode_ends_with_a_recovery_and_the_state_does_not_flap(cdn_run, endpoint):
    assert recoveries(cdn_run.alerts(endpoint), *CDN_CODES), cdn_run.alerts(endpoint)
    assert flips(cdn_run.states(endpoint)) <= 1, cdn_run.states(endpoint)


def test_origin_is_not_blamed(cdn_run):
    assert not cdn_run.alerts("origin", Severity.WARNING), cdn_run.alerts("origin")


def test_propagation_estimated_from_age_without_origin_url(cdn_run):
    measures = cdn_run.measures("edge")
    assert any(m.propagation_s is not None or m.propagation_p50_s is not None for m in measures)
