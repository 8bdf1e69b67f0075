"""Summary verdicts: deletion batches, keyframe effect, playlist shape, CDN staleness, name reuse."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Sequence

from monitor.models.base import ServerProfile
from monitor.models.gop import durations_words, keyframe_intervals, observed_pattern, steady_durations
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.observed import Truth
from monitor.models.units import Interval, fmt_s
from monitor.models.verdicts import TOLERANCE_S, Verdict
from monitor.records import PlaylistSnapshot, RequestKind, RequestRecord, SegmentLifecycle

#: Deletions closer than this belong to one batch.
BATCH_GAP_S = 1.5


def deletion_batches(times: Sequence[float], gap: float = BATCH_GAP_S) -> list[list[float]]:
    """Group sorted deletion instants into batches (a new batch after a pause longer than ``gap``)."""
    batches: list[list[float]] = []
    for t in sorted(times):
        if batches and t - batches[-1][-1] <= gap:
            batches[-1].append(t)
        else:
            batches.append([t])
    return batches


def _batch_verdict(lives: Sequence[SegmentLifecycle], profile: NginxRtmpProfile, files: Truth) -> Verdict | None:
    truth = [t.deleted_at for t in files.values() if t.deleted_at is not None]
    narrow = [o.gone.hi for o in lives if o.gone is not None and o.gone.width < BATCH_GAP_S]
    times = truth or narrow
    if len(times) < 3:
        return None
    batches = deletion_batches(times)
    period = profile.cleanup_period_s
    starts = [b[0] for b in batches]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    if not gaps:
        return Verdict(
            level="info",
            code="summary_batches",
            scope="summary",
            message=f"All {len(times)} deletions came in one batch; nginx-rtmp deletes in batches every "
            f"{fmt_s(period)} (2 x playlist_length).",
        )
    spacing = statistics.median(gaps)
    ok = all(abs(g - period * round(g / period)) <= 1.0 + TOLERANCE_S and g > period / 2 for g in gaps)
    verdict = "as expected" if ok else "not the predicted cycle"
    if truth:
        sizes = ", ".join(str(len(b)) for b in batches)
        seen = f"Deleted in {len(batches)} batches ({sizes} files), every {fmt_s(spacing)}"
    else:
        seen = f"{len(times)} deletions timed to within {fmt_s(BATCH_GAP_S)} fall on a {fmt_s(spacing)} cycle"
    return Verdict(
        level="ok" if ok else "warning",
        code="summary_batches",
        scope="summary",
        observed=spacing,
        expected=Interval.point(period),
        message=f"{seen}; nginx-rtmp with playlist_length {fmt_s(profile.playlist_length_s)} deletes every "
        f"{fmt_s(period)}: {verdict}.",
    )


def _keyframe_verdict(lives: Sequence[SegmentLifecycle], profile: ServerProfile) -> Verdict | None:
    durations = steady_durations(lives)
    if len(durations) < 3:
        return None
    median = statistics.median(durations)
    f = profile.fragment_s
    name = profile.fragment_setting
    if profile.name == "generic" or all(abs(d - f) <= 0.25 for d in durations):
        return Verdict(
            level="ok",
            code="summary_durations",
            scope="summary",
            observed=median,
            message=f"Segments last {fmt_s(median)} (median) for {name} {fmt_s(f)}: as expected.",
        )
    level, text = _gop_words(profile, durations, observed_pattern(durations))
    return Verdict(
        level=level,
        code="summary_durations",
        scope="summary",
        observed=median,
        expected=Interval.point(f),
        message=f"{text} Set OBS's keyframe interval to {fmt_s(f)}.",
        advice=f"Set the encoder's keyframe interval to {fmt_s(f)} (OBS: Output > Keyframe Interval; "
        f"ffmpeg: -g <fps x {f:g}> -keyint_min <same> -sc_threshold 0).",
    )


def _gop_words(
    profile: ServerProfile, durations: Sequence[float], pattern: tuple[float, ...] | None
) -> tuple[str, str]:
    """(level, sentence) naming the keyframe interval the durations show under the profile's cutting rule."""
    f, name = profile.fragment_s, profile.fragment_setting
    if pattern is None:
        return "warning", (
            f"Segments last {fmt_s(min(durations))} to {fmt_s(max(durations))} (median "
            f"{fmt_s(statistics.median(durations))}) although {name} is {fmt_s(f)}, without a repeating "
            f"pattern: the keyframes are irregular or further apart than {fmt_s(f)}."
        )
    found = keyframe_intervals(profile, pattern)
    mean = sum(pattern) / len(pattern)
    if not found:
        seen = (
            f"Durations alternate {durations_words(pattern)} (mean {fmt_s(mean)})"
            if len(pattern) > 1
            else f"Segments last {fmt_s(pattern[0])}"
        )
        return "warning", (
            f"{seen} although {name} is {fmt_s(f)}: no fixed keyframe interval gives that with {profile.label} "
            f"(it cuts only at keyframes), so the keyframes are irregular, about every {fmt_s(mean)} on average."
        )
    keyint = found[0]
    also = f" (or every {fmt_s(found[1])}: the same cuts)" if len(found) > 1 else ""
    stated = profile.keyint_s
    level = "info" if stated is not None and any(abs(stated - k) < 1e-3 for k in found) else "warning"
    if len(pattern) == 1:
        return level, (
            f"Segments last {fmt_s(pattern[0])} although {name} is {fmt_s(f)}: the keyframe interval is "
            f"{fmt_s(keyint)}{also}; a segment can only end at a keyframe, so each waits for the next one."
        )
    return level, (
        f"Durations alternate {durations_words(pattern)} (mean {fmt_s(mean)}): keyframes every "
        f"{fmt_s(keyint)}{also} do not divide {name} {fmt_s(f)}; a segment can only end at a keyframe, so "
        f"{profile.label} cuts at the first keyframe past each {fmt_s(f)} step and the lengths alternate."
    )


def _playlist_verdicts(snapshots: Sequence[PlaylistSnapshot], profile: ServerProfile) -> list[Verdict]:
    live = [s for s in snapshots if s.segments]
    if not live:
        return []
    verdicts = []
    counts = Counter(len(s.segments) for s in live)
    steady = counts.most_common(1)[0][0]
    predicted = profile.predict(12)
    if predicted.entries is not None:
        ok = steady == predicted.entries
        verdicts.append(
            Verdict(
                level="ok" if ok else "warning",
                code="summary_entries",
                scope="summary",
                observed=float(steady),
                message=f"The playlist lists {steady} segments; {profile.basis()} predicts "
                f"{predicted.entries}: {'as expected' if ok else 'different'}.",
            )
        )
    tds = [s.target_duration for s in live if s.target_duration is not None]
    if tds and len(set(tds)) > 1:
        verdicts.append(
            Verdict(
                level="warning",
                code="summary_td_changed",
                scope="summary",
                spec="RFC 8216 §6.2.1",
                message=f"TARGETDURATION changed ({' -> '.join(str(int(t)) for t in dict.fromkeys(tds))}): "
                "the spec says it must not change; keep segment durations constant (keyframe interval).",
            )
        )
    last = live[-1]
    window = last.duration_s
    td = last.target_duration
    if td and not last.endlist and len(live) >= 3 and window < 3 * td - 1e-6:
        verdicts.append(
            Verdict(
                level="warning",
                code="summary_short_window",
                scope="summary",
                spec="RFC 8216 §6.2.2",
                message=f"The playlist lasts {fmt_s(window)}, less than 3 x target duration ({fmt_s(3 * td)}): "
                "players cannot hold back as the spec asks and stall more easily.",
            )
        )
    return verdicts


def _cdn_verdicts(requests: Sequence[RequestRecord], snapshots: Sequence[PlaylistSnapshot], td: float) -> list[Verdict]:
    worst: tuple[float, str] | None = None
    for record in requests:
        if record.kind != RequestKind.PLAYLIST or record.status != 200:
            continue
        age = record.headers.get("age")
        if age is None:
            continue
        try:
            value = float(age)
        except ValueError:
            continue
        if worst is None or value > worst[0]:
            worst = (value, record.headers.get("x-cache") or "")
    if worst is None:
        ages = [s.age_s for s in snapshots if s.age_s is not None]
        if ages:
            worst = (max(ages), "")
    if worst is None:
        return []
    age, cache = worst
    hit = cache.split(" ")[0] if cache else ""
    shown = f"Age {age:g}" + (f", X-Cache {hit}" if hit else "")
    if age <= max(1.0, td / 2):
        return [
            Verdict(
                level="ok",
                code="summary_cdn_playlist_age",
                scope="summary",
                observed=age,
                message=f"The CDN's playlist copies were at most {fmt_s(age)} old ({shown}): fine.",
            )
        ]
    return [
        Verdict(
            level="problem" if age > 1.5 * td else "warning",
            code="summary_cdn_playlist_age",
            scope="summary",
            observed=age,
            message=f"The CDN served a playlist {fmt_s(age)} old ({shown}): playlists must not be cached; use "
            "CachingDisabled for *.m3u8 or send Cache-Control max-age=1 from the origin.",
            advice="Cache playlists for at most 1 s (CachingDisabled behaviour for *.m3u8, or Cache-Control: "
            "max-age=1 from the origin); cache segments long (their bytes never change).",
        )
    ]


def _reuse_verdict(lives: Sequence[SegmentLifecycle]) -> Verdict | None:
    names: dict[str, set[int]] = {}
    for o in lives:
        names.setdefault(o.uri.split("?")[0], set()).add(o.msn)
    reused = {u: m for u, m in names.items() if len(m) > 1}
    if not reused:
        return None
    uri, msns = next(iter(reused.items()))
    return Verdict(
        level="warning",
        code="summary_name_reuse",
        scope="summary",
        message=f"The same URL served different segments ({uri.rsplit('/', 1)[-1]} as MSN "
        f"{', '.join(map(str, sorted(msns)))}): a CDN edge may serve the old bytes. Use unique segment names.",
    )


def summary_verdicts(
    lives: Sequence[SegmentLifecycle],
    profile: ServerProfile,
    snapshots: Sequence[PlaylistSnapshot],
    requests: Sequence[RequestRecord],
    endpoint: str | None,
    truth: Truth,
) -> list[Verdict]:
    if endpoint is not None:
        snapshots = [s for s in snapshots if s.endpoint == endpoint]
        requests = [r for r in requests if r.endpoint == endpoint]
    verdicts: list[Verdict] = []
    if isinstance(profile, NginxRtmpProfile) and profile.deletes:
        batch = _batch_verdict(lives, profile, truth)
        if batch is not None:
            verdicts.append(batch)
    keyframes = _keyframe_verdict(lives, profile)
    if keyframes is not None:
        verdicts.append(keyframes)
    verdicts.extend(_playlist_verdicts(snapshots, profile))
    td = profile.predict(12).target_duration
    verdicts.extend(_cdn_verdicts(requests, snapshots, float(td)))
    reuse = _reuse_verdict(lives)
    if reuse is not None:
        verdicts.append(reuse)
    return verdicts
