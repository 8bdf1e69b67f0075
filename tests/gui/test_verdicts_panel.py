"""The verdicts list: sentences wrap at any width, the selection survives the periodic refresh, and the
detail follows the selection."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle

from gui.dashboard_model import VerdictItem
from gui.verdicts_panel import NO_SELECTION, TEXT, VerdictsPanel

LONG = (
    "Deleted 11.7 s after leaving the playlist; nginx-rtmp with playlist_length 10 s predicts 9 to 30 s: as "
    "expected. The spec wants at least 12 s (its duration + the playlist's): removed too early for RFC 8216 "
    "§6.2.2, which a player that is far behind the live edge meets as a 404 for this segment."
)


def _verdicts(deleted: int) -> list[VerdictItem]:
    return [
        VerdictItem(topic="appear", status="ok", text="Appearances: 30 of 30 inside the prediction."),
        VerdictItem(topic="gone", status="info", text=f"{LONG} ({deleted} deletions so far)", numbers="obs 11.7 s"),
        VerdictItem(topic="advice: playlist length", status="warn", text=LONG),
    ]


@pytest.fixture
def panel(qtbot):
    p = VerdictsPanel()
    qtbot.addWidget(p)
    p.show()
    return p


@pytest.mark.parametrize("width", [420, 800, 1600])
def test_every_sentence_has_the_lines_it_needs_at_any_width(qtbot, panel, width):
    panel.resize(width, 700)
    panel.set_verdicts(_verdicts(3))
    qtbot.wait(50)  # the relayout after the columns took their widths
    tree = panel.tree
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    metrics = QFontMetrics(tree.font())
    column = tree.columnWidth(TEXT)
    assert column >= min(width // 3, 400)  # the sentence column takes the room left over
    for row in range(panel.count()):
        item = tree.topLevelItem(row)
        text = item.text(TEXT)
        needed = metrics.boundingRect(QRect(0, 0, column - 2 * margin, 100_000), Qt.TextFlag.TextWordWrap, text)
        assert tree.visualItemRect(item).height() >= needed.height(), (width, row, text)


def test_the_selection_and_the_detail_survive_a_refresh(qtbot, panel):
    panel.resize(900, 600)
    panel.set_verdicts(_verdicts(3))
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    assert "(3 deletions so far)" in panel.detail.text()
    panel.set_verdicts(_verdicts(4))  # the periodic refresh: the same verdicts, newer numbers
    selected = panel.tree.selectedItems()
    assert [i.text(0) for i in selected] == ["gone"]
    assert "(4 deletions so far)" in panel.detail.text()  # the detail reads the verdict as it is now
    panel.set_verdicts([v for v in _verdicts(5) if v.topic != "appear"])  # a verdict above it went
    assert [i.text(0) for i in panel.tree.selectedItems()] == ["gone"]
    panel.tree.setCurrentItem(panel.tree.topLevelItem(1))
    assert panel.detail.text().startswith("<b>advice: playlist length</b>")
    panel.set_verdicts([v for v in _verdicts(6) if v.topic == "appear"])  # the selected one is gone
    assert panel.tree.selectedItems() == [] and panel.detail.text() == NO_SELECTION
