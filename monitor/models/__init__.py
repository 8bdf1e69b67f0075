"""Server models: what nginx-rtmp, FFmpeg/Node-Media-Server, SRS, MediaMTX (and the spec) should do, and
verdicts on what was observed. Pure Python: no Qt, no network, no clocks.

Public API::

    from monitor.models import profile_for, profile_from_spec, predict, fingerprint, judge, plan

    profile = profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s", "keyint": 4})
    prediction = predict(profile)            # Prediction: durations, entries, window, TD, timeline, spec...
    found = fingerprint(playlist_text_or_snapshot, headers)   # -> monitor.records.Fingerprint(name, reason)
    verdicts = judge(lifecycles, profile, snapshots=..., requests=..., arrival_step_s=...)  # list[Verdict]
    result = plan(profile, ingest_latency_s=1.0, cdn="caching-optimized")  # Plan (+ format_plan(result))

Profile names: ``nginx-rtmp``, ``ffmpeg``, ``nms`` (ffmpeg as spawned by Node-Media-Server 2.x), ``srs``,
``mediamtx``, ``generic`` (spec only); each takes its settings in its own names, declared once in
``SERVER_SETTINGS`` (docs/server-settings.md), ``keyint`` (the publisher's keyframe interval, seconds) among
them. ``judge`` takes ``monitor.records.SegmentLifecycle`` records as emitted by the monitor (the lab's ground
truth is adapted to them by ``truth_adapter``, with the file instants as :class:`FileTruth`);
all functions are pure and thread-safe.
"""

from __future__ import annotations

from monitor.models.advice import recommendations
from monitor.models.base import ServerProfile
from monitor.models.fingerprint import fingerprint
from monitor.models.observed import FileTruth, Lives, Truth, latest_lives, truth_by_name
from monitor.models.prediction import Lifecycle, Prediction, SegmentPlan, SpecCheck, StopPlan
from monitor.models.profiles import PROFILE_NAMES, canonical_name, parse_settings, profile_for, profile_from_spec
from monitor.models.settings import SERVER_SETTINGS, Setting, SettingError
from monitor.models.units import Interval, nginx_time_ms
from monitor.models.verdicts import Verdict, judge
from monitor.models.whatif import CDN_POLICIES, BudgetItem, Plan, edge_ttl, format_plan, latency_floor_s, plan
from monitor.records import Fingerprint


def predict(profile: ServerProfile, segments: int = 30) -> Prediction:
    """Everything ``profile`` predicts from its settings alone (timeline of the first ``segments``)."""
    return profile.predict(segments)


def format_verdicts(verdicts: list[Verdict], *, per_segment: bool = True) -> str:
    """Plain-text block of verdicts (``hlsmon probe --profile`` ends with this)."""
    marks = {"ok": "ok  ", "info": "info", "warning": "WARN", "problem": "BAD "}
    lines = []
    for scope, title in (("segment", "Per segment"), ("summary", "Summary"), ("advice", "Recommendations")):
        chosen = [v for v in verdicts if v.scope == scope]
        if not chosen or (scope == "segment" and not per_segment):
            continue
        lines.append(f"{title}:")
        for v in chosen:
            prefix = f"msn {v.msn}: " if v.msn is not None else ""
            lines.append(f"  [{marks.get(v.level, v.level)}] {prefix}{v.message}")
    return "\n".join(lines) + ("\n" if lines else "")


__all__ = [
    "CDN_POLICIES",
    "PROFILE_NAMES",
    "SERVER_SETTINGS",
    "BudgetItem",
    "FileTruth",
    "Fingerprint",
    "Interval",
    "Lifecycle",
    "Lives",
    "Plan",
    "Prediction",
    "SegmentPlan",
    "ServerProfile",
    "Setting",
    "SettingError",
    "SpecCheck",
    "StopPlan",
    "Truth",
    "Verdict",
    "canonical_name",
    "edge_ttl",
    "fingerprint",
    "format_plan",
    "format_verdicts",
    "judge",
    "latency_floor_s",
    "latest_lives",
    "nginx_time_ms",
    "parse_settings",
    "plan",
    "predict",
    "profile_for",
    "profile_from_spec",
    "recommendations",
    "truth_by_name",
]
