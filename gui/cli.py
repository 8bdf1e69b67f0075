"""``hlsmon [gui] [URL] [--cdn URL] [--profile NAME]``: the window. No URL: start the lab and open on it."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from monitor.models import settings_cli

log = logging.getLogger(__name__)

HELP = "open the window (on the local lab when no URL is given)"
# The window's --lab-cdn policies that reproduce a named `hlsmon lab --scenario`: set up exactly as it does.
LAB_CDN_SCENARIOS = {"tutorial-fix": "tutorial-fix", "caching-optimized": "stale-playlist"}
PROFILES = ("auto", "nginx-rtmp", "ffmpeg", "nms", "srs", "mediamtx", "generic")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", nargs="?", help="origin playlist URL (none: start the lab and open on it)")
    parser.add_argument("--cdn", metavar="URL", default="", help="the same playlist through the CDN")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="auto",
        help="server profile (default: guessed from the playlist and headers)",
    )
    settings_cli.add_set_argument(parser)
    parser.add_argument("--session", metavar="FILE", help="open a recorded session instead (no network)")
    parser.add_argument("--no-player", action="store_true", help="monitor only, no video (no libVLC)")
    parser.add_argument("--config-file", metavar="INI", help="settings file instead of the user's QSettings")
    parser.add_argument("--lab-fragment", type=float, default=2.0, help="lab: hls_fragment seconds (default 2)")
    parser.add_argument(
        "--lab-playlist", type=float, default=10.0, help="lab: hls_playlist_length seconds (default 10)"
    )
    parser.add_argument(
        "--lab-cdn",
        default="tutorial-fix",
        choices=("none", "tutorial-fix", "caching-optimized", "caching-disabled"),
        help="lab: CDN edge (Varnish) policy in front of the origin (default tutorial-fix; "
        "caching-optimized reproduces the stale-playlist problem)",
    )
    parser.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    parser.add_argument("--quit-after", type=float, default=0.0, help=argparse.SUPPRESS)


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """``--set`` items in the server's own syntax (checked against the profile by ``run``)."""
    return settings_cli.settings_from_items(pairs)


NO_DISPLAY_MESSAGE = (
    "hlsmon: no display to open the window on (DISPLAY is not set).\n"
    "  Run it in a desktop session, or over SSH with X forwarding (ssh -X), or without a window:\n"
    "  hlsmon probe URL    (headless monitoring; hlsmon lab starts the local stack)"
)


def has_display() -> bool:
    """On Linux the window needs X11 (or XWayland); Qt would abort with a misleading xcb message."""
    if not sys.platform.startswith("linux"):
        return True
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
    return platform not in ("xcb", "wayland") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    try:
        settings_cli.chosen_settings(None if args.profile == "auto" else args.profile, args.set)
    except ValueError as exc:
        return settings_cli.refuse("hlsmon", exc)
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"  # libVLC embedding needs X11
    if not has_display():
        sys.stderr.write(NO_DISPLAY_MESSAGE + "\n")
        return 2
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window, close_on_signals

    app = QApplication.instance() or QApplication([sys.argv[0]])
    window, lab_control = build_window(app, args)
    close_on_signals(app, window, (signal.SIGINT, signal.SIGTERM))
    window.show()
    if args.screenshot or args.quit_after:
        from gui.app import schedule_exit

        schedule_exit(app, window, args.quit_after or 20.0, args.screenshot)
    code = app.exec()
    if lab_control is not None:
        lab_control.stop()
    return int(code)
