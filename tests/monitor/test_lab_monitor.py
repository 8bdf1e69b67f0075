"""The monitor and `hlsmon probe` on the real lab (nginx-rtmp + ffmpeg publisher + Varnish edge)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.monitor import Monitor
from monitor.records import EndpointConfig, MonitorConfig
from monitor.session import read_session

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]


def truth(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    listed: dict[str, float] = {}
    deleted: dict[str, float] = {}
    for line in path.read_text().splitlines():
        ev = json.loads(line)
        if ev.get("action") == "playlist_write":
            for uri in ev.get("uris") or []:
                listed.setdefault(uri.rsplit("/", 1)[-1], ev["t_mono"])
        elif ev.get("action") == "segment_delete":
            deleted.setdefault(ev["path"].rsplit("/", 1)[-1], ev["t_mono"])
    return listed, deleted


@pytest.fixture(scope="module")
def healthy_lab(module_lab_factory):
    return module_lab_factory(fragment_s=1, playlist_length_s=3, keyint_s=1)


@pytest.fixture(scope="module")
def bad_lab(module_lab_factory):
    return module_lab_factory(
        fragment_s=1,
        playlist_length_s=3,
        keyint_s=1,
        cors=False,
        cache_control=False,
        mime=False,
        cdn_policy="caching-optimized",
    )


def test_lifecycle_matches_ground_truth_and_healthy_is_quiet(healthy_lab, tmp_path):
    record = tmp_path / "s.jsonl"
    cfg = MonitorConfig(  # 16 s to compare with ground truth: more probes than the default budget gives
        endpoints=(EndpointConfig(name="origin", url=healthy_lab.playlist_url),),
        record_path=record,
        probe_rate_per_s=3,
        request_budget_per_s=8,
    )
    with Monitor(cfg) as mon:
        time.sleep(16)
    listed, deleted = truth(healthy_lab.truth_path)
    lives = [lf for lf in mon.lifecycles().values() if not lf.initial and not lf.missed]
    assert len(lives) >= 15
    for lf in lives:
        name = lf.uri.rsplit("/", 1)[-1]
        assert name in listed
        assert -0.005 <= lf.first_seen.hi - listed[name] <= 0.5, (name, lf.first_seen.hi - listed[name])
        assert lf.first_seen.lo <= listed[name] + 0.005
    gone = [lf for lf in mon.lifecycles().values() if lf.gone is not None]
    assert gone, "no deletion seen in 16 s (nginx cleans every 2 x playlist length = 6 s)"
    for lf in gone:
        t_del = deleted[lf.uri.rsplit("/", 1)[-1]]
        assert lf.gone.lo <= t_del + 0.005 and lf.gone.hi - t_del <= 1.0
    # nginx-rtmp's batch cleaner really deletes the youngest of each batch < duration + playlist after it
    # left the playlist (servers.md §1.5): that one rule may fire; nothing else on a healthy stream.
    assert {a.code for a in mon.alerts()} <= {"deleted_too_early"}, mon.alerts()
    assert len(list(read_session(record))) > 50


def test_checks_fire_on_misconfigured_origin_and_cdn(bad_lab):
    cfg = MonitorConfig(
        endpoints=(
            EndpointConfig(name="origin", url=bad_lab.origin_playlist_url),
            EndpointConfig(name="cdn", url=bad_lab.playlist_url, reference="origin"),
        ),
        probe_deletions=False,
    )
    with Monitor(cfg) as mon:
        time.sleep(9)
    by_endpoint = {(a.endpoint, a.code) for a in mon.alerts()}
    assert {("origin", "cors"), ("origin", "content_type"), ("origin", "cacheable_playlist")} <= by_endpoint
    # no Cache-Control at the origin: the edge keeps the playlist for its default TTL (24 h)
    assert ("cdn", "stale_cdn_playlist") in by_endpoint


def test_probe_cli_records_and_fails_on(bad_lab, healthy_lab, tmp_path):
    record = tmp_path / "p.jsonl"
    cmd = [
        sys.executable,
        str(ROOT / "main.py"),
        "probe",
        healthy_lab.playlist_url,
        "--duration",
        "5",
        "--record",
        str(record),
        "--metrics-port",
        "0",
        "--fail-on",
        "error",
        "--quiet",
        "--profile",
        "nginx-rtmp:hls_fragment=1s,hls_playlist_length=3s,keyint=1",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "segments seen" in res.stdout and "new-segment intervals" in res.stdout
    assert "metrics on http://127.0.0.1:" in res.stderr
    assert any(type(e).__name__ == "SegmentLifecycle" for e in read_session(record))
    bad = [
        sys.executable,
        str(ROOT / "main.py"),
        "probe",
        bad_lab.origin_playlist_url,
        "--duration",
        "4",
        "--fail-on",
        "warning",
        "--quiet",
    ]
    res = subprocess.run(bad, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert res.returncode == 1 and "Access-Control-Allow-Origin" in res.stdout


def test_long_gop_deletes_listed_segments(start_lab):
    """Keyframes every 4 s with hls_fragment 1 s / playlist 3 s: fragments last 4 s, 3 are listed (12 s) but
    nginx deletes files older than 2 x 3 s, so listed segments answer 404 (servers.md §1.5 hazard)."""
    lab = start_lab(fragment_s=1, playlist_length_s=3, keyint_s=4, audio=False)
    cfg = MonitorConfig(
        endpoints=(EndpointConfig(name="origin", url=lab.playlist_url),), probe_rate_per_s=3, request_budget_per_s=6
    )  # a short run: more probes than the default budget (1.5/s) allows, to find the 404 within it
    with Monitor(cfg) as mon:
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and "segment_missing" not in {a.code for a in mon.alerts()}:
            time.sleep(0.5)
    assert "segment_missing" in {a.code for a in mon.alerts()}
    assert any(lf.errors_while_listed for lf in mon.lifecycles().values())


def test_publisher_stop_gives_stale_then_gone(start_lab):
    """nginx-rtmp writes no ENDLIST when the publisher stops: the playlist goes stale (> 1.5 x TD without a
    new segment), then the cleaner deletes it (P..3P after the last write)."""
    lab = start_lab(fragment_s=1, playlist_length_s=4, keyint_s=1, audio=False)
    cfg = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=lab.playlist_url),), probe_deletions=False)
    with Monitor(cfg) as mon:
        time.sleep(3)
        assert mon.alerts() == []
        lab.publisher.stop()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "playlist_gone" not in {a.code for a in mon.alerts()}:
            time.sleep(0.5)
    codes = [a.code for a in mon.alerts()]
    assert "playlist_stale" in codes and "playlist_gone" in codes
    assert codes.index("playlist_stale") < codes.index("playlist_gone")


def test_short_window_on_real_nginx(start_lab):
    lab = start_lab(fragment_s=2, playlist_length_s=4, keyint_s=1, audio=False)  # 2 x 2 s < 3 x TD
    cfg = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=lab.playlist_url),), probe_deletions=False)
    with Monitor(cfg) as mon:
        time.sleep(5)
    assert [a.code for a in mon.alerts()].count("window_short") == 1
