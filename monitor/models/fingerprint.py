"""Guess the origin server from a media playlist and its response headers (servers.md §7 fingerprints)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from monitor.records import Fingerprint, PlaylistSnapshot

_TAG = re.compile(r"^#(EXT[-A-Z]*)", re.MULTILINE)
_EXTINF = re.compile(r"^#EXTINF:(-?\d+)(?:\.(\d+))?,(.*)$", re.MULTILINE)
_URI = re.compile(r"^(?!#)(\S+)$", re.MULTILINE)


def _text_features(text: str) -> dict[str, object]:
    tags = list(dict.fromkeys(_TAG.findall(text)))
    infs = _EXTINF.findall(text)
    return {
        "tags": tags,
        "decimals": {len(frac) for _, frac, _ in infs},
        "titles": {title.strip() for _, _, title in infs},
        "uris": [u.split("?")[0].rsplit("/", 1)[-1] for u in _URI.findall(text)],
        "queries": [u for u in _URI.findall(text) if "?" in u],
        "text": text,
    }


def _snapshot_features(snapshot: PlaylistSnapshot) -> dict[str, object]:
    tags = [t.lstrip("#") for t in snapshot.header_order]
    segments = snapshot.segments
    if any(s.pdt for s in segments):
        tags.append("EXT-X-PROGRAM-DATE-TIME")
    return {
        "tags": tags,
        "decimals": set(),
        "titles": {s.title.strip() for s in segments},
        "uris": [s.uri.split("?")[0].rsplit("/", 1)[-1] for s in segments],
        "queries": [s.uri for s in segments if "?" in s.uri],
        "text": "",
    }


def _order(tags: list[str], first: str, second: str) -> bool:
    return first in tags and second in tags and tags.index(first) < tags.index(second)


def _score(features: dict[str, object], headers: Mapping[str, str]) -> dict[str, list[str]]:
    tags: list[str] = features["tags"]  # type: ignore[assignment]
    decimals: set[int] = features["decimals"]  # type: ignore[assignment]
    titles: set[str] = features["titles"]  # type: ignore[assignment]
    uris: list[str] = features["uris"]  # type: ignore[assignment]
    queries: list[str] = features["queries"]  # type: ignore[assignment]
    h = {k.lower(): v for k, v in headers.items()}
    server, etag = h.get("server", "").lower(), h.get("etag", "")
    why: dict[str, list[str]] = {n: [] for n in ("nginx-rtmp", "ffmpeg", "nms", "srs", "mediamtx")}

    if _order(tags, "EXT-X-MEDIA-SEQUENCE", "EXT-X-TARGETDURATION"):
        why["nginx-rtmp"] += ["MEDIA-SEQUENCE before TARGETDURATION"] * 2
    if _order(tags, "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE"):
        why["ffmpeg"] += ["TARGETDURATION before MEDIA-SEQUENCE"] * 2
    if decimals == {3} and titles <= {""}:
        why["nginx-rtmp"] += ["EXTINF with 3 decimals and no title"] * 2
    if decimals == {6}:
        why["ffmpeg"] += ["EXTINF with 6 decimals (%f)"] * 2
    if "no desc" in titles:
        why["srs"] += ["EXTINF title 'no desc'"] * 4
    if any("hls_ctx=" in q for q in queries):
        why["srs"] += ["hls_ctx query on URIs"] * 3
    if uris and all(re.fullmatch(r".+-\d+\.ts", u) or re.fullmatch(r"\d+\.ts", u) for u in uris):
        why["nginx-rtmp"].append(f"names like {uris[-1]}")
        why["srs"].append(f"names like {uris[-1]}")
    if uris and all(re.fullmatch(r"[A-Za-z_]*\D\d+\.ts", u) and "-" not in u for u in uris):
        why["ffmpeg"].append(f"names like {uris[-1]}")
    if uris and all(re.fullmatch(r"[0-9a-f]{12}_.*seg\d+\.(ts|mp4)", u) for u in uris):
        why["mediamtx"] += [f"names like {uris[-1]} (random prefix, seg<N>)"] * 4
    if "EXT-X-ALLOW-CACHE" in tags and "EXT-X-PROGRAM-DATE-TIME" in tags:
        why["mediamtx"].append("ALLOW-CACHE and PROGRAM-DATE-TIME on every segment")
    if "EXT-X-PART" in tags or "EXT-X-SERVER-CONTROL" in tags:
        why["mediamtx"].append("LL-HLS tags (PART/SERVER-CONTROL)")
    if re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', etag) and (not server or server.startswith("nginx")):
        why["nginx-rtmp"] += ["nginx-style ETag"] * 2
    if server.startswith("nginx"):
        why["nginx-rtmp"].append("Server: nginx")
    if server.startswith("srs") or "srs/" in server:
        why["srs"] += [f"Server: {h['server']}"] * 3
    if "mediamtx" in server:
        why["mediamtx"] += [f"Server: {h['server']}"] * 3
    nms_headers = []
    if etag.startswith('W/"'):
        nms_headers.append("Express weak ETag")
    if h.get("cache-control", "").replace(" ", "").lower() == "public,max-age=0":
        nms_headers.append("Cache-Control: public, max-age=0")
    if h.get("x-powered-by", "").lower() == "express" or h.get("access-control-allow-credentials") == "true":
        nms_headers.append("Express/NMS CORS headers")
    if nms_headers and why["ffmpeg"]:
        why["nms"] = [*why["ffmpeg"], *nms_headers, *nms_headers]
    return why


def _phrase(reasons: list[str]) -> str:
    return ", ".join(dict.fromkeys(reasons))


def fingerprint(playlist: str | PlaylistSnapshot, headers: Mapping[str, str] | None = None) -> Fingerprint:
    """Guess the server behind a media playlist (text, or a ``PlaylistSnapshot``) and its headers.

    Returns the best profile name and the reason in words; ``generic`` when nothing is conclusive.
    """
    features = _text_features(playlist) if isinstance(playlist, str) else _snapshot_features(playlist)
    why = _score(features, headers or {})
    best = max(why, key=lambda n: len(why[n]))
    score = len(why[best])
    if score < 2:
        return Fingerprint(name="generic", reason="no server-specific format or header found; judging by the spec only")
    label = {"nms": "ffmpeg (Node-Media-Server 2.x)"}.get(best, best)
    return Fingerprint(name=best, reason=f"looks like {label}: {_phrase(why[best])}")
