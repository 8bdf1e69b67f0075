"""What-if: from settings alone, the predicted timeline, window and latency budget (``hlsmon plan``)."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from monitor.models.base import ServerProfile
from monitor.models.ffmpeg import NmsProfile
from monitor.models.others import MediaMtxProfile
from monitor.models.prediction import Prediction
from monitor.models.units import fmt_s
from monitor.models.viewers import ViewerLatency, viewer_latencies

#: CloudFront managed policies (servers.md §4.1): name -> (MinTTL, DefaultTTL, MaxTTL).
CDN_POLICIES: dict[str, tuple[float, float, float]] = {
    "none": (0, 0, 0),
    "caching-disabled": (0, 0, 0),
    "caching-optimized": (1, 86_400, 31_536_000),
    "elemental-mediapackage": (0, 86_400, 31_536_000),
}
#: Distributions with one behaviour per path: name -> (policy for *.m3u8, policy for segments).
CDN_DISTRIBUTIONS: dict[str, tuple[str, str]] = {
    "tutorial-fix": ("caching-disabled", "elemental-mediapackage"),  # the tutorial's two behaviours
}
DEFAULT_INGEST_LATENCY_S = 1.0
#: A playlist TTL above this many target durations is reported as a frozen stream, not as latency.
FROZEN_FACTOR = 10


def default_origin_cache_control(profile: ServerProfile) -> str | None:
    """What the origin sends by default (servers.md §4.2): None = no Cache-Control header."""
    if isinstance(profile, NmsProfile):
        return "public, max-age=0"
    if isinstance(profile, MediaMtxProfile):
        return "no-cache" if profile.variant == "lowLatency" else f"max-age={math.floor(profile.fragment_s)}"
    return None


def edge_ttl(policy: str, cache_control: str | None, kind: str = "playlist") -> float:
    """Effective CloudFront edge TTL (s) of a 200 response (servers.md §4.2); 0 = not cached.

    ``kind`` (``playlist`` or ``segment``) picks the behaviour of a two-behaviour distribution.
    """
    if policy in CDN_DISTRIBUTIONS:
        playlist_policy, segment_policy = CDN_DISTRIBUTIONS[policy]
        policy = playlist_policy if kind == "playlist" else segment_policy
    if policy not in CDN_POLICIES:
        names = ", ".join([*CDN_POLICIES, *CDN_DISTRIBUTIONS])
        raise ValueError(f"unknown CDN policy {policy!r}; choose one of {names}")
    min_ttl, default_ttl, max_ttl = CDN_POLICIES[policy]
    if policy in ("none", "caching-disabled"):
        return 0.0
    cc = (cache_control or "").lower()
    if re.search(r"no-cache|no-store|private", cc):
        return float(min_ttl)
    match = re.search(r"s-maxage=(\d+)", cc) or re.search(r"max-age=(\d+)", cc)
    if match:
        return float(min(max(int(match.group(1)), min_ttl), max_ttl))
    return float(max(default_ttl, min_ttl))


@dataclass(frozen=True, kw_only=True)
class BudgetItem:
    name: str
    low_s: float
    high_s: float
    note: str


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A prediction plus the latency budget and CDN effect."""

    prediction: Prediction
    budget: tuple[BudgetItem, ...]
    latency_low_s: float  # lowest a spec-following player reaches (ingest + D + hold-back)
    latency_high_s: float
    cdn_policy: str
    playlist_ttl_s: float
    segment_ttl_s: float
    warnings: tuple[str, ...]
    # what each kind of viewer gets (spec-following, hls.js defaults, VLC 3 defaults), ingest included
    viewers: tuple[ViewerLatency, ...] = ()

    def viewer(self, key: str) -> ViewerLatency:
        return next(v for v in self.viewers if v.key == key)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def longest_segment_s(prediction: Prediction) -> float:
    """D: a player can show a segment only once it closed, and the longest one sets the floor."""
    return max(prediction.durations)


def latency_floor_s(prediction: Prediction, ingest_latency_s: float = DEFAULT_INGEST_LATENCY_S) -> float:
    """The lowest capture-to-screen latency of a spec-following player (RFC 8216 §6.3.3): encoder and ingest,
    the segment closing, and the hold-back of 3 target durations. ``hlsmon plan``'s lower total and the
    window's "predicted latency floor" are this value; playlist reloads and a CDN only add to it."""
    return ingest_latency_s + longest_segment_s(prediction) + prediction.hold_back_s


def plan(
    profile: ServerProfile,
    *,
    ingest_latency_s: float = DEFAULT_INGEST_LATENCY_S,
    cdn: str = "none",
    origin_cache_control: str | None = "default",
    segments: int = 12,
) -> Plan:
    """Predict from settings alone. ``origin_cache_control="default"`` uses the server's default header."""
    prediction = profile.predict(max(segments, 1))
    cc = default_origin_cache_control(profile) if origin_cache_control == "default" else origin_cache_control
    playlist_ttl = edge_ttl(cdn, cc)
    segment_ttl = edge_ttl(cdn, cc, kind="segment")
    d = longest_segment_s(prediction)
    td = float(prediction.target_duration)
    budget = (
        BudgetItem(
            name="encoder + ingest",
            low_s=ingest_latency_s,
            high_s=ingest_latency_s,
            note="capture to origin (encoder lookahead, RTMP); assumed",
        ),
        BudgetItem(name="fragment", low_s=d, high_s=d, note="a segment is listed only once it closes"),
        BudgetItem(
            name="player hold-back",
            low_s=prediction.hold_back_s,
            high_s=prediction.hold_back_s,
            note="start >= 3 target durations from the end (RFC 8216 §6.3.3)",
        ),
        BudgetItem(name="playlist reload", low_s=0.0, high_s=td, note="new segment noticed up to one reload late"),
        BudgetItem(
            name="CDN",
            low_s=0.0,
            high_s=playlist_ttl,
            note=f"playlist Age 0 to TTL ({cdn}, origin Cache-Control {cc or 'none'})",
        ),
    )
    warnings = []
    if playlist_ttl > 2 * td:
        warnings.append(
            f"The CDN would cache playlists for {fmt_s(playlist_ttl)}: viewers would see a frozen stream. "
            "Use CachingDisabled for *.m3u8 or send Cache-Control max-age=1 from the origin."
        )
    if segment_ttl > 0 and not prediction.unique_names:
        warnings.append(
            f"Segment names are reused on republish and edges keep segments {fmt_s(segment_ttl)}: "
            "viewers may get old bytes. Use unique segment names."
        )
    warnings.extend(f"{c.rule}: {c.holds} ({c.detail})" for c in prediction.spec if c.holds != "yes")
    return Plan(
        prediction=prediction,
        budget=budget,
        latency_low_s=latency_floor_s(prediction, ingest_latency_s),
        latency_high_s=sum(b.high_s for b in budget),
        cdn_policy=cdn,
        playlist_ttl_s=playlist_ttl,
        segment_ttl_s=segment_ttl,
        warnings=tuple(warnings),
        viewers=viewer_latencies(prediction, ingest_latency_s + d),
    )


def _interval_cell(value: object) -> str:
    if value is None:
        return "-"
    lo, hi = value.lo, value.hi  # type: ignore[attr-defined]
    if math.isinf(hi):
        return f">= {lo:.1f}"
    return f"{lo:.1f}" if abs(hi - lo) < 0.05 else f"{lo:.1f}-{hi:.1f}"


def format_plan(result: Plan) -> str:
    """The plain-text report ``hlsmon plan`` prints."""
    p = result.prediction
    lines = [f"Prediction for {p.basis}", ""]
    shown = ", ".join(fmt_s(d) for d in p.durations)
    lines.append(f"Segment durations : {shown}" + (f"  ({p.keyframe_effect})" if p.keyframe_effect else ""))
    entries = "unbounded" if p.entries is None else f"{p.entries} {'entry' if p.entries == 1 else 'entries'}"
    window = "grows" if p.window_s is None else fmt_s(p.window_s)
    lines.append(f"Playlist          : {entries}, window {window}, TARGETDURATION {p.target_duration}")
    life = p.lifecycle
    listed = "until stop" if life.listed_for is None else fmt_s(life.listed_for)
    gone = "never while publishing" if life.gone_after_leave is None else life.gone_after_leave.words()
    lines.append(f"Listed for        : {listed}; 404 after leaving the playlist: {gone}")
    lines.append(f"Deletion          : {p.deletion}")
    if p.files_on_disk:
        lines.append(f"Files on disk     : {p.files_on_disk[0]} to {p.files_on_disk[1]} segments")
    lines.append(f"On stop           : {p.stop}")
    lines.append(f"On republish      : {p.republish}")
    lines += ["", "Spec (RFC 8216):"]
    lines += [f"  [{c.holds:>9}] {c.rule}: {c.detail}" for c in p.spec]
    lines += ["", "Latency budget (capture to screen, spec-following player):"]
    for b in result.budget:
        span = fmt_s(b.low_s) if abs(b.high_s - b.low_s) < 0.05 else f"{fmt_s(b.low_s)} to {fmt_s(b.high_s)}"
        lines.append(f"  {b.name:<17} {span:<14} {b.note}")
    if result.playlist_ttl_s > FROZEN_FACTOR * max(p.target_duration, 1):
        high = f"a frozen stream (the CDN keeps playlists {fmt_s(result.playlist_ttl_s)})"
    else:
        high = fmt_s(result.latency_high_s)
    lines.append(
        f"  {'total':<17} {fmt_s(result.latency_low_s)} to {high}"
        f"  (lowest for a spec-following player: {fmt_s(result.latency_low_s)})"
    )
    lines += ["", "What each kind of viewer gets (capture to screen, encoder + ingest and the fragment included):"]
    for v in result.viewers:
        lines.append(f"  {v.label:<22} {fmt_s(v.latency_s):<8} {v.note}")
    lines += ["", "Timeline (seconds since the first keyframe reached the origin):"]
    lines.append(f"  {'msn':>4} {'name':<22} {'EXTINF':>7} {'listed':>8} {'leaves':>8} {'404':>12}")
    for seg in p.timeline:
        mark = " D" if seg.discontinuity else ""
        lines.append(
            f"  {seg.msn:>4} {seg.name[:22]:<22} {seg.duration:>7.3f} {_interval_cell(seg.appear):>8} "
            f"{_interval_cell(seg.leave):>8} {_interval_cell(seg.gone):>12}{mark}"
        )
    if p.notes or result.warnings:
        lines += ["", "Notes:"]
        lines += [f"  - {n}" for n in (*p.notes, *result.warnings)]
    return "\n".join(lines) + "\n"
