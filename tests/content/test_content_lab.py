"""Each lab fault is detected from the segments the real lab serves (nginx-rtmp + the ffmpeg publisher).

One short lab run with every fault, a few seconds apart; the analysis follows the playlist as a viewer
would. Every finding must belong to a fault (no false alarm between them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.content_faults import EXPECTED, Observed, detection, run_lab
from lab.faults import Fault, parse_faults
from monitor.content import findings as F

pytestmark = [pytest.mark.lab, pytest.mark.slow]

SPEC = "freeze@4+2,black@8+2,mute@12+2,gop=4@16+4,tsjump@22,fps=15@26+4"
FRAGMENT_S = 2.0
#: Findings a fault brings along besides its own (all of them true statements about the stream).
SIDE_EFFECTS = {"tsjump": {F.EXTINF_VS_MEDIA}, "gop": set(), "fps": set(), "freeze": set(), "black": set(),
                "mute": set()}


def _owner(faults: tuple[Fault, ...], code: str, at_s: float) -> Fault | None:
    """The fault a finding seen ``at_s`` after the first frame belongs to (None: a false alarm)."""
    for f in faults:
        until = f.end_s + 2 * FRAGMENT_S + 4 if f.name != "tsjump" else f.start_s + 3 * FRAGMENT_S + 4
        if f.start_s <= at_s <= until and code in {EXPECTED[f.name], *SIDE_EFFECTS[f.name]}:
            return f
    return None


def test_every_fault_is_detected_without_false_alarms(tmp_path: Path) -> None:
    faults = parse_faults(SPEC, fps=25)
    observed: Observed
    observed, epoch0, cpu_s, _ = run_lab(tmp_path / "lab", SPEC, 36.0)
    assert len(observed.results) >= 14
    for fault in faults:
        delay = detection(fault, observed, epoch0)
        longest_segment = 4.0 if fault.name == "gop" else FRAGMENT_S
        assert delay is not None, f"{fault.label} was not detected"
        assert delay <= longest_segment + 2 + 1, f"{fault.label} detected {delay:.1f} s after its onset"
    strays = [(round(wall - epoch0, 1), f.code, f.detail) for wall, r in observed.results for f in r.findings
              if _owner(faults, f.code, wall - epoch0) is None]
    assert strays == []
    media_s = sum(r.report.media_s or 0 for _, r in observed.results if r.report)
    assert cpu_s / media_s < 0.05  # the budget: 5 % of one core
