"""Colours shared by the charts, for light and dark backgrounds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartTheme:
    dark: bool
    background: str
    foreground: str
    grid_alpha: float
    origin: str
    cdn: str
    prediction: str
    reference: str
    spec: str
    accent: str
    highlight: str
    lingering: str
    palette: tuple[str, ...]

    def named(self, key: str) -> str:
        """The colour of a role ("origin", "cdn", "prediction", ...)."""
        return {
            "origin": self.origin,
            "cdn": self.cdn,
            "prediction": self.prediction,
            "reference": self.reference,
            "spec": self.spec,
            "accent": self.accent,
            "highlight": self.highlight,
            "lingering": self.lingering,
            "foreground": self.foreground,
            "background": self.background,
        }[key]


LIGHT = ChartTheme(
    dark=False,
    background="#ffffff",
    foreground="#303030",
    grid_alpha=0.25,
    origin="#1f6fb4",
    cdn="#e07b00",
    prediction="#7b52ab",
    reference="#2a9d3a",
    spec="#c0392b",
    accent="#5a5a5a",
    highlight="#d81b60",
    lingering="#9aa6b2",
    palette=("#1f6fb4", "#e07b00", "#2a9d3a", "#c0392b", "#7b52ab", "#8c564b", "#17a2b8"),
)

DARK = ChartTheme(
    dark=True,
    background="#1e1f22",
    foreground="#d8d8d8",
    grid_alpha=0.3,
    origin="#5aa9ff",
    cdn="#ffa94d",
    prediction="#b392f0",
    reference="#6fdc7d",
    spec="#ff6b6b",
    accent="#aaaaaa",
    highlight="#ff4f9a",
    lingering="#6b7785",
    palette=("#5aa9ff", "#ffa94d", "#6fdc7d", "#ff6b6b", "#b392f0", "#d4a373", "#4dd4e6"),
)


def theme_for(dark: bool) -> ChartTheme:
    return DARK if dark else LIGHT
