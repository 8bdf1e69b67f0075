"""The lab's fault spec: parsing with plain-words errors, and ffmpeg arguments ffmpeg accepts."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.faults import (
    DEFAULT_DURATION_S,
    Fault,
    FaultSpecError,
    audio_filters,
    keyframe_args,
    parse_faults,
    video_filters,
)
from lab.publisher import ffmpeg_argv
from tests.content.media import FFMPEG, needs_ffmpeg

ISSUE_EXAMPLE = "freeze@20,black@40,mute@60,gop=4@80,tsjump@100,fps=15@120"


def test_the_issue_example_parses() -> None:
    faults = parse_faults(ISSUE_EXAMPLE, fps=25)
    assert [f.label for f in faults] == ["freeze@20", "black@40", "mute@60", "gop=4@80", "tsjump=2@100", "fps=15@120"]
    assert all(f.duration_s == DEFAULT_DURATION_S for f in faults)
    assert parse_faults("mute@3+2.5")[0] == Fault(name="mute", start_s=3, duration_s=2.5)


@pytest.mark.parametrize(("spec", "words"), [
    ("", "no fault given"),
    ("freeze", "is not NAME[=VALUE]@START"),
    ("smoke@3", "unknown fault 'smoke'"),
    ("freeze@soon", "the start time 'soon' is not a number"),
    ("freeze@-1", "0 or more seconds"),
    ("mute@3+0", "duration must be positive"),
    ("black=2@3", "black takes no value"),
    ("gop@3", "write gop=SECONDS"),
    ("gop=0@3", "between 0.1 and 60 s"),
    ("fps=30@3", "below the stream's 25 fps"),
    ("fps=12.5@3", "whole number"),
    ("tsjump=0@3", "non-zero"),
    ("mute@3,mute@5", "overlap"),
])
def test_bad_specs_say_why(spec: str, words: str) -> None:
    with pytest.raises(FaultSpecError, match=None) as info:
        parse_faults(spec, fps=25)
    assert words in str(info.value)


names = st.sampled_from(["freeze", "black", "mute", "gop", "tsjump", "fps"])


@given(st.lists(st.tuples(names, st.integers(0, 500), st.integers(1, 20)), min_size=1, max_size=6))
def test_labels_parse_back(items: list[tuple[str, int, int]]) -> None:
    value = {"gop": "=4", "fps": "=15", "tsjump": "=-1.5"}
    spec = ",".join(f"{n}{value.get(n, '')}@{start}+{length}" for n, start, length in items)
    try:
        faults = parse_faults(spec, fps=25)
    except FaultSpecError as exc:
        assert "overlap" in str(exc)
        return
    again = parse_faults(",".join(f"{f.label}+{f.duration_s:g}" for f in faults), fps=25)
    assert again == faults
    assert [f.start_s for f in faults] == sorted(f.start_s for f in faults)


def test_no_fault_leaves_the_publisher_unchanged() -> None:
    argv = ffmpeg_argv("rtmp://127.0.0.1:1/live/k", 640, 360, 25, 1.0, 500, True, 0.0)
    assert argv[argv.index("-force_key_frames") + 1] == "expr:gte(t,n_forced*1)"
    assert argv[argv.index("-g") + 1] == "25"
    assert "-af" not in argv and "freezeframes" not in " ".join(argv)


def test_a_gop_fault_lifts_the_encoder_gop_limit() -> None:
    args = keyframe_args(parse_faults("gop=4@10+8"), 1.0, 25)
    assert args is not None and int(args[1]) > 4 * 25
    assert keyframe_args(parse_faults("mute@3"), 1.0, 25) is None
    assert "prev_forced_t" in " ".join(keyframe_args(parse_faults("tsjump@3"), 1.0, 25) or [])


@needs_ffmpeg
def test_ffmpeg_accepts_every_fault(tmp_path) -> None:
    """All faults at once on 2 s of a tiny picture: ffmpeg must take the filters and expressions."""
    faults = parse_faults("freeze@0.2+0.3,black@0.6+0.3,mute@0.5+0.5,gop=0.5@1+0.5,tsjump@1.2,fps=10@1.5+0.4")
    argv = [FFMPEG or "ffmpeg", "-hide_banner", "-loglevel", "error", "-t", "2", "-f", "lavfi",
            "-i", "testsrc2=size=160x90:rate=25", "-t", "2", "-f", "lavfi", "-i", "sine=sample_rate=48000",
            "-vf", ",".join(["null", *video_filters(faults, 25)]), "-af", ",".join(audio_filters(faults)),
            "-c:v", "libx264", "-preset", "ultrafast", *(keyframe_args(faults, 0.2, 25) or []),
            "-c:a", "aac", "-f", "mpegts", str(tmp_path / "out.ts")]
    subprocess.run(argv, check=True, timeout=60)
    assert (tmp_path / "out.ts").stat().st_size > 10_000


def test_the_lab_cli_takes_and_checks_the_option() -> None:
    import argparse

    from lab.cli import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from_args(parser.parse_args(["--fault", "mute@3,gop=4@8"]))
    assert config.extras == {"faults": "mute@3,gop=4@8"}
    assert config_from_args(parser.parse_args([])).extras == {}
    with pytest.raises(SystemExit):
        parser.parse_args(["--fault", "smoke@3"])
