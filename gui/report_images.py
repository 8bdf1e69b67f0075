"""One image per chart for the HTML report, rendered off screen at a fixed size from the dashboard model.

The window's own charts depend on the layout (a hidden dock, a narrow column, a paused view); the report
draws fresh charts of the whole session instead, never shown on screen, so every report looks the same
whatever the operator was looking at.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt

from gui.charts.base import TimeChart
from gui.charts.lifecycle import LifecycleChart
from gui.charts.panels import all_line_charts
from gui.charts.theme import ChartTheme
from gui.dashboard_model import DashboardModel

log = logging.getLogger(__name__)

REPORT_CHART_SIZE = QSize(1100, 380)
LIFECYCLE_SIZE = QSize(1100, 560)
REPORT_THUMBNAILS = 12  # the newest segments' thumbnails in the report's strip


def png_bytes(chart: TimeChart) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    chart.grab().save(buf, "PNG")
    return bytes(data.data())


def render_chart(chart: TimeChart, model: DashboardModel, size: QSize) -> bytes:
    chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    chart.resize(size)
    chart.show()
    try:
        chart.refresh()
        if model.has_data:
            chart.set_view(model.t_min, model.t_max)
        if isinstance(chart, LifecycleChart):
            chart.vb.setYRange(-1, len(model.row_sequences) + 1, padding=0)
        return png_bytes(chart)
    finally:
        chart.close()
        chart.deleteLater()


def has_data(chart: TimeChart, model: DashboardModel) -> bool:
    return any(len(model.xy(c.series)[0]) for c in chart.curves)


def chart_images(model: DashboardModel, theme: ChartTheme) -> list[tuple[str, bytes]]:
    """(title, PNG) for every chart of the dashboard that has data, the whole session in view."""
    out = [("Segment lifecycle", render_chart(LifecycleChart(model, theme), model, LIFECYCLE_SIZE))]
    for chart in all_line_charts(model, theme):
        if has_data(chart, model):
            out.append((chart.title, render_chart(chart, model, REPORT_CHART_SIZE)))
        else:  # an empty chart says nothing in a report
            chart.deleteLater()
    return out


def thumbnail_images(model: DashboardModel, last: int = REPORT_THUMBNAILS) -> list[tuple[str, bytes]]:
    """(caption, JPEG) of the newest ``last`` segment thumbnails the window holds (content analysis), oldest
    first; a thumbnail whose file is gone (a session copied without its ``.thumbs`` directory) is left out."""
    out: list[tuple[str, bytes]] = []
    for (endpoint, msn), path in reversed(list(model.thumbnails.items())):
        if len(out) == last:
            break
        try:
            out.append((f"{endpoint} #{msn}", Path(path).read_bytes()))
        except OSError as exc:
            log.info("thumbnail %s left out of the report: %s", path, exc)
    return out[::-1]
