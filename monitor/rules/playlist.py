"""Playlist rules across reloads: RFC 8216 and draft-pantos-hls-rfc8216bis.

Each rule compares the new snapshot with the previous one of the same generation (a restart starts a
new generation; the stream rules speak of it). Target duration, window length, same-MSN identity,
discontinuity sequence, playlist types, the parser's findings and the LL-HLS parts.
"""

from __future__ import annotations

from monitor.records import EndpointState, PlaylistSnapshot, SegmentEntry, SegmentLifecycle
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

WINDOW_SLACK_S = 0.1  # EXTINF jitter (ms timestamps) must not make an exact 3 x TD window 'short'
DURATION_SLACK_S = 0.001  # the same segment listed again with a re-rounded EXTINF is the same segment
PART_SLACK_S = 0.001
DSN_TAG = "EXT-X-DISCONTINUITY-SEQUENCE"
REPEAT_HOLD_S = 60.0  # conditions that come back with every late keyframe clear only after a calm minute
#: The parser's findings (monitor/parse.py, PlaylistIssue.code) that have their own catalogue entry; any
#: other finding is a ``playlist_issue``.
PARSER_CODES = (
    "uri_without_extinf",
    "malformed_uri",
    "extinf_out_of_bounds",
    "target_duration_out_of_bounds",
    "empty_live_playlist",
    "malformed_tag",
)


def window_by_settings_s(snap: PlaylistSnapshot, td: float) -> float:
    """The playlist's duration, counting a segment that ends a publish (the newest, or one followed by a
    DISCONTINUITY) as at least one target duration: nginx-rtmp closes the open fragment, however short,
    when the publisher leaves, and keeps listing it after a republish. The settings decide the window."""
    segs = snap.segments
    return sum(
        max(seg.duration, td) if i == len(segs) - 1 or segs[i + 1].discontinuity else seg.duration
        for i, seg in enumerate(segs)
    )


def suspicion(prev: PlaylistSnapshot | None, snap: PlaylistSnapshot) -> str | None:
    """Why ``snap`` cannot be believed without a second look (None: it is consistent with ``prev``).

    A live playlist only loses entries at its start: one whose media sequence did not go back but whose
    newest entry did (or that lost every entry) is a cut-off body or an older copy."""
    if prev is None or prev.endlist or snap.endlist or snap.media_sequence < prev.media_sequence:
        return None
    if not snap.segments and prev.segments:
        return f"the live playlist lost all its {len(prev.segments)} entries"
    if snap.segments and snap.last_msn < prev.last_msn:
        return f"the live playlist lost its newest entries (last segment {prev.last_msn} → {snap.last_msn})"
    return None


def _identity(seg: SegmentEntry) -> dict[str, object]:
    return {
        "duration": round(seg.duration, 3),
        "byte range": seg.byterange,
        "discontinuity domain": seg.discontinuity_sequence,
        "GAP": seg.gap,
        "key": (seg.key_method, seg.key_uri),
    }


class PlaylistRules:
    """Rules on one endpoint's successive snapshots."""

    def __init__(self, alerter: Alerter) -> None:
        self.al = alerter
        self._removing = False  # the server has started removing segments (warm-up is over)

    def on_snapshot(
        self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot | None, new: list[SegmentLifecycle]
    ) -> None:
        """``prev`` is the previous snapshot of the same generation (None after a restart)."""
        at = facts.at
        if facts.state == EndpointState.GONE:
            prev = None  # across an outage nothing was observed: no comparison with the last playlist
        self._issues(facts, snap)
        td = snap.target_duration
        if td is None:
            self.al.fire(at, "no_target_duration", {})
            return
        self.al.clear(at, "no_target_duration")
        self._extinf(facts, snap, new, td)
        self._parts(facts, snap, prev)
        if prev is None:
            return
        self._target_changed(facts, snap, prev, td)
        self._sequence(facts, snap, prev, td)
        domains_ok = self._discontinuity_sequence(facts, snap, prev)
        self._identity(facts, snap, prev, compare_domains=domains_ok)
        self._types(facts, snap, prev)

    # ---- single snapshot -------------------------------------------------------------------------------
    def _issues(self, facts: Facts, snap: PlaylistSnapshot) -> None:
        """The parser's findings, one episode per finding code."""
        seen = set()
        for issue in snap.issues:
            code = issue.code if issue.code in PARSER_CODES else "playlist_issue"
            evidence = {
                "issue": issue.code,
                "detail": issue.detail,
                "msn": issue.msn,
                "media_sequence": snap.media_sequence,
            }
            self.al.fire(facts.at, code, evidence, key=issue.code, msn=issue.msn)
            seen.add((code, issue.code))
        for code, key in self.al.open_episodes():
            if (code in PARSER_CODES or code == "playlist_issue") and (code, key) not in seen:
                self.al.clear(facts.at, code, key=key)

    def _extinf(self, facts: Facts, snap: PlaylistSnapshot, new: list[SegmentLifecycle], td: float) -> None:
        new_msns = {lf.msn for lf in new}
        # An exact .5 is a tie: ffmpeg's lrint rounds it to even (EXTINF 2.500000 with TARGETDURATION 2),
        # which "rounded to the nearest integer" allows; only a duration beyond td + 0.5 is a violation.
        over = [s for s in snap.segments if s.msn in new_msns and s.duration > td + 0.5 + 1e-6]
        for seg in over:
            evidence = {"msn": seg.msn, "extinf": seg.duration, "target_duration": td}
            self.al.fire(facts.at, "extinf_over_target", evidence, msn=seg.msn)
        if new_msns and not over:
            self.al.clear(facts.at, "extinf_over_target", hold_s=REPEAT_HOLD_S)

    def _parts(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot | None) -> None:
        target = snap.part_target
        if target is None:
            return
        listed = [(s.msn, i, p) for s in snap.segments for i, p in enumerate(s.part_list)]
        listed += [(snap.last_msn + 1, i, p) for i, p in enumerate(snap.parts)]
        over = [(msn, i, p) for msn, i, p in listed if p.duration > target + PART_SLACK_S]
        for msn, i, p in over[:1]:
            evidence = {"msn": msn, "index": i, "uri": p.uri, "duration": p.duration, "part_target": target}
            self.al.fire(facts.at, "part_duration", evidence, msn=msn)
        if listed and not over:
            self.al.clear(facts.at, "part_duration", hold_s=REPEAT_HOLD_S)
        hint = prev.preload_hint if prev is not None else None
        if hint is None or hint.type.upper() != "PART" or hint.byterange_start is not None or not snap.changed:
            return
        uris = {p.uri for _, _, p in listed}
        still_hinted = snap.preload_hint is not None and snap.preload_hint.uri == hint.uri
        if hint.uri in uris or still_hinted:
            self.al.clear(facts.at, "preload_hint_unfulfilled", hold_s=REPEAT_HOLD_S)
        elif uris:
            self.al.fire(facts.at, "preload_hint_unfulfilled", {"uri": hint.uri})

    # ---- across reloads ---------------------------------------------------------------------------------
    def _target_changed(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot, td: float) -> None:
        if prev.target_duration is not None and td != prev.target_duration:
            # nginx-rtmp/ffmpeg flap it with every long fragment: one episode while it keeps flapping
            self.al.fire(facts.at, "target_changed", {"before": prev.target_duration, "after": td})
        else:
            self.al.clear(facts.at, "target_changed", hold_s=REPEAT_HOLD_S)

    def _sequence(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot, td: float) -> None:
        at = facts.at
        removed = snap.media_sequence - prev.media_sequence
        if removed > 0:
            self._removing = True
        if not snap.segments or not prev.segments:
            return  # an empty live playlist (empty_live_playlist) says nothing of jumps or of its window
        behind_cdn = self.al.active("cdn_old_copy") or self.al.active("stale_cdn_playlist")
        if snap.media_sequence > prev.last_msn + 1 and not behind_cdn:  # a stale copy's catch-up is that episode
            # a 1-2 entry playlist does this on every slow reload: one episode
            evidence = {
                "before": prev.media_sequence,
                "after": snap.media_sequence,
                "previous_last": prev.last_msn,
                "missed": snap.media_sequence - prev.last_msn - 1,
            }
            self.al.fire(at, "msn_jump", evidence)
        elif snap.changed:
            self.al.clear(at, "msn_jump", hold_s=REPEAT_HOLD_S)
        short = window_by_settings_s(snap, td) < 3 * td - WINDOW_SLACK_S
        if self._removing and removed > 0 and not snap.endlist and short:
            evidence = {
                "window_s": round(snap.duration_s, 3),
                "segments": len(snap.segments),
                "target_duration": td,
                "required_s": 3 * td,
            }
            self.al.fire(at, "window_short", evidence)
        elif not short:
            self.al.clear(at, "window_short")

    def _identity(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot, *, compare_domains: bool) -> None:
        """The same media sequence number names the same segment: URI, duration, byte range, discontinuity
        domain, GAP and key may not change (the strictest player's rule). Domains are compared only when
        the discontinuity sequence is right (a wrong one is reported once, by its own rule). Linear, with a
        cheap comparison per entry: a 20,000-segment EVENT playlist is compared on every reload."""
        offset = snap.media_sequence - prev.media_sequence
        uri_diff: dict[str, object] | None = None
        attr_diff: dict[str, object] | None = None
        for old, seg in zip(prev.segments[max(offset, 0) :], snap.segments[max(-offset, 0) :], strict=False):
            if uri_diff is None and old.uri != seg.uri:
                uri_diff = {"msn": seg.msn, "before": old.uri, "after": seg.uri}
            if attr_diff is None and _differs(old, seg, compare_domains):
                a, b = _identity(old), _identity(seg)
                if not compare_domains:
                    a.pop("discontinuity domain"), b.pop("discontinuity domain")
                name = next((k for k in a if a[k] != b[k] and not _same_duration(k, a[k], b[k])), None)
                if name is not None:
                    attr_diff = {"msn": seg.msn, "attribute": name, "before": a[name], "after": b[name]}
            if uri_diff is not None and attr_diff is not None:
                break
        for code, diff in (("uri_changed_same_msn", uri_diff), ("entry_changed_same_msn", attr_diff)):
            if diff is not None:
                self.al.fire(facts.at, code, diff, msn=int(diff["msn"]))  # type: ignore[call-overload]
            else:
                self.al.clear(facts.at, code, hold_s=REPEAT_HOLD_S)

    def _discontinuity_sequence(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot) -> bool:
        """RFC 8216 §6.2.2: the sequence grows by the discontinuity tags that left the playlist. True when it
        is right. A server that never writes the tag (nginx-rtmp marks each publish start with a tag and
        numbers no domain) is not held to it: players then count the tags they see."""
        removed = snap.media_sequence - prev.media_sequence
        if removed < 0 or removed > len(prev.segments):
            return False  # a jump past everything listed: what left is unknown
        if DSN_TAG not in prev.header_order and DSN_TAG not in snap.header_order:
            return False
        tags = sum(1 for s in prev.segments[:removed] if s.discontinuity)
        expected = prev.discontinuity_sequence + tags
        got = snap.discontinuity_sequence
        if got == expected:
            self.al.clear(facts.at, "discontinuity_sequence", hold_s=REPEAT_HOLD_S)
            return True
        still_listed = sum(1 for s in snap.segments if s.discontinuity)
        if got < expected:
            variant = "no_increment"
        elif got - expected <= still_listed:
            variant = "early"
        else:
            variant = "jump"
        evidence = {"before": prev.discontinuity_sequence, "after": got, "expected": expected, "removed_tags": tags}
        self.al.fire(facts.at, "discontinuity_sequence", evidence, variant=variant)
        return False

    def _types(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot) -> None:
        kind = (snap.playlist_type or "").upper()
        if kind == "VOD" and (prev.playlist_type or "").upper() == "VOD" and snap.sha1 != prev.sha1:
            self.al.fire(facts.at, "vod_changed", {"before_sha1": prev.sha1, "after_sha1": snap.sha1})
        elif kind == "EVENT":
            what = None
            if snap.media_sequence != prev.media_sequence:
                what = f"its media sequence moved from {prev.media_sequence} to {snap.media_sequence}"
            elif snap.last_msn < prev.last_msn:
                what = f"it lost segments at its end ({prev.last_msn} → {snap.last_msn})"
            if what is not None:
                self.al.fire(facts.at, "event_not_growing", {"what": what})
            else:
                self.al.clear(facts.at, "event_not_growing")

    def shrank(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot, *, confirmed: bool) -> None:
        """A live playlist that lost its newest entries (see :func:`suspicion`); ``confirmed``: the request
        made at once after it showed the same, so it was believed."""
        evidence = {"media_sequence": snap.media_sequence, "before_last": prev.last_msn, "after_last": snap.last_msn}
        self.al.fire(facts.at, "playlist_shrank", evidence, variant=None if confirmed else "transient")

    def consistent(self, facts: Facts) -> None:
        self.al.clear(facts.at, "playlist_shrank")
        self.al.clear(facts.at, "sequence_went_back")

    def went_back(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot, *, confirmed: bool) -> None:
        """The media sequence went back to segments already seen: an older copy of the playlist."""
        evidence = {"before": prev.media_sequence, "after": snap.media_sequence}
        self.al.fire(facts.at, "sequence_went_back", evidence, variant=None if confirmed else "transient")


def _differs(a: SegmentEntry, b: SegmentEntry, domains: bool) -> bool:
    """A cheap first look: may ``a`` and ``b`` differ in an identity attribute other than the URI?"""
    return (
        a.duration != b.duration
        or a.byterange != b.byterange
        or a.gap != b.gap
        or a.key_method != b.key_method
        or a.key_uri != b.key_uri
        or (domains and a.discontinuity_sequence != b.discontinuity_sequence)
    )


def _same_duration(name: str, a: object, b: object) -> bool:
    return name == "duration" and isinstance(a, float) and isinstance(b, float) and abs(a - b) <= DURATION_SLACK_S
