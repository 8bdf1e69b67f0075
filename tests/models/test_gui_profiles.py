"""Every server profile the models know can be chosen in the window: ``hlsmon --profile NAME`` and the panel."""

from __future__ import annotations

import argparse

import pytest

from gui import cli
from gui.server_model import PROFILE_FIELDS, PROFILES, ServerModelView
from monitor.models.profiles import PROFILE_NAMES


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_model_profile_is_accepted_by_the_gui(name: str):
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert parser.parse_args(["http://127.0.0.1:1/x.m3u8", "--profile", name]).profile == name
    assert name in PROFILES  # the profile panel ignores names it has no fields for
    view = ServerModelView()
    view.configure(name, {field: default for field, default, _unit in PROFILE_FIELDS[name]})
    assert view.error == "" and view.prediction is not None
