"""The latency chart shows what each kind of viewer gets, as ``hlsmon plan`` says it (ingest included)."""

from __future__ import annotations

import pytest

from gui.charts.panels import VIEWER_LINES, LatencyChart
from gui.charts.theme import LIGHT
from gui.dashboard_model import DashboardModel
from gui.server_model import ServerModelView
from gui.viewer_latency import apply_viewer_latencies
from monitor import models

SETTINGS = {"hls_fragment": "2s", "hls_playlist_length": "30s"}  # VLC starts far behind a long playlist


def test_every_viewer_kind_has_its_line_with_the_plans_number(qtbot):
    server = ServerModelView()
    server.configure("nginx-rtmp", SETTINGS)
    model = DashboardModel()
    apply_viewer_latencies(model.refs, server)
    chart = LatencyChart(model, LIGHT)
    qtbot.addWidget(chart)
    chart.refresh()
    planned = models.plan(models.profile_for("nginx-rtmp", SETTINGS))
    shown = {r.key: r.line for r in chart.refs if r.line.isVisible()}
    assert set(VIEWER_LINES) <= set(shown)
    for kind, key in (("spec", "viewer.spec"), ("hlsjs", "viewer.hlsjs"), ("vlc", "viewer.vlc")):
        assert shown[key].value() == pytest.approx(planned.viewer(kind).latency_s), key
    assert shown["viewer.vlc"].text == "VLC defaults 21.3 s (model)"


def test_no_model_no_viewer_lines():
    server = ServerModelView()
    server.configure("nginx-rtmp", {"hls_fragment": "not a time"})
    model = DashboardModel()
    model.refs.values["viewer.vlc"] = 99.0  # a line of the previous settings goes with them
    apply_viewer_latencies(model.refs, server)
    assert not any(key in model.refs.values for key in VIEWER_LINES)
