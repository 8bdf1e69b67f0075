"""Real segments flow through the lab: nginx-rtmp fed by the publisher, watched by the truth recorder.

One lab for the module, with short settings so cleanup happens quickly: 1 s fragments, 3 s playlist
(3 entries), keyframe every 1 s. Cleanup then runs every 2P = 6 s and deletes segments older than 6 s.
"""

from __future__ import annotations

import itertools
import statistics
import time

import pytest
import requests

from player.clock_strip import decode_strip
from tests.lab.helpers import frame_pts, gray_frames, read_jsonl

pytestmark = pytest.mark.lab

FRAGMENT = 1.0
PLAYLIST = 3.0
FPS = 25


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    return module_lab_factory(fragment_s=FRAGMENT, playlist_length_s=PLAYLIST, keyint_s=1.0, fps=FPS)


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def _truth(lab, action=None):
    records = read_jsonl(lab.truth_path)
    return [r for r in records if action is None or r.get("action") == action]


def _wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout} s")


def test_serves_the_tutorial_headers(lab, http):
    resp = http.get(lab.playlist_url, timeout=3)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    uri = [line for line in resp.text.splitlines() if line and not line.startswith("#")][-1]
    seg = http.get(requests.compat.urljoin(lab.playlist_url, uri), timeout=3)
    assert seg.status_code == 200
    assert seg.headers["Content-Type"] == "video/mp2t"
    assert seg.content[0] == 0x47  # MPEG-TS sync byte


def test_playlist_advances_at_the_fragment_length(lab, http):
    _wait_for(lambda: len(_truth(lab, "playlist_write")) >= 6, 15)
    writes = _truth(lab, "playlist_write")
    gaps = [b["t_mono"] - a["t_mono"] for a, b in itertools.pairwise(writes[1:])]
    assert statistics.median(gaps) == pytest.approx(FRAGMENT, abs=0.15)
    assert writes[0]["discontinuity"][0] is True  # nginx marks the first fragment after a publish
    latest = writes[-1]
    assert len(latest["uris"]) == int(PLAYLIST // FRAGMENT)  # winfrags = P / F entries once full
    assert all(d == pytest.approx(FRAGMENT, abs=0.05) for d in latest["durations"])
    # and over HTTP: the media sequence moves on by about one per fragment
    first = _media_sequence(http.get(lab.playlist_url, timeout=3).text)
    time.sleep(3 * FRAGMENT)
    later = _media_sequence(http.get(lab.playlist_url, timeout=3).text)
    assert 2 <= later - first <= 4


def _media_sequence(text: str) -> int:
    line = next(line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA-SEQUENCE:"))
    return int(line.split(":")[1])


def test_truth_matches_what_is_served(lab, http):
    before = time.monotonic()
    text = http.get(lab.playlist_url, timeout=3).text
    after = time.monotonic()
    uris = [line for line in text.splitlines() if line and not line.startswith("#")]
    seq = _media_sequence(text)
    writes = _truth(lab, "playlist_write")
    match = [w for w in writes if w["media_sequence"] == seq and w["uris"] == uris]
    assert match, "served playlist not in the truth file"
    # it is the version in place at the time of the request
    in_place = [w for w in writes if w["t_mono"] <= after]
    assert match[-1] is in_place[-1] or (match[-1] is in_place[-2] and in_place[-1]["t_mono"] >= before)
    closes = {r["path"]: r for r in _truth(lab, "segment_close")}
    for uri in uris:
        assert uri in closes, f"{uri} listed but never closed per the truth"
        assert closes[uri]["t_mono"] <= match[-1]["t_mono"]  # closed before it was listed
        body = http.get(requests.compat.urljoin(lab.playlist_url, uri), timeout=3).content
        assert len(body) == closes[uri]["size"]


def test_cleanup_deletes_old_segments(lab, http):
    deletes = _wait_for(lambda: _truth(lab, "segment_delete"), 25)
    closes = {r["path"]: r for r in _truth(lab, "segment_close")}
    listed = _truth(lab, "playlist_write")[-1]["uris"]
    for rec in deletes:
        assert rec["path"] not in listed
        age = rec["t_mono"] - closes[rec["path"]]["t_mono"]
        assert age >= 2 * PLAYLIST - 1.0  # threshold 2P in whole seconds (servers.md §1.5)
        gone = http.get(requests.compat.urljoin(lab.playlist_url, rec["path"]), timeout=3)
        assert gone.status_code == 404
    assert not (lab.origin_dir / deletes[0]["path"]).exists()


def test_strip_in_served_segments_matches_the_stamped_time(lab, http, tmp_path):
    """Frames of two consecutive served segments carry exactly the times the publisher stamped.

    What it proves: (1) every decoded strip value is one the publisher wrote for a frame it made;
    (2) strip time minus PTS stays constant within one frame interval across a segment boundary, so PTS
    follows the capture time and the strip is read from the frame it was stamped on.
    """
    text = http.get(lab.playlist_url, timeout=3).text
    uris = [line for line in text.splitlines() if line and not line.startswith("#")][-2:]
    pairs: list[tuple[float, int]] = []
    for k, uri in enumerate(uris):
        path = tmp_path / f"seg{k}.ts"
        path.write_bytes(http.get(requests.compat.urljoin(lab.playlist_url, uri), timeout=3).content)
        frames, pts = gray_frames(path), frame_pts(path)
        assert len(frames) == len(pts) >= FPS * FRAGMENT * 0.8
        for frame, t in zip(frames, pts, strict=True):
            reading = decode_strip(frame)
            if reading is not None:
                pairs.append((t, reading.epoch_ms))
    assert len(pairs) >= 0.95 * 2 * FPS * FRAGMENT
    stamps = {r["epoch_ms"]: r for r in read_jsonl(lab.stamps_path) if not r["repeat"]}
    assert all(epoch in stamps for _, epoch in pairs), "a strip value the publisher never stamped"
    fresh = [(t, e) for i, (t, e) in enumerate(pairs) if i == 0 or e != pairs[i - 1][1]]  # drop repeats
    assert len(fresh) >= 0.9 * len(pairs)
    offsets = [e - t * 1000.0 for t, e in fresh]
    interval_ms = 1000.0 / FPS
    assert max(offsets) - min(offsets) <= interval_ms + 2.0
    # the strip says when the frame was made: before we fetched it, and not long before (live)
    assert max(e for _, e in pairs) <= time.time() * 1000
    assert max(e for _, e in pairs) >= time.time() * 1000 - 10_000
