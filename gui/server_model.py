"""The window's view of the server models (monitor/models, engineer D): profiles with their settings in
the server's own names, the prediction drawn on the charts, the fingerprint and the verdicts.

Uses ``monitor.models`` (``profile_for``, ``fingerprint``, ``judge``) when importable; until then the
GUI still draws the configured values and the spec lines, and says that the model is missing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gui.dashboard_model import References, VerdictItem
from monitor.records import PlaylistSnapshot, SegmentLifecycle

log = logging.getLogger(__name__)

# Settings per profile, in the server's own names: (name, default, unit or "bool"/"int").
PROFILE_FIELDS: dict[str, tuple[tuple[str, object, str], ...]] = {
    "nginx-rtmp": (
        ("hls_fragment", 2.0, "s"),
        ("hls_playlist_length", 10.0, "s"),
        ("hls_cleanup", True, "bool"),
        ("keyint", 1.0, "s"),
    ),
    "ffmpeg": (
        ("hls_time", 2.0, "s"),
        ("hls_list_size", 5, "int"),
        ("hls_delete_threshold", 1, "int"),
        ("delete_segments", True, "bool"),
        ("keyint", 2.0, "s"),
    ),
    "nms": (  # Node-Media-Server's README hlsFlags: [hls_time=2:hls_list_size=3:hls_flags=delete_segments]
        ("hls_time", 2.0, "s"),
        ("hls_list_size", 3, "int"),
        ("delete_segments", True, "bool"),
        ("keyint", 2.0, "s"),
    ),
    "srs": (("hls_fragment", 10.0, "s"), ("hls_window", 60.0, "s"), ("keyint", 2.0, "s")),
    "mediamtx": (("segment_duration", 1.0, "s"), ("segment_count", 7, "int"), ("keyint", 1.0, "s")),
    "generic": (("keyint", 2.0, "s"),),
}
PROFILES = tuple(PROFILE_FIELDS)


def _models():
    try:
        import monitor.models as models
    except ImportError:
        return None
    return models if hasattr(models, "profile_for") else None


def model_available() -> bool:
    return _models() is not None


def fragment_of(settings: Mapping[str, object]) -> float | None:
    for key in ("hls_fragment", "hls_time", "segment_duration"):
        if key in settings:
            return float(settings[key])  # type: ignore[arg-type]
    return None


def playlist_length_of(settings: Mapping[str, object]) -> float | None:
    if "hls_playlist_length" in settings:
        return float(settings["hls_playlist_length"])  # type: ignore[arg-type]
    if "hls_window" in settings:
        return float(settings["hls_window"])  # type: ignore[arg-type]
    frag = fragment_of(settings)
    for key in ("hls_list_size", "segment_count"):
        if key in settings and frag:
            return float(settings[key]) * frag  # type: ignore[arg-type]
    return None


@dataclass
class ServerModelView:
    """Current profile + settings, and what follows from them."""

    profile: str = "nginx-rtmp"
    settings: dict[str, object] = field(default_factory=dict)
    fingerprint: tuple[str, str] | None = None
    prediction: object | None = None
    error: str = ""

    def configure(self, profile: str, settings: Mapping[str, object]) -> None:
        self.profile = profile
        self.settings = dict(settings)
        self.prediction = None
        self.error = ""
        models = _models()
        if models is None:
            return
        try:
            self._profile_obj = models.profile_for(profile, self.settings)
            self.prediction = self._profile_obj.predict()
        except Exception as exc:  # a bad setting must not break the window
            log.warning("server model for %s failed: %s", profile, exc)
            self.error = str(exc)

    def plan_text(self, cdn: str = "none") -> str:
        """The what-if report (timeline, window, latency budget) for the current settings."""
        models = _models()
        if models is None or not hasattr(self, "_profile_obj"):
            return "The server model is not available in this build."
        try:
            return models.format_plan(models.plan(self._profile_obj, cdn=cdn))
        except Exception as exc:
            return f"The server model could not plan these settings: {exc}"

    def apply_references(self, refs: References) -> None:
        refs.hls_fragment = fragment_of(self.settings)
        refs.playlist_length = playlist_length_of(self.settings)
        pred = self.prediction
        if pred is not None:
            refs.values["latency_floor"] = float(getattr(pred, "min_latency_s", math.nan))
            window = getattr(pred, "window_s", None)
            if window:
                refs.values["predicted_window"] = float(window)
        else:
            refs.values.pop("latency_floor", None)

    def deletion_interval(self, lc: SegmentLifecycle) -> tuple[float, float] | None:
        """Predicted 404 interval of a segment as UTC epoch seconds (from its first-seen time)."""
        rel = self._gone_after_appear()
        if rel is None:
            return None
        t = lc.first_seen.mid_utc.timestamp()
        lo, hi = rel
        if not math.isfinite(hi):
            return None
        return (t + lo, t + hi)

    def _gone_after_appear(self) -> tuple[float, float] | None:
        pred = self.prediction
        if pred is not None:
            interval = getattr(getattr(pred, "lifecycle", None), "gone_after_appear", None)
            return None if interval is None else (float(interval.lo), float(interval.hi))
        if self.profile == "nginx-rtmp" and self.settings.get("hls_cleanup", True):
            p = playlist_length_of(self.settings)  # servers.md: cleaned 2P..4P after the fragment closes
            return None if not p else (2 * p, 4 * p)
        return None

    def detect(self, snapshot: PlaylistSnapshot | None, headers: Mapping[str, str]) -> tuple[str, str] | None:
        models = _models()
        if models is None or snapshot is None or not hasattr(models, "fingerprint"):
            return None
        try:
            result = models.fingerprint(snapshot, headers)
        except Exception as exc:
            log.warning("fingerprint failed: %s", exc)
            return None
        if result:
            name, reason = result[0], result[1]
            name = "ffmpeg" if name == "nms" else name
            self.fingerprint = (str(name), str(reason))
        return self.fingerprint

    def verdicts(
        self, lifecycles: Iterable[SegmentLifecycle], snapshots: Iterable[object] = ()
    ) -> tuple[list[VerdictItem], str]:
        """(verdicts, note): summary and advice, plus the latest per-segment verdicts that are not ok."""
        models = _models()
        if models is None or not hasattr(models, "judge") or not hasattr(self, "_profile_obj"):
            return [], "The server model (monitor.models) is not available: no verdicts."
        lcs = list(lifecycles)
        try:
            raw = models.judge(lcs, self._profile_obj, snapshots=list(snapshots), endpoint="origin")
        except Exception as exc:
            log.warning("judge failed: %s", exc)
            return [], f"The server model could not judge: {exc}"
        segment = [v for v in raw if getattr(v, "scope", "") == "segment"]
        bad = [v for v in segment if getattr(v, "level", "ok") not in ("ok", "info")][-MAX_SEGMENT_VERDICTS:]
        rest = [v for v in raw if getattr(v, "scope", "") != "segment"]
        note = f"{self.profile}: judged {len(segment)} segment observations"
        return [verdict_item(v) for v in rest + bad], note


MAX_SEGMENT_VERDICTS = 15
LEVELS = {"ok": "ok", "info": "info", "warning": "warn", "problem": "bad"}


def verdict_item(v: object) -> VerdictItem:
    level = str(getattr(v, "level", "info"))
    scope = str(getattr(v, "scope", ""))
    code = str(getattr(v, "code", ""))
    msn = getattr(v, "msn", None)
    topic = code.replace("summary_", "").replace("advice_", "").replace("_", " ")
    if scope == "segment" and msn is not None:
        topic = f"segment {msn}: {topic}"
    elif scope == "advice":
        topic = f"advice: {topic}"
    expected = getattr(v, "expected", None)
    observed = getattr(v, "observed", None)
    numbers = []
    if observed is not None:
        numbers.append(f"observed {observed:.1f} s")
    if expected is not None and hasattr(expected, "lo"):
        numbers.append(f"expected {expected.lo:.1f}–{expected.hi:.1f} s")
    text = str(getattr(v, "message", v))
    advice = str(getattr(v, "advice", "") or "")
    if advice and advice not in text:
        text += f" → {advice}"
    return VerdictItem(topic=topic, status=LEVELS.get(level, level), text=text, numbers=", ".join(numbers))
