"""What-if (plan), CDN TTLs and the ``hlsmon plan`` command."""

from __future__ import annotations

import argparse
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor import plan_cli
from monitor.models import edge_ttl, plan, profile_for


@pytest.mark.parametrize(
    ("policy", "cache_control", "ttl"),
    [
        ("caching-optimized", None, 86_400),  # no header: DefaultTTL 24 h (frozen playlist)
        ("caching-optimized", "no-cache", 1),  # MinTTL 1 wins over no-cache
        ("caching-optimized", "public, max-age=0", 1),
        ("caching-optimized", "max-age=1", 1),
        ("caching-optimized", "max-age=5, s-maxage=2", 2),
        ("caching-disabled", None, 0),
        ("elemental-mediapackage", "no-cache", 0),
        ("elemental-mediapackage", None, 86_400),
        ("none", None, 0),
    ],
)
def test_edge_ttl(policy: str, cache_control: str | None, ttl: float) -> None:
    assert edge_ttl(policy, cache_control) == ttl


@pytest.mark.parametrize("policy", ["caching-optimized", "caching-disabled", "elemental-mediapackage"])
@pytest.mark.parametrize(
    "cache_control", [None, "no-cache", "public, max-age=0", "max-age=1", "max-age=7, s-maxage=3", "private"]
)
def test_edge_ttl_agrees_with_the_lab_cdn(policy: str, cache_control: str | None) -> None:
    """The model's TTL rule and the lab edge's (lab/cdn_policy.py, which the Varnish VCL mirrors) agree."""
    cdn_policy = pytest.importorskip("lab.cdn_policy")
    headers = {} if cache_control is None else {"Cache-Control": cache_control}
    lab_ttl = cdn_policy.edge_ttl(cdn_policy.MANAGED[policy], 200, headers)
    assert edge_ttl(policy, cache_control) == (lab_ttl or 0.0)


def test_tutorial_fix_distribution() -> None:
    assert edge_ttl("tutorial-fix", None, kind="playlist") == 0
    assert edge_ttl("tutorial-fix", None, kind="segment") == 86_400


def test_latency_budget_adds_up() -> None:
    profile = profile_for("nginx-rtmp", {"hls_fragment": 2, "hls_playlist_length": 6, "keyint": 4})
    result = plan(profile, ingest_latency_s=0.5)
    names = [b.name for b in result.budget]
    assert names == ["encoder + ingest", "fragment", "player hold-back", "playlist reload", "CDN"]
    # ingest 0.5 + D 4 + hold-back min(3 x TD 4, window 12) = 16.5; + reload up to TD 4
    assert result.latency_low_s == pytest.approx(16.5)
    assert result.latency_high_s == pytest.approx(20.5)


def test_cdn_warnings() -> None:
    profile = profile_for("nginx-rtmp", {"hls_fragment": 2, "hls_playlist_length": 6})
    frozen = plan(profile, cdn="caching-optimized", origin_cache_control=None)
    assert frozen.playlist_ttl_s == 86_400 and any("frozen" in w for w in frozen.warnings)
    fine = plan(profile, cdn="caching-optimized", origin_cache_control="no-cache")
    assert fine.playlist_ttl_s == 1 and not any("frozen" in w for w in fine.warnings)
    nms = plan(profile_for("nms", {}), cdn="caching-optimized")  # NMS default header public, max-age=0
    assert nms.playlist_ttl_s == 1


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    plan_cli.add_arguments(parser)
    code = plan_cli.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_issue_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "--server", "nginx-rtmp", "--hls-fragment", "2", "--hls-playlist-length", "6", "--keyint", "4"
    )
    assert code == 0
    assert "Segments last 4 s although hls_fragment is 2 s" in out
    assert "3 entries, window 12 s, TARGETDURATION 4" in out
    assert "batches every 12 s" in out
    assert "Latency budget" in out and "Timeline" in out


def test_cli_ffmpeg_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys,
        "--server",
        "ffmpeg",
        "--hls-time",
        "1",
        "--hls-list-size",
        "3",
        "--delete-segments",
        "--hls-delete-threshold",
        "4",
        "--json",
    )
    data = json.loads(out)
    assert code == 0
    assert data["prediction"]["lifecycle"]["gone_after_leave"] == {"lo": 4.0, "hi": 4.0}


def test_cli_generic_inf_is_json_null(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--server", "generic", "--segment-duration", "4", "--json")
    assert code == 0 and json.loads(out)["prediction"]["lifecycle"]["gone_after_leave"]["hi"] is None


def test_cli_bad_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "--server", "nginx-rtmp", "--hls-fragment", "1.5")
    assert code == 2 and "1500ms" in err
    code, _, err = run_cli(capsys, "--server", "wowza")
    assert code == 2 and "unknown server profile" in err


def test_cli_set_passes_any_setting(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--server", "nginx-rtmp", "--set", "hls_cleanup=off")
    assert code == 0 and "Never deleted (hls_cleanup off)" in out


# ---- what each kind of viewer gets ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("window", "live_delay_s", "behind"),
    [
        ([2.0] * 3, 15.0, 6.0),  # libvlc.md §1's worked examples, all matched by VLC 3's own logs
        ([2.0] * 10, 15.0, 16.0),
        ([2.0] * 10, 10.0, 12.0),
        ([2.0] * 10, 6.0, 8.0),
        ([2.0] * 10, 2.0, 8.0),  # clamped up to 6 s
    ],
)
def test_vlc_start_point(window: list[float], live_delay_s: float, behind: float) -> None:
    from monitor.models.viewers import vlc_start_behind_end_s

    assert vlc_start_behind_end_s(window, live_delay_s) == behind


@given(
    durations=st.lists(st.floats(min_value=0.5, max_value=10.0), min_size=1, max_size=40),
    live_delay_s=st.floats(min_value=0.0, max_value=60.0),
)
def test_vlc_starts_inside_the_playlist_and_never_closer_than_the_newest_segment(
    durations: list[float], live_delay_s: float
) -> None:
    from monitor.models.viewers import vlc_start_behind_end_s

    behind = vlc_start_behind_end_s(durations, live_delay_s)
    assert durations[-1] - 1e-9 <= behind <= sum(durations) + 1e-9
    if len(durations) >= 2:  # with a segment to hold back, it buffers at least 6 s or all it can
        usable = sum(durations[2:-1]) if len(durations) >= 4 else sum(durations[:-1])
        assert behind - durations[-1] >= min(max(live_delay_s, 6.0), usable) - 1e-9


def test_each_viewer_kind_adds_its_own_hold_back_to_the_same_ingest_and_fragment() -> None:
    result = plan(profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "30s"}))
    assert [v.key for v in result.viewers] == ["spec", "hlsjs", "vlc"]
    assert result.viewer("spec").latency_s == result.latency_low_s == 1 + 2 + 6
    assert result.viewer("hlsjs").latency_s == 1 + 2 + 3 * 2  # liveSyncDurationCount 3 x TARGETDURATION
    assert result.viewer("vlc").latency_s == pytest.approx(1 + 2 + 18 + 0.3)  # 15 x 2 s: 16 s + the newest


def test_cli_prints_what_each_viewer_kind_gets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        capsys, "--profile", "nginx-rtmp", "--set", "hls_fragment=2s", "--set", "hls_playlist_length=30s"
    )
    assert code == 0
    block = out.split("What each kind of viewer gets", 1)[1].split("Timeline", 1)[0]
    assert "spec-following player  9 s" in block
    assert "hls.js defaults        9 s" in block
    assert "VLC 3 defaults         21.3 s" in block and "never catches up" in block
    code, out, _ = run_cli(
        capsys, "--json", "--profile", "nginx-rtmp", "--set", "hls_fragment=2s", "--set", "hls_playlist_length=30s"
    )
    viewers = {v["key"]: v["latency_s"] for v in json.loads(out)["viewers"]}
    assert viewers == pytest.approx({"spec": 9.0, "hlsjs": 9.0, "vlc": 21.3})
