"""The plain ffmpeg HLS origin (for machines without Node): nginx-like headers, GOP-stretched segments,
ENDLIST at stop and index0.ts reused at the next publish, served stale by a CachingOptimized edge."""

from __future__ import annotations

import json
import re

import pytest
import requests

from lab.cdn import varnish_available
from lab.scenarios import run_keyframes, run_reuse

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(varnish_available() is not None, reason="varnishd not installed"),
]


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    # GOP 2 s > hls_time 1 s; no Cache-Control at the origin; CachingOptimized edge in front.
    return module_lab_factory(origin="ffmpeg", cache_control=False, cdn_policy="caching-optimized",
                              size=(320, 180), fps=15, bitrate_kbps=300, fragment_s=1.0,
                              playlist_length_s=3.0, keyint_s=2.0)  # fmt: skip


def test_origin_headers_like_nginx_static(lab):
    resp = requests.get(lab.origin_playlist_url, timeout=3)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', resp.headers["ETag"])
    assert "Last-Modified" in resp.headers and "Cache-Control" not in resp.headers
    assert lab.origin_playlist_url.endswith("/live/test/index.m3u8")
    segment = requests.get(lab.origin_playlist_url.rsplit("/", 1)[0] + "/index0.ts", timeout=3)
    assert segment.headers["Content-Type"] == "video/mp2t"
    assert requests.get(lab.origin_playlist_url, headers={"If-None-Match": resp.headers["ETag"]},
                        timeout=3).status_code in (200, 304)  # fmt: skip


def test_gop_longer_than_hls_time_makes_gop_long_segments(lab):
    result = run_keyframes(lab, lambda _line: None)
    assert result.reproduced, result
    assert all(abs(d - 2.0) < 0.05 for d in result.facts["durations"][:-1])
    assert result.facts["target_duration"] == 2


def test_republish_reuses_index0_behind_the_edge(lab):
    lines: list[str] = []
    result = run_reuse(lab, lines.append)
    assert result.facts["new_md5"] not in (None, result.facts["old_md5"]), "\n".join(lines)
    assert result.reproduced, "\n".join(lines)
    # the first ffmpeg ended its playlist when the publisher left (servers.md §2.5); the truth saw it
    events = [json.loads(line) for line in lab.truth_path.read_text().splitlines() if line.strip()]
    assert any(e.get("action") == "playlist_write" and e.get("endlist") for e in events)
