"""The charts read right at a glance: data over the reference lines, room above a line at a limit, the CDN's
copy of an origin value still visible, right-axis series tied to the right axis, no empty stretch before
the first data, and the latency chart's model lines named for the viewer they describe (as hlsmon plan)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.charts.items import ReferenceLayer
from gui.charts.panels import LatencyChart, WindowChart
from gui.charts.theme import LIGHT
from gui.dashboard_model import DashboardModel
from gui.server_model import ServerModelView
from gui.synthetic import synthetic_events
from gui.viewer_latency import apply_viewer_latencies
from monitor import models

T0 = 1_795_000_000.0
NGINX_1S = {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0}


def _window_chart(qtbot) -> WindowChart:
    model = DashboardModel()
    for i in range(60):  # a healthy stream: the window sits exactly at the configured length at both ends
        for ep in ("origin", "cdn"):
            model.add_point(f"window_s.{ep}", T0 + i, 6.0)
        model.add_point("window_n.origin", T0 + i, 6)
    model.refs.playlist_length = 6.0
    model.refs.target_duration = 1.0
    chart = WindowChart(model, LIGHT)
    qtbot.addWidget(chart)
    chart.resize(500, 260)
    chart.show()
    qtbot.waitExposed(chart)
    chart.refresh()
    chart.set_view(T0, T0 + 60)
    return chart


def test_data_is_drawn_over_the_reference_lines(qtbot):
    chart = _window_chart(qtbot)
    layers = [item for item in chart.vb.childItems() if isinstance(item, ReferenceLayer)]
    assert layers
    assert all(layer.zValue() < chart.vb.childGroup.zValue() for layer in layers)


def test_a_series_at_its_limit_does_not_run_along_the_top_edge(qtbot):
    chart = _window_chart(qtbot)
    _, (y0, y1) = chart.vb.viewRange()
    assert (y1 - 6.0) / (y1 - y0) >= 0.12  # headroom above the line (and its dashed limit)


def test_origin_and_cdn_stay_distinguishable_when_equal(qtbot):
    chart = _window_chart(qtbot)
    pens = {c.series: c.item.opts["pen"] for c in chart.curves}
    origin, cdn = pens["window_s.origin"], pens["window_s.cdn"]
    assert origin.style() == Qt.PenStyle.SolidLine and cdn.style() != Qt.PenStyle.SolidLine
    assert origin.color() != cdn.color()
    order = [item for item in chart.vb.addedItems if item in {c.item for c in chart.curves}]
    items = {c.series: c.item for c in chart.curves}
    assert order.index(items["window_s.cdn"]) > order.index(items["window_s.origin"])  # dashes over the line
    assert "┄┄</span> window, CDN" in chart.key.text()


def test_a_right_axis_series_is_tied_to_the_right_axis(qtbot):
    chart = _window_chart(qtbot)
    assert "segments listed, origin <b>(right axis)</b>" in chart.key.text()
    series = next(c for c in chart.curves if c.right)
    assert chart.plot.getAxis("right").textPen().color() == chart.color(series.color_key)
    assert chart.plot.getAxis("left").textPen().color() != chart.color(series.color_key)
    _, (r0, r1) = chart.right_vb.viewRange()
    _, (l0, l1) = chart.vb.viewRange()
    assert r0 <= 0  # counts from zero
    # 6 segments and 6 s are not drawn at the same height: the count never reads as seconds
    assert abs((6 - r0) / (r1 - r0) - (6 - l0) / (l1 - l0)) > 0.2


def test_charts_start_at_the_first_data(window):
    for ev in synthetic_events(20):
        window._on_event(ev)
    window.follow_live()
    (x0, x1), _ = window.lifecycle.vb.viewRange()
    assert x0 >= window.model.t_min - 1.0  # not two minutes of nothing before the stream started
    assert x1 >= window.model.t_max


def test_latency_chart_shows_what_a_spec_player_gets_as_hlsmon_plan_says(qtbot):
    server = ServerModelView()
    server.configure("nginx-rtmp", NGINX_1S)
    model = DashboardModel()
    server.apply_references(model.refs)
    apply_viewer_latencies(model.refs, server)
    chart = LatencyChart(model, LIGHT)
    qtbot.addWidget(chart)
    chart.refresh()
    planned = models.plan(models.profile_for("nginx-rtmp", NGINX_1S)).latency_low_s  # ingest included
    shown = {r.key: r.line for r in chart.refs if r.line.isVisible()}
    assert shown["viewer.spec"].value() == pytest.approx(planned)
    assert shown["viewer.spec"].text == f"spec-following player {planned:.1f} s (model)"
    assert not any("floor" in r.line.text for r in chart.refs)  # never "a floor" above a measured 3 s


def test_window_profile_summary_agrees_with_plan(window):
    window.profile.set_profile("nginx-rtmp", NGINX_1S)
    planned = models.plan(models.profile_for("nginx-rtmp", NGINX_1S)).latency_low_s
    assert window.model.refs.values["viewer.spec"] == pytest.approx(planned)
