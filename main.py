"""hlsmon entry point: one command with subcommands.

``hlsmon`` alone starts the local lab and opens the window on it; ``hlsmon URL`` opens the window on a
real stream. Every subcommand lives in its own module, which exposes ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; modules are imported only when needed and must not import Qt or libVLC at
module level, so ``hlsmon --help`` and the headless commands stay light.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from importlib import metadata
from types import ModuleType

from monitor.redact import install_log_redaction

COMMANDS: dict[str, str] = {
    "gui": "gui.cli",
    "lab": "lab.cli",
    "probe": "monitor.probe_cli",
    "plan": "monitor.plan_cli",
    "clock": "player.clock_cli",
    "desktop": "gui.desktop_install",
}
DEFAULT_COMMAND = "gui"
VERBOSE_FLAGS = ("-v", "-vv", "-vvv", "--verbose")
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def version() -> str:
    try:
        return metadata.version("hlsmon")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _load(name: str) -> ModuleType:
    return importlib.import_module(COMMANDS[name])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hlsmon",
        description="Play and monitor live HLS streams. With no command, opens the window "
        "(on the local lab when no URL is given).",
    )
    parser.add_argument("--version", action="version", version=f"hlsmon {version()}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-v info, -vv debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _load(name)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def configure_logging(verbosity: int) -> None:
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr)
    install_log_redaction()  # before anything logs a URL (the window logs before a Monitor exists)


def _with_default_command(argv: list[str]) -> list[str]:
    """Insert the default command when the user gave none (``hlsmon`` or ``hlsmon URL``)."""
    verbose = [a for a in argv if a in VERBOSE_FLAGS]
    rest = [a for a in argv if a not in VERBOSE_FLAGS]
    if rest[:1] and (rest[0] in COMMANDS or rest[0] in ("-h", "--help", "--version")):
        return argv
    return [*verbose, DEFAULT_COMMAND, *rest]


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(_with_default_command(args_list))
    configure_logging(args.verbose)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
