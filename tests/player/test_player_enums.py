"""Commands and states of the player are enums; the string-valued ones read and serialise as their words."""

from __future__ import annotations

import json
from dataclasses import asdict

from player.health import HealthTracker, PlaybackState, PlayerEvent
from player.live_edge import CommandKind, EdgeMode, LiveEdgeConfig, LiveEdgeController
from player.liveness import Action, LivenessPolicy, Playback
from player.playlist_watch import PlaylistView
from player.vlc_player import Command


def test_the_health_tracker_reports_playback_states() -> None:
    tracker = HealthTracker()
    assert tracker.snapshot(0.0).state is PlaybackState.IDLE
    tracker.reset(0.0)
    assert tracker.snapshot(0.0).state is PlaybackState.OPENING
    tracker.on_event(PlayerEvent(t_mono=0.1, kind="MediaPlayerPlaying"))
    assert tracker.snapshot(0.1).state is PlaybackState.BUFFERING
    tracker.on_pictures(0.2, 5)
    assert tracker.snapshot(0.2).state is PlaybackState.PLAYING
    tracker.on_event(PlayerEvent(t_mono=0.3, kind="MediaPlayerEndReached"))
    assert tracker.snapshot(0.3).state is PlaybackState.LOST
    tracker.set_state(PlaybackState.WAITING)
    assert tracker.snapshot(0.4).state is PlaybackState.WAITING  # waiting wins over lost


def test_playback_states_read_and_serialise_as_words() -> None:
    health = HealthTracker().snapshot(0.0)
    assert health.state == "idle" and f"{health.state}" == "idle"
    assert json.loads(json.dumps(asdict(health)))["state"] == "idle"


def test_live_edge_commands_and_modes_are_enums() -> None:
    controller = LiveEdgeController(LiveEdgeConfig(target_s=3.0))
    controller.set_fragment(2.0)
    controller.reset(0.0)
    assert controller.status().mode is EdgeMode.WAITING
    commands = controller.update(2.0, 5.0, "strip", seekable=False)
    assert [c.kind for c in commands] == [CommandKind.RATE]
    assert controller.status().mode is EdgeMode.CATCHING_UP
    commands = controller.update(20.0, 30.0, "strip", seekable=True)
    assert CommandKind.SEEK in [c.kind for c in commands]
    assert controller.status().mode is EdgeMode.SEEKING
    assert controller.status().mode == "seeking"


def test_the_player_commands_and_liveness_actions_are_enums() -> None:
    assert {c.name for c in Command} == {"PLAY", "STOP", "TARGET", "FEED"}
    view = PlaylistView(t_mono=0.0, url="http://127.0.0.1:9/x.m3u8", status=404, error="HTTP 404")
    assert isinstance(LivenessPolicy().decide(0.0, view, Playback(playing=False)).action, Action)
