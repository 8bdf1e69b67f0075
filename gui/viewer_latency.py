"""What each kind of viewer gets, by the server model (the numbers ``hlsmon plan`` prints), as the latency
chart's reference lines. Read from monitor.models, never recomputed here."""

from __future__ import annotations

from gui.dashboard_model import References
from gui.server_model import ServerModelView
from monitor import models

#: monitor.models.viewers keys -> the latency chart's VIEWER_LINES keys (gui.charts.panels)
VIEWER_KEYS = {"spec": "viewer.spec", "hlsjs": "viewer.hlsjs", "vlc": "viewer.vlc"}


def viewer_latencies(server: ServerModelView) -> dict[str, float]:
    """Capture-to-screen latency per viewer kind (keys of gui.charts.panels.VIEWER_LINES); none without a
    server model (no line rather than a guessed one)."""
    if server.server_profile is None:
        return {}
    result = models.plan(server.server_profile)
    return {VIEWER_KEYS[v.key]: float(v.latency_s) for v in result.viewers}


def apply_viewer_latencies(refs: References, server: ServerModelView) -> None:
    for key in VIEWER_KEYS.values():
        refs.values.pop(key, None)
    refs.values.update(viewer_latencies(server))
