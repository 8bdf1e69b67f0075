"""The public entry point of the monitoring core: :class:`Monitor` (see monitor/records.py for the API).

Bounded: for a master playlist, only the configured endpoints follow variants (a variant that is a
master again follows its own first variant, never spawns more pollers), at most ``MAX_FOLLOWED_VARIANTS``
per endpoint, and a variant that is a master already followed (the master listing itself, or a loop)
is not followed but reported (``master_self_reference``). ``lifecycles()`` keeps the latest of the
``MAX_LIFECYCLES`` most recent segments (the measures count since the start).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urldefrag

from monitor.clock import Clock
from monitor.content import ContentResult, ContentWorker
from monitor.content_feed import ContentFeed, Thumbnails, thumbs_dir
from monitor.fetch import check_url
from monitor.models.base import ServerProfile
from monitor.poller import EndpointPoller, SharedState
from monitor.records import (
    Alert,
    EndpointConfig,
    Event,
    MonitorConfig,
    SampledValues,
    SegmentLifecycle,
    VariantList,
)
from monitor.redact import install_log_redaction
from monitor.rules.catalogue import make_alert
from monitor.session import SessionWriter

log = logging.getLogger(__name__)

MAX_FOLLOWED_VARIANTS = 16  # pollers per configured endpoint with --variants all
MAX_LIFECYCLES = 20_000  # latest lifecycles kept for lifecycles() (the oldest segments are dropped)


class Monitor:
    """Watches the configured endpoints; one daemon thread per endpoint (and per followed variant).

    ``on_event`` is called from the poller threads (see monitor/records.py). ``clock`` is injectable.
    """

    def __init__(
        self,
        config: MonitorConfig,
        on_event: Callable[[Event], None] | None = None,
        *,
        clock: Clock | None = None,
        server: ServerProfile | None = None,
    ) -> None:
        for ep in config.endpoints:
            problem = check_url(ep.url)
            if problem:
                raise ValueError(f"{ep.name}: {problem}")
        names = [ep.name for ep in config.endpoints]
        if len(set(names)) != len(names):
            raise ValueError("endpoint names must be unique")
        self.config = config
        self.on_event = on_event
        self.clock = clock or Clock()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._shared = SharedState()
        self._pollers: list[EndpointPoller] = []
        self._lifecycles: dict[tuple[str, int, int], SegmentLifecycle] = {}
        self._alerts: list[Alert] = []
        self._variants: dict[str, VariantList] = {}
        self._masters: set[str] = set()  # URLs known to be master playlists
        install_log_redaction()  # logs of every logger, third-party ones included, are redacted
        self._writer = SessionWriter(config.record_path, config) if config.record_path else None
        # one content worker for every endpoint (its own thread, a bounded queue); results go back to the
        # endpoint's poller, which owns what follows from them
        self._content = ContentWorker(self._on_content, clock=self.clock) if config.analyse_content else None
        self._thumbs = Thumbnails(thumbs_dir(config.record_path)) if self._content and config.record_path else None
        self._feeds: dict[str, ContentFeed] = {}  # by endpoint name (under _lock)
        self._started = False
        self._server = server  # the configured server model: the rules say where it explains a fact

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Monitor:
        if self._started:
            return self
        self._started = True
        if self._content is not None:
            self._content.start()
        for ep in self.config.endpoints:
            self._add_poller(ep)
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop polling; wait at most ``timeout`` seconds in total for requests in flight (threads are
        daemons, so a hung socket never keeps the process alive)."""
        import time

        self._stop.set()
        deadline = time.monotonic() + timeout
        for poller in list(self._pollers):
            poller.join(max(0.0, deadline - time.monotonic()))
        if self._content is not None:
            self._content.close(max(0.0, deadline - time.monotonic()))
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> Monitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, event: SampledValues) -> None:
        """Append a client's own sample (e.g. the window's host metrics) to the session file, if any.
        Not passed to ``on_event``: the client already has it."""
        if self._writer is not None:
            self._writer.write(event)

    def set_server(self, server: ServerProfile | None) -> None:
        """The configured server model changed: the rules judge later facts against it."""
        self._server = server
        for poller in list(self._pollers):
            poller.rules.set_server(server)

    # ---- queries ---------------------------------------------------------------------------------
    def lifecycles(self) -> dict[tuple[str, int, int], SegmentLifecycle]:
        """Latest lifecycle per (endpoint, generation, msn)."""
        with self._lock:
            return dict(self._lifecycles)

    def alerts(self) -> list[Alert]:
        with self._lock:
            return list(self._alerts)

    def variants(self) -> dict[str, VariantList]:
        with self._lock:
            return dict(self._variants)

    @property
    def pollers(self) -> list[EndpointPoller]:
        return list(self._pollers)

    # ---- internals -------------------------------------------------------------------------------
    def _add_poller(self, ep: EndpointConfig) -> EndpointPoller:
        poller = EndpointPoller(
            ep,
            self.config,
            self._emit,
            clock=self.clock,
            stop=self._stop,
            shared=self._shared,
            on_variants=self._choose_variant,
            content=self._content,
            server=self._server,
        )
        with self._lock:
            self._feeds[poller.name] = poller.content
        self._pollers.append(poller)
        if self._started:
            poller.start()
        return poller

    def _choose_variant(self, poller: EndpointPoller, variants: VariantList) -> str | None:
        with self._lock:
            first_time = poller.name not in self._variants
            self._variants[poller.name] = variants
            self._masters.update(_same(u) for u in (variants.url, poller.url))
            masters = set(self._masters)
        uris = [v.uri for v in variants.variants]
        usable = [u for u in uris if _same(u) not in masters]
        if first_time and len(usable) < len(uris):
            looping = [u for u in uris if _same(u) in masters]
            self._alert(poller, "master_self_reference", {"count": len(looping), "variants": ", ".join(looping[:3])})
        if not usable:
            return None
        choice = self.config.variants.strip().lower()
        root = any(ep.name == poller.name for ep in self.config.endpoints)
        if choice == "all" and first_time and root:
            if len(usable) > MAX_FOLLOWED_VARIANTS:
                self._alert(poller, "variants_capped", {"count": len(usable), "limit": MAX_FOLLOWED_VARIANTS})
            for i, uri in enumerate(usable[1:MAX_FOLLOWED_VARIANTS], start=1):
                ep = replace(
                    poller.endpoint,
                    name=f"{poller.name}-v{i}",
                    url=uri,
                    reference=f"{poller.endpoint.reference}-v{i}" if poller.endpoint.reference else None,
                )
                self._add_poller(ep)
            return usable[0]
        if choice.isdigit() and int(choice) < len(uris) and _same(uris[int(choice)]) not in masters:
            return uris[int(choice)]
        return usable[0]

    def _on_content(self, result: ContentResult) -> None:
        """A segment analysed (content thread): its thumbnail to disk, the result to its poller."""
        thumbnail = self._thumbs.save(result) if self._thumbs is not None else None
        with self._lock:
            feed = self._feeds.get(result.endpoint)
        if feed is not None:
            feed.deliver(result, thumbnail)

    def _alert(self, poller: EndpointPoller, code: str, evidence: dict[str, object]) -> None:
        mono = self.clock.mono()
        self._emit(make_alert(code, endpoint=poller.name, mono=mono, utc=self.clock.utc(mono), evidence=evidence))

    def _emit(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, SegmentLifecycle):
                self._lifecycles[(event.endpoint, event.generation, event.msn)] = event
                if len(self._lifecycles) > MAX_LIFECYCLES:  # bounded over days: drop the oldest segments
                    for key in list(self._lifecycles)[: MAX_LIFECYCLES // 10]:
                        del self._lifecycles[key]
            elif isinstance(event, Alert):
                self._alerts.append(event)
                log.log(30 if event.severity >= 20 else 20, "%s: [%s] %s", event.endpoint, event.code, event.message)
        if self._writer is not None:
            self._writer.write(event)
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                log.exception("on_event handler failed for %s", type(event).__name__)


def _same(url: str) -> str:
    """A URL as compared for "the same playlist" (without its fragment)."""
    return urldefrag(url)[0]
