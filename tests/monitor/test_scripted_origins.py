"""The scripted origins' own schedules (the judge must be right before it judges): property tests."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.ll_origin import LlOrigin, LlSettings
from tests.monitor.origins.live import LiveOrigin, skip_delta

durations = st.lists(st.sampled_from([0.5, 1.0, 2.0, 4.0, 1.98]), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(durations=durations, n=st.integers(min_value=1, max_value=500), window=st.integers(min_value=1, max_value=8))
def test_live_origin_lists_what_its_truth_says(durations, n, window):
    origin = LiveOrigin(durations=tuple(durations), window=window, discontinuity_every=3)
    gen_start = origin.truth(0)[0] - durations[0]  # segment 0 is listed one duration after the start
    listed = origin.truth(n - 1)[0]
    view = origin.view(listed + 1e-6)
    assert view is not None and view.entries[-1].msn == n - 1
    assert len(view.entries) == min(n, window) and view.media_sequence == view.entries[0].msn
    assert abs(listed - gen_start - sum(durations[k % len(durations)] for k in range(n))) < 1e-6
    # the discontinuity sequence counts exactly the tags that left the playlist
    left_tags = sum(1 for k in range(1, view.media_sequence) if k % 3 == 0)
    assert view.discontinuity_sequence == left_tags
    before = origin.view(listed - 1e-3)
    assert before is None or before.entries[-1].msn == n - 2


@settings(max_examples=40, deadline=None)
@given(window=st.integers(min_value=2, max_value=30), until=st.floats(min_value=0.5, max_value=20))
def test_delta_update_keeps_the_last_until_seconds(window, until):
    origin = LiveOrigin(durations=(1.0,), window=window)
    view = origin.view(time.monotonic())
    delta = skip_delta(view, until)
    kept = view.entries[delta.skipped :]
    assert sum(e.duration for e in kept) >= min(until, sum(e.duration for e in view.entries))
    assert delta.skipped == 0 or sum(e.duration for e in kept) - kept[0].duration < until


@settings(max_examples=60, deadline=None)
@given(part=st.integers(min_value=0, max_value=10_000), per=st.integers(min_value=2, max_value=8))
def test_ll_origin_publishes_parts_and_segments_on_schedule(part, per):
    origin = LlOrigin(LlSettings(part_target_s=0.33, parts_per_segment=per))
    at = origin.part_at(part)
    assert origin.parts_published(at + 1e-6) == part + 1
    assert origin.parts_published(at - 1e-3) == part
    msn = part // per
    assert origin.segment_listed_at(msn) >= at - 1e-9
    text = origin.playlist(origin.segment_listed_at(msn) + 1e-6)
    assert f"seg-{msn}.ts" in text and f"seg-{msn + 1}.ts\n" not in text
