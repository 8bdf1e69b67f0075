"""The installable desktop app: version, launcher, icon, metadata that validates, a wheel without npm packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import main
from gui import desktop_install

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: scripts/setup.sh installs it (scripts/apt-packages.txt)"
    return path


def test_version_is_the_installed_distribution_version() -> None:
    result = subprocess.run([sys.executable, "main.py", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"hlsmon {main.version()}"
    assert main.version()[0].isdigit()


def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(RESOURCES / f"{desktop_install.APP_ID}.desktop")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_appstream_metainfo_validates() -> None:
    result = subprocess.run(
        [_tool("appstreamcli"), "validate", "--no-net", str(RESOURCES / f"{desktop_install.APP_ID}.metainfo.xml")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_writes_a_launcher_that_starts_this_installation_and_uninstall_removes_it(tmp_path: Path) -> None:
    written = desktop_install.install(tmp_path)
    entry = tmp_path / "applications" / f"{desktop_install.APP_ID}.desktop"
    assert entry in written
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    program = exec_line.removeprefix("Exec=").removesuffix(" %u").strip('"')
    assert Path(program.split(" -m ")[0]).is_absolute()
    for size in desktop_install.PNG_SIZES:
        assert (tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "hlsmon.png").stat().st_size > 0
    check = subprocess.run([_tool("desktop-file-validate"), str(entry)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout
    removed = desktop_install.uninstall(tmp_path)
    assert set(removed) == set(desktop_install.targets(tmp_path).values())
    assert not entry.exists()


def test_every_icon_size_is_rendered_from_the_svg() -> None:
    for size in desktop_install.PNG_SIZES:
        png = (RESOURCES / "icons" / f"hlsmon-{size}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (size, size)


def test_the_window_uses_the_application_icon(qapp) -> None:
    from gui.app import application_icon

    sizes = {s.width() for s in application_icon().availableSizes()}
    assert sizes == set(desktop_install.PNG_SIZES)


@pytest.mark.slow
def test_wheel_ships_resources_and_the_lab_but_no_npm_packages(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), ROOT],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("hlsmon-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if "node_modules" in n]
    for needed in (
        "resources/hlsmon.svg",
        "resources/icons/hlsmon-256.png",
        f"resources/{desktop_install.APP_ID}.desktop",
        f"resources/{desktop_install.APP_ID}.metainfo.xml",
        "lab/nms/launch.js",
        "lab/nms/package.json",
        "lab/cdn.vcl",
        "main.py",
    ):
        assert needed in names, needed
