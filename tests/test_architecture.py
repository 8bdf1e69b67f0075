"""Layer rules: the core (monitor/, player/) never imports Qt; the GUI is only one client of it; the player may use
exactly one leaf of monitor/ (the playlist model: monitor.parse and its records), nothing else of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")
CORE_PACKAGES = ("monitor", "player")
#: The only modules of monitor/ the player may import: the playlist parser and the records it returns.
PLAYER_MAY_IMPORT = frozenset({"monitor.parse", "monitor.records"})
#: What that leaf itself may import of monitor/ (so importing it never drags in the rest of the core).
LEAF_MAY_IMPORT = {"monitor.parse": frozenset({"monitor.records"}), "monitor.records": frozenset()}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _monitor_modules(path: Path) -> set[str]:
    """The monitor modules a file imports; ``from monitor import x`` counts as ``monitor.x``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.split(".")[0] == "monitor")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "monitor":
                names.update(f"monitor.{alias.name}" for alias in node.names)
            elif node.module.startswith("monitor."):
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
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in _core_files()]
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


@pytest.mark.parametrize("path", sorted((ROOT / "player").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_player_imports_only_the_playlist_leaf_of_monitor(path: Path) -> None:
    offending = _monitor_modules(path) - PLAYER_MAY_IMPORT
    assert not offending, (
        f"{path.relative_to(ROOT)} imports {sorted(offending)}: the player may use {sorted(PLAYER_MAY_IMPORT)}"
    )


@pytest.mark.parametrize("module", sorted(LEAF_MAY_IMPORT))
def test_the_playlist_leaf_imports_nothing_else_of_monitor(module: str) -> None:
    path = ROOT / (module.replace(".", "/") + ".py")
    assert _monitor_modules(path) <= LEAF_MAY_IMPORT[module]


def test_the_player_rule_catches_every_import_form(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text(
        "import monitor.parse\nfrom monitor.records import Window\nfrom monitor import fetch, records\n"
        "import monitor.poller as p\nfrom monitor.models import base\nfrom . import sibling\n"
    )
    assert _monitor_modules(source) - PLAYER_MAY_IMPORT == {"monitor.fetch", "monitor.poller", "monitor.models"}


def test_importing_the_player_loads_no_other_monitor_module() -> None:
    """Transitive imports count too: import all of player/ in a fresh interpreter and look at sys.modules."""
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in sorted((ROOT / "player").rglob("*.py"))]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'monitor')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.strip().split(",")) - {""}
    assert loaded <= {"monitor", *PLAYER_MAY_IMPORT}, f"the player loads {sorted(loaded - PLAYER_MAY_IMPORT)}"
