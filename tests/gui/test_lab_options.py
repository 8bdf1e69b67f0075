"""The window's --lab-* options set the lab up as the same-named `hlsmon lab` scenario does."""

from __future__ import annotations

import pytest

import main
from gui.app import lab_config
from lab.scenarios import SCENARIOS
from lab.stack import LabConfig


def _window_args(*argv: str):
    return main.build_parser().parse_args(["gui", *argv])


def test_caching_optimized_demo_is_the_stale_playlist_scenario() -> None:
    config = lab_config(_window_args("--lab-cdn", "caching-optimized"))
    expected = SCENARIOS["stale-playlist"].configure(LabConfig(fragment_s=2.0, playlist_length_s=10.0), lambda _: None)
    assert config == expected
    # without an origin Cache-Control the edge keeps the playlist for CloudFront's DefaultTTL: it goes stale
    assert config.cdn_policy == "caching-optimized" and config.cache_control is False


@pytest.mark.parametrize("policy", ["none", "caching-disabled"])
def test_plain_policies_change_only_the_edge(policy: str) -> None:
    config = lab_config(_window_args("--lab-cdn", policy, "--lab-fragment", "1", "--lab-playlist", "4"))
    assert config == LabConfig(fragment_s=1.0, playlist_length_s=4.0).with_(cdn_policy=policy)


def test_default_demo_is_the_tutorial_fix_scenario() -> None:
    config = lab_config(_window_args())
    base = LabConfig(fragment_s=2.0, playlist_length_s=10.0)
    assert config == SCENARIOS["tutorial-fix"].configure(base, lambda _: None)
