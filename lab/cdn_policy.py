"""CloudFront managed cache policies as data, and the edge TTL rule the Varnish VCL implements.

Pure (no I/O): ``edge_ttl()`` mirrors ``lab/cdn.vcl`` line by line so unit tests can pin the table from
servers.md §4.1/§4.2/§4.4 and lab tests can compare the real edge against it.

- CachingOptimized: TTL min 1 s, default 86 400 s, max 31 536 000 s; origin ``s-maxage`` > ``max-age`` >
  ``Expires`` are honoured within [min, max]; ``no-cache``/``no-store``/``private`` still cached for min.
- CachingDisabled: never stored (``return (pass)``).
- Elemental-MediaPackage: min 0, so ``no-cache`` & co. are honoured (not stored) and ``max-age=0`` means
  stored but revalidated on every request.
- tutorial-fix (the tutorial's two behaviours): ``*.m3u8`` → CachingDisabled, everything else →
  Elemental-MediaPackage.
- Errors: 404, 405, 414, 500–504 are cached for max(10 s, origin max-age); 400, 403, 412, 415 only
  when the origin sends max-age/s-maxage.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

ERROR_CACHING_MIN_TTL = 10.0
ALWAYS_CACHED_ERRORS = frozenset({404, 405, 414, 500, 501, 502, 503, 504})
CACHED_IF_MAX_AGE_ERRORS = frozenset({400, 403, 412, 415})

_S_MAXAGE = re.compile(r"(?i)s-maxage\s*=\s*\"?([0-9]+)")
_MAX_AGE = re.compile(r"(?i)(?:^|[,\s])max-age\s*=\s*\"?([0-9]+)")
_NO_STORE = re.compile(r"(?i)no-cache|no-store|private")


@dataclass(frozen=True)
class CachePolicy:
    name: str
    min_ttl: float
    default_ttl: float
    max_ttl: float
    enabled: bool = True
    key_on_origin_header: bool = False  # Elemental-MediaPackage keys (and forwards) on Origin


CACHING_OPTIMIZED = CachePolicy("caching-optimized", 1, 86_400, 31_536_000)
CACHING_DISABLED = CachePolicy("caching-disabled", 0, 0, 0, enabled=False)
ELEMENTAL_MEDIAPACKAGE = CachePolicy("elemental-mediapackage", 0, 86_400, 31_536_000, key_on_origin_header=True)

MANAGED = {p.name: p for p in (CACHING_OPTIMIZED, CACHING_DISABLED, ELEMENTAL_MEDIAPACKAGE)}

# A distribution's behaviours: (path regex, policy) checked in order, like CloudFront's precedence list.
Behaviours = tuple[tuple[str, CachePolicy], ...]

DISTRIBUTIONS: dict[str, Behaviours] = {
    "caching-optimized": ((r".*", CACHING_OPTIMIZED),),
    "caching-disabled": ((r".*", CACHING_DISABLED),),
    "elemental-mediapackage": ((r".*", ELEMENTAL_MEDIAPACKAGE),),
    "tutorial-fix": ((r"\.m3u8$", CACHING_DISABLED), (r".*", ELEMENTAL_MEDIAPACKAGE)),
}
POLICY_NAMES = tuple(DISTRIBUTIONS)


def behaviours(distribution: str) -> Behaviours:
    try:
        return DISTRIBUTIONS[distribution]
    except KeyError:
        raise ValueError(f"unknown CDN policy {distribution!r}; choose one of {', '.join(POLICY_NAMES)}") from None


def policy_for_path(distribution: str, path: str) -> CachePolicy:
    """The cache policy of the first behaviour whose pattern matches the path (query string ignored)."""
    bare = path.split("?", 1)[0]
    for pattern, policy in behaviours(distribution):
        if re.search(pattern, bare):
            return policy
    raise AssertionError("the last behaviour matches everything")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def origin_max_age(headers: Mapping[str, str]) -> float | None:
    """``s-maxage`` (wins for a shared cache), else ``max-age``, in seconds; None when absent."""
    cc = _header(headers, "Cache-Control") or ""
    for pattern in (_S_MAXAGE, _MAX_AGE):
        match = pattern.search(cc)
        if match:
            return float(match.group(1))
    return None


def origin_expires(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until ``Expires`` (relative to ``Date`` when given, else ``now``); None when absent."""
    expires = _header(headers, "Expires")
    if expires is None:
        return None
    try:
        at = email.utils.parsedate_to_datetime(expires).timestamp()
    except (TypeError, ValueError):
        return 0.0  # an invalid Expires means "already expired"
    date = _header(headers, "Date")
    base = now
    if date:
        try:
            base = email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            base = now
    return max(0.0, at - base)


def clamp(value: float, policy: CachePolicy) -> float:
    return min(max(value, policy.min_ttl), policy.max_ttl)


def edge_ttl(policy: CachePolicy, status: int, headers: Mapping[str, str], now: float = 0.0) -> float | None:
    """Seconds the edge keeps a response fresh, or None when it does not store it at all.

    0 means stored but stale at once: every request revalidates (RefreshHit on 304).
    """
    if not policy.enabled:
        return None
    max_age = origin_max_age(headers)
    if status in ALWAYS_CACHED_ERRORS:
        return max(ERROR_CACHING_MIN_TTL, max_age or 0.0)
    if status in CACHED_IF_MAX_AGE_ERRORS:
        return max_age
    if status >= 400:
        return None
    cc = _header(headers, "Cache-Control") or ""
    if _NO_STORE.search(cc):
        return policy.min_ttl if policy.min_ttl > 0 else None
    if max_age is not None:
        return clamp(max_age, policy)
    expires = origin_expires(headers, now)
    if expires is not None:
        return clamp(expires, policy)
    return clamp(policy.default_ttl, policy)
