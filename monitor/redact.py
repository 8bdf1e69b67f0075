"""Redaction of secrets in URLs (credentials, signed-URL tokens) before they reach files or logs."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query parameter names that carry signatures or tokens (CloudFront, S3 SigV2/V4, Akamai, Wowza, generic).
_SECRET_NAMES = re.compile(
    r"^(x-amz-.*|signature|sig|policy|key-pair-id|token|.*token|auth|.*auth.*|hdnts|hdnea|hmac|"
    r"awsaccesskeyid|password|passwd|pwd|secret|.*secret|api[_-]?key|key|st|e|expires|wmsauthsign|"
    r"md5|hash|jwt|session|sid)$",
    re.IGNORECASE,
)
# Long opaque values (base64/hex blobs) are redacted whatever their parameter is called.
_OPAQUE = re.compile(r"^[A-Za-z0-9_\-+/=~.%]{24,}$")


def redact_url(url: str) -> str:
    """Return ``url`` without user:password and with secret-looking query values replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        cleaned = [(k, REDACTED if (_SECRET_NAMES.match(k) or _OPAQUE.match(v)) and v else v) for k, v in pairs]
        query = urlencode(cleaned, safe="/:,")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every http(s) URL found in a free text (error messages, log lines)."""
    return re.sub(r"https?://[^\s\"'<>]+", lambda m: redact_url(m.group(0)), text)
