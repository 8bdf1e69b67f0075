"""LiveEdgeController on scripted latencies (injected time)."""

from __future__ import annotations

import pytest

from player.live_edge import FEED_MARGIN_S, SETTLE_AFTER_SEEK_S, LiveEdgeConfig, LiveEdgeController


def _started(config: LiveEdgeConfig | None = None, fragment: float = 2.0) -> LiveEdgeController:
    controller = LiveEdgeController(config)
    controller.set_fragment(fragment)
    controller.reset(0.0)
    return controller


def test_waits_for_settling_then_seeks_large_excess() -> None:
    controller = _started()
    assert controller.target_s == pytest.approx(5.0)  # auto: 2 × fragment + 1 s
    assert controller.update(0.5, 18.0, "strip", seekable=True) == []
    commands = controller.update(2.0, 18.0, "strip", seekable=True)
    seeks = [c for c in commands if c.kind == "seek"]
    assert len(seeks) == 1 and seeks[0].value == pytest.approx(18.0 - 5.0 - 2.0)
    # during the settle time after a seek nothing more happens
    assert controller.update(2.0 + SETTLE_AFTER_SEEK_S / 2, 6.0, "strip", seekable=True) == []


def test_rate_catch_up_is_capped_and_returns_to_one() -> None:
    controller = _started(LiveEdgeConfig(target_s=3.0))
    commands = controller.update(2.0, 5.0, "strip", seekable=False)  # 2 s excess, not seekable
    assert [c.kind for c in commands] == ["rate"]
    assert commands[0].value == pytest.approx(1.25)  # 1 + 0.25*2 = 1.5 capped to 1.25
    commands = controller.update(3.0, 3.4, "strip", seekable=False)
    assert commands[0].value == pytest.approx(1.10)
    commands = controller.update(4.0, 3.05, "strip", seekable=False)
    assert commands[0].value == 1.0
    assert controller.status().mode == "holding"
    assert controller.update(4.5, 3.05, "strip", seekable=False) == []  # no repeated commands


def test_estimates_use_wider_tolerance() -> None:
    controller = _started(LiveEdgeConfig(target_s=3.0))
    assert controller.update(2.0, 3.8, "estimate", seekable=True) == []  # within ±1 s
    assert controller.update(2.5, 3.8, "strip", seekable=True)[0].kind == "rate"


def test_stall_near_target_raises_auto_target_only() -> None:
    controller = _started()
    controller.update(2.0, 5.1, "strip", seekable=True)
    controller.on_stall(2.1)
    assert controller.target_s == pytest.approx(5.5)
    fixed = _started(LiveEdgeConfig(target_s=3.0))
    fixed.update(2.0, 3.1, "strip", seekable=True)
    fixed.on_stall(2.1)
    assert fixed.target_s == 3.0
    assert fixed.status().stalls_near_target == 1


def test_disabled_controller_restores_normal_rate() -> None:
    controller = _started(LiveEdgeConfig(target_s=3.0))
    controller.update(2.0, 5.0, "strip", seekable=False)
    controller.set_enabled(False)
    commands = controller.update(2.5, 5.0, "strip", seekable=False)
    assert [(c.kind, c.value) for c in commands] == [("rate", 1.0)]
    assert controller.status().mode == "off"


def test_useless_seek_disables_seeking_and_its_rebuffer_is_forgiven() -> None:
    controller = _started(LiveEdgeConfig(target_s=3.0))
    assert any(c.kind == "seek" for c in controller.update(2.0, 12.0, "strip", seekable=True))
    controller.on_stall(2.5)  # the seek's own rebuffer
    assert controller.status().stalls_near_target == 0
    after = 2.0 + SETTLE_AFTER_SEEK_S + 0.1
    commands = controller.update(after, 11.5, "strip", seekable=True)  # gained only 0.5 s
    assert [c.kind for c in commands] == ["rate"]
    later = after + 20.0
    assert all(c.kind != "seek" for c in controller.update(later, 11.0, "strip", seekable=True))


def test_stall_burst_raises_once_then_backs_off_to_new_target() -> None:
    controller = _started()  # auto target 5.0 s
    controller.update(2.0, 5.0, "strip", seekable=False)
    for k in range(5):  # one episode: several "too late" rebuffers within a second
        controller.on_stall(2.1 + k * 0.1)
    assert controller.target_s == pytest.approx(5.5)
    commands = controller.update(3.0, 4.9, "strip", seekable=False)  # 0.6 s closer than the target
    assert [c.kind for c in commands] == ["rate"] and 0.9 <= commands[0].value < 1.0
    assert controller.status().mode == "backing-off"
    controller.on_stall(13.0)  # a later episode raises again
    assert controller.target_s == pytest.approx(6.0)


@pytest.mark.parametrize("fragment", [1.0, 2.0, 4.0, 6.0])
def test_through_the_feed_the_auto_target_is_at_most_one_fragment_plus_0_8_s(fragment: float) -> None:
    """hls.js tuned to one segment reaches ~fragment + 1.2 s on the lab: the feed's automatic target is closer."""
    controller = LiveEdgeController()
    controller.set_edge_feed(True)
    controller.set_fragment(fragment)
    assert controller.target_s <= fragment + 0.8 + 1e-9


def test_with_the_edge_feed_the_auto_target_is_one_segment_closer() -> None:
    controller = LiveEdgeController()
    controller.set_fragment(2.0)
    assert controller.target_s == pytest.approx(5.0)
    controller.set_edge_feed(True)
    assert controller.target_s == pytest.approx(2.0 + FEED_MARGIN_S)
    controller.set_fragment(1.0)
    assert controller.target_s == pytest.approx(1.0 + FEED_MARGIN_S)
