"""What-if (plan), CDN TTLs and the ``hlsmon plan`` command."""

from __future__ import annotations

import argparse
import json

import pytest

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
