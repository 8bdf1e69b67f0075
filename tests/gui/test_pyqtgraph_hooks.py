"""The pyqtgraph internals the charts build on (pyproject.toml pins the versions they are known in).

gui/charts draws long series from its own min/max pyramids (SeriesItem), axes with less Python per pan
(LeanAxis) and the lifecycle bars as primitive arrays; pyqtgraph's public clip-to-view + peak downsampling
reduces every visible point on each pan. If an upgrade moves one of these, this test names it."""

from __future__ import annotations

import inspect

import numpy as np
import pyqtgraph as pg


def test_plot_data_item_display_hooks(qtbot):
    from pyqtgraph.graphicsItems.PlotDataItem import PlotDataset

    item = pg.PlotDataItem()
    item.setData(np.arange(5.0), np.arange(5.0))
    assert callable(item._getDisplayDataset)
    assert isinstance(item._dataset, PlotDataset) and hasattr(item, "_datasetDisplay")
    assert {"vb", "ranges", "changed"} <= set(inspect.signature(item.viewRangeChanged).parameters)
    assert "styleUpdate" in inspect.signature(item.updateItems).parameters
    assert isinstance(item.curve, pg.PlotCurveItem)
    for key in ("symbol", "connect", "dynamicRangeLimit"):
        assert key in item.opts
    assert PlotDataset(np.arange(3.0), np.arange(3.0)).x is not None


def test_view_box_and_axis_hooks(qtbot):
    vb = pg.ViewBox()
    assert isinstance(vb._matrixNeedsUpdate, bool) and callable(vb.updateMatrix)
    axis = pg.AxisItem("left")
    assert callable(axis.deviceTransform_) and callable(axis._updateMaxTextSize)
    assert axis._tickLevels is None and "stopAxisAtTick" in axis.style and "tickFont" in axis.style
    assert callable(axis.generateDrawSpecs)


def test_primitive_arrays_for_the_lifecycle_bars():
    from pyqtgraph.Qt import internals

    arr = internals.PrimitiveArray(pg.QtCore.QRectF, 4)
    arr.resize(3)
    assert arr.ndarray().shape == (3, 4)
