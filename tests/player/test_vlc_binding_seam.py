"""libVLC is the one optional dependency and ``player/vlc_binding.py`` its one door."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ("player", "gui", "monitor", "lab")


def _imports_vlc(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "vlc" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "vlc":
            return True
    return False


def test_only_the_binding_imports_vlc() -> None:
    sources = (p for package in APP for p in (ROOT / package).rglob("*.py") if "node_modules" not in p.parts)
    files = [ROOT / "main.py", *sources]
    importers = sorted(str(p.relative_to(ROOT)) for p in files if _imports_vlc(p))
    assert importers == ["player/vlc_binding.py"]


def test_the_rule_sees_both_import_forms(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    import vlc\n")
    (tmp_path / "b.py").write_text("from vlc import EventType\n")
    (tmp_path / "c.py").write_text("import vlcx\nfrom player import vlc_binding\n")
    assert [_imports_vlc(tmp_path / n) for n in ("a.py", "b.py", "c.py")] == [True, True, False]
