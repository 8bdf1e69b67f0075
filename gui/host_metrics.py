"""CPU and memory of hlsmon and, when they run on this machine, of nginx and ffmpeg (psutil; Qt-free).

nginx/ffmpeg are first looked for among hlsmon's own descendants (the lab); when there are none and
``system_wide`` is set (the stream is served from this machine), among all processes.
"""

from __future__ import annotations

import logging
import os
import time

import psutil

log = logging.getLogger(__name__)

GROUPS = {"nginx": ("nginx",), "ffmpeg": ("ffmpeg",)}
RESCAN_S = 10.0


class HostSampler:
    def __init__(self, system_wide: bool = False) -> None:
        self.system_wide = system_wide
        self.me = psutil.Process(os.getpid())
        self.me.cpu_percent(None)
        self._procs: dict[str, list[psutil.Process]] = {g: [] for g in GROUPS}
        self._scanned = -1e9

    def _scan(self) -> None:
        self._scanned = time.monotonic()
        try:
            candidates = self.me.children(recursive=True)
        except psutil.Error:
            candidates = []
        found = self._match(candidates)
        if self.system_wide and not any(found.values()):
            found = self._match(list(psutil.process_iter()))
        for group, procs in found.items():
            known = {p.pid for p in self._procs[group]}
            for p in procs:
                if p.pid not in known:
                    try:
                        p.cpu_percent(None)
                    except psutil.Error:
                        continue
            self._procs[group] = [p for p in self._procs[group] if p.pid in {q.pid for q in procs}] + [
                p for p in procs if p.pid not in known
            ]

    @staticmethod
    def _match(procs: list[psutil.Process]) -> dict[str, list[psutil.Process]]:
        out: dict[str, list[psutil.Process]] = {g: [] for g in GROUPS}
        for p in procs:
            try:
                name = p.name()
            except psutil.Error:
                continue
            for group, names in GROUPS.items():
                if name in names:
                    out[group].append(p)
        return out

    def sample(self) -> dict[str, tuple[float, float]]:
        """``{"hlsmon": (cpu %, rss MB), "nginx": ..., "ffmpeg": ...}`` (groups summed; absent omitted)."""
        if time.monotonic() - self._scanned > RESCAN_S:
            self._scan()
        out = {"hlsmon": (self.me.cpu_percent(None), self.me.memory_info().rss / 1e6)}
        for group, procs in self._procs.items():
            cpu = mem = 0.0
            alive = []
            for p in procs:
                try:
                    cpu += p.cpu_percent(None)
                    mem += p.memory_info().rss / 1e6
                    alive.append(p)
                except psutil.Error:
                    continue
            self._procs[group] = alive
            if alive:
                out[group] = (cpu, mem)
        return out
