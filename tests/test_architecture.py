"""Layer rules: the core (monitor/, player/) never imports Qt; the GUI is only one client of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")
CORE_PACKAGES = ("monitor", "player")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _core_files() -> list[Path]:
    return sorted(p for package in CORE_PACKAGES for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_qt_and_no_gui(path: Path) -> None:
    forbidden = {*QT_MODULES, "gui"}
    offending = {m for m in _imported_modules(path) if m.split(".")[0] in forbidden}
    assert not offending, f"{path.relative_to(ROOT)} imports {sorted(offending)}"


def test_monitor_does_not_import_player_or_vlc() -> None:
    offending = {
        str(p.relative_to(ROOT)): m
        for p in (ROOT / "monitor").rglob("*.py")
        for m in _imported_modules(p)
        if m.split(".")[0] in ("player", "vlc")
    }
    assert not offending


def test_importing_every_core_module_loads_no_qt() -> None:
    """Import all of monitor/ and player/ in a fresh interpreter and look at sys.modules."""
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in _core_files()
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt loaded by the core: {result.stdout.strip()}"
