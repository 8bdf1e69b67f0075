"""Ground-truth records (lab/truth.py format) to segment lifecycles and file truth."""

from __future__ import annotations

from monitor.models import judge, profile_for
from monitor.models.truth_adapter import lives_from_truth


def nginx_truth(count: int, fragment: float = 1.0, entries: int = 3, period: float = 6.0) -> list[dict]:
    """nginx-rtmp F=1 P=3: close then playlist write; cleanup ticks every 2P at 0.3 + 6j."""
    events: list[dict] = []
    for k in range(count):
        t = (k + 1) * fragment
        events.append({"t_mono": t, "action": "segment_close", "path": f"test-{k}.ts"})
        first = max(0, k - entries + 1)
        events.append(
            {
                "t_mono": t + 0.001,
                "action": "playlist_write",
                "path": "test.m3u8",
                "media_sequence": first,
                "uris": [f"test-{j}.ts" for j in range(first, k + 1)],
                "durations": [fragment] * (k + 1 - first),
            }
        )
    tick = 0.3
    while tick < count * fragment:
        for k in range(count):
            close = (k + 1) * fragment
            if close + 2 * 3 <= tick < close + 2 * 3 + period:
                events.append({"t_mono": tick, "action": "segment_delete", "path": f"test-{k}.ts"})
        tick += period
    return sorted(events, key=lambda e: e["t_mono"])


def test_listing_leaving_and_deletion_are_exact() -> None:
    run = lives_from_truth(nginx_truth(20), playlist="test.m3u8")
    assert [o.msn for o in run.lives] == list(range(20))
    first = run.lives[0]
    assert first.first_seen.lo == first.first_seen.hi == 1.001
    assert first.left is not None and first.left.lo == first.left.hi == 4.001  # left when segment 3 was listed
    assert run.files[0].closed_at == 1.0
    assert first.gone is not None and first.gone.lo == 12.3 and run.files[0].deleted_at == 12.3


def test_truth_observations_judged_as_expected() -> None:
    profile = profile_for("nginx-rtmp", {"hls_fragment": 1, "hls_playlist_length": 3, "keyint": 1})
    run = lives_from_truth(nginx_truth(30))
    verdicts = judge(run.lives, profile, truth=run.files)
    per_segment = [v for v in verdicts if v.scope == "segment"]
    assert len([v for v in per_segment if v.code == "gone"]) >= 15
    assert all(v.level in ("ok", "info") for v in per_segment), [v.message for v in per_segment if v.level == "warning"]


def test_name_reuse_after_restart() -> None:
    events = [
        {
            "t_mono": 1,
            "action": "playlist_write",
            "path": "i.m3u8",
            "media_sequence": 0,
            "uris": ["index0.ts"],
            "durations": [1],
        },
        {
            "t_mono": 2,
            "action": "playlist_write",
            "path": "i.m3u8",
            "media_sequence": 1,
            "uris": ["index1.ts"],
            "durations": [1],
        },
        {"t_mono": 3, "action": "segment_delete", "path": "index0.ts"},
        {
            "t_mono": 9,
            "action": "playlist_write",
            "path": "i.m3u8",
            "media_sequence": 0,
            "uris": ["index0.ts"],
            "durations": [2],
        },
    ]
    obs = lives_from_truth(events).lives
    assert obs[0].extinf == 2 and obs[0].first_seen.lo == 9  # the new publish's segment 0
