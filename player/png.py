"""Minimal PNG reader (numpy + zlib) for libVLC snapshots: 8-bit gray/RGB/RGBA, non-interlaced.

libVLC 3 always writes snapshots as PNG. The clock strip sits in the top rows, so ``read_png`` can stop
after ``max_rows`` rows: rows are unfiltered top-down and only depend on the row above, so the top band
decodes exactly without touching the rest (a 640×360 snapshot's strip needs 8 of 360 rows).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 6: 4}  # colour type -> channels (gray, RGB, RGBA)


class PngError(ValueError):
    """Not a PNG this reader handles."""


def _chunks(data: bytes):
    pos = len(_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _paeth_row(raw: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    out = np.zeros(len(raw), dtype=np.int32)
    a_vals = out  # reconstructed bytes of this row
    raw_i = raw.astype(np.int32)
    prev_i = prev.astype(np.int32)
    for i in range(len(raw)):
        a = int(a_vals[i - bpp]) if i >= bpp else 0
        b = int(prev_i[i])
        c = int(prev_i[i - bpp]) if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (int(raw_i[i]) + pred) & 0xFF
    return out.astype(np.uint8)


def _avg_row(raw: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    out = np.zeros(len(raw), dtype=np.int32)
    for i in range(len(raw)):
        a = int(out[i - bpp]) if i >= bpp else 0
        out[i] = (int(raw[i]) + ((a + int(prev[i])) >> 1)) & 0xFF
    return out.astype(np.uint8)


def _unfilter(kind: int, raw: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:
        return raw
    if kind == 1:  # Sub: running sum per channel
        return (np.cumsum(raw.reshape(-1, bpp).astype(np.uint32), axis=0) & 0xFF).astype(np.uint8).ravel()
    if kind == 2:  # Up
        return ((raw.astype(np.uint16) + prev) & 0xFF).astype(np.uint8)
    if kind == 3:
        return _avg_row(raw, prev, bpp)
    if kind == 4:
        return _paeth_row(raw, prev, bpp)
    raise PngError(f"bad filter type {kind}")


def decode_png(data: bytes, max_rows: int | None = None) -> tuple[int, int, np.ndarray]:
    """``(width, height, pixels)``; pixels has ``min(height, max_rows)`` rows, shape (rows, W, C)."""
    if not data.startswith(_SIGNATURE):
        raise PngError("not a PNG file")
    header = None
    idat = bytearray()
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise PngError("no IHDR")
    width, height, depth, colour, _comp, _filt, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise PngError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    bpp = _CHANNELS[colour]
    stride = width * bpp
    rows = height if max_rows is None else min(height, max_rows)
    inflater = zlib.decompressobj()
    raw = inflater.decompress(bytes(idat), rows * (stride + 1))
    if len(raw) < rows * (stride + 1):
        raise PngError("truncated image data")
    buf = np.frombuffer(raw, dtype=np.uint8)[: rows * (stride + 1)].reshape(rows, stride + 1)
    out = np.empty((rows, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(rows):
        prev = out[y] = _unfilter(int(buf[y, 0]), buf[y, 1:], prev, bpp)
    return width, height, out.reshape(rows, width, bpp)


def read_png_top(path: Path, rows: int) -> np.ndarray:
    """A full-size image array whose top ``rows`` rows are the file's, the rest black (for strip decoding)."""
    width, height, top = decode_png(Path(path).read_bytes(), max_rows=rows)
    image = np.zeros((height, width, top.shape[2]), dtype=np.uint8)
    image[: top.shape[0]] = top
    return image
