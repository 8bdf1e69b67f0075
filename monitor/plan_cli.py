"""``hlsmon plan``: what a server will do with given settings (timeline, window, latency budget)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

HELP = "predict what a server does with given HLS settings (timeline, window, deletion, latency)"

log = logging.getLogger(__name__)

#: (flag, setting name in the server's own words, help)
_SETTING_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--hls-fragment", "hls_fragment", "nginx-rtmp / SRS hls_fragment (nginx syntax: 2, 2s, 1500ms)"),
    ("--hls-playlist-length", "hls_playlist_length", "nginx-rtmp hls_playlist_length (6, 6s, 1m)"),
    ("--hls-cleanup", "hls_cleanup", "nginx-rtmp / SRS hls_cleanup on|off"),
    ("--hls-fragment-naming", "hls_fragment_naming", "nginx-rtmp sequential|timestamp|system"),
    ("--hls-continuous", "hls_continuous", "nginx-rtmp hls_continuous on|off"),
    ("--hls-time", "hls_time", "ffmpeg / NMS hls_time (seconds)"),
    ("--hls-list-size", "hls_list_size", "ffmpeg / NMS hls_list_size (0 = keep all)"),
    ("--hls-delete-threshold", "hls_delete_threshold", "ffmpeg / NMS hls_delete_threshold"),
    ("--hls-flags", "hls_flags", "ffmpeg hls_flags, e.g. delete_segments+program_date_time"),
    ("--hls-flags-nms", "hlsFlags", "NMS hlsFlags, e.g. '[hls_time=2:hls_list_size=3:hls_flags=delete_segments]'"),
    ("--hls-window", "hls_window", "SRS hls_window (seconds)"),
    ("--segment-duration", "hlsSegmentDuration", "MediaMTX hlsSegmentDuration (1s) / generic segment length"),
    ("--segment-count", "hlsSegmentCount", "MediaMTX hlsSegmentCount / generic entries"),
    ("--keyint", "keyint", "publisher keyframe interval in seconds (OBS 'Keyframe Interval')"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        default="nginx-rtmp",
        help="profile: nginx-rtmp, ffmpeg, nms (ffmpeg under Node-Media-Server 2.x), srs, mediamtx, generic "
        "(default: nginx-rtmp)",
    )
    for flag, _, text in _SETTING_FLAGS:
        parser.add_argument(flag, default=None, help=text)
    parser.add_argument("--delete-segments", action="store_true", help="ffmpeg / NMS hls_flags delete_segments")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any server setting in its own name, e.g. --set hls_max_fragment=20s (repeatable)",
    )
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


def _settings(args: argparse.Namespace) -> dict[str, object]:
    from monitor.models import parse_settings

    settings: dict[str, object] = {}
    for flag, name, _ in _SETTING_FLAGS:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            settings[name] = value
    if args.server.lower() == "generic":
        for src, dst in (("hlsSegmentDuration", "segment_duration"), ("hlsSegmentCount", "entries")):
            if src in settings:
                settings[dst] = settings.pop(src)
    if args.delete_segments:
        settings["delete_segments"] = True
    for item in args.set:
        settings.update(parse_settings(item))
    return settings


def _json_default(value: object) -> object:
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return None
    return str(value)


def run(args: argparse.Namespace) -> int:
    from monitor.models import format_plan, plan, profile_for

    try:
        profile = profile_for(args.server, _settings(args))
        cc = None if args.origin_cache_control == "" else args.origin_cache_control
        result = plan(
            profile,
            ingest_latency_s=args.ingest_latency,
            cdn=args.cdn,
            origin_cache_control=cc,
            segments=args.segments,
        )
    except ValueError as exc:
        sys.stderr.write(f"hlsmon plan: {exc}\n")
        return 2
    if args.json:
        text = json.dumps(result.as_dict(), indent=2, default=_json_default).replace("Infinity", "null")
        sys.stdout.write(text + "\n")
    else:
        sys.stdout.write(format_plan(result))
    return 0
