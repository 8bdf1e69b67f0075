"""Content analysis joined to the polling: segment bytes out to the shared worker, results back in.

:class:`ContentFeed` is one poller's side of it. The poller submits the bytes of each new segment it
downloaded (:meth:`ContentFeed.submit`, poller thread); the worker's results come back on the ``content``
thread into the feed's inbox (:meth:`ContentFeed.deliver`), and the poller takes them out on its own thread
(:meth:`ContentFeed.drain`), so the poller's state (rules, measures) has one owner. Frozen records cross.

:class:`Thumbnails` writes each segment's thumbnail as ``<endpoint>-<generation>-<msn>.jpg`` in the
directory beside the session file (``<session>.thumbs``), on the content thread, off the polling path.
"""

from __future__ import annotations

import logging
import math
import queue
from datetime import datetime
from pathlib import Path

from monitor.content import ContentResult, ContentWorker, SegmentInput, SegmentJob
from monitor.fetch import Fetched
from monitor.measures import seen_at
from monitor.records import ContentReport, SegmentLifecycle

log = logging.getLogger(__name__)


def thumbs_dir(session_path: Path) -> Path:
    """Where a session's thumbnails go: ``run.jsonl`` → ``run.thumbs/`` beside it."""
    return session_path.with_suffix(".thumbs")


def thumb_name(endpoint: str, generation: int, msn: int) -> str:
    return f"{endpoint}-{generation}-{msn}.jpg"


class Thumbnails:
    """Thumbnail files of one session (written from the content thread only)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, result: ContentResult) -> str | None:
        """Write the result's thumbnail; its file name, or None when there is none (or it could not be written)."""
        report = result.report
        if report is None or not report.thumbnail:
            return None
        name = thumb_name(result.endpoint, result.generation, result.msn)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / name).write_bytes(report.thumbnail)
        except OSError as exc:
            log.warning("thumbnail %s not written: %s", name, exc)
            return None
        return name


def to_record(result: ContentResult, utc: datetime, thumbnail: str | None,
              declared_bps: int | None = None) -> ContentReport | None:
    """The session record of one analysed segment (None when its bytes were not readable media)."""
    r = result.report
    if r is None:
        return None
    return ContentReport(
        endpoint=result.endpoint, mono=result.mono, utc=utc, msn=result.msn, generation=result.generation,
        uri=result.uri, size=r.size, extinf_s=r.extinf_s, media_s=r.media_s, keyframes_s=r.keyframes_s,
        keyint_s=r.keyint_s, keyint_expected_s=r.keyint_expected_s, starts_on_keyframe=r.starts_on_keyframe,
        video_gap_ms=r.video_gap_ms, audio_gap_ms=r.audio_gap_ms, av_offset_ms=r.av_offset_ms,
        av_drift_ms=r.av_drift_ms, video_codec=r.format.video_codec, resolution=r.format.size, fps=r.format.fps,
        audio_codec=r.format.audio_codec, bitrate_bps=r.bitrate_bps, average_bitrate_bps=r.average_bitrate_bps,
        declared_bps=declared_bps,
        mean_luma=r.mean_luma, level_dbfs=r.level_dbfs, ingest_rate=result.ingest_rate,
        findings=tuple(f.code for f in result.findings), cpu_s=round(result.cpu_s, 4), thumbnail=thumbnail,
    )


class ContentFeed:
    """One endpoint's link to the shared :class:`ContentWorker` (None: content analysis is off)."""

    def __init__(self, endpoint: str, worker: ContentWorker | None, arrival_step_s: float = math.inf) -> None:
        self.endpoint = endpoint
        self.worker = worker
        self.arrival_step_s = arrival_step_s  # the instant taken inside a first-seen window (measures.seen_at)
        self.bandwidth: int | None = None  # BANDWIDTH of the variant followed (poller thread)
        self._inbox: queue.SimpleQueue[tuple[ContentResult, str | None]] = queue.SimpleQueue()

    @property
    def enabled(self) -> bool:
        return self.worker is not None

    def submit(self, life: SegmentLifecycle, got: Fetched, target_duration: float | None) -> bool:
        """Queue the downloaded bytes of a new segment (poller thread); False when there is nothing to analyse."""
        status = got.record.status or 0
        if self.worker is None or not got.body or got.truncated or not 200 <= status < 300 or status == 206:
            return False
        segment = SegmentInput(msn=life.msn, extinf_s=life.extinf, discontinuity=life.discontinuity,
                               target_duration_s=target_duration, bandwidth=self.bandwidth)
        # the first playlist's segments were already there: when they appeared is not known
        seen = None if life.initial else seen_at(life.first_seen, self.arrival_step_s)
        self.worker.submit(SegmentJob(endpoint=self.endpoint, uri=life.uri, data=got.body, segment=segment,
                                      seen_mono=seen, generation=life.generation))
        return True

    def deliver(self, result: ContentResult, thumbnail: str | None) -> None:
        """A result for this endpoint (content thread): kept for the poller's next step."""
        self._inbox.put((result, thumbnail))

    def drain(self) -> list[tuple[ContentResult, str | None]]:
        """The results delivered since the last call, in order (poller thread)."""
        out = []
        while True:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                return out
