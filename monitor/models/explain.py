"""What the server model says of a fact an alert rule found: expected of this server or not, why, and
what to change. The rules (monitor.rules) decide the alert from it; the catalogue says it in words."""

from __future__ import annotations

import math
from dataclasses import dataclass

from monitor.models.advice import playlist_length_advice
from monitor.models.base import ServerProfile
from monitor.models.verdicts import judge_deletion
from monitor.records import SegmentLifecycle

#: Verdict levels that mean "the model predicts this" (info: as predicted, though against the spec).
EXPECTED_LEVELS = frozenset({"ok", "info"})


@dataclass(frozen=True, kw_only=True)
class Explanation:
    expected: bool  # the model predicts what was observed (its verdict: ok, or info when against the spec)
    server: str  # the profile's label
    behaviour: str  # the server's behaviour in plain words
    advice: str  # what to change (never the value already set); "" when nothing would help


def explain_deletion(
    profile: ServerProfile, life: SegmentLifecycle, arrival_step_s: float = math.inf
) -> Explanation | None:
    """The model's judgement of one segment's deletion: the same verdict the verdicts list shows."""
    verdict = judge_deletion(life, profile, arrival_step_s)
    if verdict is None:
        return None
    return Explanation(
        expected=verdict.level in EXPECTED_LEVELS,
        server=profile.label,
        behaviour=profile.deletion_words(),
        advice=playlist_length_advice(profile),
    )
