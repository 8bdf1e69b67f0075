"""The keyframe interval named from the duration pattern, through each server's own cutting rule."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import judge, profile_for
from monitor.models.gop import keyframe_intervals, observed_pattern, same_cycle
from monitor.records import SegmentLifecycle
from tests.models.scripted import life


def _lives(durations: list[float]) -> list[SegmentLifecycle]:
    lives, t = [], 0.0
    for k, d in enumerate(durations):
        t += d
        lives.append(life(k, f"seg-{k}.ts", d, (t, t + 0.05)))
    return lives


def _durations_verdict(durations: list[float], profile_name: str, settings_: dict) -> str:
    verdicts = judge(_lives(durations), profile_for(profile_name, settings_))
    return next(v for v in verdicts if v.code == "summary_durations").message


def test_alternating_durations_name_the_keyframe_interval_that_does_not_divide_the_fragment() -> None:
    """FFmpeg cuts on a hls_time grid at keyframes: T = 3 s with keyframes every 2 s gives 4, 2, 4, 2."""
    message = _durations_verdict([4.0, 2.0] * 8, "ffmpeg", {"hls_time": 3})
    assert message.startswith("Durations alternate 4/2 s (mean 3 s): keyframes every 2 s do not divide hls_time 3 s")
    assert "probably" not in message


def test_ffmpeg_six_three_three_is_keyframes_every_three_seconds() -> None:
    message = _durations_verdict([6.0, 3.0, 3.0] * 5, "ffmpeg", {"hls_time": 4})
    assert "keyframes every 3 s do not divide hls_time 4 s" in message


def test_nginx_alternation_is_not_blamed_on_a_four_second_keyframe_interval() -> None:
    """nginx-rtmp cuts at the first keyframe at least hls_fragment after the previous cut: a fixed interval
    gives equal durations, so 4/2 s means irregular keyframes (3 s on average), not "probably 4 s"."""
    message = _durations_verdict([4.004, 1.996] * 8, "nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s"})
    assert "probably 4 s" not in message and "keyframe interval is 4 s" not in message
    assert "no fixed keyframe interval gives that with nginx-rtmp" in message
    assert "irregular, about every 3 s on average" in message


def test_constant_stretch_names_every_interval_that_cuts_the_same() -> None:
    message = _durations_verdict([3.0] * 12, "nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s"})
    assert message.startswith(
        "Segments last 3 s although hls_fragment is 2 s: the keyframe interval is 3 s (or every 1.5 s: the same cuts)"
    )


def test_keyframe_advice_quotes_the_observed_pattern_not_the_median() -> None:
    profile = profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s"})
    advice = next(v for v in judge(_lives([4.0, 2.0] * 6), profile) if v.code == "advice_keyint")
    assert "instead of 4/2 s" in advice.message


def test_stated_keyframe_interval_that_matches_is_info() -> None:
    verdicts = judge(
        _lives([4.0] * 12), profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s", "keyint": 4})
    )
    assert next(v for v in verdicts if v.code == "summary_durations").level == "info"


def test_observed_pattern_tolerates_timestamp_jitter_and_rejects_irregular_runs() -> None:
    assert observed_pattern([4.004, 1.996, 4.0, 2.0, 3.999, 2.001]) == (4.001, 1.999)
    assert observed_pattern([2.0, 3.1, 2.4, 5.0, 1.0, 2.2]) is None
    assert same_cycle((2.0, 4.0), (4.0, 2.0)) and not same_cycle((2.0, 4.0), (2.0, 2.0))


PROFILES = {
    "nginx-rtmp": lambda f: {"hls_fragment": f"{int(f * 1000)}ms", "hls_playlist_length": f"{int(f * 3000)}ms"},
    "ffmpeg": lambda f: {"hls_time": f},
    "srs": lambda f: {"hls_fragment": f, "hls_window": 3 * f},
    "mediamtx": lambda f: {"hlsSegmentDuration": f"{f}s"},
}


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(PROFILES)),
    fragment=st.sampled_from([1.0, 2.0, 3.0, 4.0, 6.0]),
    keyint=st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0]),
    jitter=st.floats(min_value=-0.04, max_value=0.04),
)
def test_the_true_keyframe_interval_is_always_among_those_inferred(
    name: str, fragment: float, keyint: float, jitter: float
) -> None:
    """Whatever the server and the GOP, the interval that produced the cuts is inferred, and every interval
    inferred reproduces the observed pattern under that server's rule."""
    profile = profile_for(name, PROFILES[name](fragment))
    cuts = dataclasses.replace(profile, keyint_s=keyint).cuts(48)
    durations = [d for _, d, _ in cuts[16:]]
    observed = [d + (jitter if i % 2 else -jitter) for i, d in enumerate(durations)]
    pattern = observed_pattern(observed)
    if pattern is None:  # a cycle longer than the pattern finder looks for
        return
    found = keyframe_intervals(profile, pattern)
    assert keyint in found
    for k in found:
        simulated = [d for _, d, _ in dataclasses.replace(profile, keyint_s=k).cuts(48)[16:]]
        assert same_cycle(pattern, observed_pattern(simulated) or ())
