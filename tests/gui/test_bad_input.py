"""Bad input in the URL bar: a message in the window, no traceback, nothing of the previous stream left on screen."""

from __future__ import annotations

import logging

import pytest

from gui.synthetic import synthetic_events
from gui.url_bar import input_problem


@pytest.mark.parametrize(
    ("origin", "cdn", "words"),
    [
        ("", "", "Enter the origin playlist URL first"),
        ("ftp://x/live.m3u8", "", "only http and https"),
        ("x", "", "only http and https"),
        ("http://", "", "no host"),
        ("http://127.0.0.1:8080/hls/a.m3u8", "file:///etc/passwd", "CDN URL"),
    ],
)
def test_refused_input_is_explained(origin: str, cdn: str, words: str) -> None:
    problem = input_problem(origin, cdn)
    assert problem is not None and words in problem


def test_good_urls_pass() -> None:
    assert input_problem("https://cdn.example/hls/a.m3u8", "http://[::1]:8088/hls/a.m3u8") is None


def test_play_with_a_refused_url_says_why_and_clears_the_previous_stream(window, qtbot, caplog) -> None:
    for ev in synthetic_events(40):
        window._on_event(ev)
    window.redraw()
    assert window.model.lifecycles["origin"]
    with caplog.at_level(logging.DEBUG):
        window.url_bar.set_urls("ftp://x")
        window.url_bar.play_button.click()
    assert "only http and https" in window.status.text()
    assert not window.stream.running
    assert not window.model.lifecycles.get("origin")
    assert not [r for r in caplog.records if r.exc_info], "a refused URL is the user's input, not a crash"


def test_play_with_an_empty_url_asks_for_one(window, qtbot) -> None:
    window.url_bar.set_urls("")
    window.url_bar.play_button.click()
    assert "Enter the origin playlist URL" in window.status.text()
    assert not window.stream.running
