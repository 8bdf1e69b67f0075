"""Shared test setup. Lab fixtures (real servers on 127.0.0.1) live in tests/lab_fixtures.py.

Test hygiene: a test (or a module's fixtures) that leaves a thread running fails. Threads keep sockets, files and
libVLC instances alive, and a thread left behind by one test makes a later test flaky or slow.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Iterator

import pytest

# Embedding libVLC needs X11; pytest-xvfb provides the display. Tests that want no window use offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

pytest_plugins = ["tests.lab_fixtures", "pytester"]  # pytester: tests/test_hygiene.py runs pytest on a sample

# A thread being stopped gets this long to end after its owner's teardown before it counts as left behind.
STOP_GRACE_S = 3.0

# Threads allowed to outlive the test that started them, by name prefix, each with its reason.
LONG_LIVED_PREFIXES: tuple[str, ...] = (
    # lab/process.py: one spawner thread forks every lab server and must live as long as the process, since
    # PR_SET_PDEATHSIG fires when the forking thread exits.
    "lab-spawner",
)


def _leftover(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t not in before
        and t.is_alive()
        # A foreign (Qt, libVLC) thread that called into Python: Python cannot stop it or tell when it ends.
        and not isinstance(t, threading._DummyThread)
        and not t.name.startswith(LONG_LIVED_PREFIXES)
    ]


def _wait_for_stop(before: set[threading.Thread]) -> list[threading.Thread]:
    deadline = time.monotonic() + STOP_GRACE_S
    for thread in _leftover(before):
        thread.join(max(0.0, deadline - time.monotonic()))
    return _leftover(before)


def _describe(threads: list[threading.Thread]) -> str:
    frames = sys._current_frames()
    lines = []
    for t in threads:
        lines.append(f"  {t.name!r} (daemon={t.daemon}), running:")
        frame = frames.get(t.ident or -1)
        stack = traceback.format_stack(frame, limit=4) if frame is not None else ["    <no frame>\n"]
        lines.extend(line.rstrip() for line in stack)
    return "\n".join(lines)


# Threads already blamed on a test: the module check does not blame them again.
_reported: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def _check_threads(before: set[threading.Thread], what: str) -> None:
    left = [t for t in _wait_for_stop(before) if t not in _reported]
    _reported.update(left)
    if left:
        pytest.fail(f"{what} left {len(left)} thread(s) running:\n{_describe(left)}", pytrace=False)


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fails a test that leaves a thread behind.

    pytest sets up wider-scoped fixtures first, so threads owned by module fixtures (a shared lab) are already
    in the baseline; function-scoped fixtures are torn down before this check runs, so their threads count.
    """
    before = set(threading.enumerate())
    yield
    _check_threads(before, "this test")


@pytest.fixture(autouse=True, scope="module")
def _no_leaked_module_threads() -> Iterator[None]:
    """Fails the module whose shared fixtures leave a thread behind after their own teardown."""
    before = set(threading.enumerate())
    yield
    _check_threads(before, "this module's fixtures")
