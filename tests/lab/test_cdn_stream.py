"""A live stream through the CDN edge: frozen playlist under CachingOptimized, fresh under the tutorial's fix."""

from __future__ import annotations

import time

import pytest
import requests

from lab.cdn import CdnEdge, varnish_available
from lab.scenarios import media_sequence, resolve, run_stale, uris

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(varnish_available() is not None, reason="varnishd not installed"),
]

SMALL = {"size": (320, 180), "fps": 15, "bitrate_kbps": 300, "fragment_s": 1.0, "playlist_length_s": 3.0}


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    # nginx-rtmp without `add_header Cache-Control` behind CachingOptimized (servers.md §4.2: 86 400 s)
    return module_lab_factory(cache_control=False, cdn_policy="caching-optimized", **SMALL)


@pytest.fixture(scope="module")
def fix_edge(lab):
    edge = CdnEdge(lab.workdir, lab.http_port, "tutorial-fix", pop="FIX1-P1").start()
    yield edge
    edge.stop()


def test_playlist_frozen_under_caching_optimized(lab):
    lines: list[str] = []
    result = run_stale(lab, lines.append)
    assert result.reproduced, "\n".join(lines)
    assert result.facts["edge_x_cache"] == "Hit from cloudfront"
    assert result.facts["origin_media_sequence"] > result.facts["edge_media_sequence"]
    assert int(result.facts["edge_age"]) >= 3


def test_playlist_fresh_under_tutorial_fix(lab, fix_edge):
    url = fix_edge.url_for(lab.origin_playlist_url)
    with requests.Session() as s:
        seen = []
        for _ in range(3):
            edge = s.get(url, timeout=3)
            origin = s.get(lab.origin_playlist_url, timeout=3)
            assert edge.headers["X-Cache"] == "Miss from cloudfront"
            assert edge.headers["X-Hlsmon-Cdn-Policy"] == "caching-disabled"
            lag = media_sequence(origin.text) - media_sequence(edge.text)
            assert 0 <= lag <= 1
            seen.append(media_sequence(edge.text))
            time.sleep(1.2)
        assert seen[-1] > seen[0], "the edge playlist must move with the origin"
        segment = resolve(url, uris(edge.text)[-1])
        first, second = s.get(segment, timeout=3), s.get(segment, timeout=3)
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert second.headers["X-Hlsmon-Cdn-Policy"] == "elemental-mediapackage"
    assert first.content == second.content
