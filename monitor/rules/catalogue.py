"""The catalogue of alerts: every alert the monitor can raise, as data (words apart from the rules).

A rule decides *that* something is wrong and gathers the evidence; this module says *what* it is: code →
severity, title, message template, advice template, spec section. Templates are ``str.format`` strings
filled from the alert's evidence. An entry may have variants (same code, another severity and wording:
a 404 after a stop is not a 404 while live).

Every condition is latched (:mod:`monitor.rules.latch`): one alert per episode, then one recovery record
when the condition has cleared. A recovery is an INFO :class:`Alert` whose ``recovers`` names the code it
clears; its own code is the entry's ``recovery_code`` (``<code>_recovered`` unless stated). Entries of kind
``event`` are one-off facts (a restart, the end of a stream) and have no recovery.

``python -m monitor.rules.catalogue`` writes ``docs/alerts.md`` from this table.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.records import Alert, Severity

CONDITION = "condition"
EVENT = "event"
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
RECOVERY_MESSAGE = "Cleared: {title} (lasted {duration_s:.0f} s, {count} occurrence(s))."


@dataclass(frozen=True, kw_only=True)
class Variant:
    severity: Severity
    message: str
    advice: str = ""


@dataclass(frozen=True, kw_only=True)
class Entry:
    code: str
    topic: str  # the rule module that raises it
    severity: Severity
    title: str
    message: str  # str.format template over the evidence
    advice: str = ""
    spec: str | None = None
    kind: str = CONDITION
    recovery_code: str | None = None  # default: <code>_recovered
    variants: Mapping[str, Variant] = field(default_factory=dict)

    @property
    def recovery(self) -> str | None:
        if self.kind == EVENT:
            return None
        return self.recovery_code or f"{self.code}_recovered"

    def wording(self, variant: str | None) -> tuple[Severity, str, str]:
        if variant is None:
            return self.severity, self.message, self.advice
        v = self.variants[variant]
        return v.severity, v.message, v.advice or self.advice


_NGINX_TYPES = "Add `types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}` to the nginx http location."
_UNIQUE_NAMES = (
    "Use unique segment names across restarts (nginx-rtmp: hls_fragment_naming system; ffmpeg: "
    "hls_start_number_source epoch) or invalidate the CDN paths after a restart."
)
_KEYINT = (
    "Set the encoder keyframe interval so it divides the fragment length (OBS: Keyframe Interval); nginx-rtmp "
    "and ffmpeg recompute the target duration from the longest listed segment."
)

_ENTRIES: tuple[Entry, ...] = (
    # ---- transport --------------------------------------------------------------------------------------
    Entry(
        code="unreachable",
        topic="transport",
        severity=Severity.ERROR,
        title="Playlist unreachable",
        message="Playlist unreachable: {error}",
        advice="Check that the server is running and the URL is right.",
    ),
    Entry(
        code="http_error",
        topic="transport",
        severity=Severity.ERROR,
        title="Playlist request failed",
        message="Playlist request failed: HTTP {status}.",
        variants={
            "client": Variant(severity=Severity.WARNING, message="Playlist request failed: HTTP {status}."),
            "never_live": Variant(
                severity=Severity.WARNING,
                message="Playlist request failed: HTTP {status} (no playlist yet: not published, or a wrong URL).",
                advice="Check the URL (stream key, path), or the stream has not started yet: nginx-rtmp writes "
                "the playlist only when the first fragment closes.",
            ),
        },
    ),
    Entry(
        code="bad_playlist",
        topic="transport",
        severity=Severity.ERROR,
        title="Not a usable playlist",
        message="Not a usable playlist: {reason}",
        advice="An error page, a login page or a cut-off body answered with status 200: check the origin "
        "and any proxy in front of it.",
    ),
    Entry(
        code="failure_rate",
        topic="transport",
        severity=Severity.WARNING,
        title="Playlist reloads fail now and then",
        message="{failures} of the last {polls} playlist reloads failed within {window_s:.0f} s "
        "({rate_pct:.0f} %): {reasons}.",
        advice="Players retry a failed reload, but each failure delays them and may stall them at the live "
        "edge: look for an overloaded origin, a flaky load balancer member or a proxy that answers errors.",
    ),
    Entry(
        code="content_type",
        topic="transport",
        severity=Severity.WARNING,
        title="Wrong Content-Type",
        message="Playlist served as {content_type!r} instead of application/vnd.apple.mpegurl.",
        advice=_NGINX_TYPES,
        spec="RFC 8216 §4",
        variants={
            "segment": Variant(
                severity=Severity.WARNING,
                message="Segments served as {content_type!r} instead of video/mp2t or video/mp4.",
            ),
        },
    ),
    Entry(
        code="cors",
        topic="transport",
        severity=Severity.WARNING,
        title="No CORS header",
        message="No Access-Control-Allow-Origin header: browser players (hls.js) on other sites cannot load "
        "this stream.",
        advice="add_header Access-Control-Allow-Origin * always; (and let the CDN forward/cache on Origin).",
        variants={
            "s3": Variant(
                severity=Severity.INFO,
                message="S3 sent no Access-Control-Allow-Origin for hlsmon's Origin ({origin}): no bucket CORS "
                "rule, or one that allows only your player's site (check that it does).",
                advice="S3: a bucket CORS rule allowing GET and HEAD from your player's site; behind CloudFront "
                "a cache policy that forwards and keys on Origin (Elemental-MediaPackage does).",
            ),
        },
    ),
    Entry(
        code="cacheable_playlist",
        topic="transport",
        severity=Severity.WARNING,
        title="Playlist cacheable too long",
        message="The playlist's Cache-Control ({cache_control}) lets a CDN keep it longer than half a target "
        "duration ({limit_s:g} s): viewers would get a stale playlist.",
        advice="add_header Cache-Control no-cache; on the playlist location (or max-age of at most TD/2).",
        variants={
            "within_td": Variant(
                severity=Severity.INFO,
                message="The playlist's Cache-Control ({cache_control}) lets a CDN keep it longer than half a "
                "target duration ({limit_s:g} s): viewers may get a playlist up to one segment late.",
            ),
        },
    ),
    Entry(
        code="monitor_late",
        topic="transport",
        severity=Severity.WARNING,
        title="The monitor itself runs late",
        message="hlsmon woke up {late_s:.2f} s later than planned (CPU starvation?): timing conclusions from "
        "the polls it delays are withheld.",
        advice="Give hlsmon a less loaded machine, or watch fewer endpoints per process.",
    ),
    # ---- playlist (RFC 8216 and draft-pantos-hls-rfc8216bis across reloads) --------------------------
    Entry(
        code="no_target_duration",
        topic="playlist",
        severity=Severity.ERROR,
        title="No target duration",
        message="EXT-X-TARGETDURATION is missing.",
        spec="RFC 8216 §4.3.3.1",
    ),
    Entry(
        code="extinf_over_target",
        topic="playlist",
        severity=Severity.ERROR,
        title="Segment longer than the target duration",
        message="Segment {msn} lasts {extinf:.3f} s, more than the target duration {target_duration:g} s once rounded.",
        advice="Keyframes too far apart? " + _KEYINT,
        spec="RFC 8216 §4.3.3.1",
    ),
    Entry(
        code="target_changed",
        topic="playlist",
        severity=Severity.WARNING,
        title="Target duration changed",
        message="EXT-X-TARGETDURATION changed from {before:g} to {after:g}.",
        advice="The target duration must not change. " + _KEYINT,
        spec="RFC 8216 §6.2.1",
    ),
    Entry(
        code="msn_jump",
        topic="playlist",
        severity=Severity.WARNING,
        title="Segments came and went between two reloads",
        message="Media sequence jumped from {before} to {after}: {missed} segment(s) came and went between two polls.",
        advice="The playlist is too short for the reload interval, or the server published a burst.",
    ),
    Entry(
        code="window_short",
        topic="playlist",
        severity=Severity.WARNING,
        title="Playlist shorter than three target durations",
        message="The playlist holds only {segments} segment(s), {window_s:.1f} s; RFC 8216 asks for at least "
        "3 x target duration ({required_s:g} s). This follows from the settings, not from a fault: players "
        "start close to the live edge and stall on the smallest delay.",
        advice="List at least {required_s:g} s (3 x the real segment length, which a keyframe interval longer "
        "than the fragment stretches): raise nginx-rtmp hls_playlist_length, or ffmpeg / Node-Media-Server "
        "hls_list_size.",
        spec="RFC 8216 §6.2.2",
    ),
    Entry(
        code="empty_live_playlist",
        topic="playlist",
        severity=Severity.WARNING,
        title="Live playlist without segments",
        message="The live playlist lists no segment (media sequence {media_sequence}).",
        advice="Players cannot start: check that the publisher is sending and that the packager writes segments.",
        spec="RFC 8216 §6.2.2",
    ),
    Entry(
        code="uri_changed_same_msn",
        topic="playlist",
        severity=Severity.ERROR,
        title="Segment URI changed at the same media sequence",
        message="Segment {msn} changed URI between two reloads ({before} → {after}).",
        advice="A media sequence number names one segment for good: two origins out of sync behind one name, "
        "or a packager that renumbers its segments.",
        spec="RFC 8216bis §6.2.1",
    ),
    Entry(
        code="entry_changed_same_msn",
        topic="playlist",
        severity=Severity.ERROR,
        title="Segment attributes changed at the same media sequence",
        message="Segment {msn} changed {attribute} between two reloads ({before} → {after}).",
        advice="The strictest players (AVPlayer) reject a playlist that changes a listed segment: two origins "
        "out of sync, or a packager that rewrites its playlist.",
        spec="RFC 8216bis §6.2.1",
    ),
    Entry(
        code="playlist_shrank",
        topic="playlist",
        severity=Severity.ERROR,
        title="Playlist lost its newest entries",
        message="The playlist lost its newest segment(s) at media sequence {media_sequence}: the last was "
        "{before_last}, now {after_last} (confirmed by a second request).",
        advice="Segments may only leave from the start of a live playlist: two origins out of sync behind one "
        "name, or a cache serving an older copy.",
        spec="RFC 8216 §6.2.1",
        variants={
            "transient": Variant(
                severity=Severity.WARNING,
                message="A response lost the newest segment(s) at media sequence {media_sequence} (last "
                "{after_last}, was {before_last}); the request made at once after it had them back.",
            ),
        },
    ),
    Entry(
        code="sequence_went_back",
        topic="playlist",
        severity=Severity.ERROR,
        title="An older copy of the playlist",
        message="Media sequence went back from {before} to {after}: the cache serves a copy it took from the "
        "origin before the one already seen, an older copy of the playlist (caches out of sync), not a restart.",
        advice="Players that reload an older copy stall or skip: keep the origins in sync, or pin viewers to one.",
        spec="RFC 8216 §6.2.1",
        variants={
            "transient": Variant(
                severity=Severity.WARNING,
                message="A response went back from media sequence {before} to {after}; the request made at once "
                "after it was current again: an older copy of the playlist (origins or caches out of sync).",
            ),
        },
    ),
    Entry(
        code="discontinuity_sequence",
        topic="playlist",
        severity=Severity.ERROR,
        title="Wrong discontinuity sequence",
        message="EXT-X-DISCONTINUITY-SEQUENCE is {after}, expected {expected}: {removed_tags} "
        "discontinuity tag(s) left the playlist since it was {before}.",
        spec="RFC 8216 §6.2.2",
        variants={
            "no_increment": Variant(
                severity=Severity.ERROR,
                message="EXT-X-DISCONTINUITY-SEQUENCE stayed at {after} although {removed_tags} "
                "discontinuity-tagged segment(s) left the playlist (expected {expected}).",
                advice="Players map timestamps by discontinuity domain: a wrong number misaligns audio, "
                "video and subtitles across renditions.",
            ),
            "early": Variant(
                severity=Severity.ERROR,
                message="EXT-X-DISCONTINUITY-SEQUENCE went to {after} while the discontinuity-tagged segment "
                "is still listed (expected {expected}).",
                advice="Increment it when the tagged segment leaves the playlist, not before.",
            ),
            "jump": Variant(
                severity=Severity.ERROR,
                message="EXT-X-DISCONTINUITY-SEQUENCE jumped from {before} to {after}; only {removed_tags} "
                "discontinuity tag(s) left the playlist (expected {expected}).",
            ),
        },
    ),
    Entry(
        code="vod_changed",
        topic="playlist",
        severity=Severity.ERROR,
        title="A VOD playlist changed",
        message="The playlist declares PLAYLIST-TYPE:VOD but changed between two reloads.",
        spec="RFC 8216 §4.3.3.5",
    ),
    Entry(
        code="event_not_growing",
        topic="playlist",
        severity=Severity.ERROR,
        title="An EVENT playlist did not only grow",
        message="The playlist declares PLAYLIST-TYPE:EVENT but {what}.",
        advice="An EVENT playlist may only append segments: keep its first segments (no sliding window).",
        spec="RFC 8216 §4.3.3.5",
    ),
    Entry(
        code="uri_without_extinf",
        topic="playlist",
        severity=Severity.ERROR,
        title="Segment URI without EXTINF",
        message="A segment URI line has no EXTINF: {detail}",
        spec="RFC 8216 §4.3.2.1",
    ),
    Entry(
        code="malformed_uri",
        topic="playlist",
        severity=Severity.ERROR,
        title="Malformed segment URI",
        message="A segment URI cannot be used: {detail}",
    ),
    Entry(
        code="extinf_out_of_bounds",
        topic="playlist",
        severity=Severity.ERROR,
        title="Implausible EXTINF",
        message="A segment duration is out of bounds: {detail}",
        spec="RFC 8216 §4.3.2.1",
    ),
    Entry(
        code="target_duration_out_of_bounds",
        topic="playlist",
        severity=Severity.ERROR,
        title="Implausible target duration",
        message="EXT-X-TARGETDURATION is out of bounds: {detail}",
        spec="RFC 8216 §4.3.3.1",
    ),
    Entry(
        code="malformed_tag",
        topic="playlist",
        severity=Severity.WARNING,
        title="Unreadable tag",
        message="A tag cannot be read and is ignored: {detail}",
    ),
    Entry(
        code="playlist_issue",
        topic="playlist",
        severity=Severity.WARNING,
        title="Playlist finding",
        message="Playlist: {detail}",
    ),
    Entry(
        code="part_duration",
        topic="playlist",
        severity=Severity.ERROR,
        title="Partial segment longer than PART-TARGET",
        message="Part {index} of segment {msn} lasts {duration:.3f} s, more than PART-TARGET {part_target:g} s.",
        advice="LL-HLS players time their blocking reloads on PART-TARGET: parts must not exceed it.",
        spec="RFC 8216bis §4.4.4.9",
    ),
    Entry(
        code="preload_hint_unfulfilled",
        topic="playlist",
        severity=Severity.WARNING,
        title="Preload hint not published",
        message="The part the server hinted ({uri}) was not published as the next part.",
        advice="LL-HLS players request the hinted part before it exists: publish exactly the resource announced "
        "by EXT-X-PRELOAD-HINT.",
        spec="RFC 8216bis §4.4.5.3",
    ),
    # ---- CDN ----------------------------------------------------------------------------------------------
    Entry(
        code="stale_cdn_playlist",
        topic="cdn",
        severity=Severity.WARNING,
        title="CDN playlist behind the origin",
        message="The CDN serves a playlist {behind_s:.1f} s behind the origin ({reference}; Age {age} s, "
        "{cache}): more than one target duration ({target_duration:g} s).",
        advice="Lower the playlist TTL at the CDN (Cache-Control max-age ≤ TD/2 on the origin, or a cache "
        "policy that honours no-cache).",
    ),
    Entry(
        code="cdn_old_copy",
        topic="cdn",
        severity=Severity.WARNING,
        title="The CDN serves an old copy",
        message="The CDN serves an old copy of the playlist (Age {age_s:.0f} s, {cache}): no new segment "
        "for {since_s:.1f} s.",
        advice="The edge keeps the playlist longer than a target duration: send Cache-Control no-cache (or "
        "max-age ≤ TD/2) from the origin and use a CDN cache policy that honours it. Propagation is "
        "estimated from Age.",
        spec="RFC 8216 §6.2.1",
    ),
    Entry(
        code="segment_differs",
        topic="cdn",
        severity=Severity.ERROR,
        title="Segment size differs from the reference",
        message="Segment {msn} ({name}) is {size} bytes here but {reference_size} bytes at {reference}: a {how} copy.",
        advice="Upload a segment only once the origin has closed it, and the playlist only after its segments "
        "(the tutorial's watcher uploads files as soon as they appear).",
    ),
    Entry(
        code="uri_reused",
        topic="segments",
        severity=Severity.WARNING,
        title="Segment URL reused with other content",
        message="Segment URL reused with different content ({changed} changed): a CDN may serve the old bytes.",
        advice=_UNIQUE_NAMES,
        variants={
            "old_copy": Variant(
                severity=Severity.ERROR,
                message="The CDN serves {name} from a copy cached {age_s:.0f} s ago, but segment {msn} was first "
                "listed {listed_s:.1f} s ago: a previous session's segment with the same URL (old bytes).",
            ),
        },
    ),
    # ---- segments -------------------------------------------------------------------------------------------
    Entry(
        code="segment_missing",
        topic="segments",
        severity=Severity.ERROR,
        title="Listed segment missing",
        message="Segment {msn} is listed but answers HTTP {status}.",
        advice="The origin deletes segments that are still listed (cleanup too aggressive, or keyframes so far "
        "apart that segments outlast the cleanup age). A segment missing on purpose must carry EXT-X-GAP.",
        spec="RFC 8216 §6.2.1",
    ),
    Entry(
        code="deleted_too_early",
        topic="segments",
        severity=Severity.ERROR,
        title="Segment deleted too early",
        message="Segment {msn} was deleted at most {available_s:.1f} s after leaving the playlist; the spec "
        "requires {required_s:.1f} s (duration + playlist).",
        advice="Players that are behind will get 404s. Keep segments longer (nginx-rtmp: hls_playlist_length; "
        "ffmpeg: hls_delete_threshold).",
        spec="RFC 8216 §6.2.2",
        variants={
            "batch": Variant(
                severity=Severity.WARNING,
                message="Segment {msn} was deleted at most {available_s:.1f} s after leaving the playlist; the "
                "spec requires {required_s:.1f} s (duration + playlist), short by less than one segment.",
            ),
            # the server model predicts it (monitor.models.explain): its reason, at its level, said once
            "expected": Variant(
                severity=Severity.INFO,
                message="Segment {msn} was deleted at most {available_s:.1f} s after leaving the playlist, before "
                "the {required_s:.1f} s (duration + playlist) the spec requires. Expected of {server}: "
                "{behaviour} Players more than {behind_s:.0f} s behind the live edge (paused, or slow to start) "
                "get a 404 for such a segment and skip it or stall. Said once: later ones are counted.",
                advice="{server_advice}",
            ),
        },
    ),
    # ---- stream -------------------------------------------------------------------------------------------
    Entry(
        code="playlist_stale",
        topic="stream",
        severity=Severity.WARNING,
        title="No new segment",
        message="No new segment for {since_s:.1f} s (more than 1.5 x target duration {target_duration:g} s).",
        advice="The publisher may have stopped (nginx-rtmp writes no ENDLIST) or the origin is overloaded; if "
        "segments resume, a keyframe came late and made one segment longer than the target duration (set the "
        "encoder keyframe interval to the fragment length).",
        spec="RFC 8216 §6.2.1",
        recovery_code="playlist_fresh",
        variants={
            "cdn": Variant(
                severity=Severity.WARNING,
                message="No new segment for {since_s:.1f} s (more than 1.5 x target duration {target_duration:g} s).",
                advice="At a CDN this is most often a cached playlist: compare with the origin (hlsmon probe "
                "ORIGIN_URL --cdn CDN_URL; stale_cdn_playlist, Age header).",
            ),
        },
    ),
    Entry(
        code="playlist_gone",
        topic="stream",
        severity=Severity.ERROR,
        title="Playlist gone",
        message="The playlist is gone (HTTP {status}): it disappeared while the stream was live.",
        advice="nginx-rtmp deletes the playlist 1 to 3 x hls_playlist_length after its last update; "
        "Node-Media-Server deletes every file when the publisher leaves (unless hlsKeep). If the stream should "
        "be live, check the publisher (OBS) and the origin.",
        recovery_code="stream_back",
        variants={
            "after_stop": Variant(
                severity=Severity.INFO,
                message="The playlist is gone (HTTP {status}): the server removed it after the stream stopped.",
            ),
        },
    ),
    Entry(
        code="stream_ended",
        topic="stream",
        severity=Severity.INFO,
        title="Stream ended",
        message="The stream ended (EXT-X-ENDLIST).",
        kind=EVENT,
    ),
    Entry(
        code="msn_back",
        topic="stream",
        severity=Severity.ERROR,
        title="Publisher restart",
        message="Media sequence went back from {before} to {after} with new segments: the stream restarted "
        "under a live playlist and segment URLs may be reused.",
        advice=_UNIQUE_NAMES + " Players that keep polling may stall.",
        spec="RFC 8216 §6.2.2",
        kind=EVENT,
        variants={
            "after_outage": Variant(
                severity=Severity.WARNING,
                message="The publisher restarted: the playlist was gone, and is back at media sequence {after} "
                "(was {before}) with new segments; their URLs may repeat the old ones.",
                advice=_UNIQUE_NAMES,
            ),
            "after_end": Variant(
                severity=Severity.INFO,
                message="The ended stream is live again at media sequence {after} (was {before}): a new session; "
                "its segment URLs may repeat the old ones.",
                advice=_UNIQUE_NAMES,
            ),
        },
    ),
    Entry(
        code="master_self_reference",
        topic="stream",
        severity=Severity.WARNING,
        title="Master playlist lists itself",
        message="The master playlist lists {count} variant(s) that are master playlists already followed "
        "(itself or a loop: {variants}); hlsmon does not follow them.",
        advice="Each EXT-X-STREAM-INF must be followed by the URI of a media playlist, not of a master playlist.",
        spec="RFC 8216 §4.3.4.2",
        kind=EVENT,
    ),
    Entry(
        code="variants_capped",
        topic="stream",
        severity=Severity.WARNING,
        title="Too many variants",
        message="The master playlist lists {count} variants; hlsmon follows the first {limit} of them.",
        advice="Pick the variants to watch with --variants INDEX, or run one probe per group of variants.",
        kind=EVENT,
    ),
    # ---- content (monitor.content: what the segments contain) ---------------------------------------------
    Entry(
        code="keyframe_interval_mismatch",
        topic="content",
        severity=Severity.WARNING,
        title="Keyframe interval differs from the expected one",
        message="Keyframe interval: {detail}.",
        advice="Set a fixed keyframe interval that divides the fragment length: OBS → Settings → Output → "
        "Keyframe Interval is 0 (auto): set it to 2 s; ffmpeg/x264: -g (2 × frame rate) -sc_threshold 0. "
        "nginx-rtmp cuts fragments at keyframes only, so segments are never shorter than this interval.",
    ),
    Entry(
        code="segment_not_starting_on_keyframe",
        topic="content",
        severity=Severity.WARNING,
        title="Segment does not start on a keyframe",
        message="A segment does not start with a keyframe: players that join or switch variants there show a "
        "broken picture until the next keyframe.",
        advice="Cut segments on keyframes: keep hls_fragment a multiple of the keyframe interval and scene-cut "
        "keyframes off (x264: -sc_threshold 0); with ffmpeg's HLS muxer force keyframes at the segment length.",
    ),
    Entry(
        code="timestamp_gap",
        topic="content",
        severity=Severity.WARNING,
        title="Timestamps jump forward",
        message="Timestamps jump: {detail}.",
        advice="The encoder skipped media (CPU or upload overload, a source switch): check its dropped frames "
        "(OBS → View → Stats) and its CPU. Players stall or skip at a jump.",
    ),
    Entry(
        code="timestamp_overlap",
        topic="content",
        severity=Severity.WARNING,
        title="Timestamps go back",
        message="Timestamps go back: {detail}.",
        advice="Usually an encoder restart without EXT-X-DISCONTINUITY or a source with a broken clock: "
        "restart the stream cleanly and check the source's timestamps.",
        spec="RFC 8216 §4.3.2.3",
    ),
    Entry(
        code="av_drift",
        topic="content",
        severity=Severity.WARNING,
        title="Audio and video drift apart",
        message="Lip sync drifts: {detail}.",
        advice="Check that audio and video share one clock: OBS → the source's Advanced Audio Properties → Sync "
        'Offset, and a capture device\'s "Use Device Timestamps"; an overloaded encoder drops video but '
        "keeps the sound.",
    ),
    Entry(
        code="extinf_vs_media",
        topic="content",
        severity=Severity.WARNING,
        title="EXTINF differs from the media",
        message="{detail}.",
        advice="Players schedule by EXTINF: the packager labels the segments wrongly, most often after a "
        "timestamp jump from the encoder; restart the stream and check the encoder's timestamps.",
        spec="RFC 8216 §4.3.2.1",
    ),
    Entry(
        code="frozen_picture",
        topic="content",
        severity=Severity.ERROR,
        title="Frozen picture",
        message="Frozen picture: {detail}.",
        advice="The stream runs but the picture does not move: check the encoder's source (a hung capture card, "
        "a stalled input stream, a paused media source; OBS: look at the preview).",
    ),
    Entry(
        code="black_picture",
        topic="content",
        severity=Severity.ERROR,
        title="Black picture",
        message="Black picture: {detail}.",
        advice="Check the encoder's video source: a disconnected camera or HDMI input, a scene without a "
        "source, a capture device another program holds.",
    ),
    Entry(
        code="silence",
        topic="content",
        severity=Severity.WARNING,
        title="Silence",
        message="Silence: {detail}.",
        advice="Check the encoder's audio: OBS → Audio Mixer (a muted source, a fader down) and Settings → "
        "Audio (the device). Under -60 dBFS counts as silence.",
    ),
    Entry(
        code="missing_track",
        topic="content",
        severity=Severity.ERROR,
        title="Track missing",
        message="Track missing: {detail}.",
        advice="The encoder stopped sending {track}: check its devices (OBS → Settings → Audio / Video). "
        "nginx-rtmp drops a track whose codec it cannot package (it takes H.264 with AAC or MP3).",
    ),
    Entry(
        code="bitrate_over_declared",
        topic="content",
        severity=Severity.WARNING,
        title="Bit rate over the declared BANDWIDTH",
        message="Bit rate over the declared {attribute}: {detail}.",
        advice="Players choose variants by BANDWIDTH: use constant bit rate (OBS → Settings → Output → Rate "
        "Control CBR) or declare the real peak in the master playlist.",
        spec="RFC 8216bis §4.4.6.2",
    ),
    Entry(
        code="ingest_drift",
        topic="content",
        severity=Severity.WARNING,
        title="Encoder not keeping up with real time",
        message="Ingest drift: {detail}.",
        advice="The encoder publishes more slowly (or faster) than real time: it is overloaded (OBS → View → "
        "Stats: frames missed due to rendering lag or skipped due to encoding lag; pick a faster preset or a "
        "lower resolution) or its upload is too slow for the bit rate.",
    ),
    Entry(
        code="codec_change",
        topic="content",
        severity=Severity.WARNING,
        title="Codec, resolution or frame rate changed",
        message="Format changed: {detail}.",
        advice="A change mid-stream without EXT-X-DISCONTINUITY breaks some players: keep the encoder's "
        "settings fixed while live (OBS → Settings → Video: a fixed FPS), or restart the stream after a change.",
        spec="RFC 8216 §4.3.2.3",
    ),
    Entry(
        code="unreadable_segment",
        topic="content",
        severity=Severity.ERROR,
        title="Segment is not readable media",
        message="A segment could not be read as media: {detail}.",
        advice="The origin answered with something that is not MPEG-TS (an error page, a cut-off file): check "
        "the origin's disk and any proxy in front of it.",
    ),
    Entry(
        code="content_behind",
        topic="content",
        severity=Severity.WARNING,
        title="Content analysis fell behind",
        message="Content analysis fell behind: {skipped} segment(s) were not analysed.",
        advice="The machine running hlsmon is short of CPU: watch fewer variants or endpoints with content "
        "analysis, or run it on a less loaded machine.",
        kind=EVENT,
    ),
)

CATALOGUE: Mapping[str, Entry] = {e.code: e for e in _ENTRIES}


class _Fields(dict):
    """Evidence for a template; a missing field reads "?" rather than breaking an alert."""

    def __missing__(self, key: str) -> str:
        return "?"


def _fill(template: str, evidence: Mapping[str, object]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Fields(evidence))
    except (ValueError, TypeError, AttributeError, IndexError):  # a "?" under a numeric format: never raise
        return template


def make_alert(
    code: str,
    *,
    endpoint: str,
    mono: float,
    utc: datetime,
    evidence: Mapping[str, object],
    variant: str | None = None,
    msn: int | None = None,
) -> Alert:
    """The alert for ``code`` (a catalogue entry) with its words filled from ``evidence``."""
    entry = CATALOGUE[code]
    severity, message, advice = entry.wording(variant)
    return Alert(
        endpoint=endpoint,
        severity=severity,
        code=code,
        message=_fill(message, evidence),
        mono=mono,
        utc=utc,
        evidence=dict(evidence),
        advice=_fill(advice, evidence),
        msn=msn,
        spec=entry.spec,
    )


def make_recovery(code: str, *, endpoint: str, mono: float, utc: datetime, evidence: Mapping[str, object]) -> Alert:
    """The INFO record saying the condition ``code`` has cleared."""
    entry = CATALOGUE[code]
    assert entry.recovery is not None, f"{code} is an event: it has no recovery"
    return Alert(
        endpoint=endpoint,
        severity=Severity.INFO,
        code=entry.recovery,
        message=_fill(RECOVERY_MESSAGE, {"title": entry.title, **evidence}),
        mono=mono,
        utc=utc,
        evidence=dict(evidence),
        spec=entry.spec,
        recovers=code,
    )


# ---- docs/alerts.md ------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}").replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    lines = [
        "# Alerts",
        "",
        "Generated from `monitor/rules/catalogue.py` by `python -m monitor.rules.catalogue`; do not edit.",
        "",
        "Every *condition* is latched: one alert when it starts, one INFO recovery record (its code in the",
        "last column; the record's `recovers` field names the alert it clears) once it has cleared. An",
        "*event* is a one-off fact and has no recovery. Messages are templates filled from the alert's",
        "evidence (`{field}`).",
        "",
    ]
    for topic in dict.fromkeys(e.topic for e in _ENTRIES):  # in the order of the table
        lines += [f"## {topic}", "", "| code | severity | title | message | advice | spec | recovery |"]
        lines.append("|---|---|---|---|---|---|---|")
        for e in (e for e in _ENTRIES if e.topic == topic):
            rows = [(e.code, e.severity, e.message, e.advice)]
            rows += [(f"{e.code} ({name})", v.severity, v.message, v.advice) for name, v in e.variants.items()]
            for code, sev, msg, adv in rows:
                lines.append(
                    f"| `{code}` | {sev.name} | {_cell(e.title)} | {_cell(msg)} | {_cell(adv or e.advice or '–')} "
                    f"| {e.spec or '–'} | {('`' + e.recovery + '`') if e.recovery else 'event'} |"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DOC_PATH
    path.write_text(render_markdown(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
