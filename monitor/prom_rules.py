"""Prometheus alerting rules derived from the alert catalogue and from metric thresholds (pure text).

Two groups. ``hlsmon-catalogue``: one rule per catalogue entry that can be a warning or worse; a condition
fires while ``hlsmon_alert_active`` is 1 (the probe's latch opened the episode, its recovery closes it), an
event (a restart) for ``EVENT_HOLD_S`` after ``hlsmon_alert_last_timestamp_seconds``. The series' own
``severity`` label (the alert's wording) goes through to Alertmanager. ``hlsmon-thresholds``: rules on the
measures themselves, which hold even where a probe's rules say nothing (old probe, new failure mode).

``python -m monitor.metrics rules > deploy/prometheus/hlsmon-rules.yml`` writes the file (a test keeps it
fresh). The output is YAML written by hand (JSON strings are valid YAML scalars): no YAML dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from monitor.records import Severity
from monitor.rules.catalogue import CATALOGUE, CONDITION, Entry

EVENT_HOLD_S = 300  # an event (restart) keeps its Prometheus alert firing this long
PROPAGATION_TDS = 3  # propagation over this many target durations
STALE_TDS = 1.5  # no new segment for this many target durations (the catalogue's playlist_stale threshold)
FAILING_POLLS_RATIO = 0.2  # share of failed playlist reloads over RATE_RANGE
RATE_RANGE = "1m"
PROBE_JOB = "hlsmon"
BY = "stream, endpoint, server"


@dataclass(frozen=True, kw_only=True)
class Rule:
    alert: str
    expr: str
    summary: str
    description: str
    for_: str = "0s"
    severity: str | None = None  # None: the series' own severity label
    source: str = "threshold"


def _camel(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


def _plain(text: str) -> str:
    """Catalogue words for an annotation: format escapes undone, fields shown as "…", nothing that Go's
    templates would read as an action."""
    out, depth = [], 0
    text = text.replace("{{", "\x00").replace("}}", "\x01")
    for ch in text:
        if ch == "{":
            depth += 1
            if depth == 1:
                out.append("…")
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out).replace("\x00", "{").replace("\x01", "}").replace("{{", "{ {")


def _worst(entry: Entry) -> Severity:
    return max([entry.severity, *(v.severity for v in entry.variants.values())])


def catalogue_rules() -> list[Rule]:
    rules = []
    for entry in CATALOGUE.values():
        if _worst(entry) < Severity.WARNING:
            continue
        match = f'code="{entry.code}",severity!="info"'
        if entry.kind == CONDITION:
            expr = f"hlsmon_alert_active{{{match}}} == 1"
        else:
            expr = f"time() - hlsmon_alert_last_timestamp_seconds{{{match}}} < {EVENT_HOLD_S}"
        rules.append(
            Rule(
                alert=f"Hlsmon{_camel(entry.code)}",
                expr=expr,
                summary=f"{entry.title} ({{{{ $labels.stream }}}} {{{{ $labels.endpoint }}}})",
                description=_plain(entry.advice) or _plain(entry.message),
                source="catalogue",
            )
        )
    return rules


def threshold_rules() -> list[Rule]:
    on = f"on({BY})"
    where = "{{ $labels.stream }} {{ $labels.endpoint }}"
    return [
        Rule(
            alert="HlsmonNoNewSegment",
            expr=f"hlsmon_seconds_since_new_segment > {on} ({STALE_TDS:g} * hlsmon_target_duration_seconds) "
            f'unless {on} hlsmon_endpoint_state{{state="ended"}} == 1',
            summary=f"No new segment for {{{{ $value | humanize }}}} s ({where})",
            description=f"More than {STALE_TDS:g} x the target duration without a new segment: the publisher "
            "stopped, the origin is overloaded, or a cache serves an old copy (compare origin and CDN).",
            severity="warning",
        ),
        Rule(
            alert="HlsmonCdnStaleCopy",
            expr=f"hlsmon_playlist_last_age_seconds > {on} hlsmon_target_duration_seconds "
            f"and {on} hlsmon_playlist_unchanged_seconds > {on} hlsmon_target_duration_seconds",
            summary=f"A cache serves an old copy of the playlist, Age {{{{ $value }}}} s ({where})",
            description=_plain(CATALOGUE["cdn_old_copy"].advice),
            severity="warning",
        ),
        Rule(
            alert="HlsmonPropagationSlow",
            expr=f"hlsmon_propagation_last_seconds > {on} ({PROPAGATION_TDS} * hlsmon_target_duration_seconds)",
            summary=f"Segments reach this endpoint {{{{ $value | humanize }}}} s after the origin ({where})",
            description=f"Propagation over {PROPAGATION_TDS} target durations: viewers of this endpoint are "
            "that far behind the origin (CDN playlist TTL, slow upload to the edge).",
            severity="warning",
        ),
        Rule(
            alert="HlsmonEndpointDown",
            expr='hlsmon_endpoint_state{state=~"error|gone"} == 1',
            for_="10s",
            summary=f"Playlist unreachable or gone ({where})",
            description=_plain(CATALOGUE["unreachable"].advice),
            severity="error",
        ),
        Rule(
            alert="HlsmonPollsFailing",
            expr=f'sum by ({BY}) (rate(hlsmon_requests_total{{kind="playlist",status!~"2..|3.."}}[{RATE_RANGE}])) '
            f'/ sum by ({BY}) (rate(hlsmon_requests_total{{kind="playlist"}}[{RATE_RANGE}])) '
            f"> {FAILING_POLLS_RATIO:g}",
            for_="1m",
            summary=f"{{{{ $value | humanizePercentage }}}} of the playlist reloads fail ({where})",
            description=_plain(CATALOGUE["failure_rate"].advice),
            severity="warning",
        ),
        Rule(
            alert="HlsmonProbeDown",
            expr=f'up{{job="{PROBE_JOB}"}} == 0',
            for_="1m",
            summary="The hlsmon probe {{ $labels.instance }} does not answer scrapes",
            description="Nothing is watched from there: restart the probe (systemctl status hlsmon-probe).",
            severity="error",
        ),
        Rule(
            alert="HlsmonProbeLate",
            expr="hlsmon_loop_lateness_p95_seconds > 0.25",
            for_="5m",
            summary=f"The probe itself wakes up late, p95 {{{{ $value }}}} s ({where})",
            description=_plain(CATALOGUE["monitor_late"].advice),
            severity="warning",
        ),
        Rule(
            alert="HlsmonOverBudget",
            expr="hlsmon_request_budget_use_ratio > 1.2",
            for_="5m",
            summary=f"The probe sends {{{{ $value | humanizePercentage }}}} of its request budget ({where})",
            description="The probe spends more requests than its budget (monitor/budget.py): report it.",
            severity="warning",
        ),
    ]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _rule_yaml(rule: Rule) -> list[str]:
    lines = [f"      - alert: {rule.alert}", f"        expr: {_quote(rule.expr)}", f"        for: {rule.for_}"]
    lines.append("        labels:")
    if rule.severity is not None:
        lines.append(f"          severity: {rule.severity}")
    lines.append(f"          source: {rule.source}")
    lines += [
        "        annotations:",
        f"          summary: {_quote(rule.summary)}",
        f"          description: {_quote(rule.description)}",
    ]
    return lines


def render_rules() -> str:
    lines = [
        "# Generated by `python -m monitor.metrics rules` from monitor/rules/catalogue.py and monitor/prom_rules.py;",
        "# do not edit (tests/deploy/test_rules_fresh.py fails when it is out of date).",
        "groups:",
    ]
    for name, rules in (("hlsmon-catalogue", catalogue_rules()), ("hlsmon-thresholds", threshold_rules())):
        lines += [f"  - name: {name}", "    rules:"]
        for rule in rules:
            lines += _rule_yaml(rule)
    return "\n".join(lines) + "\n"
