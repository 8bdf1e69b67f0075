"""The shipped deploy/ files on real servers: Debian's Prometheus scrapes ``hlsmon probe --metrics-port`` watching a
scripted origin whose CDN copy goes stale, a generated rule fires, Alertmanager delivers it to a local webhook,
then its resolution. Everything on 127.0.0.1, free ports, temporary directories, short intervals, stopped after."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from tests.deploy.receiver import Receiver
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.cdn import StaleEdge
from tests.monitor.origins.live import LiveOrigin

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CDN_ALERTS = {"HlsmonCdnStaleCopy", "HlsmonStaleCdnPlaylist", "HlsmonCdnOldCopy"}
FREEZE_S = 15.0
STARTUP_S = 20.0

pytestmark = pytest.mark.lab


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = STARTUP_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args[0]} exited with {proc.returncode}"
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {timeout} s")


@contextlib.contextmanager
def started(cmd: list[str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def probe_port(log: Path, proc: subprocess.Popen, timeout: float = STARTUP_S) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", log.read_text())
        if found:
            return int(found.group(1))
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(f"no metrics port in the probe's output: {log.read_text()}")


def alertmanager_config(path: Path, webhook: str) -> None:
    config = yaml.safe_load((DEPLOY / "alertmanager" / "alertmanager.yml").read_text())
    config["route"].update(group_wait="1s", group_interval="1s", repeat_interval="1h")
    for route in config["route"]["routes"]:
        route.pop("repeat_interval", None)
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", ()):
            hook["url"] = webhook
    path.write_text(yaml.safe_dump(config))


def prometheus_config(path: Path, probe: int, alertmanager: int) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(DEPLOY / "prometheus" / "hlsmon-rules.yml")]
    config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{alertmanager}"]
    config["scrape_configs"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{probe}"]
    path.write_text(yaml.safe_dump(config))


def cdn_alerts(bodies: list[dict], status: str) -> list[dict]:
    return [
        a
        for body in bodies
        for a in body["alerts"]
        if a["status"] == status and a["labels"]["alertname"] in CDN_ALERTS and a["labels"]["endpoint"] == "cdn"
    ]


def test_stale_cdn_copy_reaches_the_webhook_through_prometheus_and_alertmanager(tmp_path):
    prometheus, alertmanager = shutil.which("prometheus"), shutil.which("prometheus-alertmanager")
    assert prometheus and alertmanager, "scripts/setup.sh installs Debian's prometheus and prometheus-alertmanager"
    origin = LiveOrigin(durations=(1.0,), window=4)
    edge = StaleEdge(origin, ttl_s=1.0)
    am_port, prom_port = free_port(), free_port()
    with Receiver() as rx, FakeServer() as o, FakeServer() as e:
        probe_cmd = [sys.executable, str(ROOT / "main.py"), "probe", origin.install(o), "--cdn", edge.install(e)]
        probe_cmd += ["--metrics-port", "0", "--stream", "lab", "--quiet", "--duration", "120"]
        with started(probe_cmd, tmp_path / "probe.log") as probe:
            port = probe_port(tmp_path / "probe.log", probe)
            alertmanager_config(tmp_path / "alertmanager.yml", rx.url)
            prometheus_config(tmp_path / "prometheus.yml", port, am_port)
            am_cmd = [alertmanager, f"--config.file={tmp_path / 'alertmanager.yml'}"]
            am_cmd += [f"--storage.path={tmp_path / 'am'}", f"--web.listen-address=127.0.0.1:{am_port}"]
            am_cmd += ["--cluster.listen-address="]
            prom_cmd = [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}"]
            prom_cmd += [f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{prom_port}"]
            with (
                started(am_cmd, tmp_path / "alertmanager.log") as am,
                started(prom_cmd, tmp_path / "prometheus.log") as prom,
            ):
                wait_ready(f"http://127.0.0.1:{am_port}/-/ready", am)
                wait_ready(f"http://127.0.0.1:{prom_port}/-/ready", prom)
                time.sleep(3)  # a few scrapes of a healthy edge first
                assert not cdn_alerts(rx.bodies, "firing"), rx.bodies
                now = time.monotonic()
                edge.freeze(now, now + FREEZE_S)
                fired = rx.wait_for(lambda b: bool(cdn_alerts(b, "firing")), FREEZE_S + 10)
                rules = requests.get(f"http://127.0.0.1:{prom_port}/api/v1/alerts", timeout=2).json()
                assert fired, (rules, rx.bodies, (tmp_path / "prometheus.log").read_text()[-2000:])
                resolved = rx.wait_for(lambda b: bool(cdn_alerts(b, "resolved")), FREEZE_S + 15)
                assert resolved, rx.bodies
    alert = cdn_alerts(rx.bodies, "firing")[0]
    assert alert["labels"]["stream"] == "lab" and alert["labels"]["severity"] == "warning"
    assert alert["annotations"]["summary"] and alert["annotations"]["description"]
