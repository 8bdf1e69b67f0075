"""Chart axes: a leaner pyqtgraph AxisItem and the time axis (UTC epoch seconds shown in local time)."""

from __future__ import annotations

import math
import time
from datetime import datetime

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen


def fmt_time(t: float) -> str:
    if not math.isfinite(t):
        return "–"
    return datetime.fromtimestamp(t).astimezone().strftime("%H:%M:%S.%f")[:-5]


def fmt_value(v: float, unit: str) -> str:
    if not math.isfinite(v):
        return "–"
    if unit in ("s",):
        return f"{v:.2f} s"
    if unit == "%":
        return f"{v:.0f} %"
    return f"{v:.1f} {unit}" if abs(v) < 100 else f"{v:.0f} {unit}"


_TEXT_RECTS: dict[tuple[str, str], QRectF] = {}  # (font key, label) -> pyqtgraph's label rect


class LeanAxis(pg.AxisItem):
    """AxisItem whose draw specs are computed with less Python per range change.

    Same geometry as pyqtgraph's generateDrawSpecs (ticks, alpha per level, label rects and placement,
    the text-fill limits) for the case the charts use (no grid, no fixed ticks, axis drawn to the box
    edges), with label sizes cached per string and no per-tick Point objects: regenerating the axes was
    about a third of a pan's paint time. Other configurations fall back to pyqtgraph's code."""

    def generateDrawSpecs(self, p: QPainter) -> tuple | None:
        st = self.style
        if (
            self.grid is not False
            or self._tickLevels is not None
            or st["stopAxisAtTick"][0]
            or st["stopAxisAtTick"][1]
            or not st["showValues"]
            or self.orientation == "top"
        ):
            return super().generateDrawSpecs(p)
        if st["tickFont"] is not None:
            p.setFont(st["tickFont"])
        b = self.mapRectFromParent(self.geometry())
        o = self.orientation
        if o == "left":
            span = (QPointF(b.right() - 1, b.top() - 1), QPointF(b.right() - 1, b.bottom() + 1))
            tick_stop, tick_dir, axis = b.right(), -1, 0
        elif o == "right":
            span = (QPointF(b.left() + 1, b.top() - 1), QPointF(b.left() + 1, b.bottom() + 1))
            tick_stop, tick_dir, axis = b.left(), 1, 0
        else:
            span = (QPointF(b.left() - 1, b.top() + 1), QPointF(b.right() + 1, b.top() + 1))
            tick_stop, tick_dir, axis = b.top(), 1, 1
        dt = self.deviceTransform_()
        if dt is None:
            return None
        d0, d1 = dt.map(span[0]), dt.map(span[1])
        length = math.hypot(d1.x() - d0.x(), d1.y() - d0.y())
        if length == 0:
            return None
        lo, hi = self.range
        levels = self.tickValues(lo, hi, length)
        dif = hi - lo
        if dif == 0:
            scale, offset = 1.0, 0.0
        elif axis == 0:
            scale = -b.height() / dif
            offset = lo * scale - b.height()
        else:
            scale = b.width() / dif
            offset = lo * scale
        x_lo, x_hi = sorted((lo * scale - offset, hi * scale - offset))
        base_pen = self.tickPen()
        tick_specs = []
        positions: list[list[float | None]] = []
        for i, (_spacing, values) in enumerate(levels):
            tick_len = st["tickLength"] / (i * 0.5 + 1.0)
            alpha = st["tickAlpha"]
            alpha = (
                255 / (i + 1)
                if alpha is None
                else (min(255, max(0, round(alpha * 255))) if isinstance(alpha, float) else alpha)
            )
            pen = base_pen
            if pen.brush().style() == Qt.BrushStyle.SolidPattern:
                pen = QPen(pen)
                c = QColor(pen.color())
                c.setAlpha(int(alpha))
                pen.setColor(c)
            row: list[float | None] = []
            end = tick_stop + tick_len * tick_dir
            for v in values:
                x = v * scale - offset
                if x < x_lo or x > x_hi:
                    row.append(None)
                    continue
                row.append(x)
                if axis == 0:
                    tick_specs.append((pen, QPointF(tick_stop, x), QPointF(end, x)))
                else:
                    tick_specs.append((pen, QPointF(x, tick_stop), QPointF(x, end)))
            positions.append(row)
        axis_spec = (self.pen(), span[0], span[1])
        text_offset = st["tickTextOffset"][axis]
        font_key = p.font().key()
        br = self.boundingRect()
        text_specs = []
        text_rects: list[QRectF] = []
        last_size2 = 0.0
        for i in range(min(len(levels), st["maxTextLevel"] + 1)):
            spacing, values = levels[i]
            strings = self.tickStrings(values, self.autoSIPrefixScale * self.scale, spacing)
            if not len(strings):
                continue
            rects: list[QRectF | None] = []
            for j, s in enumerate(strings):
                if positions[i][j] is None:
                    rects.append(None)
                    continue
                r = _TEXT_RECTS.get((font_key, s))
                if r is None:
                    r = p.boundingRect(QRectF(0, 0, 100, 100), Qt.AlignmentFlag.AlignCenter, s)
                    r.setHeight(r.height() * 0.8)
                    _TEXT_RECTS[(font_key, s)] = r
                rects.append(r)
                text_rects.append(r)
            if text_rects:
                if axis == 0:
                    size = sum(r.height() for r in text_rects)
                    size2 = max(r.width() for r in text_rects)
                else:
                    size = sum(r.width() for r in text_rects)
                    size2 = max(r.height() for r in text_rects)
            else:
                size = size2 = 0.0
            if i > 0 and any(len(text_specs) >= n and size / length >= limit for n, limit in st["textFillLimits"]):
                break
            last_size2 = size2
            off = max(0, st["tickLength"]) + text_offset
            for j, s in enumerate(strings):
                r = rects[j]
                if r is None:
                    continue
                x, w, h = positions[i][j], r.width(), r.height()
                if o == "left":
                    flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    rect = QRectF(tick_stop - off - w, x - h / 2, w, h)
                elif o == "right":
                    flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                    rect = QRectF(tick_stop + off, x - h / 2, w, h)
                else:
                    flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                    rect = QRectF(x - w / 2, tick_stop + off, w, h)
                if br & rect != rect:
                    continue
                text_specs.append((rect, flags | Qt.TextFlag.TextDontClip, s))
        self._updateMaxTextSize(last_size2)
        return axis_spec, tick_specs, text_specs


#: Tick spacings of the time axis (seconds); beyond a day, whole days.
TIME_SPACINGS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
TIME_LABEL_PX = 80  # room for one "HH:MM:SS" label


class TimeAxis(LeanAxis):
    """Bottom axis for UTC epoch seconds shown in local time, one tick level chosen by arithmetic.

    pyqtgraph's DateAxisItem walks zoom levels and formats candidate labels on every range change (about
    half a chart's paint cost); this axis computes the spacing directly from the span and the width."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom")
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        span = maxVal - minVal
        if not (math.isfinite(span) and span > 0 and size > 0):
            return []
        target = span / max(2.0, size / TIME_LABEL_PX)
        spacing = next((s for s in TIME_SPACINGS if s >= target), 86_400 * math.ceil(target / 86_400))
        offset = time.localtime(minVal).tm_gmtoff if spacing >= 60 else 0  # whole local minutes/hours/days
        first = math.ceil((minVal + offset) / spacing) * spacing - offset
        count = int((maxVal - first) / spacing) + 1
        return [(spacing, [first + i * spacing for i in range(max(0, count))])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if spacing < 1:
            return [fmt_time(v) for v in values]
        fmt = "%H:%M:%S" if spacing < 60 else "%H:%M" if spacing < 86_400 else "%d %b"
        return [time.strftime(fmt, time.localtime(v)) for v in values]
