"""``--profile NAME`` and repeatable ``--set KEY=VALUE``: one spelling of the server settings for ``hlsmon``,
``hlsmon probe`` and ``hlsmon plan``, checked against ``monitor.models.settings`` before anything starts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from monitor.models.profiles import PROFILE_NAMES, canonical_name
from monitor.models.settings import SERVER_SETTINGS, SettingError, check, keys_words

SET_EXAMPLE = "--set hls_fragment=2s or --set 'hlsFlags=[hls_time=2:hls_list_size=3]'"


def set_help() -> str:
    """The ``--set`` help: the keys of every profile (generated from the settings tables)."""
    per_profile = "; ".join(f"{name}: {keys_words(name)}" for name in SERVER_SETTINGS)
    return (
        f"a setting of the --profile server in its own syntax (repeatable), e.g. {SET_EXAMPLE}. "
        f"Keys by profile: {per_profile} (docs/server-settings.md)"
    )


def profile_help(default: str | None) -> str:
    shown = f" (default: {default})" if default else ""
    return f"server model: {', '.join(PROFILE_NAMES)}{shown}"


def add_set_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help())


def settings_from_items(items: Sequence[str]) -> dict[str, str]:
    """``["hls_fragment=2s", "hlsFlags=[hls_time=2:hls_list_size=3]"]`` -> dict (the last of a key wins)."""
    settings: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SettingError(f"--set wants KEY=VALUE, got {item!r}")
        settings[key.strip()] = value.strip()
    return settings


def chosen_settings(profile: str | None, items: Sequence[str]) -> tuple[str | None, dict[str, str]]:
    """The canonical profile name and its ``--set`` settings, checked; raises SettingError."""
    settings = settings_from_items(items)
    if profile is None:
        if settings:
            raise SettingError(f"--set needs --profile NAME (one of {', '.join(PROFILE_NAMES)}): keys are a server's")
        return None, settings
    try:
        canonical = canonical_name(profile)
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    check(canonical, settings)
    return canonical, settings


def refuse(command: str, exc: ValueError) -> int:
    """Say why the settings were refused; exit status 2 (a usage error, like argparse's)."""
    sys.stderr.write(f"{command}: {exc}\n")
    return 2


def deprecated(command: str, old: str, new: str) -> None:
    sys.stderr.write(f"{command}: deprecated {old}; use {new}\n")
