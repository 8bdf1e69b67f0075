"""Every server profile the models know can be chosen in the window: ``hlsmon --profile NAME`` and the panel."""

from __future__ import annotations

import argparse

import pytest

from gui import cli
from gui.server_model import PROFILES, ServerModelView
from monitor.models.profiles import PROFILE_NAMES
from monitor.records import Fingerprint, MonitorConfig
from tests.models.scripted import life


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_model_profile_is_accepted_by_the_gui(name: str):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert parser.parse_args(["http://127.0.0.1:1/x.m3u8", "--profile", name]).profile == name
    assert name in PROFILES  # the profile panel ignores names it has no fields for
    view = ServerModelView()
    view.configure(name, {})  # the server's defaults, from the models' settings table
    assert view.error == "" and view.prediction is not None


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_form_of_every_profile_round_trips_through_the_model(name: str, qtbot):
    """The form is generated from the settings table: its settings, in the server's syntax, are what the
    model accepts, and give the same profile as the server's defaults."""
    from gui.profile_panel import ProfilePanel
    from monitor.models import SERVER_SETTINGS, profile_for

    panel = ProfilePanel()
    qtbot.addWidget(panel)
    panel.set_profile(name)
    assert list(panel.settings()) == [s.key for s in SERVER_SETTINGS[name]]
    assert profile_for(name, panel.settings()) == profile_for(name, {})


def test_the_panel_shows_the_fingerprint_the_monitor_published(qtbot):
    """The window receives the guess in Measures.server (computed once by the poller) and shows it; it
    pre-selects the profile unless the user chose one."""
    from gui.profile_panel import ProfilePanel

    panel = ProfilePanel()
    qtbot.addWidget(panel)
    found = Fingerprint(name="srs", reason="looks like srs: EXTINF title 'no desc'")
    panel.offer_fingerprint(found)
    assert panel.server_found == found and panel.profile() == "srs"
    assert "looks like srs" in panel.fingerprint.text()
    panel.set_profile("ffmpeg")  # the user's choice wins over a later guess
    panel.offer_fingerprint(Fingerprint(name="mediamtx", reason="looks like mediamtx: names"))
    assert panel.profile() == "ffmpeg" and "mediamtx" in panel.fingerprint.text()


def test_the_server_model_view_derives_no_fingerprint_of_its_own():
    assert not any(name in vars(ServerModelView) for name in ("detect", "fingerprint"))


def test_the_predicted_deletion_starts_from_the_first_seen_estimate():
    """A first-seen window opened by the reload 2 s before: the segment appeared near its end, not its middle."""
    view = ServerModelView()
    view.configure(
        "nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s", "hls_cleanup": "on", "keyint": "1"}
    )
    lc = life(7, "seg-7.ts", 2.0, (10.0, 12.0))
    lo, hi = view.deletion_interval(lc)
    seen = lc.first_seen.hi_utc.timestamp() - MonitorConfig.dense_step_s / 2
    assert lo == pytest.approx(seen + 12.0) and hi == pytest.approx(seen + 24.0)


NMS_TUTORIAL = "hlsFlags=[hls_time=1:hls_list_size=100:hls_flags=delete_segments]"
CLOSED = "http://127.0.0.1:9/live/stream/index.m3u8"  # nothing listens on port 9


@pytest.fixture
def window_from_argv(qtbot, tmp_path, monkeypatch):
    """The window as ``hlsmon URL ARGS...`` builds it (no player; a closed port, so nothing arrives)."""
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window
    from gui.settings import Settings

    ini = tmp_path / "settings.ini"
    monkeypatch.setenv("HLSMON_SETTINGS_FILE", str(ini))
    Settings(ini).set("settings/record_dir", str(tmp_path / "sessions"))
    built = []

    def build(*argv: str):
        parser = argparse.ArgumentParser()
        cli.add_arguments(parser)
        args = parser.parse_args([CLOSED, *argv, "--no-player", "--config-file", str(ini)])
        window, lab = build_window(QApplication.instance(), args)
        assert lab is None
        qtbot.addWidget(window)
        built.append(window)
        return window

    yield build
    for window in built:
        window.stop()
        window.close()


def test_the_window_form_shows_the_nms_hls_flags_given_on_the_command_line(window_from_argv):
    """``hlsmon URL --profile nms --set hlsFlags=[…]``: the form shows each ffmpeg option and the references
    follow them (a 200 s window, not a default 6 s)."""
    from PySide6.QtWidgets import QLineEdit

    window = window_from_argv("--profile", "nms", "--set", NMS_TUTORIAL, "--set", "keyint=2")
    shown = {
        key: window.profile.findChild(QLineEdit, f"setting-hlsFlags-{key}").text()
        for key in ("hls_time", "hls_list_size", "hls_flags")
    }
    assert shown == {"hls_time": "1", "hls_list_size": "100", "hls_flags": "delete_segments"}
    assert window.profile.findChild(QLineEdit, "setting-keyint").text() == "2"
    assert window.profile.settings()["hlsFlags"] == NMS_TUTORIAL.removeprefix("hlsFlags=")
    assert window.server.error == "" and window.server.prediction.entries == 100
    assert window.model.refs.playlist_length == pytest.approx(200)


def test_what_if_and_the_latency_reference_are_hlsmon_plan(window_from_argv):
    """The window's "What if…" text is `hlsmon plan`'s for the same settings, and the spec player's latency
    line is plan's lowest total: 9 s for nginx-rtmp 2 s / 10 s, ingest included (the window drew 8 s)."""
    import subprocess
    import sys

    argv = (
        "--profile",
        "nginx-rtmp",
        "--set",
        "hls_fragment=2s",
        "--set",
        "hls_playlist_length=10s",
        "--set",
        "keyint=2",
    )
    window = window_from_argv(*argv)
    planned = subprocess.run(
        [sys.executable, "main.py", "plan", *argv], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert window.server.plan_text("none") == planned
    assert "(lowest for a spec-following player: 9 s)" in planned
    assert window.model.refs.values["viewer.spec"] == pytest.approx(9.0)


def test_the_form_refuses_a_setting_the_profile_does_not_have(qtbot):
    from gui.profile_panel import ProfilePanel
    from monitor.models import SettingError

    panel = ProfilePanel()
    qtbot.addWidget(panel)
    with pytest.raises(SettingError, match="set inside hlsFlags"):
        panel.set_profile("nms", {"hls_time": "4"})
    assert panel.profile() == "nginx-rtmp"  # nothing changed


def test_the_monitors_alert_rules_judge_against_the_windows_server_model(window_from_argv, qtbot):
    """The alerts say what the verdicts say only if the rules know the settings: the window hands its model to
    the monitor at start and again whenever the profile form changes."""
    window = window_from_argv("--profile", "nginx-rtmp", "--set", "hls_fragment=2s", "--set", "hls_playlist_length=10s")
    qtbot.waitUntil(lambda: window.stream.monitor is not None and bool(window.stream.monitor.pollers), timeout=5000)

    def judged_against() -> set[object]:
        return {p.rules.segments.server for p in window.stream.monitor.pollers}

    assert judged_against() == {window.server.server_profile} and window.server.server_profile is not None
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "30s"})
    assert judged_against() == {window.server.server_profile}
    assert window.server.server_profile.playlist_length_s == 30
