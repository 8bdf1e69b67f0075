"""QSettings in one place: a registry of typed options, user preferences under ``settings/``, window
state under ``state/``. Tests and ``--config-file`` use an INI file of their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORG = "hlsmon"
APP = "hlsmon"
SCHEMA_VERSION = 1
MAX_RECENT = 12
ENV_SETTINGS_FILE = "HLSMON_SETTINGS_FILE"


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    type: type
    help: str


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("settings/recent_urls", [], list, "recently opened playlist URLs (newest first)"),
        Option("settings/recent_cdn_urls", [], list, "recently used CDN URLs"),
        Option("settings/last_url", "", str, "last origin URL"),
        Option("settings/last_cdn", "", str, "last CDN URL"),
        Option("settings/profile", "auto", str, "server profile (auto = fingerprint)"),
        Option("settings/follow_span_s", 120.0, float, "seconds shown when following live"),
        Option("settings/redraw_ms", 500, int, "chart redraw interval (ms)"),
        Option("settings/theme", "system", str, "system | light | dark"),
        Option("settings/layout", "operator", str, "window layout preset: operator | player | charts"),
        Option("settings/record_dir", "", str, "folder for session files (empty: user data dir)"),
        Option("settings/session_keep_days", 7.0, float, "remove recorded sessions older than this (days)"),
        Option("settings/session_keep_gb", 2.0, float, "keep recorded sessions within this total size (GB)"),
        Option("settings/download_segments", False, bool, "download each new segment (bitrate, TTFB)"),
        Option("settings/analyse_content", True, bool,
               "read what each new segment contains: keyframe interval, frozen/black picture, silence, bit rate"),
        Option("settings/notify", True, bool, "tray notification when a stream goes live or ends"),
        Option("settings/player_target_s", 0.0, float, "player's live-edge target latency (0 = automatic)"),
        Option("settings/player_path", "feed", str, "feed (hlsmon's live-edge feed) | vlc (VLC's own HLS client)"),
        Option("settings/stream_server", "rtmp://127.0.0.1/live", str, "stream-key helper: server"),
        Option("settings/stream_http", "http://127.0.0.1:8080/hls", str, "stream-key helper: HLS base"),
        Option("settings/stream_key", "test", str, "stream-key helper: key"),
    )
}


class Settings:
    """Typed access to QSettings. ``path`` (or $HLSMON_SETTINGS_FILE) selects an INI file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        path = path or os.environ.get(ENV_SETTINGS_FILE)
        if path:
            self.qs = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qs = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)
        self._upgrade()

    def _upgrade(self) -> None:
        version = int(self.qs.value("schema_version", 0) or 0)
        if version < SCHEMA_VERSION:
            self.qs.setValue("schema_version", SCHEMA_VERSION)

    def get(self, key: str) -> Any:
        opt = OPTIONS[key]
        raw = self.qs.value(key, opt.default)
        if opt.type is list:
            if raw is None or raw == "":
                return []
            return [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if opt.type is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        try:
            return opt.type(raw)
        except (TypeError, ValueError):
            return opt.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        self.qs.setValue(key, value)

    def add_recent(self, url: str, key: str = "settings/recent_urls") -> list[str]:
        url = url.strip()
        if not url:
            return self.get(key)
        urls = [url, *[u for u in self.get(key) if u != url]][:MAX_RECENT]
        self.set(key, urls)
        return urls

    def state(self, name: str) -> QByteArray | None:
        value = self.qs.value(f"state/{name}")
        return value if isinstance(value, QByteArray) else None

    def set_state(self, name: str, value: QByteArray) -> None:
        self.qs.setValue(f"state/{name}", value)

    def sync(self) -> None:
        self.qs.sync()

    @property
    def file_name(self) -> str:
        return self.qs.fileName()
