"""``hlsmon desktop install|uninstall``: put hlsmon in the user's application menu (freedesktop).

Writes the desktop entry, the icons (hicolor theme) and the AppStream metainfo under ``$XDG_DATA_HOME``
(default ``~/.local/share``); nothing outside the user's home, no root needed. The entry's ``Exec`` is the
absolute path of the ``hlsmon`` that runs this command, so the menu starts the same installation (a pipx
environment or the project's ``.venv``) whatever ``PATH`` the desktop session has. Imports no Qt.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from importlib.resources import as_file, files
from pathlib import Path

HELP = "add hlsmon to your application menu (desktop entry and icon), or remove it"
APP_ID = "io.github.hlsmon.hlsmon"
ICON_NAME = "hlsmon"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("install", "uninstall"), help="add or remove the launcher")
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, default=None,
        help="where to write (default $XDG_DATA_HOME or ~/.local/share)",
    )


def data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg else Path.home() / ".local" / "share"


def executable() -> str:
    """The ``hlsmon`` script beside this interpreter (venv, pipx), else the one on PATH, else ``python -m``."""
    beside = Path(sys.executable).with_name("hlsmon")
    if beside.is_file():
        return str(beside)
    found = shutil.which("hlsmon")
    return found if found else f"{sys.executable} -m main"


def targets(base: Path) -> dict[str, Path]:
    """Resource name → installed path."""
    out = {
        f"{APP_ID}.desktop": base / "applications" / f"{APP_ID}.desktop",
        f"{APP_ID}.metainfo.xml": base / "metainfo" / f"{APP_ID}.metainfo.xml",
        "hlsmon.svg": base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg",
    }
    for size in PNG_SIZES:
        out[f"icons/hlsmon-{size}.png"] = base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
    return out


def desktop_entry(exec_path: str) -> str:
    text = (files("resources") / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    quoted = f'"{exec_path}"' if " " in exec_path and not exec_path.endswith(" -m main") else exec_path
    return text.replace("Exec=hlsmon %u", f"Exec={quoted} %u")


def install(base: Path) -> list[Path]:
    written = []
    for name, target in targets(base).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".desktop"):
            target.write_text(desktop_entry(executable()), encoding="utf-8")
        else:
            with as_file(files("resources").joinpath(name)) as source:
                shutil.copyfile(source, target)
        written.append(target)
    _refresh_caches(base)
    return written


def uninstall(base: Path) -> list[Path]:
    removed = []
    for target in targets(base).values():
        if target.exists():
            target.unlink()
            removed.append(target)
    _refresh_caches(base)
    return removed


def _refresh_caches(base: Path) -> None:
    """Menus pick the entry up sooner when the caches are refreshed; without the tools they rescan later."""
    for command in (
        ["update-desktop-database", "-q", str(base / "applications")],
        ["gtk-update-icon-cache", "-q", "-t", "-f", str(base / "icons" / "hicolor")],
    ):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, capture_output=True, timeout=30)


def run(args: argparse.Namespace) -> int:
    base = args.data_dir or data_dir()
    if args.action == "install":
        written = install(base)
        sys.stdout.write(f"hlsmon is in your application menu: {written[0]} (starts {executable()})\n")
    else:
        removed = uninstall(base)
        sys.stdout.write(f"removed {len(removed)} hlsmon launcher files from {base}\n")
    return 0
