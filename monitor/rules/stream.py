"""Stream rules: what the poller's state changes mean (stalled, gone, back, ended) and restarts.

The poller owns the state and calls :meth:`StreamRules.on_state` on every change; these rules only
say what a change means. At a CDN (a --cdn reference, or cache signs in the responses) a frozen
playlist is the edge serving an old copy, never "the publisher may have stopped".
"""

from __future__ import annotations

from monitor.records import EndpointState, PlaylistSnapshot
from monitor.rules.cdn import cache_word, is_hit
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

STALLED = EndpointState.STALLED
GONE = EndpointState.GONE
SEEN = frozenset({EndpointState.LIVE, STALLED, EndpointState.ENDED})  # states reached from a playlist


class StreamRules:
    def __init__(self, alerter: Alerter) -> None:
        self.al = alerter

    def on_state(
        self,
        facts: Facts,
        new: EndpointState,
        *,
        snap: PlaylistSnapshot | None = None,
        status: int | None = None,
    ) -> None:
        """The state changed from ``facts.state`` to ``new``."""
        old, at = facts.state, facts.at
        # Only a playlist seen again ends an episode: stopping the monitor or failing requests do not.
        if new in (EndpointState.LIVE, EndpointState.ENDED):
            self.al.clear(at, "playlist_stale", hold_s=0.0)
            self.al.clear(at, "cdn_old_copy", hold_s=0.0)
        if new in SEEN:
            self.al.clear(at, "playlist_gone", hold_s=0.0)  # recovery: stream_back
        if new == STALLED and snap is not None:
            self._stalled(facts, snap)
        elif new == GONE:
            after_stop = old in (EndpointState.ENDED, STALLED)
            evidence = {"status": status, "after_stop": after_stop}
            self.al.fire(at, "playlist_gone", evidence, variant="after_stop" if after_stop else None)
        elif new == EndpointState.ENDED and snap is not None and snap.endlist:
            self.al.event(at, "stream_ended", {"last_msn": snap.last_msn})

    def _stalled(self, facts: Facts, snap: PlaylistSnapshot) -> None:
        td = snap.target_duration or 0.0
        since = snap.fetched.lo - facts.last_new_hi if facts.last_new_hi is not None else 0.0
        evidence: dict[str, object] = {"since_s": round(since, 3), "target_duration": td}
        if not snap.segments or facts.reference is not None:
            # an emptied live playlist says it itself; a CDN with its origin given is judged against it
            # (stale_cdn_playlist), and a stall they share is the origin's
            return
        signs = facts.cdn_signs
        if snap.age_s is not None and ("age" in signs and (is_hit(signs) or snap.age_s > td)):
            evidence.update(age_s=snap.age_s, cache=cache_word(signs), signs=dict(signs))
            self.al.fire(facts.at, "cdn_old_copy", evidence)
        else:
            self.al.fire(facts.at, "playlist_stale", evidence, variant="cdn" if facts.is_cdn else None)

    def restarted(self, facts: Facts, snap: PlaylistSnapshot, prev: PlaylistSnapshot) -> None:
        """The media sequence went back with new segments (the tracker opened a new generation)."""
        # After the stream ended (ENDLIST) or its playlist was gone, a restart is a new session
        # (Node-Media-Server and ffmpeg always restart; nginx-rtmp once its old playlist was cleaned up).
        variant = "after_end" if prev.endlist else "after_outage" if facts.state == GONE else None
        evidence = {
            "before": prev.media_sequence,
            "after": snap.media_sequence,
            "new_session": variant is not None,
        }
        self.al.event(facts.at, "msn_back", evidence, variant=variant)
