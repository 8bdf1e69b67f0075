"""Record a probe's series as promtool ``input_series``: ``python -m tests.deploy.record_series [SECONDS]``.

Watches a scripted origin and a CDN edge (tests/monitor/origins) whose copy goes stale from ``FREEZE[0]`` to
``FREEZE[1]`` seconds, samples :class:`monitor.metrics.Metrics` once a second as Prometheus would scrape it,
and prints the series the threshold rules read. tests/deploy/promtool/stale-cdn-recorded.test.yml holds one
such recording with the alerts expected on it.
"""

from __future__ import annotations

import math
import sys
import time

from monitor.metrics import Metrics
from monitor.monitor import Monitor
from monitor.records import EndpointConfig, MonitorConfig
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.cdn import StaleEdge
from tests.monitor.origins.live import LiveOrigin

FREEZE = (6.0, 16.0)
SERIES = (
    "hlsmon_playlist_last_age_seconds",
    "hlsmon_playlist_unchanged_seconds",
    "hlsmon_target_duration_seconds",
    "hlsmon_seconds_since_new_segment",
    "hlsmon_propagation_last_seconds",
)


def _value(v: float | None) -> str:
    return "_" if v is None or math.isnan(v) else f"{v:.3g}"


def record(seconds: float) -> str:
    origin = LiveOrigin(durations=(1.0,), window=4)
    edge = StaleEdge(origin, ttl_s=1.0)
    samples: dict[tuple[str, str, str], list[float | None]] = {}
    with FakeServer() as o, FakeServer() as e:
        endpoints = (
            EndpointConfig(name="origin", url=origin.install(o)),
            EndpointConfig(name="cdn", url=edge.install(e), reference="origin"),
        )
        config = MonitorConfig(endpoints=endpoints)
        metrics = Metrics(None, stream="lab", config=config, server="nginx-rtmp")
        with Monitor(config, metrics.observe):
            start = time.monotonic()
            edge.freeze(start + FREEZE[0], start + FREEZE[1])
            for tick in range(int(seconds)):
                time.sleep(max(0.0, start + tick + 1 - time.monotonic()))
                for name in SERIES:
                    for endpoint in ("origin", "cdn"):
                        labels = {"stream": "lab", "endpoint": endpoint, "server": "nginx-rtmp"}
                        key = (name, endpoint, "nginx-rtmp")
                        samples.setdefault(key, []).append(metrics.registry.get_sample_value(name, labels))
    lines = ["    input_series:"]
    for (name, endpoint, server), values in samples.items():
        if all(v is None for v in values):
            continue
        lines.append(f'      - series: \'{name}{{stream="lab",endpoint="{endpoint}",server="{server}"}}\'')
        lines.append(f"        values: '{' '.join(_value(v) for v in values)}'")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(record(float(sys.argv[1]) if len(sys.argv) > 1 else 24.0))
