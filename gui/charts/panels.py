"""The dashboard's line charts, each with its prediction/spec reference lines."""

from __future__ import annotations

from gui.charts.base import TimeChart
from gui.charts.theme import ChartTheme
from gui.dashboard_model import DashboardModel
from monitor.content import ContentSettings


class IntervalsChart(TimeChart):
    """Inter-arrival of new segments and their EXTINF, against hls_fragment and TD."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Arrivals and durations", "seconds", model, theme)
        self.add_curve("interval.origin", "origin", symbol="o")
        self.add_curve("interval.cdn", "cdn", symbol="t")
        self.add_curve("duration.origin", "reference", dash=True)
        self.add_curve("content.keyint", "palette5", symbol="d")  # the encoder's keyframe interval, measured
        self.add_reference("fragment", "hls_fragment {value:g} s", "prediction")
        self.add_reference("td", "target duration {value:g} s", "accent", position=0.35)
        self.add_reference("bound", "1.5×TD server bound {value:g} s", "spec", position=0.6)

    def reference_values(self) -> dict[str, float | None]:
        r = self.model.refs
        return {
            "fragment": r.hls_fragment,
            "td": r.target_duration,
            "bound": 1.5 * r.target_duration if r.target_duration else None,
        }


class WindowChart(TimeChart):
    """Playlist window in seconds (left) and segments (right) against hls_playlist_length and 3×TD."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Playlist window", "seconds", model, theme, right_label="segments")
        self.add_curve("window_s.origin", "origin")
        self.add_curve("window_s.cdn", "cdn", dash=True)  # over the origin's: both show when equal
        self.add_curve("window_n.origin", "palette2", right=True, dash=True)
        self.add_reference("length", "playlist length {value:g} s", "prediction")
        self.add_reference("three_td", "spec minimum 3×TD = {value:g} s", "spec", position=0.4)

    def reference_values(self) -> dict[str, float | None]:
        r = self.model.refs
        return {"length": r.playlist_length, "three_td": r.three_td}


#: Reference keys in References.values of the latency a viewer gets, by the model: (words, label position).
VIEWER_LINES: dict[str, tuple[str, float]] = {
    "viewer.spec": ("spec-following player", 0.02),
    "viewer.hlsjs": ("hls.js defaults", 0.36),
    "viewer.vlc": ("VLC defaults", 0.68),
}


class LatencyChart(TimeChart):
    """Latency per hop."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Latency per hop", "seconds", model, theme)
        self.add_curve("latency.encoder_origin", "palette4")
        self.add_curve("latency.origin_cdn", "cdn", symbol="o")
        self.add_curve("latency.playlist_age.origin", "origin")
        self.add_curve("latency.playlist_age.cdn", "palette5", dash=True)
        self.add_curve("latency.glass_to_glass", "palette3")
        self.add_curve("latency.glass_to_glass_estimate", "palette3", dash=True)
        self.add_curve("latency.player_buffer", "palette2", dash=True)
        # what each kind of viewer gets by the model (hlsmon plan, ingest included): lines to compare the
        # measured glass-to-glass with, not a floor for it (hlsmon's own feed plays ahead of a spec player)
        for key, (words, position) in VIEWER_LINES.items():
            self.add_reference(key, f"{words} {{value:.1f}} s (model)", "prediction", position=position)

    def reference_values(self) -> dict[str, float | None]:
        return {key: self.model.refs.values.get(key) for key in VIEWER_LINES}


class PlayerHealthChart(TimeChart):
    """Displayed fps and rebuffers (left), input bitrate (right)."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Player health", "fps / count", model, theme, right_label="kbit/s")
        self.add_curve("health.fps", "origin")
        self.add_curve("health.rebuffers", "spec")
        self.add_curve("health.bitrate", "palette2", right=True)
        self.add_curve("content.bitrate", "palette6", right=True)
        self.add_curve("content.bitrate_declared", "palette6", right=True, dash=True)
        self.add_reference("fps", "source {value:g} fps", "accent")

    def reference_values(self) -> dict[str, float | None]:
        return {"fps": self.model.refs.values.get("source_fps")}


class HostChart(TimeChart):
    """CPU (left) and memory (right) of hlsmon and of local nginx/ffmpeg."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Host: CPU and memory", "CPU %", model, theme, right_label="MB")
        self.add_curve("host.cpu.hlsmon", "origin")
        self.add_curve("host.cpu.nginx", "palette2")
        self.add_curve("host.cpu.ffmpeg", "palette3")
        self.add_curve("host.mem.hlsmon", "origin", right=True, dash=True)
        self.add_curve("host.mem.nginx", "palette2", right=True, dash=True)
        self.add_curve("host.mem.ffmpeg", "palette3", right=True, dash=True)


class SoundChart(TimeChart):
    """The origin's audio level per analysed segment, against the level counted as silence."""

    def __init__(self, model: DashboardModel, theme: ChartTheme) -> None:
        super().__init__("Audio level", "dBFS", model, theme)
        self.add_curve("content.level", "origin")
        self.add_reference("silence", "silence below {value:g} dBFS", "spec")

    def reference_values(self) -> dict[str, float | None]:
        return {"silence": ContentSettings().silence_dbfs}


def all_line_charts(model: DashboardModel, theme: ChartTheme) -> list[TimeChart]:
    return [
        IntervalsChart(model, theme),
        WindowChart(model, theme),
        LatencyChart(model, theme),
        PlayerHealthChart(model, theme),
        HostChart(model, theme),
        SoundChart(model, theme),
    ]
