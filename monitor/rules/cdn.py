"""CDN rules: the signs of a cache, a stale copy, a playlist behind the origin, old or truncated copies."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.records import PlaylistSnapshot, RequestRecord, SegmentLifecycle
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

OLD_COPY_SLACK_S = 2.0  # Age is whole seconds; an upload or a CDN fetch may precede the listing a little
#: Response headers only a cache or a CDN sends (lower case); a prefix ends with "*".
CDN_SIGN_HEADERS: tuple[str, ...] = (
    "age",
    "x-cache",
    "x-cache-hits",
    "x-cache-status",
    "cf-cache-status",
    "cf-ray",
    "x-served-by",
    "x-amz-cf-*",
    "akamai-cache-status",
    "x-akamai-request-id",
    "cdn-cache",
    "x-edge-location",
    "via",
)


def cdn_signs(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of a response that say a cache served it."""
    out = {}
    for name, value in headers.items():
        low = name.lower()
        if any(low == s or (s.endswith("*") and low.startswith(s[:-1])) for s in CDN_SIGN_HEADERS):
            out[low] = value
    return out


def cache_word(signs: Mapping[str, str]) -> str:
    """The cache verdict ("Hit", "Miss"...) as the edge says it, for the message."""
    for name in ("x-cache", "cf-cache-status", "x-cache-status", "akamai-cache-status"):
        if name in signs:
            return signs[name]
    return "cached"


def is_hit(signs: Mapping[str, str]) -> bool:
    text = " ".join(signs.get(n, "") for n in ("x-cache", "cf-cache-status", "x-cache-status", "akamai-cache-status"))
    return "hit" in text.lower() or "stale" in text.lower()


class CdnRules:
    def __init__(self, alerter: Alerter) -> None:
        self.al = alerter

    def behind_reference(
        self, facts: Facts, cdn: PlaylistSnapshot, origin_first_seen_hi: float | None, reference: str
    ) -> None:
        """The origin listed the CDN's next segment more than one TD ago: the CDN serves a stale playlist."""
        td = cdn.target_duration or 2.0
        lag = None if origin_first_seen_hi is None else cdn.fetched.lo - origin_first_seen_hi
        if lag is None or lag <= td or facts.uncertain:
            self.al.clear(facts.at, "stale_cdn_playlist", hold_s=0.0)
            return
        evidence = {
            "cdn_last_msn": cdn.last_msn,
            "behind_s": round(lag, 3),
            "age": "?" if cdn.age_s is None else f"{cdn.age_s:g}",
            "cache": cache_word(facts.cdn_signs),
            "reference": reference,
            "target_duration": td,
        }
        self.al.fire(facts.at, "stale_cdn_playlist", evidence)

    def old_copy(self, facts: Facts, life: SegmentLifecycle, rec: RequestRecord) -> None:
        """A CDN answering with a copy older than the segment itself (``Age`` > time listed + EXTINF): the URL
        was reused by a restart and the edge still serves the previous session's bytes. The validators the
        edge returns are the old ones too, so the validator check cannot see it behind a CDN."""
        if not facts.is_cdn or rec.status not in (200, 206) or life.initial:
            return  # first_seen of an initial segment is only an upper bound: it may be older than the monitor
        try:
            age = float(rec.headers.get("age", ""))
        except ValueError:
            return
        listed_s = rec.sent_mono - life.first_seen.lo
        key = f"old_copy:{life.generation}"
        if age <= listed_s + life.extinf + OLD_COPY_SLACK_S:
            self.al.clear(facts.at, "uri_reused", key=key)
            return
        evidence = {
            "url": rec.url,
            "name": rec.url.rsplit("/", 1)[-1].split("?", 1)[0],
            "msn": life.msn,
            "age_s": age,
            "listed_s": round(listed_s, 3),
            "x_cache": rec.headers.get("x-cache"),
            "etag": rec.headers.get("etag"),
            "generation": life.generation,
        }
        self.al.fire(facts.at, "uri_reused", evidence, key=key, variant="old_copy", msn=life.msn)

    def size(self, facts: Facts, life: SegmentLifecycle, size: int, reference_size: int, reference: str) -> None:
        """The same segment (generation, msn) has another size here than at the reference endpoint: a
        truncated copy (uploaded while the origin was still writing it) or another session's bytes."""
        key = str(life.generation)
        if size == reference_size:
            self.al.clear(facts.at, "segment_differs", key=key)
            return
        evidence = {
            "msn": life.msn,
            "url": life.uri,
            "name": life.uri.rsplit("/", 1)[-1].split("?", 1)[0],
            "size": size,
            "reference_size": reference_size,
            "reference": reference,
            "how": "truncated" if size < reference_size else "different",
        }
        self.al.fire(facts.at, "segment_differs", evidence, key=key, msn=life.msn)
