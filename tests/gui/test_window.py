"""The real window (pytest-qt under Xvfb) fed with recorded/synthetic core events: charts fill, alerts
highlight, exports and sessions round-trip. The lab-driven tests are in test_window_lab.py."""

from __future__ import annotations

import json

import pytest

from gui.synthetic import synthetic_events
from monitor.session import SessionWriter


def _feed(window, events):
    for ev in events:
        window._on_event(ev)
    window.redraw()


def test_charts_fill_from_core_events(window, qtbot):
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0})
    _feed(window, synthetic_events(120, stale_every=50))
    assert len(window.model.lifecycles["origin"]) == 120 and len(window.model.lifecycles["cdn"]) == 120
    qtbot.waitUntil(lambda: window.lifecycle.item.last_paint_bars > 0, timeout=3000)
    intervals = window.charts[1]
    xs, ys = intervals.curves[0].item.xData, intervals.curves[0].item.yData  # all data (getData: clipped)
    assert len(xs) == 119 and abs(float(ys.mean()) - 1.0) < 0.05
    refs = {r.key: r.line for r in intervals.refs}
    assert refs["fragment"].isVisible() and refs["fragment"].value() == 1.0
    assert refs["bound"].value() == 1.5
    window_chart = window.charts[2]
    assert {r.key: r.line.value() for r in window_chart.refs if r.line.isVisible()} == {"length": 6.0, "three_td": 3.0}
    assert "window, origin" in window_chart.key.text()
    # the prediction is drawn with the observation: every origin segment has a predicted deletion interval
    pred = window.model.lifecycles["origin"].col(8)
    assert (pred == pred).all()
    assert window.alerts.count() == 2


def test_selecting_an_alert_highlights_its_time_and_segment(window, qtbot):
    _feed(window, synthetic_events(120, stale_every=50))
    window.alerts.select_row(0)  # newest first: the alert at segment 100
    alert = window.model.alerts[-1]
    assert not window.follow
    assert all(c._marker.isVisible() and c._marker.value() == alert.t for c in window.charts)
    y = window.model.find_segment(alert.sequence)
    assert window.lifecycle.item.highlight_y == y
    (x0, x1), (y0, y1) = window.lifecycle.vb.viewRange()
    assert x0 < alert.t < x1 and y0 < y < y1


def test_pause_follow_and_zoom_shortcuts(window, qtbot):
    _feed(window, synthetic_events(200))
    window.follow_live()
    (x0, x1), _ = window.lifecycle.vb.viewRange()
    assert x1 >= window.model.t_max and x1 - x0 == pytest.approx(120 * 1.03, rel=0.01)
    window.toggle_pause()
    assert not window.follow
    window.zoom(0.5)
    (a, b), _ = window.lifecycle.vb.viewRange()
    assert b - a == pytest.approx((x1 - x0) / 2, rel=0.01)
    window.show_all()
    (a, b), _ = window.lifecycle.vb.viewRange()
    assert a <= window.model.t_min + 1 and b >= window.model.t_max - 1


def test_session_open_save_round_trip(window, tmp_path):
    path = tmp_path / "rec.jsonl"
    writer = SessionWriter(path)
    events = list(synthetic_events(60, stale_every=25))
    for ev in events:
        writer.write(ev)
    writer.close()
    n = window.open_session(path)
    assert n == len(events)
    first = {ep: t.buf.view(2).copy() for ep, t in window.model.lifecycles.items()}
    alerts = [(a.t, a.message) for a in window.model.alerts]
    assert len(first["origin"]) == 60 and len(alerts) == 2 and window.alerts.count() == 2
    saved = window.save_session(tmp_path / "copy.jsonl")
    window.clear()
    assert not window.model.has_data
    window.open_session(saved)
    again = {ep: t.buf.view(2) for ep, t in window.model.lifecycles.items()}
    assert all((first[ep] == again[ep]).all() for ep in first)
    assert [(a.t, a.message) for a in window.model.alerts] == alerts


def test_exports_from_the_window(window, tmp_path):
    _feed(window, synthetic_events(30))
    png = window.export("png", tmp_path / "charts.png")[0]
    assert png.read_bytes()[:4] == b"\x89PNG"
    html = window.export("html", tmp_path / "report.html")[0].read_text()
    assert "<img alt='Segment lifecycle'" in html and "<img alt='Playlist window'" in html
    data = json.loads(window.export("json", tmp_path / "x.json")[0].read_text())
    assert len(data["lifecycles"]) == 60
    assert len(window.export("csv", tmp_path / "x.csv")) == 3


def test_layout_and_recent_urls_persist(qtbot, tmp_path):
    from gui.main_window import MainWindow
    from gui.settings import Settings

    settings = Settings(tmp_path / "persist.ini")
    w = MainWindow(settings, with_player=False)
    qtbot.addWidget(w)
    w.show()
    w.docks["Host"].hide()
    w.settings.add_recent("http://127.0.0.1:1/a.m3u8")
    w.close()
    w2 = MainWindow(Settings(tmp_path / "persist.ini"), with_player=False)
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.docks["Host"].isVisible()
    assert w2.url_bar.origin.itemText(0) == "http://127.0.0.1:1/a.m3u8"
    w2.close()


def test_dark_theme_recolours_the_charts(window):
    from gui.charts.theme import DARK

    _feed(window, synthetic_events(20))
    for chart in window.charts:
        chart.apply_theme(DARK)
    assert window.lifecycle.plot_widget.backgroundBrush().color().name() == DARK.background
    assert window.charts[1].curves[0].item.opts["pen"].color().name() == DARK.origin


def test_drop_a_url_fills_the_url_bar(window):
    from PySide6.QtCore import QMimeData, QPointF, Qt
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setText("http://127.0.0.1:9/live/key.m3u8")
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)
    assert window.url_bar.urls()[0] == "http://127.0.0.1:9/live/key.m3u8"


def test_hover_readout_and_what_if(window):
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0})
    _feed(window, synthetic_events(50))
    xs, ys = window.model.xy("interval.origin")
    t = xs[10]
    text = window.charts[1].readout_at(t, 1.0)
    assert f"inter-arrival, origin: <b>{ys[10]:.2f} s</b>" in text
    row = window.lifecycle.readout_at(t, 10.0)
    assert "origin</b> #10" in row and "listed 6." in row and "predicted" in row
    window.show_what_if()
    from PySide6.QtWidgets import QPlainTextEdit

    assert "Prediction for nginx-rtmp" in window._what_if.findChild(QPlainTextEdit).toPlainText()
    window._what_if.close()


def test_background_replay_keeps_the_window_responsive(window, qtbot, tmp_path):
    path = tmp_path / "long.jsonl"
    writer = SessionWriter(path)
    events = list(synthetic_events(500))
    for ev in events:
        writer.write(ev)
    writer.close()
    with qtbot.waitSignal(window.replay_finished, timeout=60_000) as blocker:
        assert window.open_session(path, background=True) == 0
    assert blocker.args == [len(events)]
    assert len(window.model.lifecycles["origin"]) == 500


def test_all_charts_share_one_time_range(window):
    _feed(window, synthetic_events(300))
    window.set_follow(False)
    t0 = window.model.t_min
    window.charts[4].set_x_range(t0 + 50, t0 + 110)  # pan a docked chart (not the timeline)
    for chart in window.charts:
        (a, b), _ = chart.vb.viewRange()
        assert (a, b) == pytest.approx((t0 + 50, t0 + 110), abs=1e-3), chart.title


def test_a_chart_in_a_hidden_dock_gets_the_time_range_when_shown(window, qtbot):
    _feed(window, synthetic_events(300))
    window.set_follow(False)
    t0 = window.model.t_min
    dock = window.docks["Latency per hop"]
    latency = window.charts[3]
    dock.hide()
    window.lifecycle.set_x_range(t0 + 20, t0 + 80)
    assert window.charts[1].vb.viewRange()[0] == pytest.approx([t0 + 20, t0 + 80], abs=1e-3)
    assert latency.vb.viewRange()[0] != pytest.approx([t0 + 20, t0 + 80], abs=1e-3)  # hidden: not moved meanwhile
    dock.show()
    qtbot.waitUntil(lambda: latency.isVisible(), timeout=2000)
    assert latency.vb.viewRange()[0] == pytest.approx([t0 + 20, t0 + 80], abs=1e-3)


def test_theme_preference_applies_to_widgets_and_charts(window, qapp):
    from PySide6.QtGui import QPalette

    from gui.charts.theme import DARK, LIGHT

    window.settings.set("settings/theme", "dark")
    window._on_color_scheme_changed()
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert window.chart_theme is DARK
    window.settings.set("settings/theme", "light")
    window._on_color_scheme_changed()
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180
    assert window.chart_theme is LIGHT
