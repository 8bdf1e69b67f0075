"""One settings vocabulary on the command line: ``--profile NAME --set KEY=VALUE`` for the window, ``probe``
and ``plan``; a setting the profile does not have stops the command with its valid keys (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.models import SERVER_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
NMS_FLAGS = "hlsFlags=[hls_time=1:hls_list_size=100:hls_flags=delete_segments]"
CLOSED = "http://127.0.0.1:9/live/stream/index.m3u8"  # nothing listens on port 9


def hlsmon(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run(
        [sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize("command", ["gui", "probe", "plan"])
def test_help_lists_the_keys_of_every_profile(command: str) -> None:
    result = hlsmon(command, "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # argparse wraps the help
    assert "--set KEY=VALUE" in text and "--profile" in text
    for name, settings in SERVER_SETTINGS.items():
        assert f"{name}:" in text
        assert all(s.key in text for s in settings), name
    assert "nms: hlsFlags (options hls_time, hls_list_size, hls_flags, hls_delete_threshold as [key=value:...])" in text


@pytest.mark.parametrize(
    "argv",
    [
        ("plan", "--profile", "nms", "--set", "hls_fragment=2s"),
        ("probe", CLOSED, "--profile", "nms", "--set", "hls_fragment=2s", "--duration", "30"),
        ("gui", CLOSED, "--profile", "nms", "--set", "hls_fragment=2s"),
    ],
    ids=["plan", "probe", "window"],
)
def test_a_setting_of_another_server_exits_2_with_the_valid_keys(argv: tuple[str, ...]) -> None:
    result = hlsmon(*argv)
    assert result.returncode == 2
    assert "hls_fragment is a setting of nginx-rtmp, srs, not of nms" in result.stderr
    assert "nms settings: hlsFlags (options hls_time, hls_list_size" in result.stderr
    assert "hlsKeep, keyint" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("plan", "--profile", "ffmpeg", "--set", "hls_tme=2"), "unknown setting 'hls_tme' for ffmpeg"),
        (("plan", "--profile", "nginx-rtmp", "--set", "hls_fragment=1.5s"), "write it in ms, e.g. 1500ms"),
        (("plan", "--profile", "nginx-rtmp", "--set", "hls_fragment"), "--set wants KEY=VALUE"),
        (("gui", CLOSED, "--profile", "nms", "--set", "hlsFlags=[hls_time=two]"), "bad value"),
        (("gui", CLOSED, "--set", "hls_fragment=2s"), "--set needs --profile NAME"),
        (("probe", CLOSED, "--profile", "ffmpeg", "--set", "hls_list_size=many"), "not a whole number"),
        (("probe", CLOSED, "--profile", "nginx-rtmp:hls_fragment=1.5s"), "1500ms"),
        (("plan", "--server", "ffmpeg", "--hls-fragment", "2"), "hls_fragment is a setting of nginx-rtmp, srs"),
    ],
)
def test_unknown_keys_and_bad_values_exit_2(argv: tuple[str, ...], words: str) -> None:
    result = hlsmon(*argv)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr


def test_plan_takes_the_nms_hls_flags_in_the_servers_own_syntax() -> None:
    result = hlsmon("plan", "--profile", "nms", "--set", NMS_FLAGS, "--set", "keyint=2")
    assert result.returncode == 0, result.stderr
    assert "hls_time 1 s, hls_list_size 100, delete_segments" in result.stdout
    assert "100 entries, window 200 s" in result.stdout
    assert result.stderr == ""


def test_old_spellings_still_work_with_one_deprecation_line_each() -> None:
    new = hlsmon("plan", "--profile", "nms", "--set", NMS_FLAGS)
    old = hlsmon("plan", "--server", "nms", "--hls-time", "1", "--hls-list-size", "100", "--delete-segments")
    assert old.returncode == 0 and old.stdout == new.stdout
    lines = old.stderr.splitlines()
    assert lines == [
        "hlsmon plan: deprecated --server NAME; use --profile NAME",
        "hlsmon plan: deprecated --hls-time --hls-list-size --delete-segments; use --set KEY=VALUE (keys in --help)",
    ]


def test_probe_old_profile_spelling_works_with_a_deprecation_line() -> None:
    result = hlsmon(
        "probe",
        CLOSED,
        "--profile",
        "nginx-rtmp:hls_fragment=2s,hls_playlist_length=6s",
        "--duration",
        "0.5",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert notes == ["hlsmon probe: deprecated --profile NAME:key=value; use --profile NAME --set key=value"]
    assert "Server model verdicts:" in result.stdout


def test_probe_judges_with_the_set_settings() -> None:
    result = hlsmon("probe", CLOSED, "--profile", "nms", "--set", NMS_FLAGS, "--duration", "0.5", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "deprecated" not in result.stderr and "Server model verdicts:" in result.stdout
