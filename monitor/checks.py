"""Checks and alerts (pure): the RFC 8216 rules, CDN staleness, URI reuse, stream state, HTTP hygiene.

Alert on what is really wrong. Peers' users complain most about false alarms, so:

* conditions are *latched*: an alert fires once when a condition starts and re-arms only after the
  condition has cleared (no alert storm every poll);
* timing rules use the conservative end of every uncertainty window (a segment is "deleted too
  early" only if even the latest instant it could have been deleted is before the earliest possible
  deadline);
* transport failures need two consecutive failures before an alert (one lost poll is noise);
* window rules apply only once the server has started removing segments (a growing playlist during
  warm-up is legitimate), and a playlist that grows at the same media sequence is fine (Eyevinn #21).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.fetch import PLAYER_ORIGIN
from monitor.records import Alert, PlaylistSnapshot, RequestRecord, SegmentLifecycle, Severity

PLAYLIST_TYPES = frozenset(
    {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}
)
SEGMENT_TYPES_OK = ("video/", "audio/", "application/octet-stream", "binary/octet-stream", "application/mp4")
STALE_FACTOR = 1.5  # RFC 8216 §6.2.1 / bis-22 §6.3.4: 1.5 x target duration
WINDOW_SLACK_S = 0.1  # EXTINF jitter (ms timestamps) must not make an exact 3 x TD window 'short'
OLD_COPY_SLACK_S = 2.0  # Age is whole seconds; an upload or a CDN fetch may precede the listing a little
REPEAT_S = 60.0  # a repeating condition (msn_jump, extinf_over_target, ...) is reported at most once a minute
MAX_TRACKED = 20_000  # per-URL validators and per-segment playlist lengths kept (oldest forgotten first)


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def window_by_settings_s(snap: PlaylistSnapshot, td: float) -> float:
    """The playlist's duration, counting a segment that ends a publish (the newest, or one followed by a
    DISCONTINUITY) as at least one target duration: nginx-rtmp closes the open fragment, however short,
    when the publisher leaves, and keeps listing it after a republish. The settings decide the window."""
    segs = snap.segments
    return sum(
        max(seg.duration, td) if i == len(segs) - 1 or segs[i + 1].discontinuity else seg.duration
        for i, seg in enumerate(segs)
    )


def _media_type(rec: RequestRecord) -> str:
    return rec.headers.get("content-type", "").split(";")[0].strip().lower()


def cache_lifetime_s(cache_control: str | None) -> float | None:
    """How long a shared cache may keep the response; None when the header forbids caching."""
    if cache_control is None:
        return math.inf  # no header: the CDN applies its default TTL (CloudFront: 24 h)
    directives = {}
    for part in cache_control.lower().split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip()] = value.strip().strip('"')
    if {"no-cache", "no-store", "private"} & directives.keys():
        return None
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                return float(directives[name])
            except ValueError:
                return math.inf
    return math.inf


@dataclass
class _Latch:
    active: set[str] = field(default_factory=set)

    def fire(self, key: str) -> bool:
        if key in self.active:
            return False
        self.active.add(key)
        return True

    def clear(self, key: str) -> None:
        self.active.discard(key)


class EndpointChecker:
    """Checks for one endpoint. ``now`` gives (mono, utc) for the alert stamps."""

    def __init__(self, endpoint: str, now: Callable[[], tuple[float, datetime]], *, is_cdn: bool = False) -> None:
        self.endpoint = endpoint
        self._now = now
        self.is_cdn = is_cdn
        self._latch = _Latch()
        self._failures = 0
        self._was_live = False
        self._gone = False
        self._ended = False
        self._came_back = False  # this snapshot follows a 404 (stream stopped, then back)
        self._reused_count = 0
        self._reused_last: float | None = None
        self._td_first: float | None = None
        self._removing = False
        self._last_new_lo: float | None = None  # earliest instant the newest segment may have appeared
        self._max_playlist_s = 0.0  # longest playlist of the current generation (reset on a restart)
        self._generation = 0
        self._seg_playlist_s: dict[tuple[int, int], float] = {}  # longest playlist listing (generation, msn)
        self._repeats: dict[str, tuple[int, float | None]] = {}  # code -> (count, mono of the last report)
        self._validators: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._early_count = 0
        self._missing_count = 0
        self._missing_last: float | None = None
        self._early_last: float | None = None
        self._early_severity = Severity.INFO

    # ---- helpers -----------------------------------------------------------------------------------
    def _alert(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        evidence: dict | None = None,
        advice: str = "",
        msn: int | None = None,
        spec: str | None = None,
    ) -> Alert:
        mono, utc = self._now()
        return Alert(
            endpoint=self.endpoint,
            severity=severity,
            code=code,
            message=message,
            mono=mono,
            utc=utc,
            evidence=evidence or {},
            advice=advice,
            msn=msn,
            spec=spec,
        )

    def _repeat(self, code: str, mono: float) -> int | None:
        """Count one more occurrence of ``code``; the running count when it is due (first, then once a
        minute), else None."""
        count, last = self._repeats.get(code, (0, None))
        count += 1
        due = last is None or mono - last >= REPEAT_S
        self._repeats[code] = (count, mono if due else last)
        return count if due else None

    def _note_playlist_length(self, snap: PlaylistSnapshot, new: list[SegmentLifecycle], reset: bool) -> None:
        """RFC 8216 §6.2.2 counts, for each segment, the longest playlist *containing that segment*: a long
        playlist of an earlier session (or of a settings change) must not raise the bar for later segments."""
        if reset:
            self._max_playlist_s = 0.0
        self._generation = new[0].generation if new else self._generation + (1 if reset else 0)
        self._max_playlist_s = max(self._max_playlist_s, snap.duration_s)
        lengths = self._seg_playlist_s
        for seg in snap.segments:
            key = (self._generation, seg.msn)
            lengths[key] = max(lengths.get(key, 0.0), snap.duration_s)
        while len(lengths) > MAX_TRACKED:
            del lengths[next(iter(lengths))]

    def playlist_s_for(self, life: SegmentLifecycle) -> float:
        """The longest playlist that listed ``life`` (the current generation's longest if never seen)."""
        return self._seg_playlist_s.get((life.generation, life.msn), self._max_playlist_s)

    # ---- playlist requests ---------------------------------------------------------------------------
    def on_playlist_request(
        self, rec: RequestRecord, parse_error: str | None, target_duration: float | None
    ) -> list[Alert]:
        out: list[Alert] = []
        if rec.status is None or rec.status >= 400 or parse_error:
            self._failures += 1
        else:
            self._failures = 0
        if rec.status is None:
            if self._failures >= 2 and self._latch.fire("unreachable"):
                out.append(
                    self._alert(
                        Severity.ERROR,
                        "unreachable",
                        f"Playlist unreachable: {rec.error}",
                        evidence={"url": rec.url, "error": rec.error, "failures": self._failures},
                        advice="Check that the server is running and the URL is right.",
                    )
                )
            return out
        self._latch.clear("unreachable")
        if rec.status in (404, 410):
            if self._was_live and not self._gone:
                self._gone = True
                # Already ended (ENDLIST) or stale: the server is cleaning up after a stop, as designed.
                after_stop = self._ended or self.stalled()
                out.append(
                    self._alert(
                        Severity.INFO if after_stop else Severity.ERROR,
                        "playlist_gone",
                        f"The playlist is gone (HTTP {rec.status}): "
                        + (
                            "the server removed it after the stream stopped."
                            if after_stop
                            else "it disappeared while the stream was live."
                        ),
                        evidence={"url": rec.url, "status": rec.status, "after_stop": after_stop},
                        advice="nginx-rtmp deletes the playlist 1 to 3 x hls_playlist_length after its last "
                        "update; Node-Media-Server deletes every file when the publisher leaves (unless "
                        "hlsKeep). If the stream should be live, check the publisher (OBS) and the origin.",
                    )
                )
            elif not self._was_live and self._failures >= 2 and self._latch.fire("http_error"):
                # Never live yet: most often OBS has not started, or the first fragment has not closed
                # (nginx-rtmp writes the playlist only then). A wrong URL looks the same: a WARNING, not an ERROR.
                out.append(
                    self._alert(
                        Severity.WARNING,
                        "http_error",
                        f"Playlist request failed: HTTP {rec.status} (no playlist yet: not published, or a wrong URL).",
                        evidence={"url": rec.url, "status": rec.status, "never_live": True},
                        advice="Check the URL (stream key, path), or the stream has not started yet: "
                        "nginx-rtmp writes the playlist only when the first fragment closes.",
                    )
                )
            return out
        if rec.status >= 400:
            if self._failures >= 2 and self._latch.fire("http_error"):
                out.append(
                    self._alert(
                        Severity.ERROR if rec.status >= 500 else Severity.WARNING,
                        "http_error",
                        f"Playlist request failed: HTTP {rec.status}.",
                        evidence={"url": rec.url, "status": rec.status},
                    )
                )
            return out
        self._latch.clear("http_error")
        if parse_error:
            if self._failures >= 2 and self._latch.fire("bad_playlist"):
                out.append(
                    self._alert(
                        Severity.ERROR,
                        "bad_playlist",
                        f"Not a usable playlist: {parse_error}",
                        evidence={
                            "url": rec.final_url or rec.url,
                            "status": rec.status,
                            "content_type": rec.headers.get("content-type"),
                        },
                    )
                )
            return out
        self._latch.clear("bad_playlist")
        out += self._header_checks(rec, target_duration)
        return out

    def _header_checks(self, rec: RequestRecord, td: float | None) -> list[Alert]:
        out: list[Alert] = []
        ctype = _media_type(rec)
        if ctype not in PLAYLIST_TYPES and self._latch.fire("content_type"):
            out.append(
                self._alert(
                    Severity.WARNING,
                    "content_type",
                    f"Playlist served as {ctype or 'no Content-Type'!r} instead of application/vnd.apple.mpegurl.",
                    evidence={"content_type": rec.headers.get("content-type"), "url": rec.url},
                    advice="Add `types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }` "
                    "to the nginx http location.",
                    spec="RFC 8216 §4",
                )
            )
        s3 = rec.headers.get("server", "").lower().startswith("amazons3")
        if "access-control-allow-origin" not in rec.headers and self._latch.fire("cors"):
            # hlsmon sends an Origin header (fetch.PLAYER_ORIGIN); an S3 rule may allow only the player's site.
            out.append(
                self._alert(
                    Severity.INFO if s3 else Severity.WARNING,
                    "cors",
                    f"S3 sent no Access-Control-Allow-Origin for hlsmon's Origin ({PLAYER_ORIGIN}): no bucket CORS "
                    "rule, or one that allows only your player's site (check that it does)."
                    if s3
                    else "No Access-Control-Allow-Origin header: browser players (hls.js) on other "
                    "sites cannot load this stream.",
                    evidence={"url": rec.url, "headers": dict(rec.headers)},
                    advice="S3: a bucket CORS rule allowing GET and HEAD from your player's site; behind "
                    "CloudFront a cache policy that forwards and keys on Origin (Elemental-MediaPackage does)."
                    if s3
                    else "add_header Access-Control-Allow-Origin * always; (and let the CDN forward/cache on Origin).",
                )
            )
        if not self.is_cdn:
            life = cache_lifetime_s(rec.headers.get("cache-control"))
            limit = (td or 2.0) / 2
            if life is not None and life > limit and self._latch.fire("cacheable_playlist"):
                text = rec.headers.get("cache-control")
                # Up to one TD is a design choice (MediaMTX sends such a max-age): a copy at most one segment
                # late. Longer (or absent: the CDN's default TTL) means a stale playlist.
                within_td = life <= (td or 2.0)
                out.append(
                    self._alert(
                        Severity.INFO if within_td else Severity.WARNING,
                        "cacheable_playlist",
                        f"The playlist's Cache-Control ({text or 'absent'}) lets a CDN keep it "
                        f"longer than half a target duration ({limit:g} s): "
                        + (
                            "viewers may get a playlist up to one segment late."
                            if within_td
                            else "viewers would get a stale playlist."
                        ),
                        evidence={"cache-control": text, "target_duration": td},
                        advice="add_header Cache-Control no-cache; on the playlist location "
                        "(or max-age of at most TD/2).",
                    )
                )
        return out

    # ---- snapshots --------------------------------------------------------------------------------------
    def on_snapshot(
        self,
        snap: PlaylistSnapshot,
        prev: PlaylistSnapshot | None,
        new: list[SegmentLifecycle],
        reset: bool,
        uri_changed: list[tuple[int, str, str]],
    ) -> list[Alert]:
        out: list[Alert] = []
        self._came_back = self._gone
        if self._gone:
            self._gone = False
            out.append(
                self._alert(
                    Severity.INFO,
                    "stream_back",
                    "The playlist is back: the stream is live again.",
                    evidence={"media_sequence": snap.media_sequence},
                )
            )
        self._was_live = True
        self._note_playlist_length(snap, new, reset)
        td = snap.target_duration
        if td is None:
            if self._latch.fire("no_target"):
                out.append(
                    self._alert(
                        Severity.ERROR,
                        "no_target_duration",
                        "EXT-X-TARGETDURATION is missing.",
                        spec="RFC 8216 §4.3.3.1",
                    )
                )
            return out
        out += self._spec_rules(snap, prev, new, reset, uri_changed, td)
        if new:
            # the latest instant the newest segment may have appeared: never a false "stale"
            self._last_new_lo = max(lf.first_seen.hi for lf in new)
            self._latch.clear("stale")
        if snap.endlist and not self._ended:
            self._ended = True
            out.append(
                self._alert(
                    Severity.INFO,
                    "stream_ended",
                    "The stream ended (EXT-X-ENDLIST).",
                    evidence={"last_msn": snap.last_msn},
                )
            )
        elif not snap.endlist and self._ended:
            self._ended = False
        return out

    def _spec_rules(
        self,
        snap: PlaylistSnapshot,
        prev: PlaylistSnapshot | None,
        new: list[SegmentLifecycle],
        reset: bool,
        uri_changed: list[tuple[int, str, str]],
        td: float,
    ) -> list[Alert]:
        out: list[Alert] = []
        new_msns = {lf.msn for lf in new}
        for seg in snap.segments:
            # An exact .5 is a tie: ffmpeg's lrint rounds it to even (EXTINF 2.500000 with TARGETDURATION 2),
            # which "rounded to the nearest integer" allows; only a duration beyond td + 0.5 is a violation.
            if seg.msn not in new_msns or seg.duration <= td + 0.5 + 1e-6:
                continue
            # Every late keyframe makes one: the first, then once a minute with a running count.
            count = self._repeat("extinf_over_target", snap.fetched.lo)
            if count is not None:
                out.append(
                    self._alert(
                        Severity.ERROR,
                        "extinf_over_target",
                        f"Segment {seg.msn} lasts {seg.duration:.3f} s, more than the target "
                        f"duration {td:g} s once rounded [{count} so far].",
                        evidence={"msn": seg.msn, "extinf": seg.duration, "target_duration": td, "count": count},
                        advice="Keyframes too far apart? Set the encoder keyframe interval so it "
                        "divides the fragment length (OBS: Keyframe Interval).",
                        msn=seg.msn,
                        spec="RFC 8216 §4.3.3.1",
                    )
                )
        if (
            prev is not None
            and not reset
            and not self._came_back
            and prev.target_duration is not None
            and td != prev.target_duration
            and self._latch.fire("target_changed")  # nginx-rtmp/ffmpeg flap it with every long fragment: once
        ):
            out.append(
                self._alert(
                    Severity.WARNING,
                    "target_changed",
                    f"EXT-X-TARGETDURATION changed from {prev.target_duration:g} to {td:g} (reported once).",
                    evidence={"before": prev.target_duration, "after": td},
                    advice="The target duration must not change; nginx-rtmp and ffmpeg recompute it from the "
                    "longest listed segment, so keyframes that do not fall on the fragment length change it: "
                    "set the encoder keyframe interval to divide the fragment length.",
                    spec="RFC 8216 §6.2.1",
                )
            )
        if reset and prev is not None:
            # After the stream ended (ENDLIST) or its playlist was gone, a restart at 0 is a new session
            # (Node-Media-Server and ffmpeg always restart; nginx-rtmp once its old playlist was cleaned up).
            new_session = self._came_back or prev.endlist
            out.append(
                self._alert(
                    Severity.INFO if new_session else Severity.ERROR,
                    "msn_back",
                    (
                        f"Media sequence went back from {prev.media_sequence} to {snap.media_sequence}: "
                        if snap.media_sequence < prev.media_sequence
                        else f"The ended stream is live again at media sequence {snap.media_sequence}: "
                    )
                    + (
                        "a new session after the stream stopped; its segment URLs repeat the old ones."
                        if new_session
                        else "the stream restarted under a live playlist and segment URLs may be reused."
                    ),
                    evidence={"before": prev.media_sequence, "after": snap.media_sequence, "new_session": new_session},
                    advice="Behind a CDN, reused names can serve old bytes: use unique names (nginx-rtmp: "
                    "hls_fragment_naming system; ffmpeg: hls_start_number_source epoch) or invalidate the "
                    "CDN paths after a restart." + ("" if new_session else " Players that keep polling may stall."),
                    spec="RFC 8216 §6.2.2",
                )
            )
        if prev is not None and not reset:
            removed = snap.media_sequence - prev.media_sequence
            if removed > 0:
                self._removing = True
            # A 1-2 entry playlist does this on every slow reload: the first, then once a minute with a count.
            count = self._repeat("msn_jump", snap.fetched.lo) if snap.media_sequence > prev.last_msn + 1 else None
            if count is not None:
                out.append(
                    self._alert(
                        Severity.WARNING,
                        "msn_jump",
                        f"Media sequence jumped from {prev.media_sequence} to {snap.media_sequence}: "
                        f"{snap.media_sequence - prev.last_msn - 1} segment(s) came and went between "
                        f"two polls [{count} so far].",
                        evidence={
                            "before": prev.media_sequence,
                            "after": snap.media_sequence,
                            "previous_last": prev.last_msn,
                            "count": count,
                        },
                    )
                )
            short = window_by_settings_s(snap, td) < 3 * td - WINDOW_SLACK_S
            if self._removing and removed > 0 and not snap.endlist and short:
                if self._latch.fire("window_short"):
                    out.append(
                        self._alert(
                            Severity.WARNING,
                            "window_short",
                            f"The playlist holds only {len(snap.segments)} segment(s), {snap.duration_s:.1f} s; "
                            f"RFC 8216 asks for at least 3 x target duration ({3 * td:g} s). This follows from "
                            "the settings, not from a fault: players start close to the live edge and stall "
                            "on the smallest delay.",
                            evidence={
                                "window_s": snap.duration_s,
                                "segments": len(snap.segments),
                                "target_duration": td,
                            },
                            advice=f"List at least {3 * td:g} s (3 x the real segment length, which a keyframe "
                            "interval longer than the fragment stretches): raise nginx-rtmp hls_playlist_length, "
                            "or ffmpeg / Node-Media-Server hls_list_size.",
                            spec="RFC 8216 §6.2.2",
                        )
                    )
            elif not short:
                self._latch.clear("window_short")
        for msn, old, newuri in uri_changed:
            out.append(
                self._alert(
                    Severity.ERROR,
                    "uri_changed_same_msn",
                    f"Segment {msn} changed URI between two reloads.",
                    evidence={"msn": msn, "before": old, "after": newuri},
                    msn=msn,
                    spec="RFC 8216bis §6.3.4",
                )
            )
        return out

    # ---- periodic ------------------------------------------------------------------------------------------
    def on_tick(self, now: float, target_duration: float | None, endlist: bool) -> list[Alert]:
        if endlist or not target_duration or self._last_new_lo is None or self._gone:
            return []
        since = now - self._last_new_lo
        if since > STALE_FACTOR * target_duration and self._latch.fire("stale"):
            return [
                self._alert(
                    Severity.WARNING,
                    "playlist_stale",
                    f"No new segment for {since:.1f} s (more than 1.5 x target duration {target_duration:g} s).",
                    evidence={"since_s": round(since, 3), "target_duration": target_duration},
                    advice=(
                        "At a CDN this is most often a cached playlist: compare with the origin "
                        "(hlsmon probe ORIGIN_URL --cdn CDN_URL; stale_cdn_playlist, Age header)."
                        if self.is_cdn
                        else "The publisher may have stopped (nginx-rtmp writes no ENDLIST) or the origin is "
                        "overloaded; if segments resume, a keyframe came late and made one segment longer than "
                        "the target duration (set the encoder keyframe interval to the fragment length)."
                    ),
                    spec="RFC 8216 §6.2.1",
                )
            ]
        return []

    @property
    def max_playlist_s(self) -> float:
        return self._max_playlist_s

    def stalled(self) -> bool:
        return "stale" in self._latch.active

    # ---- segments -------------------------------------------------------------------------------------------
    def on_gone(self, life: SegmentLifecycle) -> list[Alert]:
        """RFC 8216 §6.2.2: available for (segment duration + longest playlist containing it) after removal.

        Fires on the first violation, then at most once a minute (every segment keeps its evidence in
        its lifecycle). A shortfall of less than one segment duration is a WARNING (nginx-rtmp's batch
        cleaner does this on almost every pass), more is an ERROR.
        """
        if life.left is None or life.gone is None:
            return []
        if self._gone or self._ended or self.stalled():
            return []  # the cleanup after a stop (NMS deletes every file unless hlsKeep): not a live-window fault
        required = life.extinf + self.playlist_s_for(life)
        available_at_most = life.gone.hi - life.left.lo
        if available_at_most >= required:
            return []
        self._early_count += 1
        shortfall = required - available_at_most
        # nginx-rtmp's batch cleaner falls short by up to one segment, plus 1 s from whole-second mtimes.
        severity = Severity.ERROR if shortfall > life.extinf + 1.0 else Severity.WARNING
        mono = life.gone.hi
        if self._early_last is not None and mono - self._early_last < 60.0 and severity <= self._early_severity:
            return []
        self._early_last = mono
        self._early_severity = severity
        return [
            self._alert(
                severity,
                "deleted_too_early",
                f"Segment {life.msn} was deleted at most {available_at_most:.1f} s after leaving "
                f"the playlist; the spec requires {required:.1f} s (duration + playlist)"
                f" [{self._early_count} so far].",
                evidence={
                    "msn": life.msn,
                    "uri": life.uri,
                    "available_s": round(available_at_most, 3),
                    "required_s": round(required, 3),
                    "status": life.gone_status,
                    "count": self._early_count,
                },
                advice="Players that are behind will get 404s. Keep segments longer "
                "(nginx-rtmp: hls_playlist_length; ffmpeg: hls_delete_threshold).",
                msn=life.msn,
                spec="RFC 8216 §6.2.2",
            )
        ]

    def on_segment_response(self, life: SegmentLifecycle | None, rec: RequestRecord, listed: bool) -> list[Alert]:
        out: list[Alert] = []
        # After a stop the origin cleans up what the last playlist listed (NMS at once, nginx-rtmp at its
        # cleanup tick, together with the playlist): playlist_gone / stream_ended / playlist_stale tell that.
        stopped = self._gone or self._ended or self.stalled()
        if rec.status in (403, 404, 410) and listed and not stopped:
            self._missing_count += 1
            last = self._missing_last
            if last is None or rec.sent_mono - last >= 60.0:
                self._missing_last = rec.sent_mono
                out.append(
                    self._alert(
                        Severity.ERROR,
                        "segment_missing",
                        f"Segment {rec.msn} is listed but answers HTTP {rec.status} [{self._missing_count} so far].",
                        evidence={"msn": rec.msn, "url": rec.url, "status": rec.status, "count": self._missing_count},
                        advice="The origin deletes segments that are still listed (cleanup too "
                        "aggressive, or keyframes so far apart that segments outlast the cleanup age).",
                        msn=rec.msn,
                        spec="RFC 8216 §6.2.1",
                    )
                )
        if rec.status == 200:
            ctype = _media_type(rec)
            if ctype and not ctype.startswith(SEGMENT_TYPES_OK) and self._latch.fire("segment_content_type"):
                out.append(
                    self._alert(
                        Severity.WARNING,
                        "content_type",
                        f"Segments served as {ctype!r} instead of video/mp2t or video/mp4.",
                        evidence={"content_type": ctype, "url": rec.url},
                    )
                )
        if rec.status == 200 and rec.url:
            out += self._reuse_check(rec)
        if self.is_cdn and life is not None and rec.status in (200, 206):
            out += self._old_copy_check(life, rec)
        return out

    def _old_copy_check(self, life: SegmentLifecycle, rec: RequestRecord) -> list[Alert]:
        """A CDN answering with a copy older than the segment itself (``Age`` > time listed + EXTINF): the URL
        was reused by a restart and the edge still serves the previous session's bytes. The validators the
        edge returns are the old ones too, so :meth:`_reuse_check` cannot see it behind a CDN."""
        try:
            age = float(rec.headers.get("age", ""))
        except ValueError:
            return []
        if life.initial:  # first_seen is only an upper bound: the segment may be older than the monitor
            return []
        listed_s = rec.sent_mono - life.first_seen.lo
        limit = listed_s + life.extinf + OLD_COPY_SLACK_S
        if age <= limit or not self._latch.fire(f"old_copy:{life.generation}"):
            return []
        name = rec.url.rsplit("/", 1)[-1].split("?", 1)[0]
        return [
            self._alert(
                Severity.ERROR,
                "uri_reused",
                f"The CDN serves {name} from a copy cached {age:.0f} s ago, but segment {life.msn} was first "
                f"listed {listed_s:.1f} s ago: a previous session's segment with the same URL (old bytes).",
                evidence={
                    "url": rec.url,
                    "age_s": age,
                    "listed_s": round(listed_s, 3),
                    "x_cache": rec.headers.get("x-cache"),
                    "etag": rec.headers.get("etag"),
                    "generation": life.generation,
                },
                advice="Use unique segment names across restarts (nginx-rtmp: hls_fragment_naming system; "
                "ffmpeg: hls_start_number_source epoch) or invalidate the CDN after a restart.",
                msn=life.msn,
            )
        ]

    def _reuse_check(self, rec: RequestRecord) -> list[Alert]:
        validators = (rec.headers.get("etag"), rec.headers.get("content-length"), rec.headers.get("last-modified"))
        if validators == (None, None, None):
            return []
        old = self._validators.get(rec.url)
        self._validators[rec.url] = validators
        while len(self._validators) > MAX_TRACKED:  # unique names (hls_fragment_naming system) grow forever
            del self._validators[next(iter(self._validators))]
        if old is None or old == validators:
            return []
        changed = [
            name
            for name, a, b in zip(("etag", "size", "last-modified"), old, validators, strict=True)
            if a is not None and b is not None and a != b
        ]
        if not changed:
            return []
        # A restart reuses every name (index0.ts, ...): the first one, then at most once a minute.
        self._reused_count += 1
        if self._reused_last is not None and rec.sent_mono - self._reused_last < 60.0:
            return []
        self._reused_last = rec.sent_mono
        return [
            self._alert(
                Severity.WARNING,
                "uri_reused",
                f"Segment URL reused with different content ({', '.join(changed)} changed): a CDN "
                f"may serve the old bytes [{self._reused_count} so far].",
                evidence={"url": rec.url, "before": list(old), "after": list(validators), "count": self._reused_count},
                advice="Use unique segment names across restarts (nginx-rtmp: hls_fragment_naming "
                "system) or purge the CDN.",
                msn=rec.msn,
            )
        ]


def cdn_stale_alert(
    checker: EndpointChecker, *, cdn: PlaylistSnapshot, origin_first_seen_hi: float | None, now: float, reference: str
) -> Alert | None:
    """CDN serving a stale playlist: the origin listed the CDN's next segment more than one TD ago."""
    td = cdn.target_duration or 2.0
    key = "cdn_stale"
    if origin_first_seen_hi is None:
        checker._latch.clear(key)
        return None
    lag = now - origin_first_seen_hi
    if lag <= td:
        checker._latch.clear(key)
        return None
    if not checker._latch.fire(key):
        return None
    return checker._alert(
        Severity.WARNING,
        "stale_cdn_playlist",
        f"The CDN serves a playlist {lag:.1f} s behind the origin ({reference}): more than one "
        f"target duration ({td:g} s).",
        evidence={"cdn_last_msn": cdn.last_msn, "behind_s": round(lag, 3), "age": cdn.age_s},
        advice="Lower the playlist TTL at the CDN (Cache-Control max-age ≤ TD/2 on the origin, "
        "or a cache policy that honours no-cache).",
    )


def segment_size_alert(
    checker: EndpointChecker, *, life: SegmentLifecycle, size: int, reference_size: int, reference: str
) -> Alert | None:
    """The same segment (generation, msn) has another size here than at the reference endpoint: a truncated
    copy (uploaded while the origin was still writing it) or another session's bytes. Once per generation."""
    if size == reference_size or not checker._latch.fire(f"size_differs:{life.generation}"):
        return None
    name = life.uri.rsplit("/", 1)[-1].split("?", 1)[0]
    return checker._alert(
        Severity.ERROR,
        "segment_differs",
        f"Segment {life.msn} ({name}) is {size} bytes here but {reference_size} bytes at {reference}: "
        f"{'a truncated' if size < reference_size else 'a different'} copy.",
        evidence={"msn": life.msn, "url": life.uri, "size": size, "reference_size": reference_size},
        advice="Upload a segment only once the origin has closed it, and the playlist only after its "
        "segments (the tutorial's watcher uploads files as soon as they appear).",
        msn=life.msn,
    )
