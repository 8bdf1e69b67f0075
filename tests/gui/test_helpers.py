"""Stream-key helper, settings registry and CLI parsing (no window)."""

from __future__ import annotations

import argparse

import pytest

from gui import cli
from gui.stream_key import build_urls


def test_stream_key_builds_obs_and_playlist_urls():
    urls = build_urls("rtmp://203.0.113.5", "live", "mykey", "http://203.0.113.5:8088/hls")
    assert urls.rtmp_server == "rtmp://203.0.113.5/live"
    assert urls.publish_url == "rtmp://203.0.113.5/live/mykey"
    assert urls.playlist_url == "http://203.0.113.5:8088/hls/mykey.m3u8"
    text = urls.obs_text(keyint_s=2, fragment_s=2)
    assert "Server      : rtmp://203.0.113.5/live" in text and "Stream Key  : mykey" in text


def test_stream_key_takes_the_application_from_the_server_url():
    urls = build_urls("rtmp://host:1935/show/", "", "k", "")
    assert urls.rtmp_server == "rtmp://host:1935/show"
    assert urls.playlist_url == "http://host:8080/hls/k.m3u8"


def test_settings_recent_urls_newest_first_and_unique(tmp_path, qapp):
    from gui.settings import MAX_RECENT, Settings

    s = Settings(tmp_path / "s.ini")
    for i in range(MAX_RECENT + 3):
        s.add_recent(f"http://h/{i}.m3u8")
    s.add_recent("http://h/5.m3u8")
    recent = Settings(tmp_path / "s.ini").get("settings/recent_urls")
    assert recent[0] == "http://h/5.m3u8" and len(recent) == MAX_RECENT and len(set(recent)) == MAX_RECENT
    assert s.get("settings/follow_span_s") == 120.0
    with pytest.raises(KeyError):
        s.set("settings/nope", 1)


def test_cli_parses_url_cdn_profile_and_settings():
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(
        [
            "http://o/x.m3u8",
            "--cdn",
            "http://c/x.m3u8",
            "--profile",
            "nginx-rtmp",
            "--set",
            "hls_fragment=2s",
            "--set",
            "hls_cleanup=off",
            "--set",
            "keyint=4",
        ]
    )
    assert args.url == "http://o/x.m3u8" and args.cdn == "http://c/x.m3u8" and args.profile == "nginx-rtmp"
    assert cli.parse_settings(args.set) == {"hls_fragment": 2.0, "hls_cleanup": False, "keyint": 4}


def test_cli_module_does_not_import_qt():
    import subprocess
    import sys

    code = "import gui.cli, sys; assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
