"""Every server setting the models understand, declared once: one table per profile, each row in the server's
own syntax with its value type (a parser from ``units``), its default, its help and the model field it feeds.

``profile_for`` builds a profile from these tables; ``hlsmon probe/plan/gui --set`` checks against them; the
window's profile form and ``docs/server-settings.md`` are generated from them. A key the profile does not
have, or a value its parser refuses, is a :class:`SettingError` naming the profile's valid keys: no setting is
ever dropped for a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from monitor.models.units import count, ffmpeg_duration_s, flag, go_duration_s, nginx_time_ms, number, seconds


class SettingError(ValueError):
    """A setting that cannot be used as given; the message says why and lists the valid keys."""


@dataclass(frozen=True)
class Kind:
    """A value type in a server's own syntax: parses text (or a Python value) into the model's value and
    writes a model value back as the server would (``2s``, ``on``, ``delete_segments+omit_endlist``)."""

    label: str  # for help texts: "nginx time: 2s, 1500ms, 1m"
    reader: Callable[[object], object]
    writer: Callable[[object], str] = str
    widget: str = "text"  # the form's editor: text, bool, choice
    choices: tuple[str, ...] = ()

    def parse(self, value: object) -> object:
        return self.reader(value)

    def write(self, parsed: object) -> str:
        return self.writer(parsed)

    def text(self, value: object) -> str:
        """``value`` (text or Python) as the server writes it."""
        return self.write(self.parse(value))

    def unset(self) -> object | None:
        """The parsed value of an empty setting (None: not set, the model's default applies)."""
        return None

    def fields(self, name: str, parsed: object) -> dict[str, object]:
        return {name: parsed}


def _nginx_text(ms: object) -> str:
    assert isinstance(ms, int)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _go_text(s: object) -> str:
    assert isinstance(s, float)
    if 0 < s < 1 and abs(s * 1000 - round(s * 1000)) < 1e-6:
        return f"{round(s * 1000)}ms"
    return f"{s:g}s"


def _choice(*values: str) -> Kind:
    def read(value: object) -> str:
        text = str(value).strip()
        for choice in values:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"{text!r} is not one of {', '.join(values)}")

    return Kind(label=" | ".join(values), reader=read, widget="choice", choices=values)


def _at_least(minimum: int) -> Callable[[object], object]:
    def read(value: object) -> int:
        n = count(value)  # type: ignore[arg-type]
        if n < minimum:
            raise ValueError(f"must be at least {minimum}")
        return n

    return read


NGINX_TIME = Kind("nginx time: 2, 2s, 1500ms, 1m (no fractions)", nginx_time_ms, _nginx_text)  # type: ignore[arg-type]
FFMPEG_DURATION = Kind("ffmpeg duration: 2, 1.5, 500ms", ffmpeg_duration_s, lambda s: f"{s:g}")  # type: ignore[arg-type]
GO_DURATION = Kind("Go duration: 1s, 500ms, 1.5s", go_duration_s, _go_text)  # type: ignore[arg-type]
SECONDS = Kind("seconds: 2, 0.5", seconds, lambda s: f"{s:g}")  # type: ignore[arg-type]
NUMBER = Kind("number: 10, 1.5", number, lambda s: f"{s:g}")  # type: ignore[arg-type]
COUNT = Kind("whole number", count)  # type: ignore[arg-type]
AT_LEAST_ONE = Kind("whole number >= 1", _at_least(1))
ON_OFF = Kind("on | off", flag, lambda b: "on" if b else "off", widget="bool")  # type: ignore[arg-type]
TRUE_FALSE = Kind("true | false", flag, lambda b: "true" if b else "false", widget="bool")  # type: ignore[arg-type]


@dataclass(frozen=True)
class FlagSet(Kind):
    """FFmpeg's ``hls_flags``: names joined by ``+``; the ones in ``feeds`` switch a model field on."""

    feeds: Mapping[str, str] = field(default_factory=dict)  # flag -> bool field

    def parse(self, value: object) -> object:
        names = frozenset(filter(None, re.split(r"[+\s]+", str(value).strip())))
        unknown = sorted(names - set(self.choices))
        if unknown:
            raise ValueError(f"unknown flag(s) {', '.join(unknown)}; ffmpeg knows {', '.join(self.choices)}")
        return names

    def write(self, parsed: object) -> str:
        return "+".join(name for name in self.choices if name in parsed)  # type: ignore[operator]

    def unset(self) -> object | None:
        return frozenset()

    def fields(self, name: str, parsed: object) -> dict[str, object]:
        return {f: flag_name in parsed for flag_name, f in self.feeds.items()}  # type: ignore[operator]


@dataclass(frozen=True)
class Nested(Kind):
    """Node-Media-Server's ``hlsFlags``: ffmpeg options ``[key=value:key=value]`` from an inner table."""

    inner: tuple[Setting, ...] = ()

    def parse(self, value: object) -> object:
        text = str(value).strip()
        if text.startswith("[") != text.endswith("]"):
            raise ValueError(f"{text!r}: write the options in brackets, [hls_time=2:hls_list_size=3]")
        options: dict[str, object] = {}
        for item in filter(None, text.strip("[]").split(":")):
            key, sep, raw = item.partition("=")
            if not sep:
                raise ValueError(f"{item!r} is not key=value")
            setting = find(self.inner, key)
            if setting is None:
                raise ValueError(f"unknown option {key.strip()!r}; hlsFlags takes {', '.join(keys(self.inner))}")
            options[setting.key] = parse_value(setting, raw)
        return options

    def write(self, parsed: object) -> str:
        options = dict(parsed)  # type: ignore[call-overload]
        return "[" + ":".join(f"{s.key}={s.kind.write(options[s.key])}" for s in self.inner if s.key in options) + "]"

    def split(self, value: object) -> dict[str, str]:
        """The inner options of ``value`` as text, by key (for the form's editors)."""
        options = dict(self.parse(value))  # type: ignore[call-overload]
        return {s.key: s.kind.write(options[s.key]) for s in self.inner if s.key in options}

    def unset(self) -> object | None:
        return {}

    def fields(self, name: str, parsed: object) -> dict[str, object]:
        return resolve(self.inner, dict(parsed))  # type: ignore[call-overload]


@dataclass(frozen=True)
class Setting:
    """One setting: ``key`` in the server's syntax, read by ``kind`` into the model field ``field``."""

    key: str
    kind: Kind
    default: str  # in the server's syntax; "" = not set (help says what applies)
    help: str
    field: str  # the profile dataclass field it feeds ("" when the kind feeds several)


def norm(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def find(table: tuple[Setting, ...], key: str) -> Setting | None:
    wanted = norm(key)
    return next((s for s in table if norm(s.key) == wanted), None)


def keys(table: tuple[Setting, ...]) -> list[str]:
    return [s.key for s in table]


def parse_value(setting: Setting, value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return setting.kind.unset()
    try:
        return setting.kind.parse(value)
    except ValueError as exc:
        raise ValueError(f"bad value {value!r} for {setting.key} ({setting.kind.label}): {exc}") from None


def resolve(table: tuple[Setting, ...], given: Mapping[str, object]) -> dict[str, object]:
    """Model fields from parsed ``given`` values (by key), the table's defaults filling the rest."""
    fields: dict[str, object] = {}
    for setting in table:
        parsed = given[setting.key] if setting.key in given else parse_value(setting, setting.default)
        if parsed is not None:
            fields.update(setting.kind.fields(setting.field, parsed))
    return fields


# ---- the tables ------------------------------------------------------------------------------------
KEYINT = Setting(
    "keyint",
    SECONDS,
    "",
    "the publisher's keyframe interval in seconds (OBS 'Keyframe Interval'); not set: every cut is on time",
    "keyint_s",
)
FFMPEG_FLAGS = (
    "single_file",
    "temp_file",
    "delete_segments",
    "round_durations",
    "discont_start",
    "omit_endlist",
    "periodic_rekey",
    "independent_segments",
    "iframes_only",
    "split_by_time",
    "append_list",
    "program_date_time",
    "second_level_segment_index",
    "second_level_segment_size",
    "second_level_segment_duration",
)
FFMPEG_OPTIONS = (
    Setting("hls_time", FFMPEG_DURATION, "2", "target segment length in seconds", "hls_time"),
    Setting("hls_list_size", COUNT, "5", "playlist entries (0 = keep every segment)", "list_size"),
    Setting(
        "hls_flags",
        FlagSet(
            "ffmpeg flags joined by +, e.g. delete_segments+program_date_time",
            str,
            widget="text",
            choices=FFMPEG_FLAGS,
            feeds={
                "delete_segments": "delete_segments",
                "omit_endlist": "omit_endlist",
                "program_date_time": "program_date_time",
            },
        ),
        "",
        "delete_segments deletes old segments; omit_endlist, program_date_time change the playlist",
        "",
    ),
    Setting(
        "hls_delete_threshold",
        AT_LEAST_ONE,
        "1",
        "removed segments kept on disk before deletion (with delete_segments)",
        "delete_threshold",
    ),
)

SERVER_SETTINGS: dict[str, tuple[Setting, ...]] = {
    "nginx-rtmp": (
        Setting("hls_fragment", NGINX_TIME, "5s", "segment length F (cut at the next keyframe)", "fragment_ms"),
        Setting("hls_playlist_length", NGINX_TIME, "30s", "playlist length P: P / F entries", "playlist_length_ms"),
        Setting("hls_cleanup", ON_OFF, "on", "the cache manager deletes old segments (2P after closing)", "cleanup"),
        Setting(
            "hls_fragment_naming",
            _choice("sequential", "timestamp", "system"),
            "sequential",
            "segment names: sequential numbers, stream timestamps or wall-clock ids",
            "fragment_naming",
        ),
        Setting("hls_continuous", ON_OFF, "on", "a republish continues the old media sequence", "continuous"),
        Setting(
            "hls_max_fragment",
            NGINX_TIME,
            "",
            "a segment is forced after this long without a keyframe (not set: 10 x hls_fragment)",
            "max_fragment_ms",
        ),
        Setting("hls_fragment_slicing", _choice("plain", "aligned"), "plain", "where cuts fall", "slicing"),
        Setting("hls_type", _choice("live", "event"), "live", "event playlists keep every segment", "hls_type"),
        Setting("hls_nested", ON_OFF, "off", "one folder per stream (KEY/index.m3u8)", "nested"),
        Setting(
            "proxy_cache",
            ON_OFF,
            "off",
            "another cache manager (proxy_cache, fastcgi_cache paths) runs in the same nginx: cleanup every 10 s",
            "other_cache_managers",
        ),
        KEYINT,
    ),
    "ffmpeg": (*FFMPEG_OPTIONS, KEYINT),
    "nms": (
        Setting(
            "hlsFlags",
            Nested("[key=value:...] with " + ", ".join(keys(FFMPEG_OPTIONS)), str, inner=FFMPEG_OPTIONS),
            "",
            "the trans task's ffmpeg options; empty: hls_time 2, hls_list_size 5, no deletion",
            "",
        ),
        Setting("hlsKeep", TRUE_FALSE, "false", "keep the files when the publisher stops", "hls_keep"),
        KEYINT,
    ),
    "srs": (
        Setting("hls_fragment", NUMBER, "10", "segment length in seconds", "fragment"),
        Setting("hls_window", NUMBER, "60", "playlist length in seconds", "window"),
        Setting("hls_td_ratio", NUMBER, "1", "target duration = hls_td_ratio x hls_fragment", "td_ratio"),
        Setting("hls_aof_ratio", NUMBER, "2.1", "pure-audio cut after hls_aof_ratio x hls_fragment", "aof_ratio"),
        Setting("hls_wait_keyframe", ON_OFF, "on", "cut only at keyframes", "wait_keyframe"),
        Setting("hls_cleanup", ON_OFF, "on", "delete segments that leave the playlist", "cleanup"),
        Setting("hls_dispose", NUMBER, "120", "seconds after the stop until everything is deleted", "dispose"),
        KEYINT,
    ),
    "mediamtx": (
        Setting("hlsSegmentDuration", GO_DURATION, "1s", "minimum segment length", "segment_duration"),
        Setting("hlsSegmentCount", COUNT, "7", "playlist entries", "segment_count"),
        Setting("hlsVariant", _choice("mpegts", "fmp4", "lowLatency"), "lowLatency", "HLS variant", "variant"),
        Setting("hlsPartDuration", GO_DURATION, "200ms", "LL-HLS part length (lowLatency)", "part_duration"),
        KEYINT,
    ),
    "generic": (
        Setting("segment_duration", SECONDS, "6", "segment length in seconds (the spec only)", "segment"),
        Setting("entries", COUNT, "5", "playlist entries", "entry_count"),
        KEYINT,
    ),
}


def table(profile: str) -> tuple[Setting, ...]:
    return SERVER_SETTINGS[profile]


def keys_words(profile: str) -> str:
    """``hls_fragment, hls_playlist_length, ...`` (NMS: ``hlsFlags (options hls_time, ... as [key=value:...])``)."""
    words = []
    for s in table(profile):
        if isinstance(s.kind, Nested):
            words.append(f"{s.key} (options {', '.join(keys(s.kind.inner))} as [key=value:...])")
        else:
            words.append(s.key)
    return ", ".join(words)


def _owners(key: str) -> list[str]:
    """Profiles that have ``key`` (NMS also for the ffmpeg options inside hlsFlags)."""
    owners = []
    for name, rows in SERVER_SETTINGS.items():
        inner = [i for s in rows if isinstance(s.kind, Nested) for i in s.kind.inner]
        if find(rows, key) is not None or find(tuple(inner), key) is not None:
            owners.append(name)
    return owners


def check(profile: str, given: Mapping[str, object]) -> dict[str, object]:
    """Parse ``given`` (key -> text or Python value) for ``profile``: parsed values by canonical key.

    Raises SettingError for a key the profile does not have or a value that does not parse."""
    rows = table(profile)
    out: dict[str, object] = {}
    for key, value in given.items():
        setting = find(rows, key)
        if setting is None:
            raise SettingError(_unknown(profile, key))
        try:
            out[setting.key] = parse_value(setting, value)
        except ValueError as exc:
            raise SettingError(f"{exc}. {profile} settings: {keys_words(profile)}") from None
    return out


def _unknown(profile: str, key: str) -> str:
    owners = [o for o in _owners(key) if o != profile]
    valid = f"{profile} settings: {keys_words(profile)}"
    if profile == "nms" and "nms" in _owners(key):
        return f"{key} is an ffmpeg option, set inside hlsFlags for nms: --set 'hlsFlags=[{key}=…]'. {valid}"
    if owners:
        return f"{key} is a setting of {', '.join(owners)}, not of {profile}. {valid}"
    return f"unknown setting {key!r} for {profile}. {valid}"


def fields_for(profile: str, given: Mapping[str, object]) -> dict[str, object]:
    """The model fields of ``profile`` from ``given`` settings, defaults from the table."""
    return resolve(table(profile), check(profile, given))
