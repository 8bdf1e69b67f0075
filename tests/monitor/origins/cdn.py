"""A CDN edge in front of a :class:`LiveOrigin` that can serve an old copy of the playlist.

The edge caches the playlist for ``ttl_s`` (``X-Cache: Miss`` on a fetch from the origin, ``Hit`` with a
growing ``Age`` otherwise). Between :meth:`freeze` and :meth:`thaw` it keeps serving the copy it has, as a
CDN does when its revalidation fails or a long TTL was cached: the stale-copy episode. Segments pass through.
"""

from __future__ import annotations

import math
import threading
import time

from tests.monitor.fakeserver import FakeServer, Reply
from tests.monitor.origins.live import LiveOrigin, nodelay

VIA = "1.1 varnish (Varnish/7.1)"


class StaleEdge:
    def __init__(self, origin: LiveOrigin, ttl_s: float = 0.5) -> None:
        self.origin = origin
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._copy: Reply | None = None
        self._fetched_at = -math.inf
        self.frozen_between: tuple[float, float] = (math.inf, math.inf)

    def freeze(self, after: float, until: float) -> None:
        """Serve the copy held at ``after`` until ``until`` (monotonic instants)."""
        self.frozen_between = (after, until)

    def playlist(self, method: str, path: str) -> Reply:
        now = time.monotonic()
        lo, hi = self.frozen_between
        with self._lock:
            expired = now - self._fetched_at >= self.ttl_s
            if self._copy is None or (expired and not lo <= now < hi):
                self._copy = self.origin.playlist(method, path)
                self._fetched_at = now
                return self._dress(self._copy, "Miss", 0)
            return self._dress(self._copy, "Hit", int(now - self._fetched_at))

    @staticmethod
    def _dress(reply: Reply, cache: str, age: int) -> Reply:
        headers = {**reply.headers, "Age": str(age), "X-Cache": f"{cache} from cloudfront", "Via": VIA}
        headers["Cache-Control"] = "max-age=1"
        return Reply(reply.status, reply.body, headers)

    def segment(self, method: str, path: str) -> Reply:
        return self._dress(self.origin.segment(method, path), "Miss", 0)

    def install(self, server: FakeServer) -> str:
        nodelay(server)
        server.routes[self.origin.path] = self.playlist
        server.fallback = self.segment
        return server.url(self.origin.path)
