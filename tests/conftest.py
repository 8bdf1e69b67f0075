"""Shared test setup. Lab fixtures (real servers on 127.0.0.1) live in tests/lab_fixtures.py."""

from __future__ import annotations

import os

# Embedding libVLC needs X11; pytest-xvfb provides the display. Tests that want no window use offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

pytest_plugins = ["tests.lab_fixtures"]
