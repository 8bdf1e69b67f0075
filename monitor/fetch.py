"""HTTP requests with explicit timeouts and full timing, turned into :class:`RequestRecord`.

One ``requests.Session`` per poller thread (sessions are not shared across threads). Non-http(s)
URLs are refused and never fetched. Failures never raise: they come back as a record with
``status=None`` (no response) and a plain ``error`` message.

Each request has a total deadline (by default the connect plus the read timeout): a body that arrives
one byte a second is cut there, at most one read timeout late, instead of hanging the poller. Bodies are
read raw and decompressed here, so the cap (``max_bytes``) counts the bytes after decompression and a
small gzip bomb cannot take the memory.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as urllib3_errors

from monitor.clock import Clock
from monitor.records import HEADERS_OF_INTEREST, RequestKind, RequestRecord
from monitor.redact import redact_text, redact_url

log = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("http", "https")
# Sent like a browser player on another site would: S3 (and servers that echo the Origin) answer CORS only
# to requests that carry one. A header value only: .invalid never resolves, nothing is sent there.
PLAYER_ORIGIN = "https://player.hlsmon.invalid"


@dataclass(frozen=True, kw_only=True)
class Fetched:
    record: RequestRecord
    body: bytes | None  # None when no response or HEAD
    truncated: bool = False  # body larger than max_bytes


def new_session(user_agent: str) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    # The monitor wants to see what the server says, not a cached or compressed variant of it.
    session.headers["Accept-Encoding"] = "identity"
    session.headers["Origin"] = PLAYER_ORIGIN
    return session


def check_url(url: str) -> str | None:
    """Return a plain reason why ``url`` must not be fetched, or None when it is acceptable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"refused: only http and https URLs are fetched (got {parts.scheme or 'no scheme'!r})"
    if not parts.hostname:
        return "not a valid URL: no host"
    return None


def fetch(
    session: requests.Session,
    url: str,
    *,
    endpoint: str,
    kind: RequestKind,
    clock: Clock,
    timeout: tuple[float, float],
    method: str = "GET",
    max_bytes: int = 4_000_000,
    headers: dict[str, str] | None = None,
    msn: int | None = None,
    blocking: bool = False,
    deadline_s: float | None = None,
) -> Fetched:
    """Do one request and time it: send, first byte (headers), end of body (within ``deadline_s``, by
    default the connect plus the read timeout)."""
    sent = clock.mono()
    deadline = sent + (deadline_s if deadline_s is not None else timeout[0] + timeout[1])
    problem = check_url(url)
    if problem:
        return _failed(url, endpoint, kind, method, clock, sent, problem, msn, blocking)
    try:
        resp = session.request(method, url, timeout=timeout, stream=True, allow_redirects=True, headers=headers or {})
    except requests.Timeout:
        return _failed(url, endpoint, kind, method, clock, sent, f"timeout after {timeout[1]:g} s", msn, blocking)
    except requests.TooManyRedirects:
        return _failed(url, endpoint, kind, method, clock, sent, "too many redirects", msn, blocking)
    except requests.ConnectionError as exc:
        return _failed(url, endpoint, kind, method, clock, sent, _connection_reason(exc), msn, blocking)
    except (requests.RequestException, ValueError) as exc:
        reason = redact_text(f"request failed: {exc}")[:300]
        return _failed(url, endpoint, kind, method, clock, sent, reason, msn, blocking)
    first_byte = clock.mono()
    body, truncated, error = _read_body(resp, method, max_bytes, _Deadline(clock, deadline, timeout[1]))
    end = clock.mono()
    final_url = resp.url
    problem = check_url(final_url)
    if problem and not error:
        error = f"redirected to a refused URL: {problem}"
    record = RequestRecord(
        endpoint=endpoint,
        kind=kind,
        method=method,
        url=url,
        final_url=final_url,
        sent_mono=sent,
        sent_utc=clock.utc(sent),
        first_byte_mono=first_byte,
        end_mono=end,
        end_utc=clock.utc(end),
        status=resp.status_code,
        size=len(body) if body is not None else 0,
        headers={k: resp.headers[k] for k in HEADERS_OF_INTEREST if k in resp.headers},
        error=error,
        blocking=blocking,
        msn=msn,
    )
    return Fetched(record=record, body=body, truncated=truncated)


@dataclass(frozen=True)
class _Deadline:
    clock: Clock
    at: float
    read_timeout: float

    def passed(self) -> bool:
        return self.clock.mono() >= self.at


def _decoder(encoding: str) -> zlib._Decompress | None:
    """A streaming decompressor for a Content-Encoding (None: identity); ValueError when unsupported."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise ValueError(f"the server sent a body compressed with {encoding!r}, which hlsmon does not read")


def _next_member(encoding: str) -> zlib._Decompress:
    """The decoder for the next gzip member; data after a complete deflate stream is corrupt."""
    if encoding.strip().lower() not in ("gzip", "x-gzip"):
        raise zlib.error("data after the end of the deflate stream")
    return zlib.decompressobj(16 + zlib.MAX_WBITS)


def _read_body(
    resp: requests.Response, method: str, max_bytes: int, deadline: _Deadline
) -> tuple[bytes | None, bool, str | None]:
    if method == "HEAD":
        resp.close()
        return None, False, None
    chunks: list[bytes] = []
    total = 0
    try:
        encoding = resp.headers.get("content-encoding", "")
        decoder = _decoder(encoding)
        while True:
            if deadline.passed():
                return (
                    b"".join(chunks),
                    True,
                    (f"truncated body: not complete within the request's deadline ({total} bytes read)"),
                )
            raw = resp.raw.read1(16384, decode_content=False)
            if not raw:
                if decoder is not None:
                    chunks.append(decoder.flush())
                break
            while raw:
                part = raw if decoder is None else decoder.decompress(raw, max_bytes + 1 - total)
                raw = b"" if decoder is None else decoder.unconsumed_tail
                if decoder is not None and decoder.eof and decoder.unused_data:
                    # a gzip body may hold several members (RFC 1952 §2.2): read on with a fresh decoder
                    raw = decoder.unused_data + raw
                    decoder = _next_member(encoding)
                chunks.append(part)
                total += len(part)
                if total > max_bytes:
                    return (
                        b"".join(chunks)[: max_bytes + 1],
                        True,
                        (f"body larger than {max_bytes} bytes (after decompression), not read further"),
                    )
    except ValueError as exc:
        return b"".join(chunks), True, str(exc)
    except zlib.error:
        return b"".join(chunks), True, "truncated body: the compressed body is corrupt"
    except (requests.RequestException, OSError, urllib3_errors.HTTPError) as exc:
        reason = "connection reset while reading the body" if "reset" in str(exc).lower() else str(exc)
        if "timed out" in str(exc).lower():
            reason = f"timeout after {deadline.read_timeout:g} s while reading the body"
        return b"".join(chunks), True, redact_text(f"truncated body: {reason}")[:300]
    finally:
        resp.close()
    return b"".join(chunks), False, None


def _connection_reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "connection refused (nothing listening)"
    if "name or service not known" in text or "nodename nor servname" in text or "resolve" in text:
        return "host name not found"
    if "reset" in text or "aborted" in text or "remotedisconnected" in text:
        return "connection reset by the server"
    if "timed out" in text:
        return "connect timeout"
    return redact_text(f"unreachable: {exc}")[:300]


def _failed(
    url: str,
    endpoint: str,
    kind: RequestKind,
    method: str,
    clock: Clock,
    sent: float,
    error: str,
    msn: int | None,
    blocking: bool,
) -> Fetched:
    end = clock.mono()
    log.debug("%s %s %s failed: %s", endpoint, method, redact_url(url), error)
    record = RequestRecord(
        endpoint=endpoint,
        kind=kind,
        method=method,
        url=url,
        final_url=None,
        sent_mono=sent,
        sent_utc=clock.utc(sent),
        first_byte_mono=None,
        end_mono=end,
        end_utc=clock.utc(end),
        status=None,
        error=error,
        blocking=blocking,
        msn=msn,
    )
    return Fetched(record=record, body=None)
