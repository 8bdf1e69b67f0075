"""The operator's window: URL bar, video, profile/settings, charts in docks, alerts, verdicts, sessions."""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSystemTrayIcon,
    QToolBar,
    QWidget,
)

from gui import theme as app_theme
from gui.alerts_panel import AlertsPanel
from gui.charts.base import TimeChart
from gui.charts.lifecycle import LifecycleChart
from gui.charts.panels import all_line_charts
from gui.charts.theme import theme_for
from gui.dashboard_model import AlertItem, DashboardModel
from gui.host_metrics import HostSampler
from gui.ingest import Ingestor
from gui.layouts import DEFAULT_LAYOUT, LAYOUTS, apply_layout
from gui.profile_panel import ProfilePanel
from gui.replay import ReplayController
from gui.server_model import ServerModelView
from gui.settings import Settings
from gui.stream_control import StreamControl, default_record_dir
from gui.stream_key import Ingest, ingest_from_playlist
from gui.url_bar import UrlBar, input_problem
from gui.verdicts_panel import VerdictsPanel
from gui.video import make_video_panel
from gui.window_actions import WindowActions
from monitor.content_feed import thumbs_dir
from monitor.records import EndpointState, EndpointStatus, Measures, SampledValues

log = logging.getLogger(__name__)

VERDICT_EVERY_MS = 3000
NOTIFY_STATES = {EndpointState.LIVE: "is live", EndpointState.ENDED: "has ended", EndpointState.GONE: "is gone"}


class MainWindow(WindowActions, QMainWindow):
    """One window; the dashboard reads ``self.model`` on a redraw timer."""

    notified = Signal(str, str)  # title, message (also shown in the tray when there is one)
    replay_finished = Signal(int)  # events replayed by a background open_session()

    def __init__(self, settings: Settings, *, with_player: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("hlsmon")
        self.setAcceptDrops(True)
        self.model = DashboardModel()
        self.ingestor = Ingestor(self.model)
        self.server = ServerModelView()
        self.ingestor.predict_deletion = self.server.deletion_after_appear
        self.follow = True
        self.replaying = False
        self.download_segments = False  # the lab turns it on (loopback): bitrate from segment sizes
        self.notifications: list[tuple[str, str]] = []
        self._shown_alerts = 0
        self.redraw_ms: list[float] = []
        self.chart_theme = theme_for(app_theme.is_dark(settings.get("settings/theme")))
        self.stream = StreamControl(
            default_record_dir(settings.get("settings/record_dir")),
            self,
            keep_days=settings.get("settings/session_keep_days"),
            keep_bytes=int(settings.get("settings/session_keep_gb") * 1024**3),
        )
        self.stream.event_received.connect(self._on_event)
        self.stream.failed.connect(self._on_stream_failed)
        self._build_ui(with_player)
        self._build_actions()
        self._restore()
        self.host = HostSampler()
        self.host_timer = QTimer(self, interval=1000, timeout=self._on_host_tick)
        self.host_timer.start()
        self.redraw_timer = QTimer(self, interval=int(settings.get("settings/redraw_ms")), timeout=self.redraw)
        self.redraw_timer.start()
        self.verdict_timer = QTimer(self, interval=VERDICT_EVERY_MS, timeout=self._update_verdicts)
        self.verdict_timer.start()
        app_theme.watch(self._on_color_scheme_changed)

    # --- construction --------------------------------------------------------------------------
    def _build_ui(self, with_player: bool) -> None:
        self.url_bar = UrlBar()
        bar = QToolBar("Stream")
        bar.setObjectName("toolbar-stream")
        bar.setMovable(False)
        bar.addWidget(self.url_bar)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.url_bar.play_requested.connect(self.play)
        self.url_bar.stop_requested.connect(self.stop)
        self.url_bar.stream_key_requested.connect(self.show_stream_key_helper)
        self.url_bar.set_recent(
            self.settings.get("settings/recent_urls"), self.settings.get("settings/recent_cdn_urls")
        )
        self.url_bar.set_urls(self.settings.get("settings/last_url"), self.settings.get("settings/last_cdn"))

        self.lifecycle = LifecycleChart(self.model, self.chart_theme)
        self.setCentralWidget(self.lifecycle)
        self.charts: list[TimeChart] = [self.lifecycle, *all_line_charts(self.model, self.chart_theme)]
        # one time axis for all charts. Not pyqtgraph's setXLink: it lines linked views up by their pixel
        # positions when they overlap on screen, which shifts the docked charts' ranges.
        self._syncing_x = False
        for chart in self.charts:
            chart.user_moved.connect(self._on_user_moved)
            chart.x_range_changed.connect(self._on_chart_x_range_changed)
            chart.shown.connect(lambda c=chart: self._sync_chart(c))

        self.video = make_video_panel(with_player, self.settings)
        self.profile = ProfilePanel()
        self.profile.changed.connect(self._on_profile_changed)
        self.profile.what_if_requested.connect(self.show_what_if)
        self.alerts = AlertsPanel()
        self.alerts.alert_selected.connect(self._on_alert_selected)
        self.verdicts = VerdictsPanel()
        self.docks: dict[str, QDockWidget] = {}
        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self._dock("Video", self.video, left)
        profile_scroll = QScrollArea()
        profile_scroll.setWidgetResizable(True)
        profile_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        profile_scroll.setWidget(self.profile)
        self._dock("Server profile", profile_scroll, left)
        intervals, window, latency, health, host, sound = self.charts[1:]
        self._dock("Arrivals and durations", intervals, right)
        self._dock("Playlist window", window, right)
        self._dock("Latency per hop", latency, right)
        self._dock("Alerts", self.alerts, bottom)
        self._dock("Player health", health, bottom)
        self._dock("Host", host, bottom)
        self._dock("Verdicts", self.verdicts, bottom)
        self._dock("Audio level", sound, bottom)
        self.splitDockWidget(self.docks["Alerts"], self.docks["Player health"], Qt.Orientation.Horizontal)
        self.splitDockWidget(self.docks["Player health"], self.docks["Host"], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(self.docks["Alerts"], self.docks["Verdicts"])
        self.tabifyDockWidget(self.docks["Player health"], self.docks["Audio level"])
        self.docks["Player health"].raise_()
        self.docks["Alerts"].raise_()
        self.resizeDocks(
            [self.docks["Alerts"], self.docks["Player health"], self.docks["Host"]],
            [700, 380, 380],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.docks["Video"], self.docks["Server profile"]], [300, 300], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["Video"]], [420], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Arrivals and durations"]], [520], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Alerts"]], [230], Qt.Orientation.Vertical)
        self.status = QLabel("Enter a playlist URL and press Play, or File → Open a session.")
        self.statusBar().addWidget(self.status, 1)
        self._loaded_session: Path | None = None  # the session File → Open replays
        self.replay = ReplayController(self)  # background File → Open: reader thread, timer, progress bar
        self.replay.progress.connect(self._on_replay_progress)
        self.replay.done.connect(self._on_replay_done)
        self.statusBar().addPermanentWidget(self.replay.progress_widget())
        self.lab_ingest: Ingest | None = None  # the lab's OBS server and key, once it runs
        self.ingest_label = QLabel()  # where OBS publishes (the lab's server and key); hidden until known
        self.ingest_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.ingest_label.hide()
        self.statusBar().addPermanentWidget(self.ingest_label)
        self.follow_label = QLabel("● following live")
        self.statusBar().addPermanentWidget(self.follow_label)
        self.tray = QSystemTrayIcon(self.windowIcon(), self) if QSystemTrayIcon.isSystemTrayAvailable() else None
        if self.tray is not None:
            self.tray.show()
        self._default_state = self.saveState()
        self._on_profile_changed(self.profile.profile(), self.profile.settings())

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def _action(self, menu: object, text: str, slot: object, shortcut: object = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._action(f, "&Open session…", self.open_session_dialog, QKeySequence.StandardKey.Open)
        self._action(f, "&Save session as…", self.save_session_dialog, QKeySequence.StandardKey.Save)
        f.addSeparator()
        self._action(f, "Export &CSV…", lambda: self._export("csv"), "Ctrl+E")
        self._action(f, "Export &JSON…", lambda: self._export("json"), "Ctrl+Shift+J")
        self._action(f, "Export charts as &PNG…", lambda: self._export("png"), "Ctrl+Shift+P")
        self._action(f, "Export HTML &report…", lambda: self._export("html"), "Ctrl+R")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        s = mb.addMenu("&Stream")
        self._action(s, "&Play", self.url_bar._on_play_clicked, "Ctrl+Return")
        self._action(s, "S&top", self.stop, "Ctrl+.")
        self._action(s, "Stream &key helper…", self.show_stream_key_helper, "Ctrl+K")
        self._action(s, "Focus &URL", lambda: self.url_bar.origin.setFocus(), "Ctrl+L")
        v = mb.addMenu("&View")
        self._action(v, "&Follow live", self.follow_live, "End")
        self._action(v, "&Pause / resume", self.toggle_pause, "Space")
        self._action(v, "Zoom &in", lambda: self.zoom(0.5), QKeySequence.StandardKey.ZoomIn)
        self._action(v, "Zoom &out", lambda: self.zoom(2.0), QKeySequence.StandardKey.ZoomOut)
        self._action(v, "Show &everything", self.show_all, "Home")
        self._action(v, "&Reset layout", self.reset_layout)
        presets = v.addMenu("&Layout")
        group = QActionGroup(self)
        self.layout_actions: dict[str, QAction] = {}
        for number, layout in enumerate(LAYOUTS.values(), start=1):
            action = self._action(presets, layout.label, lambda _=False, n=layout.name: self.set_layout(n),
                                  f"Ctrl+{number}")  # fmt: skip
            action.setCheckable(True)
            group.addAction(action)
            self.layout_actions[layout.name] = action
        self.layout_actions[self.layout_name()].setChecked(True)
        v.addSeparator()
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())
        h = mb.addMenu("&Help")
        self._action(h, "&About hlsmon", self._about)

    def _restore(self) -> None:
        geometry = self.settings.state("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1560, 960)
        state = self.settings.state("window")
        if state is not None:
            self.restoreState(state)
        else:  # first start: size the docks once the window has its real size
            QTimer.singleShot(0, lambda: apply_layout(self, self.docks, self.layout_name()))

    def layout_name(self) -> str:
        name = self.settings.get("settings/layout")
        return name if name in LAYOUTS else DEFAULT_LAYOUT

    def set_layout(self, name: str) -> None:
        """Apply a preset of View → Layout and remember it."""
        self.settings.set("settings/layout", name)
        self.layout_actions[name].setChecked(True)
        apply_layout(self, self.docks, name)

    # --- stream --------------------------------------------------------------------------------
    @Slot(str, str)
    def play(self, origin: str, cdn: str = "") -> None:
        origin, cdn = origin.strip(), cdn.strip()
        problem = input_problem(origin, cdn)
        if problem:
            self.refuse_input(problem)
            return
        self.cancel_replay()
        self.replaying = False
        self.clear()
        self.url_bar.set_urls(origin, cdn)
        recent = self.settings.add_recent(origin)
        recent_cdn = (
            self.settings.add_recent(cdn, "settings/recent_cdn_urls")
            if cdn
            else self.settings.get("settings/recent_cdn_urls")
        )
        self.settings.set("settings/last_url", origin)
        self.settings.set("settings/last_cdn", cdn)
        self.url_bar.set_recent(recent, recent_cdn)
        self.model.info.update({"origin": origin, **({"cdn": cdn} if cdn else {})})
        self.host.system_wide = _is_local(origin)
        download = bool(self.settings.get("settings/download_segments")) or self.download_segments
        analyse = bool(self.settings.get("settings/analyse_content"))
        server = self.server.server_profile  # the alerts say where the model explains a fact
        if self.stream.start(origin, cdn, download_segments=download, analyse_content=analyse, server=server):
            self.ingestor.thumbs_dir = thumbs_dir(self.stream.record_path) if self.stream.record_path else None
            self.url_bar.set_running(True)
            self.status.setText(
                f"Monitoring {origin}" + (f" and {cdn}" if cdn else "") + f" — recording to {self.stream.record_path}"
                + (f" ({self.stream.retention.words()})" if self.stream.retention else "")
            )
        self.video.play(cdn or origin)
        self.follow_live()

    def show_ingest(self, ingest: Ingest) -> None:
        """Keep OBS's server and stream key on screen (selectable, to paste into OBS → Settings → Stream)."""
        self.lab_ingest = ingest
        server, key = ingest.server, ingest.key
        self.ingest_label.setText(f"OBS server <b>{server}</b> · stream key <b>{key}</b>")
        self.ingest_label.setToolTip("OBS → Settings → Stream → Service: Custom; paste the server and the key")
        self.ingest_label.show()

    def running_ingest(self) -> Ingest | None:
        """What the stream-key helper starts from: the lab's own ingest, else what the playing URL and the
        server profile say."""
        if self.lab_ingest is not None:
            return self.lab_ingest
        origin = self.model.info.get("origin")
        if not self.stream.running or not origin:
            return None
        server = self.server.server_profile  # the settings as the model parsed them; None when rejected
        return ingest_from_playlist(
            str(origin),
            self.profile.profile(),
            keyint_s=None if server is None else server.keyint_s,
            fragment_s=None if server is None else server.fragment_s,
        )

    def refuse_input(self, problem: str) -> None:
        """A URL that cannot be played: nothing of the previous stream stays on screen as if it were this one."""
        self.stop()
        self.clear()
        self.status.setText(problem)
        self.url_bar.origin.setFocus()

    @Slot()
    def stop(self) -> None:
        self.stream.stop()
        self.video.stop()
        self.url_bar.set_running(False)
        self.status.setText("Stopped." + (f" Session: {self.stream.record_path}" if self.stream.record_path else ""))

    def clear(self) -> None:
        self.model.reset()  # the charts follow the model's reset themselves
        self.ingestor.reset()
        self.apply_references(self.model.refs)
        self.alerts.clear()
        self._shown_alerts = 0
        self.verdicts.set_verdicts([])
        for chart in self.charts:
            chart.highlight_time(None)
        self.lifecycle.highlight_segment(None)

    @Slot(object)
    def _on_event(self, event: object) -> None:
        self.ingestor.feed(event)
        if isinstance(event, EndpointStatus):
            self._on_status(event)
        elif isinstance(event, Measures) and event.endpoint == "origin" and event.fingerprint is not None:
            self.profile.offer_fingerprint(event.fingerprint)  # the monitor's published guess, never re-derived

    def _on_status(self, st: EndpointStatus) -> None:
        words = NOTIFY_STATES.get(st.state)
        if words and self.settings.get("settings/notify"):
            self.notify(f"Stream {words}", f"{st.endpoint}: the stream {words}. {st.detail}".strip())

    def notify(self, title: str, message: str) -> None:
        self.notifications.append((title, message))
        self.statusBar().showMessage(f"{title}: {message}", 10_000)
        if self.tray is not None:
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 8000)
        self.notified.emit(title, message)

    @Slot(str)
    def _on_stream_failed(self, message: str) -> None:
        self.url_bar.set_running(False)
        self.status.setText(message)
        log.warning("%s", message)

    @Slot(str, dict)
    def _on_profile_changed(self, profile: str, settings: dict) -> None:
        self.server.configure(profile, settings)
        if self.stream.monitor is not None:
            self.stream.monitor.set_server(self.server.server_profile)
        self.apply_references(self.model.refs)
        self.model.version += 1
        pred = self.server.prediction
        if pred is not None:
            self.profile.set_summary(
                f"<b>Prediction</b>: {pred.basis}.<br>Window {pred.window_s or 0:g} s "
                f"({pred.entries} segments), target duration {pred.target_duration} s, "
                f"a spec-following player {self.model.refs.values.get('viewer.spec', math.nan):.1f} s behind "
                "capture (ingest included, as hlsmon plan).<br>"
                f"{pred.deletion}"
            )
        elif self.server.error:
            self.profile.set_summary(f"<b>Settings rejected</b>: {self.server.error}")

    # --- redraw --------------------------------------------------------------------------------
    @Slot()
    def redraw(self) -> None:
        if self.replay.active:
            return  # a background replay redraws once at the end
        if self.isMinimized() or not self.isVisible():
            return
        if len(self.model.alerts) > self._shown_alerts:
            self.alerts.add_alerts(self.model.alerts[self._shown_alerts :])
            self._shown_alerts = len(self.model.alerts)
        for chart in self.charts:
            chart.refresh()
        if self.follow and self.model.has_data:
            span = float(self.settings.get("settings/follow_span_s"))
            end = self.model.t_max
            start = max(end - span, self.model.t_min)  # no empty stretch before the first data
            self.lifecycle.set_x_range(start, end + (end - start) * 0.03)
            y0, y1 = self.lifecycle.item.visible_rows(start, end)
            if y0 is not None:
                self.lifecycle.vb.setYRange(y0, y1, padding=0.02)
        self._on_x_range_changed()
        self._update_status()

    @Slot(float, float)
    def _on_chart_x_range_changed(self, x0: float, x1: float) -> None:
        """Any chart's time range (pan, zoom, follow) becomes every chart's."""
        if self._syncing_x:
            return
        self._syncing_x = True
        try:
            for chart in self.charts:
                (a, b), _ = chart.vb.viewRange()
                # x and fitted y in one range change; charts in hidden docks or tabs are left alone and
                # synced when they are shown (_sync_chart): they cost nothing while nobody sees them
                if (a, b) != (x0, x1) and chart.isVisible():
                    chart.set_view(x0, x1)
        finally:
            self._syncing_x = False
        self._on_x_range_changed()

    def _sync_chart(self, chart: TimeChart) -> None:
        """A chart was shown: give it the dashboard's current time range."""
        if chart is self.lifecycle or self._syncing_x:
            return
        (x0, x1), _ = self.lifecycle.vb.viewRange()
        (a, b), _ = chart.vb.viewRange()
        if (a, b) != (x0, x1):
            self._syncing_x = True
            try:
                chart.set_view(x0, x1)
            finally:
                self._syncing_x = False

    @Slot()
    def _on_x_range_changed(self, *args: object) -> None:
        (x0, x1), _ = self.lifecycle.vb.viewRange()
        for chart in self.charts:
            if chart.isVisible():
                chart.fit_y(x0, x1)

    def _update_status(self) -> None:
        if not self.stream.running:
            return
        parts = []
        for ep, st in sorted(self.ingestor.states.items()):
            parts.append(f"{ep}: {st.state.value}")
        for ep, m in sorted(self.ingestor.measures.items()):
            parts.append(f"{ep} {m.segments_seen} segments, {m.request_rate:.1f} req/s")
        if parts:
            self.status.setText(" · ".join(parts) + f" — recording {self.stream.record_path}")

    @Slot()
    def _update_verdicts(self) -> None:
        if self.replay.active:
            return
        if not self.ingestor.lifecycles:
            return
        recent = list(self.ingestor.lifecycles.values())[-600:]
        verdicts, note = self.server.verdicts(recent, self.ingestor.snapshots.values(), self.ingestor.arrival_step_s)
        self.model.set_verdicts(verdicts)
        self.verdicts.set_verdicts(verdicts)
        self.verdicts.set_note(note)

    @Slot()
    def _on_host_tick(self) -> None:
        if not (self.stream.running or self.video.is_playing()):
            return
        values: dict[str, float] = {}
        for group, (cpu, mem) in self.host.sample().items():
            values[f"host.cpu.{group}"] = cpu
            values[f"host.mem.{group}"] = mem
        values.update(self.video.health())
        mono = time.monotonic()
        sample = SampledValues(mono=mono, utc=datetime.now(UTC), values=values)
        self.ingestor.feed(sample)
        if self.stream.monitor is not None:
            self.stream.monitor.record(sample)  # in the session file too, so a replay shows it

    # --- view ----------------------------------------------------------------------------------
    @Slot()
    def _on_user_moved(self) -> None:
        self.set_follow(False)

    def set_follow(self, follow: bool) -> None:
        self.follow = follow
        self.follow_label.setText("● following live" if follow else "❚❚ paused — End to follow live")

    def follow_live(self) -> None:
        self.set_follow(True)
        self.redraw()

    def toggle_pause(self) -> None:
        self.set_follow(not self.follow)

    def zoom(self, factor: float) -> None:
        (x0, x1), _ = self.lifecycle.vb.viewRange()
        mid, half = (x0 + x1) / 2, (x1 - x0) / 2 * factor
        if self.follow:
            self.settings.set("settings/follow_span_s", max(10.0, min(86_400.0, (x1 - x0) * factor)))
        else:
            self.lifecycle.set_x_range(mid - half, mid + half)

    def show_all(self) -> None:
        self.set_follow(False)
        if self.model.has_data:
            self.lifecycle.set_x_range(self.model.t_min, self.model.t_max)
            self.lifecycle.vb.setYRange(-1, len(self.model.row_sequences) + 1, padding=0)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        apply_layout(self, self.docks, self.layout_name())

    @Slot(object)
    def _on_alert_selected(self, alert: AlertItem | None) -> None:
        if alert is None:
            return
        self.set_follow(False)
        for chart in self.charts:
            chart.highlight_time(alert.t)
        y = self.model.find_segment(alert.sequence, alert.uri) if alert.sequence is not None or alert.uri else None
        self.lifecycle.highlight_segment(y)
        (x0, x1), _ = self.lifecycle.vb.viewRange()
        half = max(15.0, (x1 - x0) / 2) if math.isfinite(x1 - x0) else 30.0
        self.lifecycle.set_x_range(alert.t - half, alert.t + half)
        if y is not None:
            self.lifecycle.vb.setYRange(y - 12, y + 12, padding=0)

    def _on_color_scheme_changed(self, *args: object) -> None:
        """The system switched between light and dark: widgets and charts follow (unless forced)."""
        app = QApplication.instance()
        if app is not None:
            app_theme.apply(app, self.settings.get("settings/theme"))
        self.chart_theme = theme_for(app_theme.is_dark(self.settings.get("settings/theme")))
        for chart in self.charts:
            chart.apply_theme(self.chart_theme)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        md = event.mimeData()
        urls = [u.toString() for u in md.urls()] if md.hasUrls() else [md.text().strip()]
        if not urls:
            return
        url = urls[0]
        if url.startswith("file://") and url.endswith((".jsonl", ".jsonl.gz")):
            self.open_session(url[len("file://") :], background=True)
        else:
            self.url_bar.set_urls(url, self.url_bar.urls()[1])

    def closeEvent(self, event: object) -> None:
        self.settings.set_state("geometry", self.saveGeometry())
        self.settings.set_state("window", self.saveState())
        self.settings.sync()
        self.redraw_timer.stop()
        self.host_timer.stop()
        self.verdict_timer.stop()
        self.cancel_replay()
        self.stream.stop()
        self.video.shutdown()
        super().closeEvent(event)


def _is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
