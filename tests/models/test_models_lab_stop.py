"""Stop and republish held against reality: nginx-rtmp (1 s / 3 s) and Node-Media-Server 2.x (ffmpeg).

Both scenarios run at the same time (about 30 s of wall time). Instants come from the ground-truth
recorder (inotify, CLOCK_MONOTONIC) and from ``time.monotonic()`` here (same clock).
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from monitor.models import judge, predict, profile_for
from monitor.models.truth_adapter import lives_from_truth

log = logging.getLogger(__name__)
pytestmark = [pytest.mark.lab, pytest.mark.slow]

SMALL = {"fps": 15, "size": (320, 180), "bitrate_kbps": 200}
NMS_FLAGS = "[hls_time=1:hls_list_size=3:hls_flags=delete_segments]"
SLACK_S = 1.5  # whole-second mtimes (1 s) + scheduling on a shared machine


@dataclass
class Story:
    texts: dict[str, str] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    truth: list[dict] = field(default_factory=list)
    skipped: str = ""


def _media_sequence(text: str) -> int:
    match = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
    return int(match.group(1)) if match else -1


def _wait(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def nginx_story(workdir: Path) -> Story:
    """Publish, stop, republish at once (continues), stop, wait for the playlist to go, republish (restarts)."""
    from lab import publisher
    from lab.stack import Lab, LabConfig
    from lab.truth import read_truth

    story = Story()
    lab = Lab(LabConfig(workdir=workdir, fragment_s=1, playlist_length_s=3, keyint_s=1, **SMALL)).start()  # type: ignore[arg-type]
    try:
        time.sleep(5.0)
        lab.publisher.stop()  # type: ignore[union-attr]
        story.times["stop1"] = time.monotonic()
        time.sleep(1.0)
        story.texts["after_stop"] = _read(lab.playlist_path)

        def republish() -> None:
            lab.publisher = publisher.start_publisher(lab.config, lab.rtmp_url, lab.workdir)
            lab.processes.append(lab.publisher)

        republish()
        before = _media_sequence(story.texts["after_stop"])
        _wait(lambda: "#EXT-X-DISCONTINUITY" in _read(lab.playlist_path)
              and _media_sequence(_read(lab.playlist_path)) > before, 10.0)  # fmt: skip
        story.texts["continued"] = _read(lab.playlist_path)
        time.sleep(2.0)
        lab.publisher.stop()
        story.times["stop2"] = time.monotonic()
        _wait(lambda: not lab.playlist_path.exists(), 3 * 3 + 4)
        story.times["playlist_gone"] = time.monotonic()
        republish()
        _wait(lambda: "#EXTINF" in _read(lab.playlist_path), 10.0)
        story.texts["restarted"] = _read(lab.playlist_path)
        story.times["end"] = time.monotonic()
    finally:
        lab.stop()
        story.truth = read_truth(lab.truth_path)
    return story


def nms_story(workdir: Path) -> Story:
    """NMS with the README's hlsFlags: live, stop (everything deleted), republish (index0.ts again)."""
    from lab import publisher, truth
    from lab.nms_origin import NmsOrigin, NmsSettings, nms_available
    from lab.stack import LabConfig

    story = Story()
    reason = nms_available()
    if reason:
        story.skipped = reason
        return story
    origin = NmsOrigin(workdir, NmsSettings(hls_flags=NMS_FLAGS)).start()
    processes = []
    url = origin.playlist_url("stream")
    session = requests.Session()

    def status() -> int:
        try:
            return session.get(url, timeout=2).status_code
        except requests.RequestException:
            return 0

    try:
        origin.media_root.mkdir(parents=True, exist_ok=True)
        truth_path = workdir / "truth.jsonl"
        processes.append(truth.start_recorder(origin.media_root, truth_path, workdir / "truth.log"))
        _wait(truth_path.exists, 5.0)
        config = LabConfig(keyint_s=1, **SMALL)  # type: ignore[arg-type]
        pub = publisher.start_publisher(config, origin.rtmp_url("stream"), workdir)
        _wait(lambda: status() == 200, 15.0)
        time.sleep(10.0)
        pub.stop()
        story.times["stop"] = time.monotonic()
        _wait(lambda: status() == 404, 10.0, step=0.05)
        story.times["playlist_404"] = time.monotonic()
        pub = publisher.start_publisher(config, origin.rtmp_url("stream"), workdir)
        processes.append(pub)
        _wait(lambda: status() == 200, 15.0)
        story.texts["restarted"] = session.get(url, timeout=2).text
        story.truth = truth.read_truth(truth_path)
    finally:
        for proc in reversed(processes):
            proc.stop()
        origin.stop()
        session.close()
    return story


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Story]:
    import shutil

    from lab.nginx import nginx_binary  # /usr/sbin/nginx is not on a non-root user's PATH

    if not shutil.which(nginx_binary()) or not shutil.which("ffmpeg"):
        pytest.skip("nginx and ffmpeg are needed")
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("nginx-stop", "nms-stop")}
    # each story starts and stops its own processes in its own thread, in parallel
    with ThreadPoolExecutor(2) as pool:
        nginx = pool.submit(nginx_story, dirs["nginx-stop"])
        nms = pool.submit(nms_story, dirs["nms-stop"])
        return {"nginx": nginx.result(), "nms": nms.result()}


def _last_write_before(truth: list[dict], t: float, name: str) -> float:
    writes = [r["t_mono"] for r in truth if r.get("action") == "playlist_write" and r["path"].endswith(name)]
    return max(w for w in writes if w <= t)


def test_nginx_stop_and_republish(stories: dict[str, Story]) -> None:
    story = stories["nginx"]
    plan = predict(profile_for("nginx-rtmp", {"hls_fragment": "1s", "hls_playlist_length": "3s", "keyint": 1})).on_stop
    # no ENDLIST at stop
    assert plan.endlist is False and "#EXT-X-ENDLIST" not in story.texts["after_stop"]
    # republished 1 s later (< P): the media sequence continues, with a DISCONTINUITY
    assert plan.continues_within is not None and plan.continues_within.lo > 1.0
    continued = story.texts["continued"]
    assert "#EXT-X-DISCONTINUITY" in continued
    assert _media_sequence(continued) > _media_sequence(story.texts["after_stop"])
    # after the second stop the playlist goes 404 P..3P after its last write
    deletes = [r for r in story.truth if r.get("action") == "playlist_delete" and r["t_mono"] > story.times["stop2"]]
    assert deletes, "the playlist was not deleted after the stop"
    gone = deletes[0]["t_mono"] - _last_write_before(story.truth, deletes[0]["t_mono"], "test.m3u8")
    log.info("nginx playlist deleted %.2f s after its last write; predicted %s", gone, plan.playlist_gone)
    assert plan.playlist_gone is not None and plan.playlist_gone.contains(gone, tol=SLACK_S)
    # republished after that: numbering restarts at 0 and the old URLs are reused
    assert plan.restart_reuses_names
    assert _media_sequence(story.texts["restarted"]) == 0 and "test-0.ts" in story.texts["restarted"]


def test_nginx_segments_after_stop_deleted_as_predicted(stories: dict[str, Story]) -> None:
    truth = stories["nginx"].truth
    profile = profile_for("nginx-rtmp", {"hls_fragment": "1s", "hls_playlist_length": "3s", "keyint": 1})
    segments_gone = predict(profile).on_stop.segments_gone
    assert segments_gone is not None
    closes = {r["path"]: r["t_mono"] for r in truth if r.get("action") == "segment_close"}
    deletes = [(r["path"], r["t_mono"]) for r in truth if r.get("action") == "segment_delete"]
    ages = [t - closes[p] for p, t in deletes if p in closes and t > closes[p]]
    assert len(ages) >= 5
    outside = [a for a in ages if not segments_gone.contains(a, tol=SLACK_S)]
    assert not outside, f"deleted {outside} s after closing; predicted {segments_gone.words()}"


def test_nms_stop_deletes_everything_and_republish_reuses_names(stories: dict[str, Story]) -> None:
    story = stories["nms"]
    if story.skipped:
        pytest.skip(story.skipped)
    profile = profile_for("nms", {"hlsFlags": NMS_FLAGS, "keyint": 1})
    plan = predict(profile).on_stop
    assert plan.endlist and plan.playlist_gone is not None
    gone = story.times["playlist_404"] - story.times["stop"]
    log.info("NMS playlist 404 %.2f s after the publisher stopped; predicted %s", gone, plan.playlist_gone)
    assert plan.playlist_gone.contains(gone, tol=SLACK_S)
    endlists = [r for r in story.truth if r.get("action") == "playlist_write" and r.get("endlist")]
    assert endlists, "ffmpeg wrote no ENDLIST before NMS deleted the files"
    assert _media_sequence(story.texts["restarted"]) == 0 and "index0.ts" in story.texts["restarted"]
    # the live part: deleted one segment (1 s) after leaving the playlist (the last second before the stop
    # is left out: the trailer's final cut comes right after the previous one)
    live = [r for r in story.truth if r["t_mono"] < story.times["stop"] - 1.0]
    truth = lives_from_truth(live, playlist="index.m3u8")
    verdicts = judge(truth.lives, profile, truth=truth.files)
    gone_verdicts = [v for v in verdicts if v.code == "gone"]
    assert len(gone_verdicts) >= 4
    bad = [v for v in gone_verdicts if v.level not in ("ok", "info") or "as expected" not in v.message]
    assert not bad, [v.message for v in bad]
    assert all(v.expected is not None and v.expected.mid == pytest.approx(1.0, abs=0.05) for v in gone_verdicts)
