"""The HTML report: one image per chart rendered off screen, a latency summary, alerts, verdicts and settings;
opened in a real browser (Debian's headless Chromium) to check that it renders."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

from PySide6.QtGui import QImage

from gui.synthetic import synthetic_events

CHART_TITLES = ("Segment lifecycle", "Arrivals and durations", "Playlist window", "Latency per hop")


def _report(window, tmp_path: Path) -> tuple[Path, str]:
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0})
    for ev in synthetic_events(80, stale_every=30):
        window._on_event(ev)
    window.redraw()
    window.set_layout("player")  # the charts are hidden on screen: the report must not care
    path = window.export("html", tmp_path / "report.html")[0]
    return path, path.read_text()


def test_report_holds_an_image_per_chart_latency_alerts_and_settings(window, tmp_path) -> None:
    _, page = _report(window, tmp_path)
    images = re.findall(r"<img alt='([^']+)' src='data:image/png;base64,([^']+)'>", page)
    titles = [title for title, _ in images]
    assert all(t in titles for t in CHART_TITLES), titles
    assert "Player health" not in titles  # no player in this session: no empty chart in the report
    for title, data in images:
        image = QImage.fromData(base64.b64decode(data), "PNG")
        assert (image.width(), image.height()) in ((1100, 380), (1100, 560)), title
    assert "<h2>Latency</h2>" in page and "origin → CDN propagation" in page and "median" in page
    assert "The CDN served a playlist" in page
    assert "<h2>Server settings</h2>" in page and "hls_playlist_length" in page


def test_report_holds_a_strip_of_the_newest_segment_thumbnails(window, tmp_path) -> None:
    frame = QImage(80, 45, QImage.Format.Format_RGB32)
    frame.fill(0x3366CC)
    held = {}
    for msn in range(100, 115):  # more than the strip shows; 113's file is gone (copied without .thumbs)
        path = tmp_path / f"origin-0-{msn}.jpg"
        if msn != 113:
            assert frame.save(str(path), "JPEG")
        held[("origin", msn)] = str(path)
    for ev in synthetic_events(20):
        window._on_event(ev)
    window.model.thumbnails.update(held)
    page = window.export("html", tmp_path / "report.html")[0].read_text()
    strip = re.findall(r"<img alt='([^']+)' src='data:image/jpeg;base64,([^']+)'><figcaption>([^<]+)<", page)
    assert [caption for caption, _, _ in strip] == [f"origin #{n}" for n in (*range(102, 113), 114)]
    assert all(caption == below for caption, _, below in strip)  # captioned with endpoint and media sequence
    image = QImage.fromData(base64.b64decode(strip[-1][1]), "JPEG")
    assert (image.width(), image.height()) == (80, 45)
    assert "What the segments showed" in page


def test_report_renders_in_headless_chromium(window, tmp_path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: scripts/setup.sh installs it (scripts/apt-packages.txt)"
    path, _ = _report(window, tmp_path)
    shot = tmp_path / "report.png"
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<figure>") >= len(CHART_TITLES)
    run = subprocess.run(
        [*common, f"--screenshot={shot}", "--window-size=1200,2400", "--hide-scrollbars", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    image = QImage(str(shot))
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50, "the page rendered blank"
