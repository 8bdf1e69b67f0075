"""Profile registry: ``profile_for(name, settings)`` and the ``NAME:key=value,...`` spec syntax."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.models.base import ServerProfile
from monitor.models.ffmpeg import FfmpegProfile
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.others import GenericProfile, MediaMtxProfile, SrsProfile

#: Canonical profile names (what ``fingerprint`` returns and ``--profile`` accepts).
PROFILE_NAMES: tuple[str, ...] = ("nginx-rtmp", "ffmpeg", "nms", "srs", "mediamtx", "generic")

_ALIASES = {
    "nginx": "nginx-rtmp",
    "nginx_rtmp": "nginx-rtmp",
    "nginx-rtmp": "nginx-rtmp",
    "ffmpeg": "ffmpeg",
    "ffmpeg-hls": "ffmpeg",
    "hlsenc": "ffmpeg",
    "nms": "nms",
    "node-media-server": "nms",
    "nodemediaserver": "nms",
    "srs": "srs",
    "mediamtx": "mediamtx",
    "rtsp-simple-server": "mediamtx",
    "gohlslib": "mediamtx",
    "generic": "generic",
    "spec": "generic",
    "rfc8216": "generic",
}

#: The settings each profile understands, for help texts and the GUI settings panel (name -> default).
SETTINGS: dict[str, dict[str, str]] = {
    "nginx-rtmp": {
        "hls_fragment": "5s",
        "hls_playlist_length": "30s",
        "hls_cleanup": "on",
        "hls_fragment_naming": "sequential",
        "hls_continuous": "on",
        "keyint": "",
    },
    "ffmpeg": {
        "hls_time": "2",
        "hls_list_size": "5",
        "delete_segments": "off",
        "hls_delete_threshold": "1",
        "keyint": "",
    },
    "nms": {
        "hls_time": "2",
        "hls_list_size": "5",
        "delete_segments": "off",
        "hls_delete_threshold": "1",
        "hlsKeep": "",
        "keyint": "",
    },
    "srs": {"hls_fragment": "10", "hls_window": "60", "hls_cleanup": "on", "hls_dispose": "120", "keyint": ""},
    "mediamtx": {"hlsSegmentDuration": "1s", "hlsSegmentCount": "7", "hlsVariant": "lowLatency", "keyint": ""},
    "generic": {"segment_duration": "6", "entries": "5", "keyint": ""},
}


def canonical_name(name: str) -> str:
    key = name.strip().lower().replace(" ", "-")
    if key not in _ALIASES:
        raise ValueError(f"unknown server profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}")
    return _ALIASES[key]


def profile_for(name: str, settings: Mapping[str, object] | None = None) -> ServerProfile:
    """A profile for server ``name`` with ``settings`` in the server's own names.

    Examples::

        profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s", "keyint": 4})
        profile_for("ffmpeg", {"hls_time": 1, "hls_list_size": 3, "hls_flags": "delete_segments",
                               "hls_delete_threshold": 4})
        profile_for("nms", {"hlsFlags": "[hls_time=2:hls_list_size=3:hls_flags=delete_segments]"})
        profile_for("srs", {"hls_fragment": 2, "hls_window": 10})
        profile_for("mediamtx", {"hlsSegmentDuration": "1s", "hlsSegmentCount": 7})

    Empty-string values are ignored (the server default applies). Raises ValueError on bad values.
    """
    clean = {k: v for k, v in (settings or {}).items() if v is not None and v != ""}
    canonical = canonical_name(name)
    if canonical == "nginx-rtmp":
        return NginxRtmpProfile.from_settings(clean)
    if canonical == "ffmpeg":
        return FfmpegProfile.from_settings(clean)
    if canonical == "nms":
        return FfmpegProfile.from_settings(clean, nms=True)
    if canonical == "srs":
        return SrsProfile.from_settings(clean)
    if canonical == "mediamtx":
        return MediaMtxProfile.from_settings(clean)
    return GenericProfile.from_settings(clean)


def parse_settings(text: str) -> dict[str, str]:
    """``"hls_fragment=2s,hls_playlist_length=6s,keyint=4"`` -> dict (also ``;`` or spaces between items).

    An NMS ``hlsFlags=[hls_time=2:hls_list_size=3:hls_flags=delete_segments]`` value keeps its brackets.
    """
    settings: dict[str, str] = {}
    depth, item = 0, ""
    for char in text.strip() + ",":
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char in ",; " and depth == 0:
            if item.strip():
                key, sep, value = item.partition("=")
                if not sep:
                    raise ValueError(f"setting {item!r} is not key=value")
                settings[key.strip()] = value.strip()
            item = ""
        else:
            item += char
    return settings


def profile_from_spec(spec: str) -> ServerProfile:
    """``"nginx-rtmp:hls_fragment=2s,hls_playlist_length=6s,keyint=4"`` (settings optional)."""
    name, _, rest = spec.partition(":")
    return profile_for(name, parse_settings(rest))
