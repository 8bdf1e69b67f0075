"""Regression: PySide6 6.12.0 on CPython 3.11 aborts after a few hundred Signal.emit() calls.

The crash ("Fatal Python error: bool_dealloc") kills the interpreter, so the emits run in a subprocess
and the test looks at its exit code. pyproject.toml excludes 6.12.0; this test fails if it comes back.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

EMITS = 20_000

SCRIPT = textwrap.dedent(
    f"""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

    class Emitter(QObject):
        changed = Signal(bool)
        sample = Signal(object)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.count = 0

        @Slot(bool)
        def on_changed(self, value):
            self.count += value is True

        @Slot(object)
        def on_sample(self, value):
            self.count += 1

    app = QCoreApplication([])
    emitter, receiver = Emitter(), Receiver()
    emitter.changed.connect(receiver.on_changed)
    emitter.sample.connect(receiver.on_sample)
    for i in range({EMITS}):
        emitter.changed.emit(True)
        emitter.sample.emit({{"i": i, "ok": True}})
    print(receiver.count)
    """
)


def test_many_signal_emits_do_not_abort_the_interpreter() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"interpreter died ({result.returncode}): {result.stderr[-2000:]}"
    assert int(result.stdout.strip()) == 2 * EMITS


def test_installed_pyside6_is_not_the_known_bad_release() -> None:
    from importlib.metadata import version

    assert version("PySide6-Essentials") != "6.12.0"
