"""The session reader's fast paths (msgspec typed decoding, per-type field plans) give exactly the records
the general type-hint decoder gives, and fall back to it for anything unusual."""

from __future__ import annotations

import json

import pytest

from gui.synthetic import synthetic_events
from monitor import session as S
from monitor.records import Alert, EndpointState, EndpointStatus, Severity, Variant, VariantList
from tests.monitor.helpers import request, snap, utc


def _events() -> list[object]:
    first = snap(1.0, 10, 4)
    return [
        first,
        snap(3.0, 11, 4, previous=first),
        request(2.0, 200, msn=11, headers={"age": "3", "x-cache": "HIT"}),
        request(2.5, None, msn=12),
        Alert(
            endpoint="cdn",
            severity=Severity.ERROR,
            code="stale_cdn_playlist",
            message="m",
            mono=3.0,
            utc=utc(3.0),
            evidence={"age_s": 9, "list": [1, 2], "nested": {"a": None}},
            msn=4,
        ),
        EndpointStatus(endpoint="origin", state=EndpointState.GONE, mono=4.0, utc=utc(4.0), detail="404"),
        VariantList(
            endpoint="origin",
            url="http://127.0.0.1/m.m3u8",
            variants=(Variant(uri="a", bandwidth=5),),
            fetched_utc=utc(5.0),
        ),
        *synthetic_events(40, stale_every=10),
    ]


def _write(path, events):
    writer = S.SessionWriter(path)
    for ev in events:
        writer.write(ev)
    writer.close()


def _general(path):
    """The reference: every line through the general (hint-walking) decoder."""
    out = []
    for line in path.read_text().splitlines():
        data = json.loads(line)
        kind = data.pop("type")
        if kind in S.RECORD_TYPES:
            cls = S.RECORD_TYPES[kind]
            known = set(cls.__dataclass_fields__)
            out.append(S._decode_dataclass(cls, {k: v for k, v in data.items() if k in known}))
    return out


@pytest.mark.parametrize("msgspec", [True, False])
def test_fast_reader_equals_the_general_decoder(tmp_path, monkeypatch, msgspec):
    if not msgspec:
        monkeypatch.setenv("HLSMON_SESSION_NO_MSGSPEC", "1")
        S._typed_decoders.cache_clear()
    events = _events()
    path = tmp_path / "s.jsonl"
    _write(path, events)
    try:
        back = list(S.read_session(path))
    finally:
        S._typed_decoders.cache_clear()
    assert back == _general(path)
    assert len(back) == len(events)
    assert back[0].segments == events[0].segments and back[0].fetched.lo_utc == events[0].fetched.lo_utc
    assert isinstance(back[4].severity, Severity) and back[4].evidence["nested"] == {"a": None}
    assert type(back[6].variants) is tuple and back[6].variants[0].bandwidth == 5


def test_unusual_lines_fall_back_to_the_general_decoder(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, [EndpointStatus(endpoint="o", state=EndpointState.LIVE, mono=1, utc=utc(1))])
    lc = json.loads(S.encode(next(iter(synthetic_events(1)))))
    with path.open("a") as fh:
        fh.write(
            json.dumps(
                {
                    **json.loads(
                        S.encode(next(e for e in synthetic_events(2) if type(e).__name__ == "SegmentLifecycle"))
                    ),
                    "extinf": None,
                }
            )
            + "\n"
        )
        fh.write(json.dumps({**lc, "future_field": [1, 2]}) + "\n")  # unknown fields are ignored
        fh.write(
            json.dumps(
                {
                    "future": 1,
                    "type": "EndpointStatus",
                    "endpoint": "x",
                    "state": "live",
                    "mono": 2,
                    "utc": "2026-11-25T00:00:02+00:00",
                }
            )
            + "\n"
        )  # "type" not first
        fh.write("\n")
    back = list(S.read_session(path))
    assert back[0].mono == 1.0 and type(back[0].mono) is float
    assert back[1].extinf is None  # NaN was written as null: kept as the general decoder keeps it
    assert back[2].state == EndpointState.LIVE and not hasattr(back[2], "future_field")
    assert back[3].endpoint == "x" and back[3].mono == 2.0
    with path.open("a") as fh:
        fh.write('{"type":"EndpointStatus","endpoint":"x"}\n')  # required fields missing
    with pytest.raises(TypeError):
        list(S.read_session(path))


def test_progress_is_reported_in_bytes(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, list(synthetic_events(200)))
    seen: list[tuple[int, int]] = []
    n = sum(1 for _ in S.read_session(path, progress=lambda done, total: seen.append((done, total)), every=100))
    size = path.stat().st_size
    assert n > 500 and len(seen) >= n // 100
    assert all(t == size for _, t in seen) and seen[-1] == (size, size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and 0 < seen[0][0] < size


def test_every_record_type_has_a_fast_decoder():
    for cls in S.RECORD_TYPES.values():
        assert S._fast_decoder(cls) is not None, cls
    pytest.importorskip("msgspec")
    assert set(S._typed_decoders()) == {k.encode() for k in S.RECORD_TYPES}


_WRITER = """
import sys, itertools
from gui.synthetic import synthetic_events
from monitor.session import SessionWriter
events = list(synthetic_events(50))
writer = SessionWriter(sys.argv[1])
print("ready", flush=True)
for ev in itertools.cycle(events):
    writer.write(ev)
"""


def test_sigterm_leaves_only_whole_lines(tmp_path):
    """A writer killed at any moment (the window on SIGTERM) never leaves a torn last line."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for attempt in range(3):
        path = tmp_path / f"s{attempt}.jsonl"
        with subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=root, stdout=subprocess.PIPE) as proc:
            assert proc.stdout.readline().strip() == b"ready"
            time.sleep(0.7 + 0.13 * attempt)
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        data = path.read_bytes()
        assert data.endswith(b"\n") and data.count(b"\n") > 10
        for line in data.splitlines():
            json.loads(line)


def test_appending_after_a_torn_line_keeps_the_new_header(tmp_path):
    path = tmp_path / "s.jsonl"
    _write(path, [EndpointStatus(endpoint="o", state=EndpointState.LIVE, mono=1, utc=utc(1))])
    with path.open("ab") as fh:
        fh.write(b'{"type":"EndpointStatus","endpoint":"o","sta')  # killed mid-line
    _write(path, [EndpointStatus(endpoint="o", state=EndpointState.GONE, mono=2, utc=utc(2))])
    lines = path.read_text().splitlines()
    assert json.loads(lines[-2])["type"] == "header"
    back = list(S.read_session(path))
    assert [ev.state for ev in back] == [EndpointState.LIVE, EndpointState.GONE]
