"""Machine-readable wall-clock strip: encode the capture time into a frame, read it back from any rendition.

Layout (``../shared/reference/libvlc.md`` §5): one row of 60 blocks across the top-left of the frame,
``[W][B] d47…d0 c7…c0 [B][W]``: a 48-bit Unix epoch in milliseconds, most significant bit first, then its
CRC-8 (polynomial 0x07, init 0, no reflection), framed by white/black marker pairs at both ends. A bit 1 is
white (luma 235), a bit 0 black (luma 16), chroma neutral (128).

Geometry is relative to the frame: a block is ``W/80`` wide and ``H/45`` high (8×8 px at 640×360, 16×16 at
1280×720), so a rescaled rendition or a snapshot at another size decodes with the same fractions. Block edges
are computed as ``round(k * W / 80)`` so non-integer sizes (854×480) still tile exactly.

Decoding reads luma only (``Y = 0.299 R + 0.587 G + 0.114 B`` for RGB input): the mean of the central
50 %×50 % of each block, a threshold at the midpoint of the measured marker white and black, rejection when the
contrast is under 40 levels or the CRC fails. ``StripReading.margin`` is how far the closest data block was
from the threshold, as a fraction of the contrast (0.5 = ideal, near 0 = about to flip a bit).

numpy only: no Qt, no libVLC, so the monitor, the player and the lab's publisher all share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

COLUMNS = 80  # a block is W / COLUMNS wide
ROWS = 45  # and H / ROWS high
BLOCKS = 60  # blocks in the strip: 2 markers + 48 data + 8 CRC + 2 markers
DATA_BITS = 48
CRC_BITS = 8
BLACK = 16  # video-range luma
WHITE = 235
NEUTRAL_CHROMA = 128
MIN_CONTRAST = 40.0
MAX_EPOCH_MS = (1 << DATA_BITS) - 1


@dataclass(frozen=True)
class StripReading:
    """One decoded strip: the stamped wall-clock time and how confidently it was read."""

    epoch_ms: int
    margin: float  # min |block - threshold| / contrast over data+CRC blocks; 0.5 is ideal
    contrast: float  # measured white - black of the markers, in luma levels
    white: float
    black: float

    @property
    def time_utc(self) -> datetime:
        return datetime.fromtimestamp(self.epoch_ms / 1000.0, tz=UTC)


def crc8(data: bytes) -> int:
    """CRC-8, polynomial 0x07, init 0, no reflection, no final xor (CRC-8/SMBUS)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def strip_bits(epoch_ms: int) -> list[int]:
    """The 60 block values (1 = white) for ``epoch_ms``, markers included."""
    if not 0 <= epoch_ms <= MAX_EPOCH_MS:
        raise ValueError(f"epoch_ms out of the 48-bit range: {epoch_ms}")
    data = epoch_ms.to_bytes(6, "big")
    crc = crc8(data)
    payload = [(epoch_ms >> (DATA_BITS - 1 - i)) & 1 for i in range(DATA_BITS)]
    payload += [(crc >> (CRC_BITS - 1 - i)) & 1 for i in range(CRC_BITS)]
    return [1, 0, *payload, 0, 1]


def _edges(size: int, parts: int, count: int) -> list[int]:
    return [round(k * size / parts) for k in range(count + 1)]


def block_boxes(width: int, height: int, *, bottom: bool = False) -> list[tuple[int, int, int, int]]:
    """Pixel boxes ``(x0, y0, x1, y1)`` (end-exclusive) of the 60 blocks in a ``width``×``height`` frame."""
    xs = _edges(width, COLUMNS, BLOCKS)
    block_h = round(height / ROWS)
    y0 = height - block_h if bottom else 0
    return [(xs[k], y0, xs[k + 1], y0 + block_h) for k in range(BLOCKS)]


def strip_box(width: int, height: int, *, bottom: bool = False) -> tuple[int, int, int, int]:
    """Pixel box ``(x0, y0, x1, y1)`` covered by the whole strip (to keep overlays out of it)."""
    boxes = block_boxes(width, height, bottom=bottom)
    return boxes[0][0], boxes[0][1], boxes[-1][2], boxes[-1][3]


def encode_strip(frame: np.ndarray, epoch_ms: int, *, bottom: bool = False) -> np.ndarray:
    """Paint the strip for ``epoch_ms`` into ``frame`` in place and return it.

    ``frame`` is either a 2-D luma plane (uint8, video range: black 16, white 235) or an RGB(A) image
    ``(H, W, 3|4)`` (full-range RGB: black 0, white 255, which a standard RGB→YUV conversion maps to 16/235).
    For planar YUV also call ``neutral_chroma`` on the chroma planes.
    """
    if frame.ndim not in (2, 3):
        raise ValueError(f"expected a luma plane or an RGB image, got shape {frame.shape}")
    height, width = frame.shape[:2]
    lo, hi = (BLACK, WHITE) if frame.ndim == 2 else (0, 255)
    for bit, (x0, y0, x1, y1) in zip(strip_bits(epoch_ms), block_boxes(width, height, bottom=bottom), strict=True):
        value = hi if bit else lo
        if frame.ndim == 2:
            frame[y0:y1, x0:x1] = value
        else:
            frame[y0:y1, x0:x1, :3] = value
    return frame


def neutral_chroma(plane: np.ndarray, luma_width: int, luma_height: int, *, bottom: bool = False) -> np.ndarray:
    """Set a subsampled chroma plane (U or V) to 128 under the strip, in place."""
    x0, y0, x1, y1 = strip_box(luma_width, luma_height, bottom=bottom)
    sx = luma_width / plane.shape[1]
    sy = luma_height / plane.shape[0]
    plane[int(y0 // sy) : int(-(-y1 // sy)), int(x0 // sx) : int(-(-x1 // sx))] = NEUTRAL_CHROMA
    return plane


def to_luma(image: np.ndarray) -> np.ndarray:
    """A float luma plane from a 2-D luma/gray image or an RGB(A) image (BT.601 weights)."""
    if image.ndim == 2:
        return image.astype(np.float32, copy=False)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        rgb = image[..., :3].astype(np.float32)
        return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    raise ValueError(f"expected a luma plane or an RGB image, got shape {image.shape}")


def block_means(image: np.ndarray, *, bottom: bool = False) -> np.ndarray:
    """Mean luma of the central 50 %×50 % of each of the 60 blocks."""
    luma = to_luma(image)
    height, width = luma.shape
    means = np.empty(BLOCKS, dtype=np.float64)
    for k, (x0, y0, x1, y1) in enumerate(block_boxes(width, height, bottom=bottom)):
        bw, bh = x1 - x0, y1 - y0
        cx0, cx1 = x0 + bw // 4, x1 - bw // 4
        cy0, cy1 = y0 + bh // 4, y1 - bh // 4
        if cx1 <= cx0 or cy1 <= cy0:  # tiny image: use the whole block
            cx0, cx1, cy0, cy1 = x0, max(x1, x0 + 1), y0, max(y1, y0 + 1)
        means[k] = float(luma[cy0:cy1, cx0:cx1].mean())
    return means


def decode_strip(image: np.ndarray, *, bottom: bool = False) -> StripReading | None:
    """Read the strip from a frame (luma plane or RGB); ``None`` when absent, too faint or CRC-invalid."""
    height, width = image.shape[:2]
    if width < COLUMNS or height < ROWS:
        return None
    means = block_means(image, bottom=bottom)
    white = (means[0] + means[-1]) / 2.0
    black = (means[1] + means[-2]) / 2.0
    contrast = white - black
    if contrast < MIN_CONTRAST:
        return None
    threshold = (white + black) / 2.0
    payload = means[2:-2]
    bits = payload > threshold
    value = 0
    for bit in bits[:DATA_BITS]:
        value = (value << 1) | int(bit)
    crc = 0
    for bit in bits[DATA_BITS:]:
        crc = (crc << 1) | int(bit)
    if crc8(value.to_bytes(6, "big")) != crc:
        return None
    margin = float(np.min(np.abs(payload - threshold)) / contrast)
    return StripReading(epoch_ms=value, margin=margin, contrast=float(contrast), white=float(white), black=float(black))
