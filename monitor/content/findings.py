"""What segment analysis found: a code and its evidence (numbers plus one sentence in operators' words).

The codes are the alert codes the catalogue (monitor/rules/catalogue.py) words; the evidence fills its
templates. A finding is a *condition seen in this segment*: the same code on the next segment means the
condition goes on, its absence means it cleared (the rules' latch turns that into one alert per episode).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

KEYFRAME_INTERVAL_MISMATCH = "keyframe_interval_mismatch"
NOT_STARTING_ON_KEYFRAME = "segment_not_starting_on_keyframe"
TIMESTAMP_GAP = "timestamp_gap"
TIMESTAMP_OVERLAP = "timestamp_overlap"
AV_DRIFT = "av_drift"
EXTINF_VS_MEDIA = "extinf_vs_media"
FROZEN_PICTURE = "frozen_picture"
BLACK_PICTURE = "black_picture"
SILENCE = "silence"
MISSING_TRACK = "missing_track"
BITRATE_OVER_DECLARED = "bitrate_over_declared"
INGEST_DRIFT = "ingest_drift"
CODEC_CHANGE = "codec_change"
UNREADABLE_SEGMENT = "unreadable_segment"

CODES: tuple[str, ...] = (
    KEYFRAME_INTERVAL_MISMATCH, NOT_STARTING_ON_KEYFRAME, TIMESTAMP_GAP, TIMESTAMP_OVERLAP, AV_DRIFT,
    EXTINF_VS_MEDIA, FROZEN_PICTURE, BLACK_PICTURE, SILENCE, MISSING_TRACK, BITRATE_OVER_DECLARED,
    INGEST_DRIFT, CODEC_CHANGE, UNREADABLE_SEGMENT,
)


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One condition seen in one segment. ``evidence["detail"]`` is the sentence an operator reads."""

    code: str
    evidence: Mapping[str, object] = field(default_factory=dict)  # JSON-able values

    @property
    def detail(self) -> str:
        return str(self.evidence.get("detail", ""))


def finding(code: str, detail: str, **values: object) -> Finding:
    return Finding(code=code, evidence={"detail": detail, **values})
