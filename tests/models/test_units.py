"""Setting syntaxes (nginx msec parser, FFmpeg and Go durations) and the interval type."""

from __future__ import annotations

import math

import pytest

from monitor.models.units import Interval, ffmpeg_duration_s, flag, fmt_s, go_duration_s, nginx_time_ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("3", 3000),  # a bare number is seconds, not milliseconds
        ("3s", 3000),
        ("500ms", 500),
        ("1m", 60_000),
        ("1m30s", 90_000),
        ("60000", 60_000_000),  # servers.md §1.1: hls_playlist_length 60000; is 60000 s
        ("1h", 3_600_000),
        ("2s;", 2000),
        (4, 4000),
        (2.5, 2500),
    ],
)
def test_nginx_time(text: str | float, ms: int) -> None:
    assert nginx_time_ms(text) == ms


@pytest.mark.parametrize("text", ["1.5s", "1.5", "s", "", "3x", "30s1m", "-1"])
def test_nginx_time_rejects_what_nginx_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        nginx_time_ms(text)


def test_nginx_fraction_error_says_what_to_write() -> None:
    with pytest.raises(ValueError, match="1500ms"):
        nginx_time_ms("1.5s")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("2", 2.0), ("1.5", 1.5), ("500ms", 0.5), ("00:00:02.5", 2.5), ("01:00", 60.0), (3, 3.0)],
)
def test_ffmpeg_duration(text: str | float, seconds: float) -> None:
    assert ffmpeg_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1.0), ("500ms", 0.5), ("1m30s", 90.0), ("2.5s", 2.5), ("2", 2.0)])
def test_go_duration(text: str, seconds: float) -> None:
    assert go_duration_s(text) == pytest.approx(seconds)


def test_go_duration_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        go_duration_s("fast")


@pytest.mark.parametrize(("text", "value"), [("on", True), ("off", False), ("yes", True), ("0", False), (True, True)])
def test_flag(text: str | bool, value: bool) -> None:
    assert flag(text) is value


def test_flag_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        flag("maybe")


def test_interval_words_and_arithmetic() -> None:
    assert Interval(6, 18).words() == "6 to 18 s"
    assert Interval.point(4).words() == "4 s"
    assert Interval(7, math.inf).words() == "at least 7 s"
    assert Interval(12, 24).shift(-6) == Interval(6, 18)
    assert Interval(10, 11).minus(Interval(2, 3)) == Interval(7, 9)
    assert Interval(6, 18).overlaps(Interval(17.5, 18.4))
    assert not Interval(6, 18).overlaps(Interval(18.5, 19))
    assert Interval(6, 18).overlaps(Interval(18.4, 19), tol=0.5)
    assert fmt_s(17.8) == "17.8 s" and fmt_s(6.0) == "6 s" and fmt_s(0) == "0 s"
