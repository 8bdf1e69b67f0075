"""Recommendations: fragment length, playlist length, keyframe interval, CDN cache policy, unique names."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.models.base import ServerProfile
from monitor.models.ffmpeg import FfmpegProfile
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.observed import Observation
from monitor.models.units import fmt_s
from monitor.models.verdicts import Verdict

APPLE_TARGET_S = 6.0


def _advice(code: str, text: str, level: str = "info") -> Verdict:
    return Verdict(level=level, code=f"advice_{code}", scope="advice", message=text, advice=text)


def _keyframe(profile: ServerProfile, observed_d: float | None) -> Verdict | None:
    f = profile.fragment_s
    d = observed_d if observed_d is not None else profile.predict(12).mean_duration
    if d <= f + 0.25 and (profile.keyint_s is None or profile.keyint_s <= f):
        return None
    return _advice(
        "keyint",
        f"Keyframe interval: make it {fmt_s(f)} (or a divisor of it) so segments last {profile.fragment_setting} "
        f"{fmt_s(f)} instead of {fmt_s(d)}: OBS Output > Keyframe Interval {f:g}; ffmpeg -g <fps x {f:g}> "
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
            f"later ({availability.detail}). A longer hls_playlist_length (e.g. "
            f"{fmt_s(5 * pred.mean_duration)} or more: then about 10 % of segments) makes early deletion "
            "rarer; for strict RFC 8216 §6.2.2 compliance set hls_cleanup off and delete files older than "
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


def _cdn() -> Verdict:
    return _advice(
        "cdn",
        "CDN cache policy: playlists at most 1 s (CachingDisabled for *.m3u8, or Cache-Control: max-age=1 from the "
        "origin; never rely on the 24 h DefaultTTL), segments long (immutable bytes) - but only with unique names.",
    )


def _names(profile: ServerProfile, observations: Sequence[Observation]) -> Verdict | None:
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
    observations: Sequence[Observation] = (),
    verdicts: Sequence[Verdict] = (),
) -> list[Verdict]:
    """What to change, given the profile (and what was observed, when there is something)."""
    durations = sorted(o.extinf for o in observations if not o.discontinuity)
    observed_d = durations[len(durations) // 2] if len(durations) >= 3 else None
    items = [
        _keyframe(profile, observed_d),
        _fragment(profile),
        _playlist_length(profile),
        _names(profile, observations),
    ]
    cdn_trouble = any(v.code == "summary_cdn_playlist_age" and v.level != "ok" for v in verdicts)
    if cdn_trouble or not verdicts:
        items.append(_cdn())
    return [v for v in items if v is not None]
