"""The content worker: segment analysis off the polling path, on its own thread, within a budget.

``submit(job)`` never blocks: the queue holds ``capacity`` segments and, when the worker is behind, the
oldest waiting one is dropped (live monitoring wants the newest), counted, logged, and reported in the
next result's ``skipped``. Results go out through ``on_result`` **from the worker thread** (thread name
``content``): like the monitor's ``on_event`` it must be quick and must not touch widgets. The worker owns
the per-endpoint :class:`StreamState` and :class:`IngestRate`; nobody else touches them.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.clock import Clock
from monitor.content import findings as F
from monitor.content.analysis import SegmentInput, SegmentReport, StreamState, analyse_segment
from monitor.content.drift import IngestRate
from monitor.content.findings import Finding, finding
from monitor.content.media import UnreadableSegment
from monitor.content.settings import ContentSettings

log = logging.getLogger(__name__)

_BREAKS = frozenset({F.TIMESTAMP_GAP, F.TIMESTAMP_OVERLAP})


@dataclass(frozen=True, kw_only=True)
class SegmentJob:
    endpoint: str
    uri: str
    data: bytes = field(repr=False)
    segment: SegmentInput
    seen_mono: float | None = None  # when the segment first appeared (ingest drift); None: not measured
    generation: int = 0  # the publish the segment belongs to (media sequence numbers restart with it)


@dataclass(frozen=True, kw_only=True)
class ContentResult:
    endpoint: str
    uri: str
    msn: int
    generation: int
    mono: float  # when the analysis finished
    cpu_s: float  # CPU time the analysis took (this thread)
    skipped: int  # segments of any endpoint dropped since the previous result (the worker was behind)
    findings: tuple[Finding, ...]  # the report's, plus ingest drift or an unreadable segment
    report: SegmentReport | None = None  # None when the bytes could not be read
    ingest_rate: float | None = None  # media seconds published per wall second (once its window is long enough)


@dataclass
class _Stream:
    state: StreamState | None = None
    ingest: IngestRate = field(default_factory=IngestRate)


class ContentWorker:
    def __init__(self, on_result: Callable[[ContentResult], None], *, settings: ContentSettings | None = None,
                 capacity: int = 4, clock: Clock | None = None) -> None:
        self._on_result = on_result
        self.settings = settings or ContentSettings()
        self._clock = clock or Clock()
        self._queue: collections.deque[SegmentJob] = collections.deque()
        self._capacity = capacity
        self._cond = threading.Condition()
        self._streams: dict[str, _Stream] = {}  # worker thread only
        self._closing = False
        self._skipped_pending = 0
        self._busy = False  # a segment is in hand (drain waits for it)
        self.dropped = 0
        self.analysed = 0
        self.cpu_s = 0.0
        self._thread = threading.Thread(target=self._run, name="content", daemon=True)

    def start(self) -> ContentWorker:
        self._thread.start()
        return self

    def submit(self, job: SegmentJob) -> bool:
        """Queue ``job``; False when it pushed out an older one (the worker is behind)."""
        with self._cond:
            kept = True
            if len(self._queue) >= self._capacity:
                old = self._queue.popleft()
                self.dropped += 1
                self._skipped_pending += 1
                kept = False
                log.warning("content analysis is behind: dropped segment %s of %s (%d dropped so far)",
                            old.segment.msn, old.endpoint, self.dropped)
            self._queue.append(job)
            self._cond.notify()
            return kept

    def close(self, timeout: float = 5.0) -> None:
        """Finish the segment in hand, drop the rest, join the thread."""
        with self._cond:
            self._closing = True
            self._queue.clear()
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the queue is empty and the segment in hand is done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                job = self._queue.popleft()
                skipped, self._skipped_pending = self._skipped_pending, 0
                self._busy = True
            try:
                result = self._analyse(job, skipped)
                try:
                    self._on_result(result)
                except Exception:
                    log.exception("content result callback failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _analyse(self, job: SegmentJob, skipped: int) -> ContentResult:
        stream = self._streams.setdefault(job.endpoint, _Stream())
        cpu0 = time.thread_time()
        report: SegmentReport | None = None
        try:
            report = analyse_segment(job.data, job.segment, stream.state, self.settings)
        except UnreadableSegment as exc:
            found: tuple[Finding, ...] = (finding(F.UNREADABLE_SEGMENT, str(exc)),)
        else:
            stream.state = report.state
            found = report.findings + self._ingest(stream, job, report)
        cpu = time.thread_time() - cpu0
        self.analysed += 1
        self.cpu_s += cpu
        return ContentResult(endpoint=job.endpoint, uri=job.uri, msn=job.segment.msn, generation=job.generation,
                             mono=self._clock.mono(),
                             cpu_s=cpu, skipped=skipped, findings=found, report=report, ingest_rate=stream.ingest.rate)

    @staticmethod
    def _ingest(stream: _Stream, job: SegmentJob, report: SegmentReport) -> tuple[Finding, ...]:
        end = report.state.video_end_s or report.state.audio_end_s
        if job.seen_mono is None or end is None:
            return ()
        if job.segment.discontinuity or any(f.code in _BREAKS for f in report.findings):
            stream.ingest.reset()  # media time restarted or jumped: a new window
        drift = stream.ingest.note(end, job.seen_mono)
        return (drift,) if drift else ()
