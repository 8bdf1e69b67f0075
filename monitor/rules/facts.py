"""What the poller tells the rules at each observation: the endpoint's state and the facts rules need.

The poller owns the state (:class:`monitor.records.EndpointState`); rules read it here and keep no state
machine of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from monitor.records import EndpointState
from monitor.rules.latch import Stamp

STOPPED_STATES = frozenset({EndpointState.GONE, EndpointState.ENDED, EndpointState.STALLED})


@dataclass(frozen=True, kw_only=True)
class Facts:
    at: Stamp
    state: EndpointState  # as the poller holds it before this observation changes it
    target_duration: float | None = None
    playlist_type: str | None = None  # "VOD", "EVENT" or None (a live sliding window)
    last_new_hi: float | None = None  # the latest instant the newest segment may have appeared
    is_cdn: bool = False  # a --cdn reference, or CDN signs in the responses
    reference: str | None = None  # the endpoint this one is compared with (its origin), when given
    cdn_signs: Mapping[str, str] = field(default_factory=dict)  # header -> value of the latest response
    # the poller ran late (CPU starvation): its samples are uncertain, no timing fault is concluded
    uncertain: bool = False

    @property
    def stopped(self) -> bool:
        """After a stop the origin cleans up: 404s then are not faults of a live window."""
        return self.state in STOPPED_STATES
