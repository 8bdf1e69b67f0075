"""Ingest drift as a pure unit with injected times."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from monitor.content import IngestRate
from monitor.content import findings as F


def feed(rate: float, *, seconds: float = 60, every: float = 2.0, jitter: list[float] | None = None,
         meter: IngestRate | None = None):
    meter = meter or IngestRate()
    result = None
    for k in range(int(seconds / every) + 1):
        wall = 1000 + k * every + (jitter[k % len(jitter)] if jitter else 0)
        result = meter.note(media_end_s=5 + k * every * rate, wall_s=wall)
    return meter, result


def test_on_time_publishing_raises_nothing() -> None:
    meter, result = feed(1.0)
    assert result is None and meter.rate is not None and abs(meter.rate - 1) < 1e-9


def test_an_encoder_falling_behind_is_found() -> None:
    _, result = feed(0.96)
    assert result is not None and result.code == F.INGEST_DRIFT
    assert result.evidence["rate"] == 0.96
    assert "4.0 % behind" in result.detail


def test_nothing_is_said_before_the_window_spans_enough() -> None:
    meter, result = feed(0.5, seconds=20)
    assert result is None and meter.rate is None


def test_reset_forgets_the_window() -> None:
    meter, _ = feed(0.9)
    meter.reset()
    assert meter.rate is None


@given(rate=st.floats(0.9, 1.1).filter(lambda r: abs(abs(r - 1) - 0.02) > 0.005),
       jitter=st.lists(st.floats(-0.25, 0.25), min_size=1, max_size=7))
def test_the_finding_follows_the_rate_despite_polling_jitter(rate: float, jitter: list[float]) -> None:
    _, result = feed(rate, seconds=120, jitter=jitter)
    assert (result is not None) == (abs(rate - 1) > 0.02)
