"""Plot items for long series: a PlotDataItem drawing from min/max pyramids, and one layer for a chart's
horizontal reference lines."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.PlotDataItem import PlotDataset
from PySide6.QtCore import QPointF, QRectF, Slot
from PySide6.QtGui import QColor, QPainter, QPen

from gui.decimate import MinMaxPyramid


class SeriesItem(pg.PlotDataItem):
    """A PlotDataItem fed with a whole series that draws only what the view needs, from a min/max
    pyramid (:mod:`gui.decimate`): the raw points when zoomed in, one or two (max, min) pairs per pixel
    when zoomed out. Replaces pyqtgraph's clip-to-view + peak downsampling, which reduces every visible point on each
    pan and draws ~5 samples per pixel. ``xData``/``yData`` stay the whole series."""

    def __init__(self, **kwargs: object) -> None:
        self.pyramid = MinMaxPyramid()
        self._source: object = None
        self._use_pyramid = False
        self._serial = 0
        self._display_key: tuple = ()
        super().__init__(**kwargs)
        self.opts["dynamicRangeLimit"] = None  # y is fitted by the chart: no clipping pass per y change

    def set_series(self, x: np.ndarray, y: np.ndarray, edits: int = 0, source: object = None) -> None:
        """The whole series (views of the growing buffer ``source``); ``edits`` changes when old points
        changed. Another source (a cleared or replaced model) starts a new pyramid."""
        if source is not self._source:
            self._source = source
            self.pyramid = MinMaxPyramid()
        self.pyramid.update(x, y, edits)
        self._serial += 1
        self._use_pyramid = True
        pg.PlotDataItem.setData(self, x, y)

    def clear_series(self) -> None:
        """Draw nothing until the next :meth:`set_series`."""
        self.setData([], [])

    def setData(self, *args: object, **kwargs: object) -> None:
        self._use_pyramid = False  # data from elsewhere: pyqtgraph's own display path
        self._source = None
        self.pyramid = MinMaxPyramid()
        super().setData(*args, **kwargs)

    def _view_key(self) -> tuple | None:
        vb = self.getViewBox()
        if vb is None:
            return None
        (x0, x1), _ = vb.viewRange()
        return (x0, x1, vb.width(), self._serial)

    def _getDisplayDataset(self) -> object:
        if not self._use_pyramid or self._dataset is None:
            return super()._getDisplayDataset()
        key = self._view_key()
        if key is None:
            return super()._getDisplayDataset()
        if self._datasetDisplay is not None and key == self._display_key:
            return self._datasetDisplay
        x, y, _raw = self.pyramid.window(key[0], key[1], key[2])
        self._datasetDisplay = PlotDataset(x, y)
        self._display_key = key
        self.setProperty("xViewRangeWasChanged", False)
        self.setProperty("yViewRangeWasChanged", False)
        return self._datasetDisplay

    def viewRangeChanged(self, vb: object = None, ranges: object = None, changed: object = None) -> None:
        if not self._use_pyramid:
            super().viewRangeChanged(vb, ranges, changed)
            return
        self.update_display()

    def update_display(self) -> None:
        """Re-slice for the current view (x range or width changed); nothing when it is the same."""
        if not (self._use_pyramid and self._dataset is not None) or self._view_key() == self._display_key:
            return
        self._datasetDisplay = None
        if self.opts["symbol"] is None and self.opts["connect"] == "auto" and self.curve.isVisible():
            # only the points changed: hand them to the curve (updateItems re-applies every style option,
            # pen included, on each call)
            ds = self._getDisplayDataset()
            self.curve.setData(x=ds.x, y=ds.y, connect="finite", skipFiniteCheck=False)
        else:
            self.updateItems(styleUpdate=False)


class RefLine:
    """One horizontal reference line (a configured or spec value) with its label, drawn by the chart's
    :class:`ReferenceLayer`. Has the bits of pg.InfiniteLine's API the charts use."""

    def __init__(self, layer: ReferenceLayer, label: str, position: float) -> None:
        self.layer = layer
        self.label = label  # a format string with {value}
        self.position = position  # label's x as a fraction of the width
        self.pen = QPen()
        self.color = QColor()
        self._value: float | None = None
        self._visible = False
        self.text = ""

    def value(self) -> float | None:
        return self._value

    def setValue(self, value: float) -> None:
        self._value = float(value)
        self.text = self.label.format(value=self._value)
        self.layer.update()

    def isVisible(self) -> bool:
        return self._visible

    def show(self) -> None:
        self._visible = True
        self.layer.update()

    def hide(self) -> None:
        if self._visible:
            self._visible = False
            self.layer.update()

    def setPen(self, pen: QPen) -> None:
        self.pen = QPen(pen)
        self.layer.update()

    def setColor(self, color: QColor) -> None:
        self.color = QColor(color)
        self.layer.update()


class ReferenceLayer(pg.GraphicsObject):
    """Draws a chart's horizontal reference lines and their labels in the ViewBox's pixel coordinates.

    One item instead of one pg.InfiniteLine (+ label TextItem) per line: those are moved, re-clipped and
    re-labelled on every pan (about 0.5 ms each per range change); horizontal lines only move when the y
    range changes, and this layer just repaints then."""

    def __init__(self, vb: pg.ViewBox) -> None:
        super().__init__()
        self.vb = vb
        self.lines: list[RefLine] = []
        self._rect = QRectF()
        self.setParentItem(vb)
        self.setZValue(-10)  # under the data: a series equal to a limit is drawn over its dashed line
        self.labels = _ReferenceLabels(self)  # ...and the words over the data, where they stay legible
        vb.sigYRangeChanged.connect(self._on_y_changed)
        vb.sigResized.connect(self._on_resized)
        self._on_resized()

    def add(self, label: str, position: float) -> RefLine:
        line = RefLine(self, label, position)
        self.lines.append(line)
        return line

    def update(self, *args: object) -> None:
        super().update(*args)
        self.labels.update()

    @Slot()
    def _on_resized(self, *args: object) -> None:
        rect = QRectF(self.vb.rect())
        if rect != self._rect:
            self.prepareGeometryChange()
            self.labels.prepareGeometryChange()
            self._rect = rect
        self.update()

    @Slot(object, object)
    def _on_y_changed(self, *args: object) -> None:
        self.update()

    def _rows(self) -> list[tuple[RefLine, float]]:
        """Visible lines with their pixel row."""
        _, (y0, y1) = self.vb.viewRange()
        h = self._rect.height()
        if not (y1 > y0 and h > 0):
            return []
        out = []
        for line in self.lines:
            v = line.value()
            if not line.isVisible() or v is None:
                continue
            py = (y1 - v) / (y1 - y0) * h
            if -0.5 <= py <= h + 0.5:
                out.append((line, py))
        return out

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, p: QPainter, *args: object) -> None:
        w = self._rect.width()
        for line, py in self._rows():
            p.setPen(line.pen)
            p.drawLine(QPointF(0.0, py), QPointF(w, py))

    def paint_labels(self, p: QPainter) -> None:
        w = self._rect.width()
        fm = p.fontMetrics()
        taken: list[QRectF] = []  # labels drawn so far: a label never covers another one
        for line, py in self._rows():
            if not line.text:
                continue
            box = QRectF(line.position * w + 2, py + 1, fm.horizontalAdvance(line.text), fm.height())
            for other in taken:
                if box.intersects(other):
                    box.moveLeft(other.right() + 10)
            if box.right() > w:  # keep it inside the plot
                box.moveLeft(max(0.0, w - box.width() - 2))
            taken.append(box)
            p.setPen(line.color)
            p.drawText(QPointF(box.left(), py + fm.ascent() + 1), line.text)


class _ReferenceLabels(pg.GraphicsObject):
    """The reference lines' labels, above the data (their layer's lines are below it)."""

    def __init__(self, layer: ReferenceLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setParentItem(layer.vb)
        self.setZValue(10)

    def boundingRect(self) -> QRectF:
        return self.layer.boundingRect()

    def paint(self, p: QPainter, *args: object) -> None:
        self.layer.paint_labels(p)
