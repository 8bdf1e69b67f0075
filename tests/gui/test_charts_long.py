"""A line chart fed a day of points draws what the view needs: one or two (max, min) pairs per pixel when
zoomed out (every peak kept), the raw points with symbols when zoomed in; reference lines keep their labels."""

from __future__ import annotations

import numpy as np
import pytest

from gui.charts.panels import IntervalsChart
from gui.charts.theme import LIGHT
from gui.dashboard_model import DashboardModel

T0 = 1_795_000_000.0


@pytest.fixture
def chart(qtbot):
    model = DashboardModel()
    rng = np.random.default_rng(5)
    ts = T0 + np.arange(86_400, dtype=float)
    values = 1.0 + rng.normal(0, 0.02, len(ts))
    values[43_210] = 9.5  # one late segment in the whole day
    model.add_points("interval.origin", ts, values)
    model.refs.hls_fragment = 1.0
    c = IntervalsChart(model, LIGHT)
    qtbot.addWidget(c)
    c.resize(600, 250)
    c.show()
    qtbot.waitExposed(c)
    c.refresh()
    return c


def test_zoomed_out_draws_one_or_two_pairs_per_pixel_and_keeps_the_peak(chart):
    chart.set_view(T0, T0 + 86_400)
    curve = chart.curves[0].item
    x, y = curve.getData()
    assert len(curve.xData) == 86_400  # the item still holds the whole series
    assert len(x) <= 4 * chart.vb.width() + 4
    assert float(np.max(y)) == 9.5  # the one spike survives decimation
    assert curve.opts["symbol"] is None


def test_zoomed_in_draws_raw_points_with_symbols(chart):
    chart.set_view(T0 + 43_200, T0 + 43_260)
    curve = chart.curves[0].item
    x, y = curve.getData()
    assert len(x) == 63 and x[1] == T0 + 43_200 and x[-2] == T0 + 43_260  # 61 inside, one beyond each edge
    assert 9.5 in y
    assert curve.opts["symbol"] == "o"
    chart.set_view(T0, T0 + 86_400)
    assert curve.opts["symbol"] is None


def test_reference_line_is_drawn_with_its_label(chart):
    chart.set_view(T0, T0 + 600)
    fragment = next(r.line for r in chart.refs if r.key == "fragment")
    assert fragment.isVisible() and fragment.value() == 1.0 and fragment.text == "hls_fragment 1 s"
    image = chart.plot_widget.grab().toImage()
    assert not image.isNull()


def test_a_replaced_series_does_not_show_the_old_points(chart):
    chart.set_view(T0, T0 + 86_400)
    chart.model.clear()  # File → Open / Play start over with new buffers
    ts = T0 + np.arange(100_000, dtype=float)
    chart.model.add_points("interval.origin", ts, np.full(len(ts), 2.0))
    chart.refresh()
    chart.set_view(T0, T0 + 100_000)
    _x, y = chart.curves[0].item.getData()
    assert float(np.nanmax(y)) == 2.0 and float(np.nanmin(y)) == 2.0  # no 9.5 spike from the old day


def test_lifecycle_rows_for_a_time_range_match_a_full_scan(qtbot):
    from gui.charts.lifecycle import LifecycleItem, _time_rows
    from gui.dashboard_model import Y

    model = DashboardModel()
    rng = np.random.default_rng(9)
    for i in range(3000):  # first-seen times slightly out of order, lifetimes of very different lengths
        seen = T0 + i + rng.uniform(-3, 3)
        for ep, delay in (("origin", 0.0), ("cdn", rng.uniform(0.2, 4.0))):
            left = seen + delay + 6 + rng.uniform(0, 0.5)
            gone = left + (500 if i % 97 == 0 else rng.uniform(10, 30))
            model.update_lifecycle(ep, i, f"s{i}.ts", first_lo=seen + delay, first_hi=seen + delay + 0.05)
            model.update_lifecycle(ep, i, f"s{i}.ts", left_lo=left, left_hi=left + 0.05, gone_lo=gone, gone_hi=gone)
    item = LifecycleItem(model, LIGHT)
    for _ in range(200):
        x0 = T0 + rng.uniform(-50, 3100)
        x1 = x0 + rng.choice([5.0, 60.0, 600.0, 4000.0])
        lo, hi = np.inf, -np.inf
        for ep, table in model.lifecycles.items():
            d = item._derived(ep, table)
            hit = (d["first"] <= x1) & (d["linger_end"] >= x0)
            i0, i1 = _time_rows(d, "linger_end", x0, x1)
            assert not hit[:i0].any() and not hit[i1:].any()
            if hit.any():
                lo, hi = min(lo, table.col(Y)[hit].min()), max(hi, table.col(Y)[hit].max())
        expected = (lo - 0.6, hi + 0.6) if np.isfinite(lo) else (None, None)
        assert item.visible_rows(x0, x1) == expected
