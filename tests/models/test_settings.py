"""The settings tables (monitor/models/settings.py): declared once, strict, and written back as parsed."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.models import SERVER_SETTINGS, SettingError, profile_for
from monitor.models.profiles import PROFILE_CLASSES, PROFILE_NAMES
from monitor.models.settings import FlagSet, Nested, Setting, fields_for
from monitor.models.settings_cli import settings_from_items
from monitor.models.settings_doc import DOC_PATH, render

NMS_TUTORIAL = "[hls_time=1:hls_list_size=100:hls_flags=delete_segments]"


def _rows(name: str) -> list[Setting]:
    rows = list(SERVER_SETTINGS[name])
    return rows + [i for s in rows if isinstance(s.kind, Nested) for i in s.kind.inner]


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_profile_has_a_table_whose_fields_are_model_fields(name: str) -> None:
    model_fields = {f.name for f in dataclasses.fields(PROFILE_CLASSES[name])}
    for setting in _rows(name):
        if isinstance(setting.kind, Nested):
            continue
        fed = setting.kind.feeds.values() if isinstance(setting.kind, FlagSet) else [setting.field]
        assert set(fed) <= model_fields, setting.key


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_table_defaults_are_the_models_defaults(name: str) -> None:
    """One set of defaults: a profile built from nothing is the model class's own default."""
    assert profile_for(name, {}) == PROFILE_CLASSES[name]()
    assert profile_for(name, {s.key: s.default for s in SERVER_SETTINGS[name]}) == PROFILE_CLASSES[name]()


def test_nms_hls_flags_are_parsed_into_the_ffmpeg_fields() -> None:
    profile = profile_for("nms", {"hlsFlags": NMS_TUTORIAL, "keyint": "2"})
    assert (profile.hls_time, profile.list_size, profile.delete_segments) == (1.0, 100, True)  # type: ignore[attr-defined]
    assert profile.predict().window_s == pytest.approx(200)  # 100 entries of 2 s (keyframes every 2 s)


@pytest.mark.parametrize(
    ("name", "settings", "words"),
    [
        ("nms", {"hls_time": "2"}, "set inside hlsFlags for nms"),
        ("nms", {"hls_fragment": "2s"}, "a setting of nginx-rtmp, srs, not of nms"),
        ("ffmpeg", {"hls_playlist_length": "6s"}, "a setting of nginx-rtmp, not of ffmpeg"),
        ("nginx-rtmp", {"hls_fragmnet": "2s"}, "unknown setting 'hls_fragmnet' for nginx-rtmp"),
        ("nginx-rtmp", {"hls_fragment": "1.5s"}, "1500ms"),
        ("ffmpeg", {"hls_flags": "delete_segment"}, "unknown flag(s) delete_segment"),
        ("ffmpeg", {"hls_list_size": "3.5"}, "bad value '3.5' for hls_list_size"),
        ("ffmpeg", {"hls_delete_threshold": "0"}, "at least 1"),
        ("nms", {"hlsFlags": "[hls_tim=2]"}, "unknown option 'hls_tim'"),
        ("mediamtx", {"hlsVariant": "ll"}, "not one of mpegts, fmp4, lowLatency"),
    ],
)
def test_refused_settings_name_the_valid_keys(name: str, settings: dict[str, str], words: str) -> None:
    with pytest.raises(SettingError) as refused:
        profile_for(name, settings)
    message = str(refused.value)
    assert words in message
    assert f"{name} settings: " in message and all(s.key in message for s in SERVER_SETTINGS[name])


def test_set_items_keep_brackets_and_refuse_a_bare_key() -> None:
    assert settings_from_items(["hlsFlags=[hls_time=2:hls_list_size=3]", "keyint=2", "keyint=4"]) == {
        "hlsFlags": "[hls_time=2:hls_list_size=3]",
        "keyint": "4",
    }
    with pytest.raises(SettingError, match="KEY=VALUE"):
        settings_from_items(["hls_fragment"])


@given(
    st.dictionaries(
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=30).map(str.strip),
        max_size=6,
    )
)
def test_set_items_round_trip(settings: dict[str, str]) -> None:
    assert settings_from_items([f"{k}={v}" for k, v in settings.items()]) == settings


@given(ms=st.integers(min_value=0, max_value=10_000_000))
def test_nginx_times_are_written_back_as_nginx_reads_them(ms: int) -> None:
    kind = SERVER_SETTINGS["nginx-rtmp"][0].kind
    assert kind.parse(kind.write(ms)) == ms


@given(
    hls_time=st.integers(min_value=1, max_value=60),
    size=st.integers(min_value=0, max_value=1000),
    flags=st.sets(st.sampled_from(["delete_segments", "omit_endlist", "program_date_time", "temp_file"])),
    threshold=st.integers(min_value=1, max_value=20),
)
def test_nms_hls_flags_round_trip(hls_time: int, size: int, flags: set[str], threshold: int) -> None:
    inner = {"hls_time": str(hls_time), "hls_list_size": str(size), "hls_delete_threshold": str(threshold)}
    if flags:
        inner["hls_flags"] = "+".join(sorted(flags))
    text = "[" + ":".join(f"{k}={v}" for k, v in inner.items()) + "]"
    kind = SERVER_SETTINGS["nms"][0].kind
    assert isinstance(kind, Nested)
    again = kind.text(text)
    assert profile_for("nms", {"hlsFlags": again}) == profile_for("nms", {"hlsFlags": text})
    assert fields_for("nms", {"hlsFlags": text})["delete_segments"] == ("delete_segments" in flags)


def test_the_docs_table_is_generated_from_the_tables() -> None:
    """docs/server-settings.md is regenerated with `python -m monitor.models.settings_doc`."""
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m monitor.models.settings_doc"
    for name in PROFILE_NAMES:
        assert all(f"`{s.key}`" in render() for s in _rows(name))
