"""Builds the application window from the command-line arguments (Qt; imported inside cli.run())."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from importlib.resources import as_file, files

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from gui import theme
from gui.cli import LAB_CDN_SCENARIOS, parse_settings
from gui.desktop_install import APP_ID, PNG_SIZES
from gui.main_window import MainWindow
from gui.settings import Settings
from gui.stream_control import LabControl
from gui.stream_key import Ingest
from lab.scenarios import SCENARIOS
from lab.stack import Lab, LabConfig

log = logging.getLogger(__name__)


def application_icon() -> QIcon:
    """The icon at every rendered size (crisp in docks, title bars and the task switcher)."""
    icon = QIcon()
    for size in PNG_SIZES:
        with as_file(files("resources") / "icons" / f"hlsmon-{size}.png") as path:
            icon.addFile(str(path))
    return icon


def collect_garbage_on_the_gui_thread(owner: QObject, every_ms: int = 1000) -> QTimer:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate. When it frees a Qt object
    from a worker thread (a poller, the content worker, the session reader), the destructor waits for a Qt
    lock the GUI thread holds while it waits for the GIL: a deadlock. So automatic collection is off and the
    GUI thread collects, generation by generation, on a timer."""
    thresholds = gc.get_threshold()
    gc.disable()

    def collect() -> None:
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= thresholds[generation]:
                break
            gc.collect(generation)

    timer = QTimer(owner)
    timer.timeout.connect(collect)
    timer.start(every_ms)
    return timer


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(antialias=False, useOpenGL=False, foreground="#303030")


def build_window(app: QApplication, args: argparse.Namespace) -> tuple[MainWindow, LabControl | None]:
    configure_pyqtgraph()
    settings = Settings(args.config_file)
    theme.apply(app, settings.get("settings/theme"))
    app.setApplicationName("hlsmon")
    app.setOrganizationName("hlsmon")
    app.setDesktopFileName(APP_ID)  # Wayland/X11 docks match the window to the installed launcher
    app.setWindowIcon(application_icon())
    window = MainWindow(settings, with_player=not args.no_player)
    collect_garbage_on_the_gui_thread(window)
    if args.profile != "auto":  # gui.cli.run refused --set without --profile
        window.profile.set_profile(args.profile, parse_settings(args.set))
    lab_control = None
    if args.session:
        window.open_session(args.session, background=True)  # reads on a thread; progress in the status bar
    elif args.url:
        window.play(args.url, args.cdn)
    else:
        lab_control = start_lab(window, args)
    return window, lab_control


def lab_config(args: argparse.Namespace) -> LabConfig:
    """The window's ``--lab-*`` options as the lab sets them up: a CDN policy that names a ``hlsmon lab``
    scenario is configured by that scenario (the stale-playlist demo needs an origin without Cache-Control,
    or the edge keeps the playlist for 1 s only and never goes stale)."""
    config = LabConfig(fragment_s=args.lab_fragment, playlist_length_s=args.lab_playlist)
    scenario = LAB_CDN_SCENARIOS.get(args.lab_cdn)
    if scenario is not None:
        return SCENARIOS[scenario].configure(config, lambda line: log.info("lab: %s", line))
    if args.lab_cdn != "none":
        return config.with_(cdn_policy=args.lab_cdn)
    return config


def start_lab(window: MainWindow, args: argparse.Namespace) -> LabControl:
    control = LabControl(lab_config(args), window)
    window.status.setText("Starting the lab (nginx-rtmp and an ffmpeg publisher on 127.0.0.1)…")

    def ready(lab: Lab) -> None:
        window.profile.set_profile(
            "nginx-rtmp",
            {
                "hls_fragment": args.lab_fragment,
                "hls_playlist_length": args.lab_playlist,
                "hls_cleanup": True,
                "keyint": lab.config.keyint_s,
            },
        )
        window.model.refs.values["source_fps"] = float(lab.config.fps)
        edge = lab.delivery.edge_playlist_url if lab.delivery is not None else None
        origin = lab.origin_playlist_url
        window.download_segments = True  # loopback: cheap, gives the bitrate chart
        window.play(origin, args.cdn or edge or "")
        window.show_ingest(
            Ingest(
                server=lab.rtmp_server_url,
                key=lab.config.stream_key,
                http_base=origin.rsplit("/", 1)[0],
                origin="nginx-rtmp",
                keyint_s=lab.config.keyint_s,
                fragment_s=args.lab_fragment,
                source="the lab",
            )
        )
        sys.stdout.write(f"Lab running. OBS: server {lab.rtmp_server_url}, stream key {lab.config.stream_key}\n")
        sys.stdout.flush()

    def failed(message: str) -> None:
        window.status.setText(f"The lab could not start: {message}")

    control.ready.connect(ready)
    control.failed.connect(failed)
    control.start()
    return control


def close_on_signals(app: QApplication, window: MainWindow, signals: tuple[signal.Signals, ...]) -> QTimer:
    """Ctrl-C or SIGTERM close the window as its close button does: the session ends with a whole line and
    the caller then stops the lab, which removes its temporary folder. Python runs signal handlers only
    between bytecodes, so a timer wakes the interpreter while Qt's event loop waits."""

    def handler(signum: int, _frame: object) -> None:
        log.info("%s: closing the window", signal.Signals(signum).name)
        window.close()
        app.quit()

    for sig in signals:
        signal.signal(sig, handler)
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


def schedule_exit(app: QApplication, window: MainWindow, after_s: float, screenshot: str | None) -> None:
    def done() -> None:
        if screenshot:  # grab the screen area: includes the native video window (window.grab() would not)
            geo = window.frameGeometry()
            shot = app.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
            (shot if not shot.isNull() else window.grab()).save(screenshot)
        window.close()
        app.quit()

    QTimer.singleShot(int(after_s * 1000), done)
