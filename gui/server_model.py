"""The window's view of the server models (monitor.models): profiles with their settings in the server's
own names, the prediction drawn on the charts, and the verdicts.

The server guess (fingerprint) is not derived here: the monitor publishes it in ``Measures.server`` and
the window shows that fact (gui/profile_panel.py ``offer_fingerprint``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gui.dashboard_model import References, VerdictItem
from monitor import models
from monitor.records import MonitorConfig, SegmentLifecycle

log = logging.getLogger(__name__)

#: The profiles the window offers; their settings are the models' table (monitor.models.SERVER_SETTINGS).
PROFILES = models.PROFILE_NAMES


@dataclass
class ServerModelView:
    """Current profile + settings, and what follows from them."""

    profile: str = "nginx-rtmp"
    settings: dict[str, object] = field(default_factory=dict)
    prediction: models.Prediction | None = None
    error: str = ""
    server_profile: models.ServerProfile | None = None

    def configure(self, profile: str, settings: Mapping[str, object]) -> None:
        self.profile = profile
        self.settings = dict(settings)
        self.prediction = None
        self.server_profile = None
        self.error = ""
        try:
            self.server_profile = models.profile_for(profile, self.settings)
        except ValueError as exc:  # a bad setting is shown ("Settings rejected"), never fatal to the window
            log.warning("server model for %s: %s", profile, exc)
            self.error = str(exc)
            return
        self.prediction = self.server_profile.predict()

    def plan_text(self, cdn: str = "none") -> str:
        """The what-if report (timeline, window, latency budget) for the current settings."""
        if self.server_profile is None:
            return f"The settings were rejected: {self.error}"
        return models.format_plan(models.plan(self.server_profile, cdn=cdn))

    def apply_references(self, refs: References) -> None:
        """The reference lines from the settings as the model parsed them: the configured fragment and the
        predicted window (the playlist's length as the server keeps it); none when the settings were rejected.
        The latency a viewer gets is ``hlsmon plan``'s (gui/viewer_latency.py, ingest included)."""
        refs.hls_fragment = None if self.server_profile is None else self.server_profile.fragment_s
        refs.playlist_length = None if self.prediction is None else self.prediction.window_s

    def deletion_interval(self, lc: SegmentLifecycle) -> tuple[float, float] | None:
        """Predicted 404 interval of a segment as UTC epoch seconds (from its first-seen time)."""
        rel = self._gone_after_appear()
        if rel is None:
            return None
        # the best instant of a one-sided first-seen window (the window runs the fast poller, as gui/ingest.py)
        t = lc.first_seen.estimate_utc(MonitorConfig.dense_step_s).timestamp()
        lo, hi = rel
        if not math.isfinite(hi):
            return None
        return (t + lo, t + hi)

    def deletion_after_appear(self) -> tuple[float, float] | None:
        """Predicted 404 interval of any segment, in seconds after it first appeared (None: no prediction);
        the replay adds it to every segment's arrival at once (gui/ingest.py)."""
        rel = self._gone_after_appear()
        return None if rel is None or not math.isfinite(rel[1]) else rel

    def _gone_after_appear(self) -> tuple[float, float] | None:
        pred = self.prediction
        interval = None if pred is None else pred.lifecycle.gone_after_appear
        return None if interval is None else (float(interval.lo), float(interval.hi))

    def verdicts(
        self,
        lifecycles: Iterable[SegmentLifecycle],
        snapshots: Iterable[object] = (),
        arrival_step_s: float = math.inf,
    ) -> tuple[list[VerdictItem], str]:
        """(verdicts, note): summary and advice, plus the latest per-segment verdicts that are not ok."""
        if self.server_profile is None:
            return [], f"The settings were rejected: {self.error}"
        raw = models.judge(
            list(lifecycles),
            self.server_profile,
            snapshots=list(snapshots),
            endpoint="origin",
            arrival_step_s=arrival_step_s,
        )
        segment = [v for v in raw if v.scope == "segment"]
        bad = [v for v in segment if v.level not in ("ok", "info")][-MAX_SEGMENT_VERDICTS:]
        rest = [v for v in raw if v.scope != "segment"]
        note = f"{self.profile}: judged {len(segment)} segment observations"
        return [verdict_item(v) for v in rest + bad], note


MAX_SEGMENT_VERDICTS = 15
LEVELS = {"ok": "ok", "info": "info", "warning": "warn", "problem": "bad"}


def verdict_item(v: models.Verdict) -> VerdictItem:
    level, scope, code, msn = v.level, v.scope, v.code, v.msn
    topic = code.replace("summary_", "").replace("advice_", "").replace("_", " ")
    if scope == "segment" and msn is not None:
        topic = f"segment {msn}: {topic}"
    elif scope == "advice":
        topic = f"advice: {topic}"
    numbers = []
    if v.observed is not None:
        numbers.append(f"observed {v.observed:.1f} s")
    if v.expected is not None:
        numbers.append(f"expected {v.expected.lo:.1f}–{v.expected.hi:.1f} s")
    text = v.message
    advice = v.advice
    if advice and advice not in text:
        text += f" → {advice}"
    return VerdictItem(topic=topic, status=LEVELS.get(level, level), text=text, numbers=", ".join(numbers))
