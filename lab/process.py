"""Child processes of the lab: started with a log file, stopped in order, never left behind.

Each server of the lab (nginx, ffmpeg, varnishd, node, the S3 store) is a ``ManagedProcess``. It runs in
its own process group, so stopping it also stops the workers it forked, and on Linux it receives SIGTERM
when the lab dies (``PR_SET_PDEATHSIG``), so a killed lab leaves no orphan behind.

``PR_SET_PDEATHSIG`` fires when the *thread* that forked the child exits, not the process. So every child is
forked by one long-lived spawner thread, whichever thread asks (the GUI starts the lab from a worker).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Self

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class _Spawner:
    """A daemon thread that lives as long as the process and runs every ``Popen`` of the lab."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], subprocess.Popen[bytes]], Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, make: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lab-spawner", daemon=True)
                self._thread.start()
        future: Future = Future()
        self._jobs.put((make, future))
        return future.result()

    def _loop(self) -> None:
        while True:
            make, future = self._jobs.get()
            try:
                future.set_result(make())
            except BaseException as exc:  # handed to the caller's thread
                future.set_exception(exc)


_spawner = _Spawner()


class ProcessFailed(RuntimeError):
    """A lab process exited or never became healthy; the message names it and its log."""


class ManagedProcess:
    """One lab server: ``start()``, ``alive()``, ``stop()``; output goes to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        stdin: int | None = subprocess.DEVNULL,
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.cwd = cwd
        self.env = env
        self.stdin = stdin
        self.stop_signal = stop_signal
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting %s: %s (log %s)", self.name, " ".join(self.argv), self.log_path)
        with open(self.log_path, "ab") as out:
            try:
                self.popen = _spawner.run(
                    lambda: subprocess.Popen(
                        self.argv,
                        cwd=self.cwd,
                        env=self.env,
                        stdin=self.stdin,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        preexec_fn=_die_with_parent,
                    )
                )
            except FileNotFoundError as exc:
                raise ProcessFailed(
                    f"{self.name}: {self.argv[0]} is not installed; run scripts/setup.sh"
                ) from exc
        return self

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def check_alive(self) -> None:
        """Raise ``ProcessFailed`` with the tail of the log when the process has exited."""
        if self.popen is not None and not self.alive():
            raise ProcessFailed(
                f"{self.name} exited with code {self.popen.returncode}; see {self.log_path}:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 5.0) -> None:
        """Signal the whole process group, wait, then kill what is left."""
        if self.popen is None:
            return
        if self.alive():
            self._signal_group(self.stop_signal)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
        self._signal_group(signal.SIGKILL)  # workers the leader left behind
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(2.0)
        log.info("stopped %s", self.name)

    def _signal_group(self, sig: int) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)


class ProcessService:
    """A lab server made of one ``ManagedProcess``: subclasses set ``self.process`` in ``start()``."""

    process: ManagedProcess | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def check_alive(self) -> None:
        if self.process is not None:
            self.process.check_alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate, timeout: float, interval: float = 0.1, processes: Sequence[ManagedProcess] = ()) -> bool:
    """Poll ``predicate`` until true or ``timeout``; raise early if one of ``processes`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            process.check_alive()
        if predicate():
            return True
        time.sleep(interval)
    return False
