"""Recommendations: fragment length, playlist length, keyframe interval, CDN cache policy, unique names."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.models.base import ServerProfile
from monitor.models.ffmpeg import FfmpegProfile
from monitor.models.gop import durations_words, observed_pattern, steady_durations
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.units import fmt_s
from monitor.models.verdicts import Verdict
from monitor.records import SegmentLifecycle

APPLE_TARGET_S = 6.0


def _advice(code: str, text: str, level: str = "info") -> Verdict:
    return Verdict(level=level, code=f"advice_{code}", scope="advice", message=text, advice=text)


def _keyframe(profile: ServerProfile, observed: Sequence[float]) -> Verdict | None:
    """``observed``: EXTINFs of consecutive segments (none: judge the profile's own prediction)."""
    f = profile.fragment_s
    if len(observed) >= 3:
        if all(abs(d - f) <= 0.25 for d in observed):
            return None
        pattern = observed_pattern(observed)
        now = durations_words(pattern) if pattern else f"{fmt_s(min(observed))} to {fmt_s(max(observed))}"
    else:
        predicted = profile.predict(12).durations
        if all(abs(d - f) <= 0.25 for d in predicted):
            return None
        now = durations_words(predicted)
    return _advice(
        "keyint",
        f"Keyframe interval: make it {fmt_s(f)} (or a divisor of it) so segments last {profile.fragment_setting} "
        f"{fmt_s(f)} instead of {now}: OBS Output > Keyframe Interval {f:g}; ffmpeg -g <fps x {f:g}> "
        "-keyint_min <same> -sc_threshold 0.",
        "warning",
    )


def _fragment(profile: ServerProfile) -> Verdict | None:
    pred = profile.predict(12)
    window_fail = any(c.holds == "no" and "3 x target" in c.rule for c in pred.spec)
    if profile.fragment_s > APPLE_TARGET_S:
        return _advice(
            "fragment",
            f"Fragment length: {profile.fragment_setting} {fmt_s(profile.fragment_s)} adds at least 4 x that to "
            f"the latency (one to close, three held back); {fmt_s(APPLE_TARGET_S)} or less is usual (Apple "
            "recommends 6 s), 1-2 s for low latency.",
        )
    if window_fail:
        return _advice(
            "fragment",
            f"Fragment vs window: the playlist ({fmt_s(pred.window_s or 0)}) is shorter than 3 target durations "
            f"({3 * pred.target_duration} s): shorten {profile.fragment_setting} or lengthen the playlist.",
            "warning",
        )
    return None


def _playlist_length(profile: ServerProfile) -> Verdict | None:
    pred = profile.predict(12)
    availability = next((c for c in pred.spec if "available" in c.rule), None)
    if availability is None or availability.holds == "yes":
        return None
    if isinstance(profile, NginxRtmpProfile):
        text = (
            f"Playlist length: with hls_playlist_length {fmt_s(profile.playlist_length_s)} a removed segment is "
            f"deleted {pred.lifecycle.gone_after_leave.words() if pred.lifecycle.gone_after_leave else '?'} "
            f"later ({availability.detail}). {nginx_longer_playlist_words(profile, pred.mean_duration)} "
            "For strict RFC 8216 §6.2.2 compliance set hls_cleanup off and delete files older than "
            "3 x playlist_length with a cron job."
        )
    elif isinstance(profile, FfmpegProfile):
        text = (
            f"Playlist length / deletion: set hls_delete_threshold to at least hls_list_size + 1 "
            f"({profile.list_size + 1}) so a removed segment stays available for its duration + the playlist "
            f"duration ({availability.detail})."
        )
    else:
        text = (
            f"Playlist length: {profile.label} deletes a segment as it leaves the playlist ({availability.detail}); "
            "a longer window gives slow players more room. Behind a CDN, cache segments so edges keep them."
        )
    return _advice("playlist_length", text, "warning")


def early_share(playlist_length_s: float, duration_s: float) -> float:
    """The share of segments nginx-rtmp's cleaner deletes before RFC 8216 §6.2.2 allows: its tick lands
    within the first segment duration of its 2P-long interval (servers.md §6.2.2, about D / 2P)."""
    return min(1.0, duration_s / (2 * playlist_length_s)) if playlist_length_s > 0 else 1.0


def nginx_longer_playlist_words(profile: NginxRtmpProfile, duration_s: float) -> str:
    """A longer playlist only makes early deletion rarer: propose twice the value set, never the value set."""
    now = profile.playlist_length_s
    longer = 2 * now
    return (
        f"A longer hls_playlist_length makes it rarer: {fmt_s(longer)} instead of {fmt_s(now)} would cut it from "
        f"about {early_share(now, duration_s):.0%} to {early_share(longer, duration_s):.0%} of segments."
    )


def playlist_length_advice(profile: ServerProfile) -> str:
    """What to change so removed segments stay available (RFC 8216 §6.2.2); "" when they already do."""
    verdict = _playlist_length(profile)
    return "" if verdict is None else verdict.advice


def _cdn() -> Verdict:
    return _advice(
        "cdn",
        "CDN cache policy: playlists at most 1 s (CachingDisabled for *.m3u8, or Cache-Control: max-age=1 from the "
        "origin; never rely on the 24 h DefaultTTL), segments long (immutable bytes) - but only with unique names.",
    )


def _names(profile: ServerProfile, observations: Sequence[SegmentLifecycle]) -> Verdict | None:
    if profile.unique_names:
        return None
    how = {
        "nginx-rtmp": "hls_fragment_naming system",
        "ffmpeg": "-hls_start_number_source epoch (or -strftime 1)",
        "nms": "hlsFlags with hls_start_number_source=epoch",
        "srs": "hls_ts_file with [timestamp] in the name",
    }.get(profile.name, "a per-publish prefix or a wall-clock number in segment names")
    example = observations[0].uri.split("?")[0].rsplit("/", 1)[-1] if observations else profile.segment_name(0)
    return _advice(
        "unique_names",
        f"Unique segment names: a republish reuses names like {example}, which CDN edges may still hold; use {how}.",
    )


def recommendations(
    profile: ServerProfile,
    observations: Sequence[SegmentLifecycle] = (),
    verdicts: Sequence[Verdict] = (),
) -> list[Verdict]:
    """What to change, given the profile (and what was observed, when there is something)."""
    items = [
        _keyframe(profile, steady_durations(observations)),
        _fragment(profile),
        _playlist_length(profile),
        _names(profile, observations),
    ]
    cdn_trouble = any(v.code == "summary_cdn_playlist_age" and v.level != "ok" for v in verdicts)
    if cdn_trouble or not verdicts:
        items.append(_cdn())
    return [v for v in items if v is not None]
