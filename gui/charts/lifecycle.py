"""Segment lifecycle timeline: one bar per segment, first seen → left the playlist → gone.

Rows are segments (y = order of first appearance; the axis shows media sequence numbers); origin is
drawn in the upper half of each row, the CDN in the lower half. Solid bar: listed in the playlist;
thin bar: removed but still downloadable; tick: first 404; shaded: the predicted deletion interval.
Drawing is done by one GraphicsObject that paints only the visible rows (strided when zoomed out), so a
24-hour session stays fast.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from gui.charts.axes import LeanAxis, fmt_time
from gui.charts.base import TimeChart
from gui.charts.theme import ChartTheme
from gui.dashboard_model import (
    FIRST_HI,
    FIRST_LO,
    GONE_HI,
    GONE_LO,
    LEFT_HI,
    LEFT_LO,
    PRED_HI,
    PRED_LO,
    DashboardModel,
    Y,
)

MAX_BARS = 1000  # per endpoint per paint; beyond that, rows are strided (visually identical)
THUMB_HEIGHT = 45  # px: the hovered segment's thumbnail in the read-out (half its stored size)
LANES = {"origin": -0.2, "cdn": 0.2}
BAR_H = 0.36


def _mid(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), b, (a + b) / 2)


class LifecycleItem(pg.GraphicsObject):
    """Paints the visible part of the lifecycle tables of a DashboardModel."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__()
        self.model = model
        self.theme = theme
        self.highlight_y: float | None = None
        self._bounds = QRectF()
        self.last_paint_bars = 0
        self._layers: list[tuple[internals.PrimitiveArray, QBrush]] = []
        self._layers_key: tuple = ()
        self._derived_cache: dict[str, dict] = {}
        model.on_reset(self._derived_cache.clear)  # derived arrays of the old tables are stale

    def data_changed(self) -> None:
        m = self.model
        n = max((len(t) for t in m.lifecycles.values()), default=0)
        if not m.has_data or n == 0:
            bounds = QRectF()
        else:
            ys = len(m._y_of)
            bounds = QRectF(m.t_min, -1.0, max(1e-3, m.t_max - m.t_min), ys + 1.0)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: tuple | None = None) -> tuple | None:
        if self._bounds.isNull():
            return None
        if ax == 0:
            return (self._bounds.left(), self._bounds.right())
        if orthoRange is None:
            return (self._bounds.top(), self._bounds.bottom())
        lo, hi = self.visible_rows(orthoRange[0], orthoRange[1])
        return (lo, hi) if lo is not None else None

    def visible_rows(self, x0: float, x1: float) -> tuple[float | None, float | None]:
        """Lowest and highest row that has a bar inside [x0, x1]."""
        lo, hi = math.inf, -math.inf
        for endpoint, table in self.model.lifecycles.items():
            if not len(table):
                continue
            d = self._derived(endpoint, table)
            i0, i1 = _time_rows(d, "linger_end", x0, x1)
            sel = table.col(Y)[i0:i1][(d["first"][i0:i1] <= x1) & (d["linger_end"][i0:i1] >= x0)]
            if len(sel):
                lo, hi = min(lo, float(sel.min())), max(hi, float(sel.max()))
        return (lo - 0.6, hi + 0.6) if math.isfinite(lo) else (None, None)

    def paint(self, p: QPainter, *args: object) -> None:
        vb = self.getViewBox()
        if vb is None or self._bounds.isNull():
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        key = (x0, x1, y0, y1, self.model.version, self.theme.dark, self.pixel_width())
        if key != self._layers_key:  # a repaint of the same view reuses the built paths
            self._layers_key = key
            self._layers = []
            bars = 0
            for endpoint, table in self.model.lifecycles.items():
                if len(table):
                    bars += self._build_endpoint(endpoint, table, x0, x1, y0, y1)
            self.last_paint_bars = bars
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(Qt.PenStyle.NoPen)
        for rects, brush in self._layers:
            p.setBrush(brush)
            p.drawRects(*rects.drawargs())
        if self.highlight_y is not None:
            pen = QPen(QColor(self.theme.highlight))
            pen.setCosmetic(True)
            pen.setWidth(2)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0, self.highlight_y - 0.5, x1 - x0, 1.0))

    def _derived(self, endpoint: str, table: object) -> dict[str, np.ndarray]:
        """Per-endpoint arrays that depend only on the data (cached per buffer version)."""
        cached = self._derived_cache.get(endpoint)
        now = self.model.t_max
        if cached is not None and cached["version"] == (table.buf.version, now):
            return cached
        first = _mid(table.col(FIRST_LO), table.col(FIRST_HI))
        left = _mid(table.col(LEFT_LO), table.col(LEFT_HI))
        gone = _mid(table.col(GONE_LO), table.col(GONE_HI))
        pred_hi = table.col(PRED_HI)
        end = np.where(np.isnan(gone), now, gone)
        y = table.col(Y) + LANES.get(endpoint, 0.0)
        d = {
            "version": (table.buf.version, now),
            "y": y,
            "y_sorted": bool(len(y) < 2 or (y[1:] >= y[:-1]).all()),
            "first": first,
            "left": left,
            "gone": gone,
            "listed_end": np.where(np.isnan(left), now, left),
            "linger_end": end,
            "end": np.fmax(end, np.nan_to_num(pred_hi, nan=-np.inf)),
            "pred_lo": table.col(PRED_LO),
            "pred_hi": pred_hi,
        }
        # monotone bounds for a time range: rows before the first whose running max of the end reaches x0,
        # or from the first whose min of all later starts is past x1, have no bar in [x0, x1]
        d["first_later_min"] = np.fmin.accumulate(first[::-1])[::-1]
        d["linger_end_max"] = np.fmax.accumulate(d["linger_end"])
        d["end_max"] = np.fmax.accumulate(d["end"])
        self._derived_cache[endpoint] = d
        return d

    def _build_endpoint(self, endpoint: str, table: object, x0: float, x1: float, y0: float, y1: float) -> int:
        d = self._derived(endpoint, table)
        y, first, left, gone = d["y"], d["first"], d["left"], d["gone"]
        # rows are appended in order of first appearance, so y is sorted: the visible rows are one slice
        i0, i1 = np.searchsorted(y, (y0 - 1, y1 + 1)) if d["y_sorted"] else (0, len(y))
        t0, t1 = _time_rows(d, "end", x0, x1)
        i0, i1 = max(i0, t0), max(min(i1, t1), max(i0, t0))
        mask = (first[i0:i1] <= x1) & (d["end"][i0:i1] >= x0)
        if not d["y_sorted"]:
            mask &= (y[i0:i1] >= y0 - 1) & (y[i0:i1] <= y1 + 1)
        idx = np.nonzero(mask)[0] + i0
        if not len(idx):
            return 0
        vb = self.getViewBox()
        # about one bar per pixel row: thinner rows cannot be told apart on screen anyway
        max_bars = min(MAX_BARS, int(vb.height())) if vb is not None and vb.height() > 0 else MAX_BARS
        stride = max(1, math.ceil(len(idx) / max(50, max_bars)))
        idx = idx[::stride]
        n = len(idx)
        px_w, px_h = self.pixel_size()
        # strided rows stand for their neighbours: fill the gap; never thinner or shorter than a pixel
        # (sub-pixel bars are dropped by the rasteriser, which left a 24-hour view nearly empty)
        h = max(BAR_H if stride == 1 else 0.9 * stride, px_h)
        hs = np.full(n, h)
        pred = QColor(self.theme.prediction)
        pred.setAlpha(70)
        ok = idx[~np.isnan(d["pred_lo"][idx])]
        pred_w = np.maximum(d["pred_hi"][ok] - d["pred_lo"][ok], px_w)
        self._layers.append((_rects(d["pred_lo"][ok], y[ok] - h / 2, pred_w, hs[: len(ok)]), QBrush(pred)))
        detail = stride <= 2  # zoomed out, the thin marks are below a pixel: skip them
        lg = idx[~np.isnan(left[idx])] if detail else idx[:0]
        self._layers.append(
            (
                _rects(left[lg], y[lg] - h / 6, np.maximum(d["linger_end"][lg] - left[lg], px_w), hs[: len(lg)] / 3),
                QBrush(QColor(self.theme.lingering)),
            )
        )
        color = QColor(self.theme.origin if endpoint == "origin" else self.theme.cdn)
        listed_w = np.maximum(d["listed_end"][idx] - first[idx], px_w)
        self._layers.append((_rects(first[idx], y[idx] - h / 2, listed_w, hs), QBrush(color)))
        gn = idx[~np.isnan(gone[idx])] if detail else idx[:0]
        if len(gn):  # gone: a tick 2 px wide
            px = px_w * (2 if stride == 1 else 1)
            self._layers.append(
                (
                    _rects(gone[gn] - px / 2, y[gn] - h / 2, np.full(len(gn), px), hs[: len(gn)]),
                    QBrush(QColor(self.theme.spec)),
                )
            )
        return n

    def pixel_size(self) -> tuple[float, float]:
        """Data units per pixel (x: seconds, y: rows)."""
        vb = self.getViewBox()
        size = vb.viewPixelSize() if vb is not None else (0.01, 0.01)
        return float(size[0]), float(size[1])

    def pixel_width(self) -> float:
        vb = self.getViewBox()
        size = vb.viewPixelSize() if vb is not None else (0.01, 0.01)
        return float(size[0])


def _time_rows(d: dict[str, np.ndarray], end_key: str, x0: float, x1: float) -> tuple[int, int]:
    """Row range [i0, i1) outside which no row's bar (first seen .. ``end_key``) touches [x0, x1]."""
    i0 = int(np.searchsorted(d[f"{end_key}_max"], x0, "left"))
    i1 = int(np.searchsorted(d["first_later_min"], x1, "right"))
    return i0, max(i0, i1)


def _rects(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> internals.PrimitiveArray:
    """Many rectangles as one array of QRectF written in place by numpy (as pyqtgraph's BarGraphItem),
    drawn with one drawRects call: no QPainterPath to build and no polygon filling."""
    arr = internals.PrimitiveArray(QRectF, 4)
    arr.resize(len(x))
    if len(x):
        mem = arr.ndarray()
        mem[:, 0] = x
        mem[:, 1] = y
        mem[:, 2] = w
        mem[:, 3] = h
    return arr


class SequenceAxis(LeanAxis):
    """Left axis of the timeline: shows media sequence numbers for row positions."""

    def __init__(self, model: DashboardModel) -> None:
        super().__init__(orientation="left")
        self.model = model
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        seqs = self.model.row_sequences
        out = []
        for v in values:
            i = round(v)
            out.append(str(seqs[i]) if abs(v - i) < 1e-6 and 0 <= i < len(seqs) else "")
        return out


class LifecycleChart(TimeChart):
    """Timeline chart wrapping LifecycleItem, with a legend of what each mark means."""

    item: LifecycleItem | None = None  # (set after the base class has applied the theme once)

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Segment lifecycle", "media sequence", model, theme, show_title=True, in_plot_legend=True)
        self.legend.setOffset((60, 4))
        self.plot.setAxisItems({"left": SequenceAxis(model)})
        for name in ("right", "top"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.plot.setLabel("left", "segment (media sequence)")
        self.plot.getAxis("left").setWidth(70)
        self.plot.getAxis("left").setStyle(maxTickLevel=1, hideOverlappingLabels=False)
        super().apply_theme(theme)  # the replaced axis needs the theme's pens
        self.vb.setMouseEnabled(x=True, y=True)
        self.item = LifecycleItem(model, theme)
        self.plot.addItem(self.item)
        self._version = -1
        for label, key, width in (
            ("listed, origin", "origin", 8),
            ("listed, CDN", "cdn", 8),
            ("removed, still served", "lingering", 3),
            ("gone (first 404)", "spec", 2),
            ("predicted deletion", "prediction", 8),
        ):
            dummy = pg.PlotDataItem(pen=pg.mkPen(self.color(key), width=width))
            self.legend.addItem(dummy, label)
        self.key.hide()

    def apply_theme(self, theme: ChartTheme) -> None:
        super().apply_theme(theme)
        if self.item is not None:
            self.item.theme = theme
            self.item.update()

    def refresh(self) -> bool:
        if self.model.version == self._version:
            return False
        self._version = self.model.version
        self.item.data_changed()
        return True

    def fit_y(self, x0: float | None = None, x1: float | None = None) -> None:
        """The timeline's y range is set by the window (follow mode) or by the user."""
        self.apply_view()

    def set_view(self, x0: float, x1: float) -> None:
        self.set_x_range(x0, x1)

    def highlight_segment(self, y: float | None) -> None:
        self.item.highlight_y = y
        self.item.update()

    def readout_at(self, x: float, y: float) -> str:
        row_y = round(y)
        parts = [fmt_time(x)]
        for endpoint, table in self.model.lifecycles.items():
            if not len(table):
                continue
            rows = np.nonzero(table.col(Y) == row_y)[0]
            if not len(rows):
                continue
            r = int(rows[0])
            b = table.buf
            first = _nanmid(b.get(r, FIRST_LO), b.get(r, FIRST_HI))
            left = _nanmid(b.get(r, LEFT_LO), b.get(r, LEFT_HI))
            gone = _nanmid(b.get(r, GONE_LO), b.get(r, GONE_HI))
            txt = f"<b>{endpoint}</b> #{table.seqs[r]} {table.uris[r]}: seen {fmt_time(first)}"
            if math.isfinite(left):
                txt += f", listed {left - first:.1f} s"
            if math.isfinite(gone) and math.isfinite(left):
                txt += f", gone {gone - left:.1f} s after leaving"
            elif math.isfinite(left):
                txt += ", still served"
            plo, phi = b.get(r, PRED_LO), b.get(r, PRED_HI)
            if math.isfinite(plo) and math.isfinite(left):
                txt += f" (predicted {plo - left:.0f}–{phi - left:.0f} s)"
            thumb = self.model.thumbnails.get((endpoint, table.seqs[r]))
            if thumb is not None:  # what the segment shows (content analysis); a missing file shows nothing
                txt += f" <img src='{html.escape(thumb, quote=True)}' height='{THUMB_HEIGHT}' align='middle'>"
            parts.append(txt)
        return " &nbsp; ".join(parts)


def _nanmid(a: float, b: float) -> float:
    if math.isnan(a):
        return b
    return (a + b) / 2
