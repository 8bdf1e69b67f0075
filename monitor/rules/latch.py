"""The one latch of the rules: one alert per episode of a condition, one recovery when it has cleared.

A rule reports what it sees at each observation: :meth:`Alerter.fire` (the condition holds) or
:meth:`Alerter.clear` (it does not). The first ``fire`` of an episode raises the alert; later ones only
count. The episode ends, with an INFO recovery record, once the condition has been absent for ``hold_s``
(a condition that flips every reload, such as a sequence alternating between two origins, is one
episode, not one alert per flip). A worse variant during an episode raises once more (escalation).
One-off events (:data:`monitor.rules.catalogue.EVENT`) go through :meth:`Alerter.event`.

Alerts collect in the alerter; the poller takes them with :meth:`Alerter.drain` after each call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.records import Alert
from monitor.rules.catalogue import CATALOGUE, EVENT, make_alert, make_recovery

HOLD_S = 30.0  # a condition absent this long has cleared
MAX_EPISODES = 2_000  # keys are bounded (per-generation keys come and go)


@dataclass
class _Episode:
    started: float
    last_seen: float
    count: int
    severity: int
    cleared_since: float | None = None


@dataclass(frozen=True, kw_only=True)
class Stamp:
    """The instant an observation is made: monotonic for holds, UTC for the record."""

    mono: float
    utc: datetime


class Alerter:
    """Latches and collected alerts of one endpoint (owned by its poller thread)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._episodes: dict[tuple[str, str], _Episode] = {}
        self._out: list[Alert] = []

    def fire(
        self,
        at: Stamp,
        code: str,
        evidence: Mapping[str, object],
        *,
        key: str = "",
        variant: str | None = None,
        msn: int | None = None,
    ) -> bool:
        """The condition ``code`` (for ``key``) holds now. True when an alert was raised."""
        assert CATALOGUE[code].kind != EVENT, f"{code} is an event"
        alert = make_alert(
            code, endpoint=self.endpoint, mono=at.mono, utc=at.utc, evidence=evidence, variant=variant, msn=msn
        )
        ep = self._episodes.get((code, key))
        if ep is not None:
            ep.count += 1
            ep.last_seen = at.mono
            ep.cleared_since = None
            if alert.severity <= ep.severity:
                return False
            ep.severity = alert.severity  # escalation: say it once more
        else:
            while len(self._episodes) >= MAX_EPISODES:
                del self._episodes[next(iter(self._episodes))]
            self._episodes[(code, key)] = _Episode(started=at.mono, last_seen=at.mono, count=1, severity=alert.severity)
        self._out.append(alert)
        return True

    def clear(self, at: Stamp, code: str, *, key: str = "", hold_s: float = HOLD_S) -> bool:
        """The condition does not hold now; after ``hold_s`` of absence the episode ends with a recovery."""
        ep = self._episodes.get((code, key))
        if ep is None:
            return False
        if ep.cleared_since is None:
            ep.cleared_since = at.mono
        if at.mono - ep.cleared_since < hold_s:
            return False
        del self._episodes[(code, key)]
        evidence = {"duration_s": round(at.mono - ep.started, 3), "count": ep.count}
        if key:
            evidence["key"] = key
        self._out.append(make_recovery(code, endpoint=self.endpoint, mono=at.mono, utc=at.utc, evidence=evidence))
        return True

    def active(self, code: str, key: str = "") -> bool:
        return (code, key) in self._episodes

    def open_episodes(self) -> list[tuple[str, str]]:
        """The (code, key) of every open episode."""
        return list(self._episodes)

    def event(
        self,
        at: Stamp,
        code: str,
        evidence: Mapping[str, object],
        *,
        variant: str | None = None,
        msn: int | None = None,
    ) -> None:
        """A one-off fact (no episode): the caller decides it happened once (a state transition)."""
        assert CATALOGUE[code].kind == EVENT, f"{code} is a condition: latch it with fire()"
        self._out.append(
            make_alert(
                code, endpoint=self.endpoint, mono=at.mono, utc=at.utc, evidence=evidence, variant=variant, msn=msn
            )
        )

    def drain(self) -> list[Alert]:
        out, self._out = self._out, []
        return out
