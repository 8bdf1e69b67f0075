"""Redaction of every secret form, in URLs, free texts and log records (third-party loggers included)."""

from __future__ import annotations

import logging

import pytest

from monitor.redact import REDACTED, install_log_redaction, redact_text, redact_url

SECRETS = ("pw", "s3cr3t", "abc123", "zz9", "c0ffee")


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://user:pw@cdn.example/live.m3u8",  # upper-case scheme
        "Https://user:pw@cdn.example/live.m3u8",
        "http://cdn.example/live.m3u8?a=1;token=abc123;b=2",  # ;-separated parameters
        "http://cdn.example/live.m3u8?a=1&Signature=zz9&b=2",
        "http://cdn.example/hdnts=exp=1700000000~acl=/*~hmac=c0ffee0123/live.m3u8",  # Akamai token in the path
        "http://cdn.example/token=abc123/live.m3u8",
        "http://cdn.example/5f2b9c0e1d3a47b6c0ffee5e8d7c6b5a4f3e2d1c/live.m3u8",  # a hex signature directory
        "http://cdn.example/path;sig=zz9/live.m3u8",
    ],
)
def test_every_url_form_is_redacted(url):
    for text in (redact_url(url), redact_text(f"GET {url} failed"), redact_text(url)):
        assert not any(s in text for s in SECRETS), text
        assert REDACTED in text and "cdn.example" in text


def test_what_is_not_secret_is_kept():
    url = "http://cdn.example/hls/stream-1700000000123.ts?n=2&x=1"
    assert redact_url(url) == url
    assert redact_text(f"see {url}") == f"see {url}"


def test_exception_texts_that_echo_the_url_without_a_scheme():
    text = (
        "HTTPConnectionPool(host='cdn.example', port=80): Max retries exceeded with url: "
        "/live.m3u8?token=abc123&n=1 (Caused by NewConnectionError('refused'))"
    )
    out = redact_text(text)
    assert "abc123" not in out and "n=1" in out and "Max retries" in out
    assert "s3cr3t" not in redact_text("rtmp://admin:s3cr3t@origin/app")


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR])
def test_log_records_of_every_logger_are_redacted(level):
    """urllib3's debug log prints every request line with its full query (-vv)."""
    root = logging.getLogger()
    handler = logging.Handler()
    lines: list[str] = []
    handler.emit = lambda record: lines.append(logging.Formatter().format(record))  # type: ignore[method-assign]
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        install_log_redaction()
        logging.getLogger("urllib3.connectionpool").log(
            level,
            '%s://%s:%s "%s %s %s" %s',
            "http",
            "cdn.example",
            80,
            "GET",
            "/live.m3u8?token=abc123",
            "HTTP/1.1",
            200,
        )
        try:
            raise ValueError("HTTP://user:pw@cdn.example/x")
        except ValueError:
            logging.getLogger("monitor.poller").exception("failed %s", "http://h/x?sig=zz9")
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    text = "\n".join(lines)
    assert len(lines) == 2 and "cdn.example" in text and "Traceback" in text
    assert not any(s in text for s in SECRETS), text
