"""Redaction of secrets in URLs (credentials, signed-URL tokens) before they reach files or logs.

Covers: ``user:password@`` in any scheme and any letter case (``HTTP://user:pw@``); query parameters
separated by ``&`` or ``;`` whose name is a secret's or whose value is an opaque blob; signed path
segments (Akamai ``/hdnts=…/``, ``/token=…/`` and long hex/base64 signature directories); and the same
forms inside free text without a scheme (exception texts echo ``url: /path?token=…``). Logging goes
through :func:`install_log_redaction`, a filter on the root handlers, so every logger's records are
redacted at every level, third-party ones (urllib3's debug log of each request) included.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "REDACTED"

# Parameter names that carry signatures or tokens (CloudFront, S3 SigV2/V4, Akamai, Wowza, generic).
_SECRET_NAME = (
    r"x-amz-[\w-]*|signature|sig|policy|key-pair-id|[\w-]*token|[\w-]*auth[\w-]*|hdnts|hdnea|hmac|"
    r"awsaccesskeyid|password|passwd|pwd|[\w-]*secret|api[_-]?key|key|st|e|expires|wmsauthsign|"
    r"md5|hash|jwt|session|sid"
)
_SECRET_NAMES = re.compile(rf"^({_SECRET_NAME})$", re.IGNORECASE)
# Long opaque values (base64/hex blobs) are redacted whatever their parameter is called.
_OPAQUE = re.compile(r"^[A-Za-z0-9_\-+/=~.%]{24,}$")
# A path segment that is a signature: long, opaque, with letters and digits, no file extension.
_OPAQUE_SEGMENT = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+=~%]{32,}$")

_URL = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s\"'<>]+", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=://)[^/\s@\"'<>]+@", re.IGNORECASE)
# name=value after ?, & or ; (or a path /) in free text, for a secret name
_TEXT_PARAM = re.compile(rf"(?<=[?&;/])({_SECRET_NAME})=[^&;#\s\"'<>/)]*", re.IGNORECASE)


def _redact_pair(pair: str) -> str:
    name, sep, value = pair.partition("=")
    if sep and value and (_SECRET_NAMES.match(name) or _OPAQUE.match(value)):
        return f"{name}={REDACTED}"
    return pair


def _redact_query(query: str) -> str:
    return "".join(part if part in ("&", ";") else _redact_pair(part) for part in re.split(r"([&;])", query))


def _redact_path(path: str) -> str:
    out = []
    for segment in path.split("/"):
        if "=" in segment:
            segment = ";".join(_redact_pair(p) for p in segment.split(";"))
            segment = "~".join(_redact_pair(p) for p in segment.split("~")) if "~" in segment else segment
            name = segment.partition("=")[0]
            if _SECRET_NAMES.match(name):
                segment = f"{name}={REDACTED}"
        elif _OPAQUE_SEGMENT.match(segment):
            segment = REDACTED
        out.append(segment)
    return "/".join(out)


def redact_url(url: str) -> str:
    """Return ``url`` without user:password and with secret-looking query values and path segments replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, _redact_path(parts.path), _redact_query(parts.query), parts.fragment))


def redact_text(text: str) -> str:
    """Redact every URL found in a free text (error messages, log lines), and the secret forms that
    appear there without a scheme (``/path?token=…``, ``;sig=…``)."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _USERINFO.sub(f"{REDACTED}@", text)
    return _TEXT_PARAM.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record's message (and its traceback text) with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Put the redacting filter on every handler of ``logger`` (the root logger by default), so records
    of every logger that propagate there are redacted. Idempotent; call it after handlers are set up."""
    for handler in (logger or logging.getLogger()).handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
