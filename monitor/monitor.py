"""The public entry point of the monitoring core: :class:`Monitor` (see monitor/records.py for the API)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from monitor.clock import Clock
from monitor.fetch import check_url
from monitor.poller import EndpointPoller, SharedState
from monitor.records import (
    Alert,
    EndpointConfig,
    Event,
    MonitorConfig,
    SegmentLifecycle,
    VariantList,
)
from monitor.session import SessionWriter

log = logging.getLogger(__name__)


class Monitor:
    """Watches the configured endpoints; one daemon thread per endpoint (and per followed variant).

    ``on_event`` is called from the poller threads (see monitor/records.py). ``clock`` is injectable.
    """

    def __init__(
        self, config: MonitorConfig, on_event: Callable[[Event], None] | None = None, *, clock: Clock | None = None
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
        self._writer = SessionWriter(config.record_path, config) if config.record_path else None
        self._started = False

    # ---- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Monitor:
        if self._started:
            return self
        self._started = True
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
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> Monitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        )
        self._pollers.append(poller)
        if self._started:
            poller.start()
        return poller

    def _choose_variant(self, poller: EndpointPoller, variants: VariantList) -> str | None:
        with self._lock:
            first_time = poller.name not in self._variants
            self._variants[poller.name] = variants
        choice = self.config.variants.strip().lower()
        uris = [v.uri for v in variants.variants]
        if choice == "all":
            if first_time:
                for i, uri in enumerate(uris[1:], start=1):
                    ep = replace(
                        poller.endpoint,
                        name=f"{poller.name}-v{i}",
                        url=uri,
                        reference=f"{poller.endpoint.reference}-v{i}" if poller.endpoint.reference else None,
                    )
                    self._add_poller(ep)
            return uris[0]
        if choice.isdigit() and int(choice) < len(uris):
            return uris[int(choice)]
        return uris[0]

    def _emit(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, SegmentLifecycle):
                self._lifecycles[(event.endpoint, event.generation, event.msn)] = event
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
