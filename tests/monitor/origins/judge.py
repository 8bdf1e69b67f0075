"""What an operator sees, read from the monitor's public records only (so these judgements survive refactors).

``watch`` runs the real :class:`monitor.monitor.Monitor` for a while against URLs and returns a :class:`Run`
with every event it emitted. Alerts are judged by their code (monitor/rules/catalogue.py) and, loosely, by
words of their message; a recovery is an INFO alert whose ``recovers`` names the code it clears.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from monitor.clock import Clock
from monitor.monitor import Monitor
from monitor.records import (
    Alert,
    EndpointConfig,
    EndpointState,
    EndpointStatus,
    Measures,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
    Severity,
)


@dataclass
class Run:
    monitor: Monitor
    events: list[object] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0

    def alerts(self, endpoint: str | None = None, at_least: Severity = Severity.INFO) -> list[Alert]:
        return [
            a for a in self.monitor.alerts() if (endpoint is None or a.endpoint == endpoint) and a.severity >= at_least
        ]

    def requests(self, endpoint: str | None = None, kind: RequestKind | None = None) -> list[RequestRecord]:
        return [
            e
            for e in self.events
            if isinstance(e, RequestRecord)
            and (endpoint is None or e.endpoint == endpoint)
            and (kind is None or e.kind == kind)
        ]

    def states(self, endpoint: str) -> list[EndpointState]:
        return [e.state for e in self.events if isinstance(e, EndpointStatus) and e.endpoint == endpoint]

    def statuses(self, endpoint: str) -> list[EndpointStatus]:
        return [e for e in self.events if isinstance(e, EndpointStatus) and e.endpoint == endpoint]

    def lifecycles(self, endpoint: str) -> list[SegmentLifecycle]:
        lives = [lf for lf in self.monitor.lifecycles().values() if lf.endpoint == endpoint]
        return sorted(lives, key=lambda lf: (lf.generation, lf.msn))

    def lifecycle_events(self, endpoint: str) -> list[SegmentLifecycle]:
        return [e for e in self.events if isinstance(e, SegmentLifecycle) and e.endpoint == endpoint]

    def measures(self, endpoint: str) -> list[Measures]:
        return [e for e in self.events if isinstance(e, Measures) and e.endpoint == endpoint]

    def snapshots(self, endpoint: str) -> list[PlaylistSnapshot]:
        return [e for e in self.events if isinstance(e, PlaylistSnapshot) and e.endpoint == endpoint]


def watch(
    endpoints: dict[str, str] | Iterable[EndpointConfig],
    seconds: float,
    *,
    schedule: Iterable[tuple[float, Callable[[], object]]] = (),
    clock: Clock | None = None,
    **config: object,
) -> Run:
    """Run the monitor for ``seconds`` of wall time; ``schedule`` runs ``(t, action)`` at ``t`` s after start."""
    if isinstance(endpoints, dict):
        endpoints = [EndpointConfig(name=name, url=url) for name, url in endpoints.items()]
    events: list[object] = []
    monitor = Monitor(MonitorConfig(endpoints=tuple(endpoints), **config), events.append, clock=clock)
    run = Run(monitor=monitor, events=events, started=time.monotonic())
    run.monitor.start()
    try:
        for t, action in sorted(schedule, key=lambda item: item[0]):
            time.sleep(max(0.0, run.started + t - time.monotonic()))
            action()
        time.sleep(max(0.0, run.started + seconds - time.monotonic()))
    finally:
        run.monitor.close()
        run.ended = time.monotonic()
    return run


def text_of(alert: Alert) -> str:
    return f"{alert.code} {alert.message}".lower()


def mentioning(alerts: Iterable[Alert], *words: str) -> list[Alert]:
    """Alerts whose code or message contains every one of ``words`` (case-insensitive; a word given as
    ``"a|b"`` matches either)."""
    return [a for a in alerts if all(any(w in text_of(a) for w in word.lower().split("|")) for word in words)]


def coded(alerts: Iterable[Alert], *codes: str) -> list[Alert]:
    """Alerts with one of ``codes`` (recoveries excluded)."""
    return [a for a in alerts if a.code in codes and a.recovers is None]


def recoveries(alerts: Iterable[Alert], *codes: str) -> list[Alert]:
    """Recovery records (the end of an episode), of ``codes`` when given."""
    return [a for a in alerts if a.recovers is not None and (not codes or a.recovers in codes)]


def problems(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts that are not recoveries."""
    return [a for a in alerts if a.recovers is None]


def flips(states: list[EndpointState]) -> int:
    """How many times the endpoint went from live to stalled."""
    return sum(1 for a, b in itertools.pairwise(states) if a == EndpointState.LIVE and b == EndpointState.STALLED)
