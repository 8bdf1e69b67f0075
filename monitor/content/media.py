"""Read one MPEG-TS segment in memory with PyAV: every packet's timing, and a few decoded samples.

Everything is demuxed (cheap); only keyframes are decoded for the picture (one IDR decode per keyframe,
no reference chain) and the audio is decoded whole (AAC is cheap). That keeps a 2 s, 640x360, 25 fps
segment well under 100 ms of CPU. Times are seconds on the stream's 90 kHz clock (PTS / 90000), not wall
time.
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

THUMB_WIDTH = 160
_LUMA_STEP = 4  # picture samples are compared on every 4th pixel of every 4th row (a 1/16 copy)
_SILENT_FLOOR_DBFS = -120.0


class UnreadableSegment(ValueError):
    """The bytes are not an MPEG-TS segment PyAV can demux (an error page, a cut-off body)."""


@dataclass(frozen=True, kw_only=True)
class Track:
    """One elementary stream of the segment, on the stream clock."""

    kind: str  # "video" | "audio"
    codec: str
    first_pts_s: float
    end_s: float  # last PTS + its duration: where the next segment should start
    packets: int
    bytes: int
    dts_s: tuple[float, ...]  # decoding times in order (a step much longer than a frame is a jump)
    frame_s: float  # median packet duration
    keyframes_s: tuple[float, ...] = ()  # video: PTS of each keyframe
    first_is_keyframe: bool = True
    width: int | None = None
    height: int | None = None
    fps: float | None = None  # measured: frames over their PTS span


@dataclass(frozen=True, kw_only=True, eq=False)
class PictureSample:
    """A decoded keyframe, reduced to what the picture rules need."""

    t_s: float
    luma: np.ndarray  # 1/16 luma copy (uint8); compared between samples for a frozen picture
    mean_luma: float
    dark_fraction: float  # share of pixels at or below the black threshold


@dataclass(frozen=True, kw_only=True)
class LevelSample:
    """RMS level of one decoded audio frame."""

    t_s: float
    duration_s: float
    rms_dbfs: float


@dataclass(frozen=True, kw_only=True)
class SegmentMedia:
    video: Track | None
    audio: Track | None
    pictures: tuple[PictureSample, ...]
    levels: tuple[LevelSample, ...]
    thumbnail: bytes  # JPEG, THUMB_WIDTH wide; empty when no picture was decoded
    size: int  # bytes of the segment


def read_segment(data: bytes, *, black_luma: int = 32, thumbnail: bool = True) -> SegmentMedia:
    """Demux ``data`` (one MPEG-TS segment) and decode its keyframes and audio."""
    try:
        container = av.open(io.BytesIO(data), format="mpegts")
    except (av.FFmpegError, ValueError) as exc:
        raise UnreadableSegment(f"not an MPEG-TS segment PyAV can read ({exc})") from exc
    with container:
        video_stream = next(iter(container.streams.video), None)
        audio_stream = next(iter(container.streams.audio), None)
        for stream in (video_stream, audio_stream):
            if stream is not None:
                stream.codec_context.thread_count = 1
        video_tb = float(video_stream.time_base or 0) if video_stream is not None else 0.0
        timings: dict[str, list[tuple[float, float, float, bool, int]]] = {"video": [], "audio": []}
        keyframe_pictures: list[av.VideoFrame] = []
        levels: list[LevelSample] = []
        try:
            for packet in container.demux(*(s for s in (video_stream, audio_stream) if s is not None)):
                if packet.dts is None or packet.pts is None:
                    continue  # the demuxer's flush packet
                tb = float(packet.time_base)
                kind = packet.stream.type
                timings[kind].append((packet.pts * tb, packet.dts * tb, (packet.duration or 0) * tb,
                                      packet.is_keyframe, packet.size))
                if kind == "video" and packet.is_keyframe:
                    keyframe_pictures.extend(_decode(packet.stream.codec_context, packet))
                elif kind == "audio":
                    levels.extend(_levels(frame) for frame in _decode(packet.stream.codec_context, packet))
            if video_stream is not None:  # a decoder that reorders (B-frames) still holds the last keyframe
                keyframe_pictures.extend(_decode(video_stream.codec_context, None))
        except av.FFmpegError as exc:
            raise UnreadableSegment(f"the segment is damaged ({exc})") from exc
        # streams are only valid while the container is open
        video = _track("video", video_stream, timings["video"]) if timings["video"] else None
        audio = _track("audio", audio_stream, timings["audio"]) if timings["audio"] else None
    pictures = tuple(_picture(frame, video_tb, black_luma) for frame in keyframe_pictures if frame.pts is not None)
    thumb = _thumbnail(keyframe_pictures[0]) if thumbnail and keyframe_pictures else b""
    return SegmentMedia(video=video, audio=audio, pictures=pictures, levels=tuple(levels), thumbnail=thumb,
                        size=len(data))


def _decode(context: av.CodecContext, packet: av.Packet | None) -> list:
    try:
        return list(context.decode(packet))
    except av.FFmpegError:
        return []  # a damaged frame: its timing still counts, its picture or sound does not


def _track(kind: str, stream: av.stream.Stream, rows: list[tuple[float, float, float, bool, int]]) -> Track:
    pts = [r[0] for r in rows]
    dts = [r[1] for r in rows]
    durations = sorted(r[2] for r in rows if r[2] > 0)
    steps = [b - a for a, b in itertools.pairwise(dts)]
    frame_s = durations[len(durations) // 2] if durations else (sorted(steps)[len(steps) // 2] if steps else 0.0)
    last = max(range(len(rows)), key=lambda i: pts[i])
    ctx = stream.codec_context
    fps = None
    if kind == "video" and len(pts) >= 2:
        span = max(pts) - min(pts)
        fps = (len(pts) - 1) / span if span > 0 else None
    return Track(
        kind=kind,
        codec=ctx.name,
        first_pts_s=min(pts),
        end_s=pts[last] + (rows[last][2] or frame_s),
        packets=len(rows),
        bytes=sum(r[4] for r in rows),
        dts_s=tuple(dts),
        frame_s=frame_s,
        keyframes_s=tuple(r[0] for r in rows if r[3]) if kind == "video" else (),
        first_is_keyframe=rows[0][3] if kind == "video" else True,
        width=ctx.width if kind == "video" else None,
        height=ctx.height if kind == "video" else None,
        fps=fps,
    )


def _picture(frame: av.VideoFrame, time_base: float, black_luma: int) -> PictureSample:
    plane = frame.planes[0]
    full = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, : frame.width]
    small = np.ascontiguousarray(full[::_LUMA_STEP, ::_LUMA_STEP])
    small.setflags(write=False)  # shared across threads inside frozen records
    return PictureSample(
        t_s=frame.pts * time_base,  # the stream's: frames a decoder flushes carry no valid one of their own
        luma=small,
        mean_luma=float(small.mean()),
        dark_fraction=float(np.count_nonzero(small <= black_luma)) / small.size,
    )


def _levels(frame: av.AudioFrame) -> LevelSample:
    raw = frame.to_ndarray()
    samples = raw / float(np.iinfo(raw.dtype).max) if raw.dtype.kind == "i" else raw
    power = float(np.mean(np.square(samples, dtype=np.float64))) if samples.size else 0.0
    dbfs = 10 * math.log10(power) if power > 0 else _SILENT_FLOOR_DBFS
    return LevelSample(
        t_s=float(frame.pts * frame.time_base) if frame.pts is not None else math.nan,
        duration_s=frame.samples / frame.sample_rate,
        rms_dbfs=max(_SILENT_FLOOR_DBFS, dbfs),
    )


def _thumbnail(frame: av.VideoFrame) -> bytes:
    """A small JPEG of ``frame`` (PyAV's MJPEG encoder: no imaging library needed)."""
    height = max(2, round(frame.height * THUMB_WIDTH / frame.width / 2) * 2)
    small = frame.reformat(width=THUMB_WIDTH, height=height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = THUMB_WIDTH, height, "yuvj420p"
    encoder.time_base = Fraction(1, 90_000)
    small.pts = None
    return b"".join(bytes(p) for p in (*encoder.encode(small), *encoder.encode(None)))
