"""The one Qt bridge per core service: the monitor's poller threads and the lab's start thread call
plain Python callbacks here, which only emit Qt signals; receivers are @Slot methods of GUI objects
connected with QueuedConnection. Nothing here touches a widget.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class MonitorBridge(QObject):
    """Relays ``Monitor(on_event=bridge.on_event)`` events to the GUI thread."""

    event_received = Signal(object)

    def on_event(self, event: object) -> None:
        """Called from poller threads: only emits."""
        self.event_received.emit(event)


class LabBridge(QObject):
    """Relays the lab's background start/stop to the GUI thread."""

    lab_ready = Signal(object)  # the running Lab
    lab_failed = Signal(str)

    def on_ready(self, lab: object) -> None:
        self.lab_ready.emit(lab)

    def on_failed(self, message: str) -> None:
        self.lab_failed.emit(message)
