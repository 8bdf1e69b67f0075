"""``hlsmon plan``: what a server will do with given settings (timeline, window, latency budget)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from monitor.models import settings_cli

HELP = "predict what a server does with given HLS settings (timeline, window, deletion, latency)"
COMMAND = "hlsmon plan"

log = logging.getLogger(__name__)

#: The old per-setting options (flag, setting name, which profiles have it): ``--profile NAME --set KEY=VALUE``
#: replaces them; they still work, with a deprecation note, and are checked like ``--set``.
_OLD_FLAGS: tuple[tuple[str, str], ...] = (
    ("--hls-fragment", "hls_fragment"),
    ("--hls-playlist-length", "hls_playlist_length"),
    ("--hls-cleanup", "hls_cleanup"),
    ("--hls-fragment-naming", "hls_fragment_naming"),
    ("--hls-continuous", "hls_continuous"),
    ("--hls-time", "hls_time"),
    ("--hls-list-size", "hls_list_size"),
    ("--hls-delete-threshold", "hls_delete_threshold"),
    ("--hls-flags", "hls_flags"),
    ("--hls-flags-nms", "hlsFlags"),
    ("--hls-window", "hls_window"),
    ("--segment-duration", "hlsSegmentDuration"),
    ("--segment-count", "hlsSegmentCount"),
    ("--keyint", "keyint"),
)
#: What the old options meant for the spec-only profile.
_OLD_GENERIC = {"hlsSegmentDuration": "segment_duration", "hlsSegmentCount": "entries"}
#: ffmpeg options NMS takes inside hlsFlags.
_NMS_INNER = ("hls_time", "hls_list_size", "hls_delete_threshold", "hls_flags")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", metavar="NAME", help=settings_cli.profile_help("nginx-rtmp"))
    settings_cli.add_set_argument(parser)
    parser.add_argument("--server", help=argparse.SUPPRESS)  # deprecated: --profile
    for flag, _ in _OLD_FLAGS:
        parser.add_argument(flag, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--delete-segments", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--ingest-latency", type=float, default=1.0, help="encoder + RTMP latency to assume (s, default 1)"
    )
    parser.add_argument(
        "--cdn",
        default="none",
        help="CDN in front (CloudFront managed policies): none, caching-disabled, caching-optimized, "
        "elemental-mediapackage, tutorial-fix (*.m3u8 CachingDisabled, segments Elemental-MediaPackage)",
    )
    parser.add_argument(
        "--origin-cache-control",
        default="default",
        help="Cache-Control the origin sends ('default' = the server's default; '' = none; e.g. 'max-age=1')",
    )
    parser.add_argument("--segments", type=int, default=12, help="timeline rows (default 12)")
    parser.add_argument("--json", action="store_true", help="print the prediction as JSON")


def _profile_name(args: argparse.Namespace) -> str:
    if args.server is not None:
        settings_cli.deprecated(COMMAND, "--server NAME", "--profile NAME")
        if args.profile is None:
            return str(args.server)
    return str(args.profile or "nginx-rtmp")


def _old_items(args: argparse.Namespace, profile: str) -> list[str]:
    """``--set`` items for the deprecated per-setting options, in ``profile``'s own names."""
    given = {flag: getattr(args, flag.lstrip("-").replace("-", "_")) for flag, _ in _OLD_FLAGS}
    used = [flag for flag, value in given.items() if value is not None] + ["--delete-segments"] * args.delete_segments
    if not used:
        return []
    settings_cli.deprecated(COMMAND, " ".join(used), "--set KEY=VALUE (keys in --help)")
    old = {name: str(given[flag]) for flag, name in _OLD_FLAGS if given[flag] is not None}
    if args.delete_segments:
        old["hls_flags"] = "+".join(filter(None, (old.get("hls_flags", ""), "delete_segments")))
    if profile == "generic":
        old = {_OLD_GENERIC.get(name, name): value for name, value in old.items()}
    if profile == "nms":
        inner = ":".join(f"{name}={old.pop(name)}" for name in _NMS_INNER if name in old)
        if inner:
            old["hlsFlags"] = f"[{inner}]"
    return [f"{name}={value}" for name, value in old.items()]


def _json_default(value: object) -> object:
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    return str(value)


def run(args: argparse.Namespace) -> int:
    from monitor.models import canonical_name, format_plan, plan, profile_for

    try:
        name = canonical_name(_profile_name(args))
        _, settings = settings_cli.chosen_settings(name, [*_old_items(args, name), *args.set])
        profile = profile_for(name, settings)
        cc = None if args.origin_cache_control == "" else args.origin_cache_control
        result = plan(
            profile,
            ingest_latency_s=args.ingest_latency,
            cdn=args.cdn,
            origin_cache_control=cc,
            segments=args.segments,
        )
    except ValueError as exc:
        return settings_cli.refuse(COMMAND, exc)
    if args.json:
        text = json.dumps(result.as_dict(), indent=2, default=_json_default).replace("Infinity", "null")
        sys.stdout.write(text + "\n")
    else:
        sys.stdout.write(format_plan(result))
    return 0
