"""A time chart: pyqtgraph plot with a UTC-epoch date axis, curves fed from the model's numpy buffers,
reference lines (configured and spec values), legend, hover read-out, and a highlight marker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui.charts.axes import LeanAxis, TimeAxis, fmt_time, fmt_value
from gui.charts.items import ReferenceLayer, RefLine, SeriesItem
from gui.charts.theme import ChartTheme
from gui.dashboard_model import SERIES, DashboardModel

__all__ = ["LeanAxis", "TimeAxis", "TimeChart", "fmt_time", "fmt_value"]

TOP_HEADROOM = 0.18  # of the y span above the highest value: a line at a limit never runs along the top edge
BOTTOM_PAD = 0.06
RIGHT_HEADROOM = 1.0  # the right axis reaches twice its highest value: its series run in the lower half,
# apart from a left series of the same height (6 segments of 1 s would sit exactly on a 6 s window)
MANY_POINTS = 1500  # draw point symbols only below this many visible points...
SYMBOL_PX = 4  # ...and when they are at least this many pixels apart on average
AXIS_WIDTH = 58


@dataclass
class Curve:
    series: str
    label: str
    unit: str
    item: pg.PlotDataItem
    color_key: str
    symbol: str | None
    right: bool
    version: int = -1


@dataclass
class Reference:
    key: str
    label: str
    line: RefLine
    color_key: str
    right: bool = False


class TimeChart(QWidget):
    """One dashboard chart. ``refresh()`` is called by the window's redraw timer (GUI thread)."""

    user_moved = Signal()
    x_range_changed = Signal(float, float)
    shown = Signal()  # the chart became visible (its dock was shown or its tab raised)

    def __init__(
        self,
        title: str,
        y_label: str,
        model: DashboardModel,
        theme: ChartTheme,
        right_label: str | None = None,
        parent: QWidget | None = None,
        show_title: bool = False,
        in_plot_legend: bool = False,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.model = model
        self.theme = theme
        self.curves: list[Curve] = []
        self.refs: list[Reference] = []
        self._ref_layers: dict[bool, ReferenceLayer] = {}
        self._ref_values: dict[str, float | None] = {}
        self._fitted: dict[bool, tuple[float, float]] = {}
        self._fit_state: tuple = ()
        self._title = QLabel(f"<b>{title}</b>")
        self._title.setVisible(show_title)
        self._readout = QLabel("")
        self._readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._readout.setToolTip("hover read-out: values nearest the mouse")
        self.key = QLabel("")
        self.key.setObjectName("legend")
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setWordWrap(True)
        self._key_state: tuple = ()
        self.plot_widget = pg.PlotWidget(
            axisItems={"bottom": TimeAxis(), "left": LeanAxis("left"), "right": LeanAxis("right")}
        )
        self.plot_widget.setObjectName(f"chart-{title}")
        # (viewport update mode Full vs Minimal and the scene's BSP index vs NoIndex: measured, no difference)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.hideAxis("right")  # (an axis item passed in is shown; only charts with a right_label use it)
        # (no pyqtgraph clip-to-view/downsampling: SeriesItem draws from min/max pyramids)
        self.plot.setLabel("left", y_label)
        self.plot.getAxis("left").setWidth(AXIS_WIDTH)  # a fixed width: no relayout (and second paint) on zoom
        # axes are most of a chart's paint cost: fewer tick levels, no label-overlap search on value axes
        # (the time axis spaces its labels itself; no SI prefix: it re-renders the label's HTML on every pan)
        self.plot.getAxis("bottom").setStyle(maxTickLevel=1, hideOverlappingLabels=False)
        self.plot.getAxis("left").setStyle(maxTickLevel=1, hideOverlappingLabels=False)
        for name in ("left", "right", "top"):  # hidden axes too: they still follow every range change
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.plot.setMenuEnabled(True)
        self.vb: pg.ViewBox = self.plot.getViewBox()
        self.vb.setMouseEnabled(x=True, y=False)
        # y ranges are fitted by fit_y() from our own buffers (pyqtgraph's auto-visible range costs ~3 ms per
        # chart per pan in Python and triggers a second paint)
        self.vb.enableAutoRange(axis=pg.ViewBox.YAxis, enable=False)
        self.vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.vb.sigXRangeChanged.connect(self._on_vb_x_range_changed)
        self.vb.sigResized.connect(self._on_resized)
        self.legend = pg.LegendItem(offset=(-4, 4), labelTextSize="8pt", verSpacing=-6)
        if in_plot_legend:
            self.legend.setParentItem(self.plot.vb)
        self.right_vb: pg.ViewBox | None = None
        if right_label:
            self._make_right_axis(right_label)
        self._marker = pg.InfiniteLine(angle=90, movable=False)
        self._marker.setZValue(50)
        self._marker.hide()
        # marker and cursor join the plot only when first used: every line in a plot costs time on each pan
        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((128, 128, 128, 120)))
        self._cursor.hide()
        self._mouse_proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        head = QHBoxLayout()
        head.setContentsMargins(4, 2, 4, 0)
        head.addWidget(self._title)
        head.addWidget(self._readout, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(head)
        self.key.setContentsMargins(6, 0, 4, 0)
        layout.addWidget(self.key)
        layout.addWidget(self.plot_widget, 1)
        self.apply_theme(theme)
        model.on_reset(self._on_model_reset)

    # --- construction --------------------------------------------------------------------------
    def _make_right_axis(self, label: str) -> None:
        self.right_vb = pg.ViewBox()
        self.right_vb.setZValue(5)  # its series over the left ones: one at the same height stays visible
        self.plot.showAxis("right")
        self.plot.scene().addItem(self.right_vb)
        self.plot.getAxis("right").linkToView(self.right_vb)
        self.right_vb.setXLink(self.plot)
        self.right_vb.enableAutoRange(axis=pg.ViewBox.YAxis, enable=False)
        self.right_vb.setMouseEnabled(x=False, y=False)
        self._right_label = label
        self.plot.setLabel("right", label)
        self.plot.getAxis("right").setWidth(AXIS_WIDTH)
        self.plot.getAxis("right").setStyle(maxTickLevel=1, hideOverlappingLabels=False)
        self.plot.getAxis("right").enableAutoSIPrefix(False)
        self.vb.sigResized.connect(self._sync_right_geometry)

    @Slot()
    def _sync_right_geometry(self) -> None:
        if self.right_vb is not None:
            self.right_vb.setGeometry(self.vb.sceneBoundingRect())
            self.right_vb.linkedViewChanged(self.vb, self.right_vb.XAxis)

    def add_curve(
        self,
        series: str,
        color_key: str,
        *,
        symbol: str | None = None,
        right: bool = False,
        label: str | None = None,
        dash: bool = False,
    ) -> Curve:
        """Curves are drawn in the order added, the later over the earlier: a dashed series added after a
        solid one it often equals (the CDN's copy of an origin value) shows both, in alternating dashes.
        (Not a wide band under it: a pen wider than 1 px costs ~4 ms per curve and paint.)"""
        name, unit = SERIES.get(series, (series, ""))
        item = SeriesItem(name=label or name)
        item.opts["dash"] = dash
        if right and self.right_vb is not None:
            self.right_vb.addItem(item)
            self.legend.addItem(item, label or name)
        else:
            self.plot.addItem(item)
            self.legend.addItem(item, label or name)
        curve = Curve(series, label or name, unit, item, color_key, symbol, right)
        self.curves.append(curve)
        self._style_curve(curve)
        self._tint_right_axis()
        return curve

    def add_reference(
        self, key: str, label: str, color_key: str, right: bool = False, position: float = 0.02
    ) -> Reference:
        on_right = right and self.right_vb is not None
        layer = self._ref_layers.get(on_right)
        if layer is None:
            layer = self._ref_layers[on_right] = ReferenceLayer(self.right_vb if on_right else self.vb)
        line = layer.add(label, position)  # text just below the line, at ``position`` of the width
        ref = Reference(key, label, line, color_key, right)
        self.refs.append(ref)
        self._style_reference(ref)
        return ref

    # --- theme ---------------------------------------------------------------------------------
    def color(self, key: str) -> QColor:
        if key.startswith("#"):
            return QColor(key)
        if key.startswith("palette"):
            return QColor(self.theme.palette[int(key[7:]) % len(self.theme.palette)])
        return QColor(self.theme.named(key))

    def _style_curve(self, c: Curve) -> None:
        pen = pg.mkPen(self.color(c.color_key), width=1)
        if c.item.opts.get("dash"):
            pen.setStyle(Qt.PenStyle.DashLine)
        c.item.setPen(pen)
        if c.symbol:
            c.item.setSymbol(c.symbol)
            c.item.setSymbolSize(5)
            c.item.setSymbolPen(None)
            c.item.setSymbolBrush(self.color(c.color_key))

    def _style_reference(self, r: Reference) -> None:
        pen = QPen(self.color(r.color_key))
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        r.line.setPen(pen)
        r.line.setColor(self.color(r.color_key))

    def _tint_right_axis(self) -> None:
        """The right axis (line, numbers, label) in the colour of its series when they share one: a value on
        it is never read against the left axis."""
        colors = {c.color_key for c in self.curves if c.right}
        if self.right_vb is None:
            return
        tint = self.color(next(iter(colors))) if len(colors) == 1 else QColor(self.theme.foreground)
        axis = self.plot.getAxis("right")
        axis.setPen(tint)
        axis.setTextPen(tint)
        axis.setLabel(self._right_label, color=tint.name())

    def apply_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        self.plot_widget.setBackground(theme.background)
        fg = QColor(theme.foreground)
        for name in ("left", "bottom", "right"):
            axis = self.plot.getAxis(name)
            axis.setPen(fg)
            axis.setTextPen(fg)
        self._tint_right_axis()
        # no grid: pyqtgraph replays grid lines from a QPicture on every paint (10x the axis cost)
        self.legend.setLabelTextColor(fg)
        self._key_state = ()
        for c in self.curves:
            self._style_curve(c)
        for r in self.refs:
            self._style_reference(r)
        self._marker.setPen(pg.mkPen(self.color("highlight"), width=2))

    # --- data ----------------------------------------------------------------------------------
    def _on_model_reset(self) -> None:
        """The model started over (Play, File → Open): nothing of the old buffers stays drawn."""
        for c in self.curves:
            c.version = -1
            c.item.clear_series()
        self._fit_state = ()
        self._fitted.clear()
        self._key_state = ()

    def reference_values(self) -> dict[str, float | None]:
        """Override: the current value of each reference line (None hides it)."""
        return {}

    def refresh(self) -> bool:
        """Push changed buffers to the curves. Returns True when something was redrawn."""
        changed = False
        for c in self.curves:
            buf = self.model.series.get(c.series)
            if buf is None or (buf is c.item._source and buf.version == c.version):
                continue
            c.version = buf.version
            c.item.set_series(buf.view(0), buf.view(1), buf.edits, source=buf)
            changed = True
        if changed:
            self._update_symbols()
        values = self.reference_values()
        self._update_key(values)
        self._ref_values = values
        for r in self.refs:
            v = values.get(r.key)
            if v is None or not math.isfinite(v):
                r.line.hide()
                continue
            if r.line.value() != v or not r.line.isVisible():
                r.line.show()
                r.line.setValue(v)
                changed = True
        return changed

    def _update_symbols(self) -> None:
        """Point symbols only where the visible points are few and far apart enough to tell apart."""
        (x0, x1), _ = self.vb.viewRange()
        limit = min(MANY_POINTS, self.vb.width() / SYMBOL_PX)
        for c in self.curves:
            if not c.symbol:
                continue
            want = c.symbol if c.item.pyramid.visible_count(x0, x1) <= limit else None
            if c.item.opts["symbol"] != want:
                c.item.setSymbol(want)

    @Slot()
    def _on_resized(self) -> None:
        self._sync_right_geometry()
        for c in self.curves:
            c.item.update_display()
        self._update_symbols()

    def _update_key(self, values: dict[str, float | None]) -> None:
        """Legend above the plot (never over the data): only series that have data, and shown refs."""
        present = tuple(c.series for c in self.curves if c.series in self.model.series)
        refs = tuple(r.key for r in self.refs if values.get(r.key) is not None)
        state = (present, refs, self.theme.dark)
        if state == self._key_state:
            return
        self._key_state = state
        parts = []
        for c in self.curves:
            if c.series in present:
                mark = "┄┄" if c.item.opts.get("dash") else "━━"
                side = " <b>(right axis)</b>" if c.right else ""
                parts.append(f"<span style='color:{self.color(c.color_key).name()}'>{mark}</span> {c.label}{side}")
        text = " &nbsp; ".join(parts) if parts else "<i>waiting for data…</i>"
        self.key.setText(f"<span style='font-size:8pt'>{text}</span>")

    def fit_y(self, x0: float | None = None, x1: float | None = None) -> None:
        """Fit each y axis to the data inside [x0, x1] and the reference lines (numpy on sorted x)."""
        if x0 is None or x1 is None:
            (x0, x1), _ = self.vb.viewRange()
        for right, key in self._fit_ranges(x0, x1).items():
            vb = self.right_vb if right else self.vb
            if vb is not None:
                vb.setYRange(key[0], key[1], padding=0)
        self.apply_view()

    def set_view(self, x0: float, x1: float) -> None:
        """New time range with the y axes fitted to it, applied as one range change (one round of range
        signals, axis updates and curve re-clipping instead of one for x and another for y)."""
        fits = self._fit_ranges(x0, x1)
        left = fits.pop(False, None)
        if left is not None:
            self.vb.setRange(xRange=(x0, x1), yRange=left, padding=0)
        else:
            self.vb.setXRange(x0, x1, padding=0)
        if True in fits and self.right_vb is not None:
            self.right_vb.setYRange(*fits[True], padding=0)
        self.apply_view()

    def _fit_ranges(self, x0: float, x1: float) -> dict[bool, tuple[float, float]]:
        """The y ranges (False: left axis, True: right) that must change for [x0, x1]."""
        state = (x0, x1, tuple(c.version for c in self.curves), tuple(self._ref_values.items()))
        if state == self._fit_state:
            return {}
        self._fit_state = state
        out: dict[bool, tuple[float, float]] = {}
        for right, vb in ((False, self.vb), (True, self.right_vb)):
            if vb is None:
                continue
            lo, hi = math.inf, -math.inf
            for c in self.curves:
                if c.right != right:
                    continue
                buf = self.model.series.get(c.series)
                if buf is None or not len(buf):
                    continue
                xs = buf.view(0)
                i0, i1 = np.searchsorted(xs, (x0, x1))
                seg = buf.view(1)[max(0, i0 - 1) : i1 + 1]
                if not len(seg):
                    continue
                smin, smax = float(seg.min()), float(seg.max())
                if smin != smin or smax != smax:  # NaN gaps: the slower nan-aware reduction
                    if np.isnan(seg).all():
                        continue
                    smin, smax = float(np.nanmin(seg)), float(np.nanmax(seg))
                lo, hi = min(lo, smin), max(hi, smax)
            for r in self.refs:
                v = self._ref_values.get(r.key)
                if r.right == right and v is not None and math.isfinite(v):
                    lo, hi = min(lo, v), max(hi, v)
            if not math.isfinite(lo):
                continue
            if lo >= 0 and hi > 0 and (right or lo <= 0.5 * hi):
                lo = 0.0  # small positive values and the right axis' counts and sizes: from zero
            span = (hi - lo) or max(abs(hi) * 0.2, 1.0)
            top = hi + span * (RIGHT_HEADROOM if right else TOP_HEADROOM)
            key = (lo - span * BOTTOM_PAD if lo else lo - span * 0.02, top)
            if key != self._fitted.get(right):
                self._fitted[right] = key
                out[right] = key
        return out

    def apply_view(self) -> None:
        """Apply the pending view transform now: pyqtgraph applies it lazily inside the paint, which
        moves every item and schedules a second full paint of the chart."""
        for vb in (self.vb, self.right_vb):
            if vb is not None and vb._matrixNeedsUpdate:
                vb.updateMatrix()

    def sync_autorange(self) -> None:
        """Compatibility name: fit the y axes to the current x range."""
        self.fit_y()

    def set_x_range(self, x0: float, x1: float) -> None:
        self.vb.setXRange(x0, x1, padding=0)

    def highlight_time(self, t: float | None) -> None:
        if t is None:
            self._marker.hide()
        else:
            if self._marker.scene() is None:
                self.plot.addItem(self._marker, ignoreBounds=True)
            self._marker.setValue(t)
            self._marker.show()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        self.shown.emit()

    # --- interaction ---------------------------------------------------------------------------
    @Slot(object, object)
    def _on_vb_x_range_changed(self, vb: object, x_range: object) -> None:
        x0, x1 = x_range
        self._update_symbols()
        self.x_range_changed.emit(float(x0), float(x1))

    @Slot()
    def _on_range_changed_manually(self, *args: object) -> None:
        self.user_moved.emit()

    def _on_mouse_moved(self, evt: tuple) -> None:
        pos = evt[0]
        if not self.plot.sceneBoundingRect().contains(pos):
            self._cursor.hide()
            return
        pt = self.vb.mapSceneToView(pos)
        if self._cursor.scene() is None:
            self.plot.addItem(self._cursor, ignoreBounds=True)
        self._cursor.setValue(pt.x())
        self._cursor.show()
        self._readout.setText(self.readout_at(pt.x(), pt.y()))

    def readout_at(self, x: float, y: float) -> str:
        parts = [f"<span>{fmt_time(x)}</span>"]
        for c in self.curves:
            buf = self.model.series.get(c.series)
            if buf is None or not len(buf):
                continue
            xs = buf.view(0)
            i = int(np.searchsorted(xs, x))
            cand = [j for j in (i - 1, i) if 0 <= j < len(xs)]
            j = min(cand, key=lambda k: abs(xs[k] - x))
            color = self.color(c.color_key).name()
            val = fmt_value(buf.get(j, 1), c.unit)
            parts.append(f"<span style='color:{color}'>{c.label}: <b>{val}</b></span>")
        return " &nbsp; ".join(parts)
