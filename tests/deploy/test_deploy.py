"""deploy/: the generated rules are fresh and valid, promtool's unit tests pass on recorded series, the
Alertmanager and Prometheus configurations are valid, the dashboard and rules name only real metrics."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

from monitor.metrics import METRICS
from monitor.prom_rules import _worst, render_rules
from monitor.records import Severity
from monitor.rules.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "hlsmon-rules.yml"
DASHBOARD = DEPLOY / "grafana" / "hlsmon-dashboard.json"
UNIT_TESTS = sorted((Path(__file__).resolve().parent / "promtool").glob("*.test.yml"))
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: scripts/setup.sh installs it (Debian prometheus / prometheus-alertmanager)"
    return path


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)


def known(name: str) -> bool:
    names = {m.name for m in METRICS}
    return name in names or any(name.removesuffix(s) in names for s in HISTOGRAM_SUFFIXES if name.endswith(s))


def test_rules_file_is_generated_from_the_catalogue():
    assert RULES.read_text(encoding="utf-8") == render_rules(), (
        "run: python -m monitor.metrics rules > deploy/prometheus/hlsmon-rules.yml"
    )


def test_every_catalogue_alert_worth_paging_has_a_rule():
    alerts = set(re.findall(r"- alert: (\w+)", RULES.read_text(encoding="utf-8")))
    for entry in CATALOGUE.values():
        camel = "Hlsmon" + "".join(p.capitalize() for p in entry.code.split("_"))
        assert (camel in alerts) == (_worst(entry) >= Severity.WARNING), entry.code
    assert {"HlsmonNoNewSegment", "HlsmonCdnStaleCopy", "HlsmonPropagationSlow", "HlsmonEndpointDown"} <= alerts
    assert {"HlsmonPollsFailing", "HlsmonMsnBack", "HlsmonDeletedTooEarly", "HlsmonProbeDown"} <= alerts


def test_rules_and_dashboard_name_only_exposed_metrics():
    texts = [RULES.read_text(encoding="utf-8"), DASHBOARD.read_text(encoding="utf-8")]
    used = {name for text in texts for name in re.findall(r"\bhlsmon_[a-z0-9_]+", text)}
    assert used and all(known(name) for name in used), sorted(n for n in used if not known(n))


def test_promtool_accepts_the_rules_and_the_scrape_configuration():
    res = run(tool("promtool"), "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout and "rules found" in res.stdout


def test_promtool_unit_tests_on_recorded_series():
    assert len(UNIT_TESTS) >= 2
    res = run(tool("promtool"), "test", "rules", *map(str, UNIT_TESTS))
    assert res.returncode == 0, res.stdout + res.stderr


def test_alertmanager_configuration_is_valid_and_routes_to_a_webhook():
    path = DEPLOY / "alertmanager" / "alertmanager.yml"
    res = run(tool("amtool"), "check-config", str(path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "webhook_configs" in path.read_text(encoding="utf-8") and "send_resolved: true" in path.read_text()


def test_dashboard_has_the_fleet_overview_and_the_drill_down():
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variables = {v["name"] for v in dash["templating"]["list"]}
    rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
    assert {"datasource", "stream", "endpoint"} <= variables
    assert rows[0] == "Fleet overview" and rows[1].startswith("Stream drill-down")
    drill = [p for p in dash["panels"] if p["type"] != "row" and p["gridPos"]["y"] > 23]
    assert drill and all('stream=~"$stream"' in t["expr"] for p in drill for t in p["targets"])
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])


def test_systemd_unit_runs_the_probe():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "systemd" / "hlsmon-probe@.service")
    assert "hlsmon probe" in unit["Service"]["ExecStart"] and "$HLSMON_ARGS" in unit["Service"]["ExecStart"]
    assert unit["Service"]["Restart"] == "always" and unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_setup_installs_prometheus_and_alertmanager():
    packages = (ROOT / "scripts" / "apt-packages.txt").read_text(encoding="utf-8").split()
    assert {"prometheus", "prometheus-alertmanager"} <= set(packages)
