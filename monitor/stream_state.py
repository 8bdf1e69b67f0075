"""The endpoint's state from what its poller observed (pure; the poller is the one owner of the state).

STALLED means no new segment for more than 1.5 x the target duration *as seen by a reload*: a reload that
lists nothing new, not the time elapsed on the monitor's own clock (a slow or starved monitor must not
make a stream look stale). A VOD playlist is complete (ENDED) even without ENDLIST. At a CDN a stale
episode ends only after the playlist has stayed fresh for 1.75 target durations: an edge that refreshes
an old copy every TTL looks fresh for at most 1.5 target durations after each refresh, and would
otherwise flap live/stalled.
"""

from __future__ import annotations

from monitor.records import EndpointState, PlaylistSnapshot

STALE_FACTOR = 1.5  # RFC 8216 §6.2.1 / bis §6.3.4: 1.5 x target duration
CDN_FRESH_HOLD_TD = 1.75  # target durations a CDN copy must stay fresh to end a stale episode
LIVE_STATES = frozenset({EndpointState.LIVE, EndpointState.STALLED, EndpointState.ENDED})


def after_failure(state: EndpointState, status: int | None) -> EndpointState:
    """The state after a playlist request that gave no playlist."""
    if status in (404, 410) and state in LIVE_STATES:
        return EndpointState.GONE
    return EndpointState.GONE if state == EndpointState.GONE else EndpointState.ERROR


class Liveness:
    """When the newest segment appeared, and the state a snapshot leads to."""

    def __init__(self) -> None:
        self.last_new_hi: float | None = None  # the latest instant the newest segment may have appeared
        self._fresh_since: float | None = None

    def since_new_s(self, snap: PlaylistSnapshot) -> float | None:
        return None if self.last_new_hi is None else snap.fetched.lo - self.last_new_hi

    def after_snapshot(
        self,
        state: EndpointState,
        snap: PlaylistSnapshot,
        newest_hi: float | None,
        *,
        at_cdn: bool,
        uncertain: bool,
    ) -> EndpointState:
        """``newest_hi``: first_seen.hi of the newest segment this snapshot added (None: nothing new);
        ``uncertain``: the poller ran late, so no staleness is concluded from this reload."""
        if newest_hi is not None:
            self.last_new_hi = max(newest_hi, self.last_new_hi or newest_hi)
        if snap.endlist or (snap.playlist_type or "").upper() == "VOD":
            self._fresh_since = None
            return EndpointState.ENDED
        since = self.since_new_s(snap)
        td = snap.target_duration
        if td and since is not None and since > STALE_FACTOR * td:
            self._fresh_since = None
            stalled = not uncertain or state == EndpointState.STALLED
            return EndpointState.STALLED if stalled else EndpointState.LIVE
        if state == EndpointState.STALLED and at_cdn:
            self._fresh_since = self._fresh_since if self._fresh_since is not None else snap.fetched.lo
            if snap.fetched.lo - self._fresh_since < CDN_FRESH_HOLD_TD * (td or 1.0):
                return EndpointState.STALLED
        self._fresh_since = None
        return EndpointState.LIVE
