"""Content rules: what segment analysis (monitor.content) found, as latched alerts.

A finding is a condition seen in one segment (monitor/content/findings.py): each analysed segment fires
the codes it shows and clears the others, so one frozen stretch is one alert and one recovery. An
unreadable segment says nothing of the other conditions (they are neither fired nor cleared). Dropped
analysis (the worker was behind) is a one-off event.
"""

from __future__ import annotations

from monitor.content import CODES, ContentResult
from monitor.content import findings as F
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

CLEAR_HOLD_S = 10.0  # a content condition absent this long (a few segments) has cleared


class ContentRules:
    def __init__(self, alerter: Alerter) -> None:
        self.al = alerter

    def on_result(self, facts: Facts, result: ContentResult) -> None:
        if result.skipped > 0:
            self.al.event(facts.at, "content_behind", {"skipped": result.skipped}, msn=result.msn)
        found = {}
        for f in result.findings:
            found.setdefault(f.code, f)  # the first of a code speaks for the segment
        checked = CODES if result.report is not None else (F.UNREADABLE_SEGMENT,)
        for code in checked:
            hit = found.get(code)
            if hit is not None:
                self.al.fire(facts.at, code, {**hit.evidence, "msn": result.msn, "url": result.uri}, msn=result.msn)
            else:
                self.al.clear(facts.at, code, hold_s=CLEAR_HOLD_S)
