"""Transport rules: playlist request failures, the failure rate, HTTP/MIME/CORS/cache headers."""

from __future__ import annotations

import math
from collections import Counter, deque

from monitor.fetch import PLAYER_ORIGIN
from monitor.records import EndpointState, RequestRecord
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

PLAYLIST_TYPES = frozenset(
    {"application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl"}
)
SEGMENT_TYPES_OK = ("video/", "audio/", "application/octet-stream", "binary/octet-stream", "application/mp4")
RATE_WINDOW_S = 60.0
RATE_THRESHOLD = 0.05  # 5 % of the polls of the last minute
RATE_MIN_FAILURES = 2  # one lost poll is noise
RATE_MIN_POLLS = 5
RATE_HOLD_S = 60.0
LATE_S = 1.0  # a wake-up this much after the planned instant makes the poll's timing uncertain
LATE_HOLD_S = 60.0


def media_type(rec: RequestRecord) -> str:
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


def failure_kind(rec: RequestRecord, failure: str | None) -> str | None:
    """The failure class of a playlist request (the latch key), None when it succeeded."""
    if rec.status is None:
        return "unreachable"
    if rec.status >= 400:
        return "http_error"
    if failure:
        return "bad_playlist"
    return None


IN_A_ROW_CODES = ("unreachable", "http_error", "bad_playlist")


class TransportRules:
    """Failures in a row, the failure rate over a minute, and the response headers."""

    def __init__(self, alerter: Alerter) -> None:
        self.al = alerter
        self._in_a_row = 0
        # (sent, failure reason or None, already told by an in-a-row alert)
        self._polls: deque[tuple[float, str | None, bool]] = deque()

    def on_playlist(self, facts: Facts, rec: RequestRecord, failure: str | None) -> None:
        """One playlist request; ``failure`` is the plain reason it was not believed (None: a playlist)."""
        kind = failure_kind(rec, failure)
        self._in_a_row = self._in_a_row + 1 if kind else 0
        for code in IN_A_ROW_CODES:
            if code != kind:
                self.al.clear(facts.at, code)
        self._judge_in_a_row(facts, rec, failure, kind)
        if any(self.al.active(code) for code in IN_A_ROW_CODES):
            self._explain_last(self._in_a_row)  # one judgement per fact: the outage is already said
        self._rate(facts, rec, failure if kind else None)
        if kind is None:
            self._headers(facts, rec)

    def _judge_in_a_row(self, facts: Facts, rec: RequestRecord, failure: str | None, kind: str | None) -> None:
        if kind is None:
            return
        gone = rec.status in (404, 410) and facts.state in (
            EndpointState.LIVE,
            EndpointState.STALLED,
            EndpointState.ENDED,
            EndpointState.GONE,
        )
        if self._in_a_row < 2 or gone:  # a playlist gone after being live is the state's business
            return
        evidence = {"url": rec.final_url or rec.url, "status": rec.status, "failures": self._in_a_row}
        if kind == "unreachable":
            self.al.fire(facts.at, kind, {**evidence, "error": rec.error})
        elif kind == "http_error":
            never_live = rec.status in (404, 410)
            variant = "never_live" if never_live else (None if rec.status >= 500 else "client")
            self.al.fire(facts.at, kind, {**evidence, "never_live": never_live}, variant=variant)
        else:
            ctype = rec.headers.get("content-type")
            self.al.fire(facts.at, kind, {**evidence, "reason": failure, "content_type": ctype})

    def _explain_last(self, count: int) -> None:
        """The last ``count`` failed polls belong to an outage with its own alert: not counted as flakiness."""
        polls = self._polls
        for i in range(max(0, len(polls) - count), len(polls)):
            sent, reason, _ = polls[i]
            polls[i] = (sent, reason, True)

    def _rate(self, facts: Facts, rec: RequestRecord, reason: str | None) -> None:
        """Failures that never come twice in a row raise no other alert: their rate over a minute does."""
        if facts.state == EndpointState.GONE and reason is not None:
            return  # a removed playlist is not a flaky one
        polls = self._polls
        explained = reason is not None and any(self.al.active(code) for code in IN_A_ROW_CODES)
        polls.append((rec.sent_mono, reason, explained))
        while polls and polls[0][0] < rec.sent_mono - RATE_WINDOW_S:
            polls.popleft()
        reasons = Counter(r for _, r, told in polls if r is not None and not told)
        failures = sum(reasons.values())
        rate = failures / len(polls)
        if failures >= RATE_MIN_FAILURES and len(polls) >= RATE_MIN_POLLS and rate >= RATE_THRESHOLD:
            text = ", ".join(f"{n} x {r}" for r, n in reasons.most_common(4))
            evidence = {
                "failures": failures,
                "polls": len(polls),
                "window_s": RATE_WINDOW_S,
                "rate_pct": round(100 * rate, 1),
                "reasons": text,
                "by_reason": dict(reasons),
            }
            self.al.fire(facts.at, "failure_rate", evidence)
        else:
            self.al.clear(facts.at, "failure_rate", hold_s=RATE_HOLD_S)

    def _headers(self, facts: Facts, rec: RequestRecord) -> None:
        at, td = facts.at, facts.target_duration
        ctype = media_type(rec)
        if ctype not in PLAYLIST_TYPES:
            self.al.fire(at, "content_type", {"content_type": ctype or "no Content-Type", "url": rec.url})
        else:
            self.al.clear(at, "content_type")
        if "access-control-allow-origin" not in rec.headers:
            s3 = rec.headers.get("server", "").lower().startswith("amazons3")
            evidence = {"url": rec.url, "origin": PLAYER_ORIGIN, "headers": dict(rec.headers)}
            self.al.fire(at, "cors", evidence, variant="s3" if s3 else None)
        else:
            self.al.clear(at, "cors")
        if facts.is_cdn:
            return  # what the edge sends to players is the CDN's business; the origin's header is checked there
        life = cache_lifetime_s(rec.headers.get("cache-control"))
        limit = (td or 2.0) / 2
        if life is not None and life > limit:
            # Up to one TD is a design choice (MediaMTX sends such a max-age): a copy at most one segment late.
            within_td = life <= (td or 2.0)
            evidence = {
                "cache_control": rec.headers.get("cache-control") or "absent",
                "limit_s": limit,
                "target_duration": td,
            }
            self.al.fire(at, "cacheable_playlist", evidence, variant="within_td" if within_td else None)
        else:
            self.al.clear(at, "cacheable_playlist")

    def on_segment(self, facts: Facts, rec: RequestRecord) -> None:
        if rec.status != 200:
            return
        ctype = media_type(rec)
        if ctype and not ctype.startswith(SEGMENT_TYPES_OK):
            evidence = {"content_type": ctype, "url": rec.url}
            self.al.fire(facts.at, "content_type", evidence, key="segment", variant="segment")
        elif ctype:
            self.al.clear(facts.at, "content_type", key="segment")

    def on_loop(self, facts: Facts, late_s: float) -> None:
        """The poller's own lateness (self-health)."""
        if late_s > LATE_S:
            self.al.fire(facts.at, "monitor_late", {"late_s": round(late_s, 3)})
        else:
            self.al.clear(facts.at, "monitor_late", hold_s=LATE_HOLD_S)
