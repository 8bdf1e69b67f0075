"""Records that cross the boundary of the monitoring core (frozen, Qt-free, JSON-friendly).

Everything the monitor tells the outside world is one of the frozen dataclasses below. The GUI, the
headless probe, the session file, the benchmarks and the server models (monitor/models) all consume
these and nothing else. New fields are only ever *added*, with defaults, so readers stay compatible.

Times
-----
Every instant is given twice: ``*_mono`` (``time.monotonic()`` seconds, for intervals; only comparable
within one process) and ``*_utc`` (aware ``datetime`` in UTC, for display and for comparing with
other machines/ground truth). An uncertain instant is a :class:`Window` ``(lo, hi)``: the event happened
after ``lo`` and no later than ``hi`` (e.g. "first seen" lies between the last poll that did not list a
segment and the first one that did; for polls we use the request's *send* time for ``lo`` and its
*first byte* time for ``hi``; ``mid`` is the best single estimate).

Public API (monitor/monitor.py)
-------------------------------
::

    from monitor import Monitor, MonitorConfig, EndpointConfig

    config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url="http://127.0.0.1:8080/hls/s.m3u8"),
                                      EndpointConfig(name="cdn", url="http://127.0.0.1:8081/hls/s.m3u8")),
                           record_path=Path("session.jsonl"))          # optional
    mon = Monitor(config, on_event=handle)    # handle(event: Event) -> None
    mon.start()                               # returns at once; one daemon thread per endpoint
    ...
    mon.close()                               # stops and joins the threads, flushes the session file
    mon.lifecycles()                          # -> {(endpoint, generation, msn): SegmentLifecycle} (latest)
    mon.alerts()                              # -> list[Alert]

``on_event`` is called **from the endpoint's poller thread** (thread name ``poll-<endpoint>``), one
event at a time per endpoint but concurrently across endpoints; it must be quick and must not touch
widgets (the GUI wraps it in one Qt bridge that only emits a signal). Events are
:data:`Event` = RequestRecord | PlaylistSnapshot | SegmentLifecycle | Alert | Measures | EndpointStatus |
VariantList. A ``SegmentLifecycle`` is re-emitted (a new frozen object) each time it changes; the newest
one for ``(endpoint, generation, msn)`` supersedes the previous ones. Exceptions raised by ``on_event`` are logged and
swallowed. URLs in records are the real ones (needed to probe signed segment URLs); the session
file and the logs redact credentials and signed-URL tokens (``monitor.redact``).
A session file read back with ``monitor.session.read_session(path)`` yields the same events.
"""

from __future__ import annotations

import enum
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

FORMAT_VERSION = 1

#: Response headers recorded for every request (lower-case names).
HEADERS_OF_INTEREST: tuple[str, ...] = (
    "cache-control",
    "expires",
    "age",
    "x-cache",
    "via",
    "x-amz-cf-pop",
    "x-amz-cf-id",
    "x-cache-hits",
    "x-cache-status",
    "cf-cache-status",
    "cf-ray",
    "x-served-by",
    "akamai-cache-status",
    "etag",
    "last-modified",
    "content-type",
    "content-length",
    "content-range",
    "access-control-allow-origin",
    "server",
    "date",
    "location",
)


class Severity(enum.IntEnum):
    """Alert severity, ordered (``--fail-on warning`` fails on WARNING and above)."""

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


class RequestKind(enum.StrEnum):
    PLAYLIST = "playlist"  # a media/master playlist reload (normal or blocking)
    SEGMENT = "segment"  # a segment download (bytes, timings)
    PROBE = "probe"  # a HEAD / 1-byte ranged GET to see whether a removed segment is gone


class EndpointState(enum.StrEnum):
    STARTING = "starting"
    LIVE = "live"  # playlist fetched and updating
    STALLED = "stalled"  # no new segment for > 1.5 x target duration
    ENDED = "ended"  # EXT-X-ENDLIST seen
    GONE = "gone"  # playlist 404/410 (or unreachable) after having been live
    ERROR = "error"  # cannot fetch / parse (bad input), still retrying
    STOPPED = "stopped"  # close() called


@dataclass(frozen=True, kw_only=True)
class Window:
    """An uncertain instant: it happened in ``(lo, hi]``, in monotonic seconds and in UTC."""

    lo: float
    hi: float
    lo_utc: datetime
    hi_utc: datetime

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def mid_utc(self) -> datetime:
        return self.lo_utc + (self.hi_utc - self.lo_utc) / 2

    @property
    def width(self) -> float:
        return self.hi - self.lo

    def estimate(self, step: float) -> float:
        """Best single instant for a first-seen window of the fast poller. Its first reload of a window
        goes out one ``step`` after the earliest expected arrival, so a window opened by the previous
        (long past) reload most likely ends within a step of the arrival: ``hi − step/2``. Narrow
        windows (bracketed by dense reloads): the middle."""
        return max(self.mid, self.hi - step / 2)

    def estimate_utc(self, step: float) -> datetime:
        """:meth:`estimate` on the UTC clock."""
        return self.hi_utc - timedelta(seconds=self.hi - self.estimate(step))


@dataclass(frozen=True, kw_only=True)
class RequestRecord:
    """One HTTP request made by the monitor (success or failure)."""

    endpoint: str
    kind: RequestKind
    method: str  # "GET" or "HEAD"
    url: str
    final_url: str | None  # after redirects; None when no response
    sent_mono: float
    sent_utc: datetime
    first_byte_mono: float | None  # response headers received
    end_mono: float  # body read completely, or failure
    end_utc: datetime
    status: int | None  # None: no HTTP response (timeout, refused, reset, refused scheme)
    size: int = 0  # body bytes read
    headers: Mapping[str, str] = field(default_factory=dict)  # HEADERS_OF_INTEREST present, lower-case
    error: str | None = None  # plain-language failure, e.g. "timeout after 5 s", "HTML instead of playlist"
    blocking: bool = False  # LL-HLS blocking reload (_HLS_msn)
    msn: int | None = None  # the segment's media sequence number (segment/probe requests)

    @property
    def ttfb_s(self) -> float | None:
        return None if self.first_byte_mono is None else self.first_byte_mono - self.sent_mono

    @property
    def total_s(self) -> float:
        return self.end_mono - self.sent_mono


@dataclass(frozen=True, kw_only=True)
class PartEntry:
    """One LL-HLS partial segment (EXT-X-PART)."""

    uri: str  # absolute
    duration: float
    independent: bool = False
    byterange: str | None = None  # "len@offset" or "len"
    gap: bool = False


@dataclass(frozen=True, kw_only=True)
class PreloadHint:
    """EXT-X-PRELOAD-HINT: the resource the server will publish next (LL-HLS)."""

    type: str  # "PART" or "MAP"
    uri: str  # absolute
    byterange_start: int | None = None
    byterange_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class RenditionReport:
    """EXT-X-RENDITION-REPORT: another rendition's newest segment/part (LAST-MSN, LAST-PART are optional)."""

    uri: str  # absolute
    last_msn: int | None = None
    last_part: int | None = None


@dataclass(frozen=True, kw_only=True)
class PlaylistIssue:
    """A non-fatal finding of the parser (codes are documented in monitor/parse.py)."""

    code: str  # stable snake_case, e.g. "uri_without_extinf", "malformed_uri", "extinf_out_of_bounds"
    detail: str  # plain words
    msn: int | None = None


@dataclass(frozen=True, kw_only=True)
class SegmentEntry:
    """One segment as listed in one playlist version."""

    msn: int
    uri: str  # absolute (resolved against the playlist's final URL)
    duration: float  # EXTINF
    title: str = ""
    discontinuity: bool = False
    pdt: datetime | None = None  # EXT-X-PROGRAM-DATE-TIME (aware)
    byterange: str | None = None  # "len@offset" when EXT-X-BYTERANGE
    key_method: str | None = None  # "AES-128", "SAMPLE-AES" when encrypted
    map_uri: str | None = None  # fMP4 EXT-X-MAP init segment
    parts: int = 0  # LL-HLS EXT-X-PART count (len(part_list))
    gap: bool = False  # EXT-X-GAP: the segment is missing on purpose (never probe it as missing)
    part_list: tuple[PartEntry, ...] = ()  # LL-HLS EXT-X-PART of this segment, in order
    key_uri: str | None = None  # absolute EXT-X-KEY URI when encrypted
    discontinuity_sequence: int = 0  # the discontinuity domain this segment belongs to
    bitrate: int | None = None  # EXT-X-BITRATE (kbit/s)


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One variant of a master (multivariant) playlist."""

    uri: str  # absolute
    bandwidth: int | None = None
    resolution: str | None = None  # "640x360"
    codecs: str | None = None
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class PlaylistSnapshot:
    """One parsed media playlist version as fetched by one request."""

    endpoint: str
    fetched: Window  # lo = request sent, hi = first byte
    url: str  # final URL
    media_sequence: int
    discontinuity_sequence: int = 0
    target_duration: float | None = None
    version: int | None = None
    endlist: bool = False
    playlist_type: str | None = None
    segments: tuple[SegmentEntry, ...] = ()
    can_block_reload: bool = False
    hold_back: float | None = None
    part_target: float | None = None
    changed: bool = True  # differs from the previous snapshot of this endpoint
    sha1: str = ""  # of the body text
    age_s: float | None = None  # Age header
    header_order: tuple[str, ...] = ()  # tag names in order of first appearance (fingerprinting)
    part_hold_back: float | None = None  # EXT-X-SERVER-CONTROL PART-HOLD-BACK
    can_skip_until: float | None = None  # EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL (delta updates offered)
    can_skip_dateranges: bool = False
    skipped_segments: int = 0  # EXT-X-SKIP of a delta update (the entries were rebuilt from the previous one)
    parts: tuple[PartEntry, ...] = ()  # LL-HLS parts of the open segment (after the last complete one)
    preload_hint: PreloadHint | None = None  # EXT-X-PRELOAD-HINT TYPE=PART (the next part)
    preload_map_hint: PreloadHint | None = None  # EXT-X-PRELOAD-HINT TYPE=MAP
    rendition_reports: tuple[RenditionReport, ...] = ()
    issues: tuple[PlaylistIssue, ...] = ()  # non-fatal findings of the parser

    @property
    def last_msn(self) -> int:
        return self.media_sequence + len(self.segments) - 1

    @functools.cached_property
    def duration_s(self) -> float:
        """Sum of the EXTINFs (computed once: callers ask per segment)."""
        return math.fsum(s.duration for s in self.segments)


@dataclass(frozen=True, kw_only=True)
class VariantList:
    """The endpoint URL is a master playlist: its variants (the monitor then follows one or all)."""

    endpoint: str
    url: str
    variants: tuple[Variant, ...]
    fetched_utc: datetime


@dataclass(frozen=True, kw_only=True)
class SegmentLifecycle:
    """The life of one segment (by media sequence number) at one endpoint."""

    endpoint: str
    msn: int
    uri: str
    extinf: float
    discontinuity: bool = False
    pdt: datetime | None = None
    first_seen: Window  # between last poll not listing it and the first poll listing it
    initial: bool = False  # already listed in the endpoint's first playlist: first_seen is only an upper bound
    generation: int = 0  # incremented when the stream restarts (media sequence went back)
    left: Window | None = None  # left the playlist (between last poll listing it and first not)
    gone: Window | None = None  # first 404/403/410 after leaving (between last 200 and first 4xx)
    gone_status: int | None = None
    gone_inferred: bool = False  # not probed itself: an older and a younger segment were gone (deletion in order)
    last_available_mono: float | None = None  # last probe that still answered 2xx
    probes: int = 0
    gave_up: bool = False  # probing stopped at the limit: "still available after X s"
    missed: bool = False  # published and removed between two polls: never seen listed
    missed_through: int | None = None  # a missed record stands for the range msn..missed_through
    gap: bool = False  # EXT-X-GAP: missing on purpose, never probed
    errors_while_listed: int = 0  # 404s while the segment was listed
    size: int | None = None  # bytes (when downloaded)
    ttfb_s: float | None = None
    download_s: float | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def missed_count(self) -> int:
        """How many media sequence numbers this missed record stands for (0 when not missed)."""
        if not self.missed:
            return 0
        return 1 if self.missed_through is None else self.missed_through - self.msn + 1

    @property
    def throughput_bps(self) -> float | None:
        if self.size is None or not self.download_s:
            return None
        return self.size * 8 / self.download_s

    # Listed time, deletion lag and lifetime are not properties here: the middles of one-sided windows bias them
    # by half a window. monitor.measures computes them from Window.estimate (listed_s, deletion_lag_s, lifetime_s).


@dataclass(frozen=True, kw_only=True)
class Alert:
    """Something really wrong (or notable), with the evidence and what to do."""

    endpoint: str
    severity: Severity
    code: str  # stable identifier, e.g. "extinf_over_target", "stale_cdn_playlist"
    message: str  # one plain sentence
    mono: float
    utc: datetime
    evidence: Mapping[str, object] = field(default_factory=dict)  # JSON-able values
    advice: str = ""
    msn: int | None = None
    spec: str | None = None  # e.g. "RFC 8216 §6.2.2"
    # set on the INFO record that closes an episode: the code of the alert whose condition cleared
    # (monitor/rules/catalogue.py; docs/alerts.md lists every code and its recovery)
    recovers: str | None = None


@dataclass(frozen=True, kw_only=True)
class Fingerprint:
    """The server behind an endpoint, guessed from its playlist format and headers (monitor.models).

    ``name`` is a server profile name (``nginx-rtmp``, ``ffmpeg``, ``nms``, ``srs``, ``mediamtx``, or
    ``generic`` when nothing is conclusive); ``reason`` says why, in plain words."""

    name: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Measures:
    """Derived measures of one endpoint, emitted after each changed playlist (and periodically)."""

    endpoint: str
    mono: float
    utc: datetime
    media_sequence: int
    window_segments: int
    window_s: float
    target_duration: float | None
    staleness_s: float  # time since the playlist last changed
    age_s: float | None = None  # Age header of the last playlist response
    last_interarrival_s: float | None = None  # between the last two first-seen mids
    interarrivals_p50_s: float | None = None
    deletion_lag_p50_s: float | None = None  # gone − left
    lifetime_p50_s: float | None = None  # gone − first seen
    propagation_s: float | None = None  # this endpoint first seen − reference endpoint first seen (last)
    propagation_p50_s: float | None = None
    segments_seen: int = 0
    segments_gone: int = 0
    missed: int = 0
    errors_while_listed: int = 0
    requests: int = 0
    request_rate: float = 0.0  # requests per second since start
    max_overrun_s: float | None = None  # worst segment duration above target
    fingerprint: Fingerprint | None = None  # the server guessed once per endpoint from its first media playlist
    # EXT-X-PROGRAM-DATE-TIME latency: UTC when the newest segment was first seen here − (its PDT + EXTINF)
    pdt_latency_s: float | None = None  # of the newest segment with a PDT
    pdt_latency_p50_s: float | None = None
    # requests since start by RequestKind value ("playlist" reloads, "segment" HEAD/GET, "probe")
    requests_by_kind: Mapping[str, int] = field(default_factory=dict)
    # the poller's own lateness (its wake-ups after the planned instant), over the last minute
    loop_lateness_p95_s: float | None = None
    loop_lateness_max_s: float | None = None
    # what the segments contain (monitor.content), from the latest analysed segment
    keyint_measured_s: float | None = None  # keyframe interval measured in the media
    keyint_expected_s: float | None = None  # the configured one, or the first one measured
    av_drift_ms: float | None = None  # audio start against video start, moved from where it began
    level_dbfs: float | None = None  # audio RMS level
    bitrate_bps: float | None = None  # the segment's bytes over its media duration
    ingest_rate: float | None = None  # media seconds published per wall-clock second (1.0: on time)
    content_dropped: int = 0  # segments the analysis dropped while behind (one worker serves every endpoint)


@dataclass(frozen=True, kw_only=True)
class ContentReport:
    """What one analysed segment contains (monitor.content): keyframes, timestamps, format, bit rate, picture
    and sound. Its thumbnail is a JPEG beside the session file (``<session>.thumbs/<thumbnail>``), never in
    the JSON lines. ``findings``: the finding codes of this segment (the alerts carry the evidence)."""

    endpoint: str
    mono: float
    utc: datetime
    msn: int
    generation: int = 0
    uri: str = ""
    size: int = 0  # bytes
    extinf_s: float | None = None
    media_s: float | None = None
    keyframes_s: tuple[float, ...] = ()  # stream time of each keyframe
    keyint_s: float | None = None  # measured keyframe interval
    keyint_expected_s: float | None = None
    starts_on_keyframe: bool | None = None
    video_gap_ms: float | None = None  # start against the previous segment's end: > 0 gap, < 0 overlap
    audio_gap_ms: float | None = None
    av_offset_ms: float | None = None
    av_drift_ms: float | None = None
    video_codec: str | None = None
    resolution: str | None = None  # "640x360"
    fps: float | None = None
    audio_codec: str | None = None
    bitrate_bps: float | None = None
    average_bitrate_bps: float | None = None
    declared_bps: int | None = None  # the variant's BANDWIDTH in the master playlist
    mean_luma: float | None = None
    level_dbfs: float | None = None
    ingest_rate: float | None = None
    findings: tuple[str, ...] = ()
    cpu_s: float = 0.0  # analysis CPU time
    thumbnail: str | None = None  # file name in the thumbnails directory


@dataclass(frozen=True, kw_only=True)
class EndpointStatus:
    """State changes of one endpoint (live, stalled, ended, gone, error...)."""

    endpoint: str
    state: EndpointState
    mono: float
    utc: datetime
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class SampledValues:
    """Values a client of the core sampled at one instant (the window's host metrics and player health),
    keyed by series name; recorded in the session with :meth:`Monitor.record` so a replay shows them too."""

    mono: float
    utc: datetime
    values: Mapping[str, float]


Event = (
    RequestRecord
    | PlaylistSnapshot
    | SegmentLifecycle
    | Alert
    | Measures
    | EndpointStatus
    | VariantList
    | ContentReport
)


@dataclass(frozen=True, kw_only=True)
class EndpointConfig:
    """One playlist URL to watch. ``reference`` names the endpoint propagation is measured from."""

    name: str
    url: str
    reference: str | None = None  # e.g. "origin" for the CDN endpoint


@dataclass(frozen=True, kw_only=True)
class MonitorConfig:
    """Everything the monitor needs; built by the GUI settings or the probe CLI."""

    endpoints: tuple[EndpointConfig, ...]
    variants: str = "first"  # for a master playlist: "first", "all", or a 0-based index "2"
    record_path: Path | None = None  # JSON-lines session file
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 10.0
    strategy: str = "fast"  # "fast" (cadence-learning) or "rfc" (RFC 8216 §6.3.4 baseline)
    probe_deletions: bool = True
    probe_rate_per_s: float = 1.0  # bound on the extra request rate spent on deletion probes
    # Each endpoint's total request rate (reloads + HEADs + probes, in that priority; monitor.budget).
    # None: the default for the segment cadence, 3 per segment (1.5/s for 2 s segments).
    request_budget_per_s: float | None = None
    probe_limit_s: float = 300.0  # stop probing after this long: "still available after X s"
    download_segments: bool = False  # GET each new segment (bytes, TTFB, throughput)
    head_new_segments: bool = True  # HEAD each new segment once (404 while listed, validators for reuse)
    # analyse what each new segment contains (monitor.content): the new segment's check becomes a GET,
    # the same one request of the budget as the HEAD it replaces
    analyse_content: bool = False
    blocking_reload: bool = True  # use _HLS_msn blocking reloads when the playlist offers CAN-BLOCK-RELOAD
    dense_step_s: float = 0.06  # fast strategy: poll spacing around the expected arrival
    max_playlist_bytes: int = 4_000_000
    user_agent: str = "hlsmon/0.1"
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def arrival_step_s(self) -> float:
        """The step for :meth:`Window.estimate` of first-seen windows (inf: the middle, for the RFC poller)."""
        return self.dense_step_s if self.strategy != "rfc" else math.inf


def utc_now() -> datetime:
    return datetime.now(UTC)
