"""Node-Media-Server behind S3 and CloudFront (the tutorial's path): a republish reuses index0.ts and the
edge keeps serving the previous session's bytes; the truth recorder covers the NMS folder."""

from __future__ import annotations

import json

import pytest
import requests

from lab.cdn import varnish_available
from lab.nms_origin import nms_available
from lab.scenarios import run_reuse

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(nms_available() is not None, reason=str(nms_available())),
    pytest.mark.skipif(varnish_available() is not None, reason="varnishd not installed"),
]


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    return module_lab_factory(
        origin="nms",
        s3="ordered",
        cdn_policy="caching-optimized",
        size=(320, 180),
        fps=15,
        bitrate_kbps=300,
        fragment_s=1.0,
        playlist_length_s=3.0,
    )


def test_nms_serves_the_tutorial_layout(lab):
    resp = requests.get(lab.origin_playlist_url, timeout=3)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert resp.headers["Cache-Control"] == "public, max-age=0"  # Express defaults (servers.md §3.1)
    assert lab.origin_playlist_url.endswith("/live/test/index.m3u8")
    assert "#EXT-X-TARGETDURATION" in resp.text and "index" in resp.text
    viewer = requests.get(lab.playlist_url, timeout=3)
    assert viewer.status_code == 200 and "X-Cache" in viewer.headers
    assert "/hlsmon-lab/videos/test/index.m3u8" in lab.playlist_url  # tutorial key: videos/<stream>/...


def test_republish_reuses_index0_and_the_edge_serves_old_bytes(lab):
    lines: list[str] = []
    result = run_reuse(lab, lines.append)
    facts = result.facts
    assert facts["new_md5"] is not None, "NMS did not write a new index0.ts after the restart:\n" + "\n".join(lines)
    assert facts["new_md5"] != facts["old_md5"], "index0.ts was reused with new content"
    assert result.reproduced, "\n".join(lines)
    assert facts["edge_md5"] == facts["old_md5"]
    assert facts["edge_x_cache"] == "Hit from cloudfront"
    # the ground truth saw both sessions write index0.ts in the NMS folder
    events = [json.loads(line) for line in lab.truth_path.read_text().splitlines() if line.strip()]
    writes = [e for e in events if e.get("path") == "live/test/index0.ts" and e.get("action") == "segment_close"]
    assert len(writes) >= 2, writes
