"""The catalogue: every alert the rules raise is in it, docs/alerts.md is generated from it and current."""

from __future__ import annotations

import ast
from pathlib import Path

from monitor.records import Severity
from monitor.rules import catalogue
from monitor.rules.catalogue import CATALOGUE, DOC_PATH, EVENT, make_alert, render_markdown
from tests.monitor.helpers import utc

RULES = Path(catalogue.__file__).parent


def _raised_codes() -> set[str]:
    """Every code literal passed to fire/clear/event/active in the rule modules and the poller."""
    found = set()
    for path in [*RULES.glob("*.py"), RULES.parent / "poller.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if call and node.func.attr in {"fire", "clear", "event", "active"}:
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def test_every_code_the_rules_use_is_in_the_catalogue():
    used = _raised_codes()
    assert len(used) >= 25  # a few go through a variable (the failure kind, the identity rule)
    assert used <= CATALOGUE.keys(), used - CATALOGUE.keys()


def test_the_codes_of_before_are_kept():
    before = {
        "unreachable", "playlist_gone", "http_error", "bad_playlist", "content_type", "cors",
        "cacheable_playlist", "stream_back", "no_target_duration", "stream_ended", "extinf_over_target",
        "target_changed", "msn_back", "msn_jump", "window_short", "uri_changed_same_msn", "playlist_stale",
        "deleted_too_early", "segment_missing", "uri_reused", "stale_cdn_playlist", "segment_differs",
    }  # fmt: skip
    known = set(CATALOGUE) | {e.recovery for e in CATALOGUE.values() if e.recovery}
    assert before <= known, before - known


def test_docs_alerts_md_is_generated_from_the_catalogue():
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/alerts.md is out of date: run `python -m monitor.rules.catalogue`"
    )
    text = render_markdown()
    assert all(f"`{code}`" in text for code in CATALOGUE)


def test_templates_fill_from_evidence_and_never_raise():
    alert = make_alert("msn_jump", endpoint="e", mono=0.0, utc=catalogue_utc(), evidence={"before": 1})
    assert alert.message.startswith("Media sequence jumped from 1 to ?") and alert.severity == Severity.WARNING
    for code, entry in CATALOGUE.items():  # a template with no evidence at all still gives words
        for variant in [None, *entry.variants]:
            a = make_alert(code, endpoint="e", mono=0.0, utc=catalogue_utc(), evidence={}, variant=variant)
            assert a.message and a.code == code


def test_conditions_have_a_recovery_and_events_none():
    for entry in CATALOGUE.values():
        assert (entry.recovery is None) == (entry.kind == EVENT)
    assert CATALOGUE["playlist_gone"].recovery == "stream_back"


def catalogue_utc():
    return utc(0.0)
