"""Latency arithmetic, the snapshot PNG reader and the strip round trip (no libVLC)."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from player.clock_strip import encode_strip
from player.latency import (
    LOCK_SAMPLES,
    NOSTRIP_AFTER,
    SOURCE_PDT,
    SOURCE_PLAYLIST,
    LatencyMeter,
    StripClock,
    estimate_latency,
    read_strip_region,
    summarize,
)
from player.png import decode_png, read_png_top


def _png(image: np.ndarray, filters: list[int]) -> bytes:
    """Encode RGB with the given per-row filter types (only 0 and 2 need the previous row here)."""
    h, w, c = image.shape
    raw = bytearray()
    prev = np.zeros(w * c, dtype=np.int32)
    for y in range(h):
        row = image[y].reshape(-1).astype(np.int32)
        kind = filters[y % len(filters)]
        left = np.concatenate([np.zeros(c, np.int32), row[:-c]])
        up_left = np.concatenate([np.zeros(c, np.int32), prev[:-c]])
        if kind == 0:
            out = row
        elif kind == 1:
            out = row - left
        elif kind == 2:
            out = row - prev
        elif kind == 3:
            out = row - (left + prev) // 2
        else:
            p = left + prev - up_left
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - up_left)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, up_left))
            out = row - pred
        raw += bytes([kind]) + bytes((out & 0xFF).astype(np.uint8))
        prev = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def test_png_reader_all_filters_and_partial_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(12, 17, 3), dtype=np.uint8)
    data = _png(image, [0, 1, 2, 3, 4])
    w, h, pixels = decode_png(data)
    assert (w, h) == (17, 12)
    assert np.array_equal(pixels, image)
    _, _, top = decode_png(data, max_rows=5)
    assert np.array_equal(top, image[:5])
    _, _, corner = decode_png(data, max_rows=7, max_cols=9)  # left columns decode exactly on their own
    assert np.array_equal(corner, image[:7, :9])


def test_strip_survives_png_round_trip(tmp_path: Path) -> None:
    frame = np.full((360, 640, 3), 90, dtype=np.uint8)
    encode_strip(frame, 1_795_612_800_123)
    path = tmp_path / "snap.png"
    path.write_bytes(_png(frame, [4, 1, 2]))
    image = read_png_top(path, rows=10)
    from player.clock_strip import decode_strip

    reading = decode_strip(image)
    assert reading is not None and reading.epoch_ms == 1_795_612_800_123


@pytest.mark.parametrize("size", [(640, 360), (320, 180), (480, 270)])
def test_strip_region_reader_matches_full_decode(tmp_path: Path, size: tuple[int, int]) -> None:
    """Only the strip's corner is decoded; the reading is the one of the whole picture (Paeth/Avg rows too)."""
    from player.clock_strip import decode_strip

    w, h = size
    rng = np.random.default_rng(2)
    frame = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)  # noise everywhere outside the strip
    encode_strip(frame, 1_795_612_800_456)
    path = tmp_path / "snap.png"
    path.write_bytes(_png(frame, [4, 3, 1, 2, 0]))
    luma = read_strip_region(path)
    assert luma.shape == (h, w)
    assert not luma[h // 2 :].any() and not luma[:, w - 1].any()  # nothing outside the strip was decoded
    reading, full = decode_strip(luma), decode_strip(frame)
    assert reading is not None and full is not None
    assert reading.epoch_ms == full.epoch_ms == 1_795_612_800_456
    assert reading.margin == pytest.approx(full.margin, abs=1e-3)


def test_meter_slows_down_once_locked_and_speeds_up_on_a_jump(tmp_path: Path) -> None:
    """Adaptive rate: fast until LOCK_SAMPLES readings agree, locked rate then, fast again after a jump,
    slow when the stream has no strip at all."""
    state = {"t": 1_000.0, "lag": 4.0, "strip": True}
    frame = np.zeros((90, 160, 3), dtype=np.uint8)

    def snapshot(path: Path) -> bool:
        frame[:] = 0
        if state["strip"]:
            encode_strip(frame, int((state["t"] - state["lag"]) * 1000))
        path.write_bytes(_png(frame, [1]))
        return True

    def fake_wall() -> float:
        state["t"] += 0.05
        return state["t"]

    meter = LatencyMeter(snapshot, rate_hz=3.0, locked_hz=1.0, nostrip_hz=0.5, wall=fake_wall)
    path = tmp_path / "snap.png"
    try:
        rates = []
        for _ in range(LOCK_SAMPLES):
            assert meter._step(path) is not None
            rates.append(meter.rate_hz)
        assert rates[:-1] == [3.0] * (LOCK_SAMPLES - 1) and rates[-1] == 1.0 and meter.locked
        meter.set_busy(True)  # the live-edge controller is moving the latency
        assert meter.rate_hz == 3.0
        meter.set_busy(False)
        assert meter.rate_hz == 1.0
        state["lag"] = 2.0  # a seek forward: latency jumps by 2 s
        assert meter._step(path) is not None
        assert meter.rate_hz == 3.0 and not meter.locked
        state["strip"] = False
        for _ in range(NOSTRIP_AFTER):
            assert meter._step(path) is None
        assert meter.rate_hz == 0.5
        state["strip"] = True
        assert meter._step(path) is not None
        assert meter.rate_hz == 3.0
        assert meter.attempts == LOCK_SAMPLES + 2 + NOSTRIP_AFTER
        assert meter.decoded == LOCK_SAMPLES + 2
    finally:
        meter.close()


def test_strip_clock_display_time_and_rejections() -> None:
    clock = StripClock()
    assert clock.shown_at(100.0, 100.030) == pytest.approx(100.0)  # first call: its own duration is the encode
    assert clock.shown_at(200.0, 200.050) == pytest.approx(200.020)  # 20 ms wait + 30 ms encode
    assert clock.latency(1000.0, 993_000) == pytest.approx(7.0)
    assert clock.latency(1000.0, 992_000) is None  # strip time went backwards
    assert clock.latency(1000.0, 900_000) is None  # 100 s: implausible
    assert clock.latency(1001.0, 993_000) == pytest.approx(8.0)  # frozen picture: latency grows


def test_estimate_prefers_program_date_time() -> None:
    pdt = datetime.fromtimestamp(1000.0, tz=UTC)
    value, source = estimate_latency(
        now_mono=50.0, now_wall=1002.0, remaining_s=4.0, newest_first_seen=49.0, newest_end_pdt=pdt
    )
    assert source == SOURCE_PDT and value == pytest.approx(4.0 + 1.0 + 2.0)
    value, source = estimate_latency(
        now_mono=50.0, now_wall=1002.0, remaining_s=4.0, newest_first_seen=49.0, newest_end_pdt=None
    )
    assert source == SOURCE_PLAYLIST and value == pytest.approx(4.0 + 1.0 + 1.0 + 0.1)
    assert estimate_latency(now_mono=0, now_wall=0, remaining_s=1, newest_first_seen=None, newest_end_pdt=None) is None


def test_summary_percentiles() -> None:
    summary = summarize([float(v) for v in range(1, 101)])
    assert summary.count == 100
    assert summary.p50_s == pytest.approx(50.5)
    assert summary.p95_s == pytest.approx(95.05)
    assert summarize([]).p50_s is None


def test_meter_thread_decodes_written_snapshots(tmp_path: Path) -> None:
    """The meter with a fake snapshot source (no socket crossed): samples come from the strip."""
    wall = {"t": 2_000.0}
    frame = np.zeros((90, 160, 3), dtype=np.uint8)

    def snapshot(path: Path) -> bool:
        encode_strip(frame, int((wall["t"] - 5.0) * 1000))
        path.write_bytes(_png(frame, [1]))
        return True

    def fake_wall() -> float:
        wall["t"] += 0.01
        return wall["t"]

    meter = LatencyMeter(snapshot, rate_hz=50.0, wall=fake_wall).start()
    try:
        import time

        deadline = time.monotonic() + 5
        while meter.decoded < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        meter.close()
    samples = meter.samples()
    assert len(samples) >= 3
    assert all(s.source == "strip" for s in samples)
    assert all(4.9 < s.latency_s < 5.1 for s in samples)
