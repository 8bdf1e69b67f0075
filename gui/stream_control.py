"""Starts and stops the monitoring core for the window (one Monitor, one MonitorBridge) and the lab."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot

from gui.monitor_bridge import LabBridge, MonitorBridge
from lab.stack import Lab, LabConfig
from monitor.models import ServerProfile
from monitor.monitor import Monitor
from monitor.records import EndpointConfig, MonitorConfig
from monitor.retention import DEFAULT_KEEP_BYTES, DEFAULT_KEEP_DAYS, Retention, prune_sessions

log = logging.getLogger(__name__)


def default_record_dir(configured: str = "") -> Path:
    if configured:
        return Path(configured)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".local/share/hlsmon") / "sessions"


class StreamControl(QObject):
    """Owns the running Monitor. ``event_received`` (GUI thread) carries every core event."""

    event_received = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        record_dir: Path,
        parent: QObject | None = None,
        *,
        keep_days: float = DEFAULT_KEEP_DAYS,
        keep_bytes: int = DEFAULT_KEEP_BYTES,
    ) -> None:
        super().__init__(parent)
        self.record_dir = record_dir
        self.keep_days = keep_days
        self.keep_bytes = keep_bytes
        self.retention: Retention | None = None  # what the last start removed and what the sessions use
        self.bridge = MonitorBridge()
        self.bridge.event_received.connect(self._on_bridge_event, Qt.ConnectionType.QueuedConnection)
        self.monitor: Monitor | None = None
        self.record_path: Path | None = None

    @property
    def running(self) -> bool:
        return self.monitor is not None

    def start(
        self,
        origin: str,
        cdn: str = "",
        download_segments: bool = False,
        analyse_content: bool = False,
        server: ServerProfile | None = None,
    ) -> bool:
        self.stop()
        endpoints = [EndpointConfig(name="origin", url=origin)]
        if cdn:
            endpoints.append(EndpointConfig(name="cdn", url=cdn, reference="origin"))
        self.record_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.record_path = self.record_dir / f"session-{stamp}.jsonl"
        self.retention = prune_sessions(
            self.record_dir, now=datetime.now(UTC), keep_days=self.keep_days, keep_bytes=self.keep_bytes
        )
        config = MonitorConfig(
            endpoints=tuple(endpoints),
            record_path=self.record_path,
            download_segments=download_segments,
            analyse_content=analyse_content,
        )
        try:
            self.monitor = Monitor(config, on_event=self.bridge.on_event, server=server)
        except ValueError as exc:  # a URL the monitor refuses: the user's input, not a bug (no traceback)
            self.failed.emit(f"Could not start monitoring: {exc}")
            return False
        try:
            self.monitor.start()
        except Exception as exc:
            log.exception("monitor failed to start")
            self.monitor = None
            self.failed.emit(f"Could not start monitoring: {exc}")
            return False
        return True

    def stop(self) -> None:
        mon, self.monitor = self.monitor, None
        if mon is not None:
            try:
                mon.close()
            except Exception:
                log.exception("monitor close failed")

    @Slot(object)
    def _on_bridge_event(self, event: object) -> None:
        if self.monitor is not None:
            self.event_received.emit(event)


class LabControl(QObject):
    """Starts the lab (lab.stack.Lab) off the GUI thread; ``ready`` carries the Lab."""

    ready = Signal(object)
    failed = Signal(str)

    def __init__(self, config: LabConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.lab: Lab | None = None
        self.bridge = LabBridge()
        self.bridge.lab_ready.connect(self._on_lab_ready, Qt.ConnectionType.QueuedConnection)
        self.bridge.lab_failed.connect(self._on_lab_failed, Qt.ConnectionType.QueuedConnection)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._stop_event = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="lab", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Starts the lab, then waits until stop() and stops it here, so the slow start and stop of the
        servers never run on the GUI thread (lab/process.py forks every child from its own long-lived thread)."""
        lab = None
        try:
            lab = self._start_lab(self.config)
        except Exception as exc:
            if self.config.cdn_policy == "none":
                log.exception("lab failed")
                self.bridge.on_failed(str(exc))
                return
            log.warning("the lab with a CDN edge failed (%s); starting it without the CDN", exc)
            try:
                lab = self._start_lab(self.config.with_(cdn_policy="none"))
            except Exception as exc2:
                log.exception("lab failed")
                self.bridge.on_failed(str(exc2))
                return
        self.bridge.on_ready(lab)
        self._stop_event.wait()
        lab.stop()

    def _start_lab(self, config: LabConfig) -> Lab:
        lab = Lab(config)
        self.lab = lab
        try:
            lab.start()
        except Exception:
            lab.stop()
            self.lab = None
            raise
        return lab

    @Slot(object)
    def _on_lab_ready(self, lab: object) -> None:
        if not self._stopping:
            self.ready.emit(lab)

    @Slot(str)
    def _on_lab_failed(self, message: str) -> None:
        self.failed.emit(message)

    def stop(self) -> None:
        self._stopping = True
        self._stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.lab = None
