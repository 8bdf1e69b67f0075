"""Test hygiene: the fixtures of tests/conftest.py fail a test or a module that leaves a thread running (and only
then); warnings and Qt warnings are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = '''
import threading
import time

import pytest

forever = threading.Event()


def test_leaves_a_thread():
    threading.Thread(target=forever.wait, name="left-behind", daemon=True).start()


def test_stops_its_thread():
    done = threading.Event()
    thread = threading.Thread(target=done.wait, name="stopped")
    thread.start()
    done.set()


def test_thread_ends_within_the_grace_period():
    threading.Thread(target=time.sleep, args=(0.5,), name="stopping").start()


def test_named_long_lived_thread_is_allowed():
    threading.Thread(target=forever.wait, name="lab-spawner", daemon=True).start()


@pytest.fixture(scope="module")
def shared_server():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="shared", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_uses_a_module_fixture_thread(shared_server):
    pass


def test_uses_it_again(shared_server):
    pass
'''

LEAKY_MODULE = '''
import threading

import pytest

forever = threading.Event()


@pytest.fixture(scope="module")
def leaky():
    threading.Thread(target=forever.wait, name="module-leak", daemon=True).start()


def test_uses_the_leaky_fixture(leaky):
    pass
'''


@pytest.fixture
def sample(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest("from tests.conftest import _no_leaked_module_threads, _no_leaked_threads  # noqa: F401\n")
    return pytester


def test_only_a_test_that_leaves_a_thread_fails(sample: pytest.Pytester) -> None:
    sample.makepyfile(test_sample=SAMPLE)
    result = sample.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xvfb")
    result.assert_outcomes(passed=6, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_a_thread*", "*'left-behind' (daemon=True)*"])


def test_a_module_fixture_that_leaves_a_thread_fails_the_module(sample: pytest.Pytester) -> None:
    sample.makepyfile(test_leaky=LEAKY_MODULE)
    result = sample.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xvfb")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*this module's fixtures left 1 thread(s) running*", "*'module-leak'*"])


def test_warnings_and_qt_warnings_fail_tests(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.getini("filterwarnings")[0] == "error"
    assert pytestconfig.getini("qt_log_level_fail") == "WARNING"
