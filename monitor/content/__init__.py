"""What the segments contain (Qt-free): keyframes, timestamps, bit rate, picture and sound, per segment.

- :mod:`monitor.content.media` reads one MPEG-TS segment with PyAV (demux all, decode keyframes + audio);
- :mod:`monitor.content.analysis` compares it with the previous segment's state and lists findings;
- :mod:`monitor.content.drift` measures ingest drift (media seconds per wall second);
- :mod:`monitor.content.worker` runs it all on its own thread with a bounded, dropping queue.
"""

from monitor.content.analysis import Format, SegmentInput, SegmentReport, StreamState, analyse_segment
from monitor.content.drift import IngestRate
from monitor.content.findings import CODES, Finding
from monitor.content.settings import ContentSettings
from monitor.content.worker import ContentResult, ContentWorker, SegmentJob

__all__ = [
    "CODES", "ContentResult", "ContentSettings", "ContentWorker", "Finding", "Format", "IngestRate",
    "SegmentInput", "SegmentJob", "SegmentReport", "StreamState", "analyse_segment",
]
