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
    assert cli.parse_settings(args.set) == {"hls_fragment": "2s", "hls_cleanup": "off", "keyint": "4"}


def test_cli_module_does_not_import_qt():
    import subprocess
    import sys

    code = "import gui.cli, sys; assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("url", "origin", "server", "key", "base"),
    [
        ("http://203.0.113.5:8088/hls/mykey.m3u8", "nginx-rtmp", "rtmp://203.0.113.5/live", "mykey",
         "http://203.0.113.5:8088/hls"),
        ("http://h:8080/hls/k2/index.m3u8", "nginx-rtmp", "rtmp://h/live", "k2", "http://h:8080/hls"),
        ("http://h:8000/show/abc/index.m3u8", "nms", "rtmp://h/show", "abc", "http://h:8000/show"),
        ("http://[::1]:8088/hls/k.m3u8", "nginx-rtmp", "rtmp://[::1]/live", "k", "http://[::1]:8088/hls"),
    ],
)
def test_the_running_stream_gives_server_key_and_base(url, origin, server, key, base):
    from gui.stream_key import ingest_from_playlist

    ingest = ingest_from_playlist(url, origin, keyint_s=1.0, fragment_s=2.0)
    assert ingest is not None
    assert (ingest.server, ingest.key, ingest.http_base, ingest.origin) == (server, key, base, origin)
    if not url.endswith("/index.m3u8") or origin == "nms":  # the helper builds the same URL back
        assert build_urls(ingest.server, "", ingest.key, ingest.http_base, origin).playlist_url == url


def test_a_url_without_a_playlist_gives_nothing():
    from gui.stream_key import ingest_from_playlist

    assert ingest_from_playlist("http://h/", "nginx-rtmp", keyint_s=None, fragment_s=None) is None


def test_the_dialog_starts_from_the_running_stream(qapp):
    from gui.stream_key import Ingest, StreamKeyDialog

    running = Ingest(server="rtmp://127.0.0.1:19350/live", key="lab", http_base="http://127.0.0.1:18080/hls",
                     origin="nginx-rtmp", keyint_s=1.0, fragment_s=1.0, source="the lab")
    dlg = StreamKeyDialog("rtmp://old/live", "http://old/hls", "old", running=running)
    assert (dlg.server.text(), dlg.key.text(), dlg.http.text()) == (running.server, "lab", running.http_base)
    assert dlg.keyint.value() == 1.0 and dlg.fragment.value() == 1.0
    assert "the lab" in dlg.source.text()
    assert dlg.urls().playlist_url == "http://127.0.0.1:18080/hls/lab.m3u8"
    assert "Keyframe Interval : 1 s" in dlg.out.toPlainText()
