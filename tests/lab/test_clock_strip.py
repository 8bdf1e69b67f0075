"""The wall-clock strip survives real H.264 encoding at several sizes; the CRC and contrast checks reject junk."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest

from player.clock_strip import (
    BLACK,
    WHITE,
    block_boxes,
    crc8,
    decode_strip,
    encode_strip,
    strip_bits,
)
from tests.lab.helpers import gray_frames

T0 = 1_795_612_800_123  # 2026-11-25T08:00:00.123Z


def test_crc8_is_crc8_smbus():
    assert crc8(b"123456789") == 0xF4  # the catalogue check value of CRC-8 (poly 0x07)
    assert crc8(b"") == 0


def test_layout_markers_data_crc():
    bits = strip_bits(0xA5A5_0000_0001)
    assert len(bits) == 60
    assert bits[:2] == [1, 0] and bits[-2:] == [0, 1]
    assert bits[2:4] == [1, 0] and bits[49] == 1  # msb first, lsb of data last before the CRC
    assert int("".join(map(str, bits[50:58])), 2) == crc8((0xA5A5_0000_0001).to_bytes(6, "big"))


def test_block_geometry_is_relative_to_the_frame():
    assert block_boxes(1280, 720)[0] == (0, 0, 16, 16)
    assert block_boxes(640, 360)[59] == (472, 0, 480, 8)
    # non-integer block size still tiles with no gap
    boxes = block_boxes(854, 480)
    assert all(a[2] == b[0] for a, b in itertools.pairwise(boxes))


@pytest.mark.parametrize("shape", [(360, 640), (480, 854), (720, 1280)])
def test_roundtrip_on_clean_luma(shape):
    frame = np.full(shape, 128, np.uint8)
    encode_strip(frame, T0)
    reading = decode_strip(frame)
    assert reading is not None
    assert reading.epoch_ms == T0
    assert reading.margin == pytest.approx(0.5)
    assert reading.contrast == pytest.approx(WHITE - BLACK)


def test_rgb_input_is_read_through_luma():
    rgb = np.zeros((360, 640, 3), np.uint8)
    rgb[..., 1] = 200  # green background
    encode_strip(rgb, T0 + 7)
    reading = decode_strip(rgb)
    assert reading is not None and reading.epoch_ms == T0 + 7


def test_no_strip_or_flat_frame_is_rejected():
    assert decode_strip(np.full((360, 640), 128, np.uint8)) is None
    rng = np.random.default_rng(1)
    noise_hits = sum(
        decode_strip(rng.integers(0, 256, (90, 160), dtype=np.uint8)) is not None for _ in range(200)
    )
    assert noise_hits == 0  # noise almost never has the contrast, and then fails the CRC


def test_crc_rejects_a_flipped_bit():
    frame = np.full((360, 640), 128, np.uint8)
    encode_strip(frame, T0)
    x0, y0, x1, y1 = block_boxes(640, 360)[20]  # a data block
    frame[y0:y1, x0:x1] = WHITE if frame[y0 + 4, x0 + 4] == BLACK else BLACK
    assert decode_strip(frame) is None


def test_out_of_range_time_refused():
    with pytest.raises(ValueError):
        encode_strip(np.zeros((360, 640), np.uint8), 1 << 48)


def _encode_clip(path: Path, size: tuple[int, int], frames: int, bitrate: str) -> list[int]:
    """Encode ``frames`` noisy frames carrying the strip with libx264 (like the publisher); return the stamps."""
    width, height = size
    rng = np.random.default_rng(7)
    stamps = [T0 + 40 * k + int(rng.integers(0, 5)) for k in range(frames)]
    raw = bytearray()
    for k, stamp in enumerate(stamps):
        y = rng.integers(16, 236, (height, width), dtype=np.uint8)  # worst case: noise everywhere
        y[:, (k * 13) % width :] //= 2
        encode_strip(y, stamp)
        uv = np.full((height // 2, width // 2), 128, np.uint8)
        raw += y.tobytes() + uv.tobytes() + uv.tobytes()
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
         "-framerate", "25", "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-g", "25", str(path)],
        input=bytes(raw), check=True, timeout=60,
    )
    return stamps


@pytest.mark.parametrize(("size", "bitrate"), [((640, 360), "300k"), ((854, 480), "500k")])
def test_decodes_real_h264_frames(tmp_path, size, bitrate):
    clip = tmp_path / "clip.mp4"
    stamps = _encode_clip(clip, size, 30, bitrate)
    frames = gray_frames(clip)
    assert len(frames) == len(stamps)
    readings = [decode_strip(f) for f in frames]
    decoded = [r for r in readings if r is not None]
    assert len(decoded) >= 28  # noise at a capped bitrate may lose a frame or two
    for reading, stamp in zip(readings, stamps, strict=True):
        if reading is not None:
            assert reading.epoch_ms == stamp  # never a wrong value past the CRC
            assert reading.margin > 0.25


def test_decodes_a_downscaled_rendition(tmp_path):
    clip = tmp_path / "clip.mp4"
    stamps = _encode_clip(clip, (1280, 720), 10, "1500k")
    frames = gray_frames(clip, size=(426, 240))  # another rendition size, rescaled
    values = [r.epoch_ms if (r := decode_strip(f)) else None for f in frames]
    assert sum(v is not None for v in values) >= 9
    assert all(v in (None, s) for v, s in zip(values, stamps, strict=True))


def test_corrupted_encoded_frame_is_rejected(tmp_path):
    clip = tmp_path / "clip.mp4"
    _encode_clip(clip, (640, 360), 3, "500k")
    frame = gray_frames(clip)[1].copy()
    assert decode_strip(frame) is not None
    x0, y0, x1, y1 = block_boxes(640, 360)[40]
    frame[y0:y1, x0:x1] = 255 - frame[y0:y1, x0:x1]  # flip one data/CRC block after decoding
    assert decode_strip(frame) is None
