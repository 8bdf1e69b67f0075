"""Summary verdicts: deletion batches, keyframe effect, playlist shape, CDN staleness, name reuse."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Sequence

from monitor.models.base import ServerProfile
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.observed import Observation
from monitor.models.units import Interval, fmt_s
from monitor.models.verdicts import TOLERANCE_S, Verdict

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


def _batch_verdict(observations: Sequence[Observation], profile: NginxRtmpProfile) -> Verdict | None:
    truth = [o.deleted_at for o in observations if o.deleted_at is not None]
    narrow = [o.gone.hi for o in observations if o.gone is not None and o.gone.width < BATCH_GAP_S]
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


def _keyframe_verdict(observations: Sequence[Observation], profile: ServerProfile) -> Verdict | None:
    durations = [o.extinf for o in observations if not o.discontinuity]
    if len(durations) < 3:
        return None
    median = statistics.median(durations)
    f = profile.fragment_s
    name = profile.fragment_setting
    if profile.name == "generic" or median <= f + 0.25:
        return Verdict(
            level="ok",
            code="summary_durations",
            scope="summary",
            observed=median,
            message=f"Segments last {fmt_s(median)} (median) for {name} {fmt_s(f)}: as expected.",
        )
    g = profile.keyint_s
    if g is not None and abs(median - profile.predict(12).mean_duration) <= 0.25:
        cause = f"the keyframe interval is {fmt_s(g)}"
        level = "info"
    else:
        cause = f"the keyframe interval is probably {fmt_s(median)}"
        level = "warning"
    return Verdict(
        level=level,
        code="summary_durations",
        scope="summary",
        observed=median,
        expected=Interval.point(f),
        message=f"Segments last {fmt_s(median)} although {name} is {fmt_s(f)}: {cause}. "
        f"Set OBS's keyframe interval to {fmt_s(f)}.",
        advice=f"Set the encoder's keyframe interval to {fmt_s(f)} (OBS: Output > Keyframe Interval; "
        f"ffmpeg: -g <fps x {f:g}> -keyint_min <same> -sc_threshold 0).",
    )


def _playlist_verdicts(snapshots: Sequence[object], profile: ServerProfile) -> list[Verdict]:
    live = [s for s in snapshots if getattr(s, "segments", None)]
    if not live:
        return []
    verdicts = []
    counts = Counter(len(s.segments) for s in live)  # type: ignore[attr-defined]
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
    tds = [s.target_duration for s in live if getattr(s, "target_duration", None) is not None]  # type: ignore[attr-defined]
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
    window = sum(seg.duration for seg in last.segments)  # type: ignore[attr-defined]
    td = getattr(last, "target_duration", None)
    if td and not getattr(last, "endlist", False) and len(live) >= 3 and window < 3 * td - 1e-6:
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


def _header(record: object, name: str) -> str | None:
    headers = getattr(record, "headers", None) or {}
    return headers.get(name) if hasattr(headers, "get") else None


def _cdn_verdicts(requests: Sequence[object], snapshots: Sequence[object], td: float) -> list[Verdict]:
    worst: tuple[float, str] | None = None
    for record in requests:
        if str(getattr(record, "kind", "")) != "playlist" or getattr(record, "status", None) != 200:
            continue
        age = _header(record, "age")
        if age is None:
            continue
        try:
            value = float(age)
        except ValueError:
            continue
        if worst is None or value > worst[0]:
            worst = (value, _header(record, "x-cache") or "")
    if worst is None:
        ages = [s.age_s for s in snapshots if getattr(s, "age_s", None) is not None]  # type: ignore[attr-defined]
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


def _reuse_verdict(observations: Sequence[Observation]) -> Verdict | None:
    names: dict[str, set[int]] = {}
    for o in observations:
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
    observations: Sequence[Observation],
    profile: ServerProfile,
    snapshots: Sequence[object],
    requests: Sequence[object],
    endpoint: str | None,
) -> list[Verdict]:
    if endpoint is not None:
        snapshots = [s for s in snapshots if getattr(s, "endpoint", endpoint) == endpoint]
        requests = [r for r in requests if getattr(r, "endpoint", endpoint) == endpoint]
    verdicts: list[Verdict] = []
    if isinstance(profile, NginxRtmpProfile) and profile.deletes:
        batch = _batch_verdict(observations, profile)
        if batch is not None:
            verdicts.append(batch)
    keyframes = _keyframe_verdict(observations, profile)
    if keyframes is not None:
        verdicts.append(keyframes)
    verdicts.extend(_playlist_verdicts(snapshots, profile))
    td = profile.predict(12).target_duration
    verdicts.extend(_cdn_verdicts(requests, snapshots, float(td)))
    reuse = _reuse_verdict(observations)
    if reuse is not None:
        verdicts.append(reuse)
    return verdicts
