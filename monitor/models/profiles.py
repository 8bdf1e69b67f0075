"""Profile registry: ``profile_for(name, settings)`` and the deprecated ``NAME:key=value,...`` spec syntax."""

from __future__ import annotations

from collections.abc import Mapping

from monitor.models.base import ServerProfile
from monitor.models.ffmpeg import FfmpegProfile, NmsProfile
from monitor.models.nginx import NginxRtmpProfile
from monitor.models.others import GenericProfile, MediaMtxProfile, SrsProfile
from monitor.models.settings import fields_for

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

#: The model class of each profile; its settings are declared in ``monitor.models.settings``.
PROFILE_CLASSES: dict[str, type[ServerProfile]] = {
    "nginx-rtmp": NginxRtmpProfile,
    "ffmpeg": FfmpegProfile,
    "nms": NmsProfile,
    "srs": SrsProfile,
    "mediamtx": MediaMtxProfile,
    "generic": GenericProfile,
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

    An empty value means "not set" (the server's default applies). Raises ValueError for an unknown profile
    and ``SettingError`` (a ValueError) for a key the profile does not have or a value that does not parse.
    """
    canonical = canonical_name(name)
    return PROFILE_CLASSES[canonical](**fields_for(canonical, settings or {}))


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
