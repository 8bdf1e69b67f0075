"""The server models judge the monitor's own SegmentLifecycle records, with the monitor's estimates."""

from __future__ import annotations

import dataclasses

from monitor.models import judge, latest_lives, profile_for
from monitor.records import SegmentLifecycle
from tests.models.scripted import life

NGINX_1_3 = {"hls_fragment": "1s", "hls_playlist_length": "3s", "keyint": 1}
STEP = 0.06  # MonitorConfig.dense_step_s: the fast poller's arrival step


def fast_poller_lives(count: int, *, generation: int = 0, start: float = 0.0) -> list[SegmentLifecycle]:
    """nginx-rtmp F = 1 s, 3 entries, as the fast poller sees it: each first-seen/left window is opened by
    the reload that found the previous change (about 1 s earlier) and closed 0.03 s after the change."""
    lives = []
    for k in range(count):
        appear = start + 1.0 * (k + 1)
        leave = appear + 3.0
        gone = leave + 4.0
        lives.append(
            life(
                k,
                f"test-{k}.ts",
                1.0,
                (appear - 0.97, appear + 0.03),
                (leave - 0.97, leave + 0.03),
                (gone - 0.05, gone + 0.05),
                generation=generation,
            )
        )
    return lives


def test_printed_time_listed_comes_from_the_window_estimate_not_the_middle() -> None:
    """True time listed 3 s: the middles of one-sided windows say 3 s too, but deletion lag (gone − left)
    printed from middles is 4.47 s instead of 4 s: the verdicts must print the estimates."""
    verdicts = judge(fast_poller_lives(12), profile_for("nginx-rtmp", NGINX_1_3), arrival_step_s=STEP)
    gone = [v for v in verdicts if v.code == "gone"]
    assert gone and all(abs(v.observed - 4.0) < 0.05 for v in gone), [v.observed for v in gone]
    assert gone[0].message.startswith("Deleted 4 s (surely 3.9 to 5 s) after leaving the playlist")
    listed = [v for v in verdicts if v.code == "listed"]
    assert listed and all(abs(v.observed - 3.0) < 0.05 for v in listed)


def test_deletion_never_printed_before_leaving() -> None:
    """A 404 found by a probe sent before the reload that closed the left window: the lag is zero (within the
    measurement's uncertainty), never negative."""
    lives = fast_poller_lives(12)
    k = 4
    left = lives[k].left
    lives[k] = dataclasses.replace(lives[k], gone=dataclasses.replace(left, hi=left.hi - 0.5))
    verdicts = judge(lives, profile_for("nginx-rtmp", NGINX_1_3), arrival_step_s=STEP)
    v = next(v for v in verdicts if v.code == "gone" and v.msn == k)
    assert v.observed == 0.0 and "Deleted 0 s after leaving" in v.message
    assert v.expected is not None


def test_a_restart_judges_only_the_newest_publish_and_says_so() -> None:
    old = fast_poller_lives(20)
    new = fast_poller_lives(8, generation=1, start=40.0)
    verdicts = judge(old + new, profile_for("nginx-rtmp", NGINX_1_3), arrival_step_s=STEP)
    judged = {v.msn for v in verdicts if v.scope == "segment"}
    assert judged and judged <= set(range(8))
    restart = next(v for v in verdicts if v.code == "summary_restarts")
    assert "restarted 1 time(s)" in restart.message and "8 segments" in restart.message


def test_latest_lives_keeps_the_newest_record_and_drops_missed_segments() -> None:
    first = life(3, "a.ts", 1.0, (1.0, 1.1))
    updated = dataclasses.replace(first, left=first.first_seen)
    missed = life(4, "", 0.0, (1.0, 1.1), missed=True)
    other = dataclasses.replace(first, endpoint="cdn")
    chosen = latest_lives([first, updated, missed, other], endpoint="origin")
    assert chosen.lives == (updated,) and chosen.earlier_generations == 0


def test_a_deletion_before_leaving_is_a_problem_not_a_negative_lag() -> None:
    """Ground truth (exact instants) of a file deleted while still listed: no "Deleted −2 s after leaving"."""
    lives = fast_poller_lives(12)
    k = 5
    left = lives[k].left
    lives[k] = dataclasses.replace(lives[k], gone=dataclasses.replace(left, lo=left.lo - 2.5, hi=left.lo - 2.0))
    verdicts = judge(lives, profile_for("nginx-rtmp", NGINX_1_3), arrival_step_s=STEP)
    assert not [v for v in verdicts if v.code == "gone" and v.msn == k]
    problem = next(v for v in verdicts if v.code == "deleted_while_listed" and v.msn == k)
    assert problem.level == "problem" and "deleted at least 2 s before it left the playlist" in problem.message
