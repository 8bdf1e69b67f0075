"""Alert notifications to a webhook without Alertmanager (``hlsmon probe --webhook URL``).

One notification per episode and one when it ends: an alert of a catalogue *condition* opens an episode
(the latch in monitor/rules already raises one alert per episode; :class:`Episodes` holds to it even if a
rule repeats itself), its recovery record (an INFO :class:`Alert` whose ``recovers`` names the code) closes
it; an *event* (a publisher restart) is an episode of its own. Only alerts of ``min_severity`` or worse are
sent, and a recovery only when its opening was.

The poller threads never wait for the network: :meth:`WebhookNotifier.on_event` puts the notification in a
bounded queue (when it is full the newest is dropped and counted) and one sender thread posts it, retrying a
failed post (no answer, 429, 5xx) a bounded number of times with doubling waits. Texts, evidence and URLs
are redacted (monitor.redact) before they leave the process; the webhook URL itself, which carries a secret
in Slack's case, is never logged beyond its host.

Payloads: ``generic`` is one JSON object (:func:`generic_payload`); ``slack`` is ``{"text": ...}``, which
Slack incoming webhooks, Mattermost and Rocket.Chat accept.
"""

from __future__ import annotations

import argparse
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import requests

from monitor.fetch import check_url
from monitor.records import Alert, Severity
from monitor.redact import redact_text
from monitor.rules.catalogue import CATALOGUE, CONDITION

log = logging.getLogger(__name__)

GENERIC, SLACK = "generic", "slack"
FIRING, RESOLVED = "firing", "resolved"
PAYLOAD_VERSION = 1
QUEUE_SIZE = 256
ATTEMPTS = 4  # one post and three retries
BACKOFF_S = 0.5  # the wait before the first retry, doubled for each next one
BACKOFF_MAX_S = 8.0
TIMEOUT_S = (3.05, 5.0)  # connect, read
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
SLACK_MARK = {FIRING: ":red_circle:", RESOLVED: ":large_green_circle:"}

Post = Callable[[str, Mapping[str, object]], int]  # (url, JSON body) → HTTP status; raises on no answer


@dataclass(frozen=True, kw_only=True)
class Notification:
    """One alert as it leaves the process (redacted)."""

    status: str  # FIRING or RESOLVED
    stream: str
    endpoint: str
    code: str  # the alert's code (a recovery: its own code, e.g. playlist_fresh)
    severity: str
    title: str  # the catalogue title of the condition
    message: str
    advice: str
    spec: str | None
    utc: str  # ISO 8601
    evidence: Mapping[str, object]
    recovers: str | None


def _redacted(value: object) -> object:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def notification(alert: Alert, stream: str) -> Notification:
    entry = CATALOGUE.get(alert.recovers or alert.code)
    return Notification(
        status=RESOLVED if alert.recovers is not None else FIRING,
        stream=stream,
        endpoint=alert.endpoint,
        code=alert.code,
        severity=alert.severity.name.lower(),
        title=entry.title if entry is not None else alert.code,
        message=redact_text(alert.message),
        advice=redact_text(alert.advice),
        spec=alert.spec,
        utc=alert.utc.isoformat(),
        evidence=_redacted(dict(alert.evidence)),
        recovers=alert.recovers,
    )


def generic_payload(n: Notification) -> dict[str, object]:
    return {"version": PAYLOAD_VERSION, "source": "hlsmon", **asdict(n)}


def slack_payload(n: Notification) -> dict[str, object]:
    text = f"{SLACK_MARK[n.status]} *{n.title}* ({n.severity}) on {n.stream} {n.endpoint}: {n.message}"
    if n.advice and n.status == FIRING:
        text += f"\n> {n.advice}"
    return {"text": text}


PAYLOADS: Mapping[str, Callable[[Notification], dict[str, object]]] = {GENERIC: generic_payload, SLACK: slack_payload}


class Episodes:
    """Which alerts are notified: one per episode of a condition, its recovery, every event (thread-safe)."""

    def __init__(self, min_severity: Severity = Severity.WARNING) -> None:
        self.min_severity = min_severity
        self._open: set[tuple[str, str]] = set()  # (endpoint, code) notified and not yet recovered
        self._lock = threading.Lock()

    def accept(self, alert: Alert) -> bool:
        with self._lock:
            if alert.recovers is not None:
                key = (alert.endpoint, alert.recovers)
                if key in self._open:
                    self._open.discard(key)
                    return True
                return False
            if alert.severity < self.min_severity:
                return False
            entry = CATALOGUE.get(alert.code)
            if entry is None or entry.kind != CONDITION:
                return True
            key = (alert.endpoint, alert.code)
            if key in self._open:
                return False
            self._open.add(key)
            return True


def _post_json(session: requests.Session) -> Post:
    def post(url: str, body: Mapping[str, object]) -> int:
        return session.post(url, json=body, timeout=TIMEOUT_S).status_code

    return post


class WebhookNotifier:
    """Posts the notified alerts to ``url`` from its own thread. ``on_event`` may be called from any thread."""

    def __init__(
        self,
        url: str,
        *,
        stream: str,
        fmt: str = GENERIC,
        min_severity: Severity = Severity.WARNING,
        attempts: int = ATTEMPTS,
        backoff_s: float = BACKOFF_S,
        queue_size: int = QUEUE_SIZE,
        post: Post | None = None,
    ) -> None:
        problem = check_url(url)
        if problem:
            raise ValueError(f"--webhook: {problem}")
        self.url = url
        self.stream = stream
        self.payload = PAYLOADS[fmt]
        self.episodes = Episodes(min_severity)
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.sent = self.failed = self.dropped = 0  # written by the sender thread (dropped: by on_event)
        self._session = requests.Session()
        self._post = post or _post_json(self._session)
        self._queue: queue.Queue[Notification | None] = queue.Queue(maxsize=queue_size)
        self._abort = threading.Event()
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)
        self._thread.start()

    @property
    def where(self) -> str:
        """The webhook for logs: scheme and host only (the path of a Slack webhook is its secret)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def on_event(self, event: object) -> None:
        if not isinstance(event, Alert) or not self.episodes.accept(event):
            return
        try:
            self._queue.put_nowait(notification(event, self.stream))
        except queue.Full:
            with self._count_lock:  # poller threads drop concurrently
                self.dropped += 1
            log.warning("webhook %s: queue full, notification of %s dropped", self.where, event.code)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued (waiting at most ``timeout`` seconds), then stop the sender thread."""
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(max(0.0, deadline - time.monotonic()))
        self._abort.set()
        self._thread.join(1.0)
        self._session.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._abort.is_set():
                return
            if self._deliver(self.payload(item)):
                self.sent += 1
            else:
                self.failed += 1

    def _deliver(self, body: Mapping[str, object]) -> bool:
        wait = self.backoff_s
        for attempt in range(1, self.attempts + 1):
            try:
                status = self._post(self.url, body)
            except requests.RequestException as exc:
                reason = type(exc).__name__
            else:
                reason = f"HTTP {status}"
                if 200 <= status < 300:
                    return True
                if status not in RETRY_STATUS:
                    break
            log.warning("webhook %s: attempt %d of %d failed (%s)", self.where, attempt, self.attempts, reason)
            if attempt < self.attempts and self._abort.wait(wait):
                break
            wait = min(BACKOFF_MAX_S, wait * 2)
        log.error("webhook %s: notification not delivered", self.where)
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--webhook",
        metavar="URL",
        help="POST each alert (one per episode, and its recovery) to URL as JSON, from a sender thread "
        "with bounded retries; texts and URLs are redacted",
    )
    parser.add_argument(
        "--webhook-format",
        choices=[GENERIC, SLACK],
        default=GENERIC,
        help='generic JSON (default) or a Slack-compatible {"text": ...} payload',
    )
    parser.add_argument(
        "--webhook-severity",
        choices=[s.name.lower() for s in Severity],
        default="warning",
        help="notify alerts of this severity or worse (default: warning)",
    )


def from_args(args: argparse.Namespace, stream: str) -> WebhookNotifier | None:
    """The notifier of ``--webhook`` (None without it); ValueError for an unusable URL."""
    if not args.webhook:
        return None
    return WebhookNotifier(
        args.webhook, stream=stream, fmt=args.webhook_format, min_severity=Severity.parse(args.webhook_severity)
    )
