"""Misconfigurations on demand: headers dropped, nested folders, wall-clock fragment names; config rendering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from lab.nginx import render_config
from lab.stack import LabConfig
from tests.lab.helpers import read_jsonl


def _conf(**overrides) -> str:
    return render_config(LabConfig(**overrides), Path("/w/nginx"), Path("/w/www"), Path("/w/www/hls"), 1935, 8088)


def test_config_like_the_tutorial():
    conf = _conf(fragment_s=3, playlist_length_s=5)
    for line in ("application live {", "live on;", "record off;", "hls on;", "hls_path /w/www/hls;",
                 "hls_fragment 3000ms;", "hls_playlist_length 5000ms;", "hls_cleanup on;", "hls_nested off;",
                 "hls_fragment_naming sequential;", "add_header Cache-Control no-cache;",
                 "add_header Access-Control-Allow-Origin *;", "application/vnd.apple.mpegurl m3u8;",
                 "master_process on;", "daemon off;", "listen 127.0.0.1:1935;", "listen 127.0.0.1:8088;",
                 "root /w/www;"):
        assert line in conf, line
    assert re.search(r"^pid /w/nginx/", conf, re.M)
    assert "/var/" not in conf
    # both log modules need their own path, or a non-root nginx dies opening /var/log/nginx/access.log
    rtmp_block, http_block = conf.split("\nhttp {", 1)
    assert "access_log /w/nginx/" in rtmp_block and "access_log /w/nginx/" in http_block


def test_each_flag_drops_its_header():
    assert "Cache-Control" not in _conf(cache_control=False)
    assert "Access-Control-Allow-Origin" not in _conf(cors=False)
    assert "mpegurl" not in _conf(mime=False)
    conf = _conf(cleanup=False, nested=True, fragment_naming="system")
    assert "hls_cleanup off;" in conf and "hls_nested on;" in conf and "hls_fragment_naming system;" in conf


def test_config_validation():
    with pytest.raises(ValueError):
        LabConfig(fragment_naming="random").validate()
    with pytest.raises(ValueError):
        LabConfig(size=(641, 360)).validate()
    with pytest.raises(ValueError):
        LabConfig(stream_key="a/b").validate()


@pytest.mark.lab
def test_nested_system_naming_without_headers_and_long_gop(start_lab):
    lab = start_lab(fragment_s=1, playlist_length_s=3, nested=True, fragment_naming="system",
                    cache_control=False, cors=False, mime=False, audio=False, keyint_s=2.0)
    assert lab.playlist_url.endswith("/hls/test/index.m3u8")
    resp = requests.get(lab.playlist_url, timeout=3)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/octet-stream"
    assert "Cache-Control" not in resp.headers
    assert "Access-Control-Allow-Origin" not in resp.headers
    uris = [line for line in resp.text.splitlines() if line and not line.startswith("#")]
    assert all(re.fullmatch(r"\d{13}\.ts", uri) for uri in uris)  # wall-clock ms names (system naming)
    records = read_jsonl(lab.truth_path)
    assert any(r["event"] == "mkdir" and r["path"] == "test" for r in records)
    writes = [r for r in records if r.get("action") == "playlist_write"]
    assert writes and writes[-1]["path"] == "test/index.m3u8"
    # nginx can only cut on a keyframe: 1 s fragments with a 2 s GOP last 2 s (servers.md §1.2)
    assert all(d == pytest.approx(2.0, abs=0.05) for d in writes[-1]["durations"])
    assert any(r.get("action") == "segment_close" and r["path"] == f"test/{uris[0]}" for r in records)


def test_cli_flags_map_to_the_config(tmp_path):
    import argparse

    from lab import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(
        ["--fragment", "3", "--playlist-length", "5", "--no-cleanup", "--nested", "--fragment-naming", "timestamp",
         "--keyint", "2", "--fps", "30", "--size", "854x480", "--bitrate", "800", "--no-cache-control", "--no-cors",
         "--no-mime", "--stream-key", "obs", "--rtmp-port", "1935", "--http-port", "8088", "--no-audio",
         "--truth", str(tmp_path / "t.jsonl"), "--workdir", str(tmp_path)]
    )
    config = cli.config_from_args(args)
    assert (config.fragment_s, config.playlist_length_s, config.cleanup, config.nested) == (3, 5, False, True)
    assert (config.fragment_naming, config.keyint_s, config.fps, config.size) == ("timestamp", 2, 30, (854, 480))
    assert (config.bitrate_kbps, config.cache_control, config.cors, config.mime) == (800, False, False, False)
    assert (config.stream_key, config.rtmp_port, config.http_port, config.audio) == ("obs", 1935, 8088, False)
    assert config.truth_path == tmp_path / "t.jsonl" and config.workdir == tmp_path
    with pytest.raises(SystemExit):
        parser.parse_args(["--size", "big"])
