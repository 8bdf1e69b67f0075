"""PlaybackPath: which input caching libVLC gets on each path (pure: no feed is started)."""

from __future__ import annotations

from player.edge_feed import DEFAULT_CONFIG
from player.live_edge import FEED_MARGIN_S
from player.playback_path import FEED_CACHING_MS, FEED_DELAY_S, PlaybackPath


def test_the_feed_gets_its_own_network_cache_and_vlcs_own_client_keeps_its_default() -> None:
    assert PlaybackPath(DEFAULT_CONFIG).network_caching_ms == FEED_CACHING_MS
    assert PlaybackPath(None).network_caching_ms is None


def test_where_vlc_settles_on_the_feed_is_not_above_the_automatic_target() -> None:
    """VLC's clock settles at fragment + delay + cache by itself; a target below that makes the controller
    push against VLC's clock all the time (measured: held 0.05 s above the target with a 0.5 s cache)."""
    assert FEED_DELAY_S + FEED_CACHING_MS / 1000 <= FEED_MARGIN_S
