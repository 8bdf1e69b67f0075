"""``hlsmon lab``: run the operators' stack (nginx-rtmp + an OBS stand-in) on 127.0.0.1 until stopped."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from lab.process import ProcessFailed
from lab.stack import FRAGMENT_NAMINGS, ORIGINS, Lab, LabConfig, LabError

log = logging.getLogger(__name__)

HELP = "run the streaming lab (nginx-rtmp + OBS stand-in publisher) on 127.0.0.1"
_D = LabConfig()


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"size must look like 640x360, got {text!r}") from exc
    return width, height


def _fault_spec(text: str) -> str:
    from lab.faults import FaultSpecError, parse_faults

    try:
        parse_faults(text)
    except FaultSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    net = parser.add_argument_group("network (127.0.0.1 only; 0 = pick a free port)")
    net.add_argument("--rtmp-port", type=int, default=0, metavar="PORT", help="RTMP port (default: free port)")
    net.add_argument("--http-port", type=int, default=0, metavar="PORT", help="HTTP port (default: free port)")
    net.add_argument("--stream-key", default=_D.stream_key, metavar="KEY",
                     help=f"stream key, names the playlist (default {_D.stream_key})")

    origin = parser.add_argument_group("origin (nginx-rtmp, like the tutorial)")
    origin.add_argument("--origin", choices=ORIGINS, default=_D.origin, help="origin server (default nginx)")
    origin.add_argument("--fragment", type=float, default=_D.fragment_s, metavar="S",
                        help=f"hls_fragment in seconds (default {_D.fragment_s:g}; tutorial: 3)")
    origin.add_argument("--playlist-length", type=float, default=_D.playlist_length_s, metavar="S",
                        help=f"hls_playlist_length in seconds (default {_D.playlist_length_s:g}; tutorial: 5)")
    origin.add_argument("--cleanup", action=argparse.BooleanOptionalAction, default=_D.cleanup,
                        help="hls_cleanup (default on)")
    origin.add_argument("--nested", action=argparse.BooleanOptionalAction, default=_D.nested,
                        help="hls_nested: <key>/index.m3u8 instead of <key>.m3u8 (default off)")
    origin.add_argument("--fragment-naming", choices=FRAGMENT_NAMINGS, default=_D.fragment_naming,
                        help="hls_fragment_naming (default sequential)")
    origin.add_argument("--no-cache-control", dest="cache_control", action="store_false",
                        help="drop 'Cache-Control: no-cache' from HTTP responses")
    origin.add_argument("--no-cors", dest="cors", action="store_false",
                        help="drop 'Access-Control-Allow-Origin: *'")
    origin.add_argument("--no-mime", dest="mime", action="store_false",
                        help="serve .m3u8/.ts as application/octet-stream")

    pub = parser.add_argument_group("publisher (stands in for OBS)")
    pub.add_argument("--keyint", type=float, default=_D.keyint_s, metavar="S",
                     help=f"keyframe interval in seconds (default {_D.keyint_s:g})")
    pub.add_argument("--fps", type=int, default=_D.fps, help=f"frame rate (default {_D.fps})")
    pub.add_argument("--size", type=_size, default=_D.size, metavar="WxH",
                     help=f"picture size (default {_D.size[0]}x{_D.size[1]})")
    pub.add_argument("--bitrate", type=int, default=_D.bitrate_kbps, metavar="KBPS",
                     help=f"video bitrate in kbit/s (default {_D.bitrate_kbps})")
    pub.add_argument("--no-audio", dest="audio", action="store_false", help="no tone")
    pub.add_argument("--no-publish", dest="publish", action="store_false",
                     help="start the origin only and wait for OBS to publish")
    pub.add_argument("--fault", type=_fault_spec, default=None, metavar="SPEC",
                     help="faults on cue, seconds after the first frame: freeze@20,black@40,mute@60,gop=4@80,"
                     "tsjump@100,fps=15@120 (any subset; NAME@START+DURATION, default 6 s)")

    _add_delivery_arguments(parser)

    run = parser.add_argument_group("run")
    run.add_argument("--workdir", type=Path, default=None,
                     help="keep configs, logs and HLS files here (default: a temp dir, removed at exit)")
    run.add_argument("--truth", type=Path, default=None, metavar="FILE",
                     help="write the ground truth (JSON lines) here (default <workdir>/truth.jsonl)")
    run.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")


def config_from_args(args: argparse.Namespace) -> LabConfig:
    """The ``LabConfig`` for parsed ``hlsmon lab`` arguments (others may add fields to ``extras``)."""
    return LabConfig(
        rtmp_port=args.rtmp_port,
        http_port=args.http_port,
        workdir=args.workdir,
        truth_path=args.truth.resolve() if args.truth else None,
        stream_key=args.stream_key,
        origin=args.origin,
        fragment_s=args.fragment,
        playlist_length_s=args.playlist_length,
        cleanup=args.cleanup,
        nested=args.nested,
        fragment_naming=args.fragment_naming,
        cache_control=args.cache_control,
        cors=args.cors,
        mime=args.mime,
        keyint_s=args.keyint,
        fps=args.fps,
        size=args.size,
        bitrate_kbps=args.bitrate,
        audio=args.audio,
        publish=args.publish,
        extras={"faults": args.fault} if args.fault else {},
        **_delivery_config(args),
    )


def _add_delivery_arguments(parser: argparse.ArgumentParser) -> None:
    """Issue 3: NMS/ffmpeg origin knobs, the S3 path, the CDN edge and the scenarios (lab/delivery.py)."""
    from lab.delivery import CDN_POLICIES, S3_MODES
    from lab.scenarios import SCENARIOS

    more = parser.add_argument_group("nms / ffmpeg origins (--origin nms|ffmpeg)")
    more.add_argument("--hls-keep", action="store_true", help="NMS hlsKeep: keep files after the publisher leaves")
    more.add_argument(
        "--hls-delete-threshold",
        type=int,
        default=_D.delete_threshold,
        metavar="N",
        help=f"hls_delete_threshold (default {_D.delete_threshold})",
    )
    path = parser.add_argument_group("delivery: S3 bucket (moto) and CDN edge (Varnish as CloudFront)")
    path.add_argument(
        "--cdn-policy",
        choices=CDN_POLICIES,
        default=_D.cdn_policy,
        help="CDN edge in front of the origin (or of S3) with this CloudFront cache policy (default none: no edge)",
    )
    path.add_argument("--cdn-port", type=int, default=0, metavar="PORT", help="edge HTTP port (default: free)")
    path.add_argument("--cdn-pop", default=_D.cdn_pop, metavar="CODE", help="X-Amz-Cf-Pop value")
    path.add_argument(
        "--s3",
        choices=S3_MODES,
        default=_D.s3,
        help="mirror the origin folder into a moto S3 bucket: tutorial (playlist uploaded "
        "with each new file, racing it) or ordered (segments first); default off",
    )
    path.add_argument(
        "--s3-no-list-permission",
        dest="s3_list_permission",
        action="store_false",
        help="missing objects answer 403 AccessDenied instead of 404 NoSuchKey",
    )
    path.add_argument(
        "--s3-uplink-kbps",
        type=float,
        default=0.0,
        metavar="KBPS",
        help="modelled upload bandwidth of the uploader (default 0: unlimited)",
    )
    path.add_argument("--s3-delete", action="store_true", help="delete objects whose file left the origin")
    path.add_argument(
        "--scenario",
        choices=tuple(SCENARIOS),
        default=None,
        help="run one failure scenario, print what it shows, stop (exit 0 if reproduced)",
    )
    path.add_argument("--list-scenarios", action="store_true", help="list the scenarios and exit")


def _delivery_config(args: argparse.Namespace) -> dict[str, object]:
    return {
        "hls_keep": getattr(args, "hls_keep", False),
        "delete_threshold": getattr(args, "hls_delete_threshold", _D.delete_threshold),
        "cdn_policy": getattr(args, "cdn_policy", _D.cdn_policy),
        "cdn_port": getattr(args, "cdn_port", 0),
        "cdn_pop": getattr(args, "cdn_pop", _D.cdn_pop),
        "s3": getattr(args, "s3", _D.s3),
        "s3_list_permission": getattr(args, "s3_list_permission", True),
        "s3_uplink_kbps": getattr(args, "s3_uplink_kbps", 0.0),
        "s3_delete": getattr(args, "s3_delete", False),
    }


def _run_scenario(name: str, config: LabConfig) -> int:
    from lab.scenarios import run_scenario

    try:
        result = run_scenario(name, config, lambda line: (sys.stdout.write(line + "\n"), sys.stdout.flush()))
    except (LabError, ProcessFailed, ValueError) as exc:
        sys.stderr.write(f"hlsmon lab: scenario {name} failed to run.\n{exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0 if result.reproduced else 1


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM us when our parent dies (the children then follow via their own PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "list_scenarios", False):
        from lab.scenarios import describe_scenarios

        sys.stdout.write(describe_scenarios() + "\n")
        return 0
    try:
        config = config_from_args(args)
        config.validate()
    except ValueError as exc:
        sys.stderr.write(f"hlsmon lab: {exc}\n")
        return 2
    if getattr(args, "scenario", None):
        _die_with_parent()
        return _run_scenario(args.scenario, config)
    stop = threading.Event()
    started = threading.Event()
    parent = os.getppid()
    _die_with_parent()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping the lab", signum)
        stop.set()
        if not started.is_set():
            raise KeyboardInterrupt  # abort a start in progress (Lab.start stops what it started)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    lab = Lab(config)
    try:
        sys.stdout.write(f"hlsmon lab: starting the {config.origin} origin and the publisher in {lab.workdir} ...\n")
        sys.stdout.flush()
        try:
            lab.start()
        except (LabError, ProcessFailed, ValueError) as exc:
            sys.stderr.write(f"hlsmon lab: failed to start.\n{exc}\n")
            return 1
        except KeyboardInterrupt:
            return 130
        started.set()
        if stop.is_set():
            return 0
        sys.stdout.write(lab.describe() + "\n")
        if not config.publish:
            sys.stdout.write("Waiting for OBS to publish (nothing is served until the first fragment closes).\n")
        sys.stdout.write("Stop with Ctrl-C" + (f" (or after {args.duration:g} s)" if args.duration else "") + ".\n")
        sys.stdout.flush()
        return _wait(lab, stop, args.duration, parent)
    finally:
        lab.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.stdout.write("hlsmon lab: stopped.\n")
        sys.stdout.flush()


def _wait(lab: Lab, stop: threading.Event, duration: float | None, parent: int) -> int:
    deadline = time.monotonic() + duration if duration else None
    while not stop.is_set():
        if deadline is not None and time.monotonic() >= deadline:
            return 0
        if os.getppid() != parent:  # parent died and we were re-parented
            log.warning("parent process %d is gone; stopping the lab", parent)
            return 0
        try:
            lab.check_alive()
        except ProcessFailed as exc:
            sys.stderr.write(f"hlsmon lab: a part of the lab died.\n{exc}\n")
            return 1
        stop.wait(0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic())))
    return 0
