"""Which way the video reaches libVLC: hlsmon's live-edge feed (the default) or VLC's own HLS client.

The feed (``player/edge_feed.py``) fetches each segment as soon as it is listed and streams the segments to
libVLC as one TS from a loopback server (VLC's own HLS client stays ≥ 2 segments behind). It concatenates TS
segments, so encrypted or fMP4 streams play through VLC's own client whatever the setting. Used from the
player's supervisor thread; ``stats``/``shared_playlist`` from any thread.
"""

from __future__ import annotations

import logging

from player.edge_feed import EdgeFeedConfig, EdgeFeedStats, LiveEdgeFeed
from player.playlist_watch import PlaylistView

log = logging.getLogger(__name__)

# VLC's input cache on the feed's TS. libVLC's http access reports ``:network-caching`` as the PTS delay the TS
# demuxer plays with (``:live-caching`` is for capture devices, ``:file-caching`` for files; VLC's own HLS client
# uses a fixed 1 s whatever is set). VLC's clock settles each segment's first picture this long after the segment
# reached it: the cache is the margin for a segment that arrives late, and all the latency above the segment itself
# and FEED_DELAY_S. Measured on the lab (1 s and 2 s fragments, load 1.6-7 on 2 cores): at 500 ms VLC settled at
# fragment + ~1.1 s, at 200 ms at fragment + 0.74-0.94 s (no rebuffer in bench/player_latency.py's 4 playbacks).
FEED_CACHING_MS = 200
# publisher encode + the origin listing the segment + the feed seeing it (polls every 0.1 s) + decode and
# display: fragment + FEED_DELAY_S + cache is where VLC's clock settles through the feed (0.54-0.74 s measured)
FEED_DELAY_S = 0.55


class PlaybackPath:
    """The configured path (``config``; None: VLC's own client) and the one in use by the current playback."""

    def __init__(self, config: EdgeFeedConfig | None) -> None:
        self.config = config
        self.feed_in_use = config is not None  # decided again at each start (media_url)
        self._feed: LiveEdgeFeed | None = None

    def set_config(self, config: EdgeFeedConfig | None) -> bool:
        """Change the path (closes the feed); False when it is the same."""
        if config == self.config:
            return False
        self.close()
        self.config = config
        self.feed_in_use = config is not None
        log.info("playback path: %s", "live-edge feed" if config else "VLC's own HLS client")
        return True

    def media_url(self, url: str, view: PlaylistView | None) -> str:
        """The URL libVLC opens for ``url``: the feed's (one feed per origin URL, started here) or ``url``."""
        blocked = view.not_streamable if view is not None else None
        self.feed_in_use = self.config is not None and blocked is None
        if not self.feed_in_use:
            if self.config is not None:
                log.info("%s: playing through VLC's own HLS client, not the live-edge feed", blocked)
            return url
        if self._feed is None:
            self._feed = LiveEdgeFeed(url, self.config).start()
        return self._feed.url

    @property
    def network_caching_ms(self) -> int | None:
        """libVLC's network cache for the feed's TS; None: libVLC's own default."""
        return FEED_CACHING_MS if self.feed_in_use else None

    def stats(self) -> EdgeFeedStats | None:
        feed = self._feed
        return feed.stats() if feed is not None else None

    def shared_playlist(self) -> tuple[float, str, str] | None:
        """The feed's newest playlist fetch, for the playlist watcher (any thread; harmless once closed)."""
        feed = self._feed
        return feed.latest_playlist() if feed is not None else None

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None
