"""The `hlsmon` command: subcommands listed, the default command chosen when none is given."""

from __future__ import annotations

import subprocess
import sys

import main


def test_help_lists_every_subcommand() -> None:
    result = subprocess.run([sys.executable, "main.py", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in main.COMMANDS:
        assert name in result.stdout


def test_no_command_means_the_window() -> None:
    assert main._with_default_command([]) == ["gui"]
    assert main._with_default_command(["http://127.0.0.1/x.m3u8"]) == ["gui", "http://127.0.0.1/x.m3u8"]
    assert main._with_default_command(["-v", "http://h/x.m3u8", "--cdn", "u"]) == [
        "-v", "gui", "http://h/x.m3u8", "--cdn", "u",
    ]


def test_explicit_command_is_kept() -> None:
    assert main._with_default_command(["probe", "http://h/x.m3u8"]) == ["probe", "http://h/x.m3u8"]
    assert main._with_default_command(["--help"]) == ["--help"]


def test_window_without_a_display_explains_what_to_do_instead() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "main.py", "http://127.0.0.1:9/x.m3u8"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 2
    assert "hlsmon probe URL" in result.stderr
