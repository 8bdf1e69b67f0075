"""Webhook notifications (monitor/notify.py) against a local receiver: episodes, recovery, retries, redaction."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.notify import GENERIC, SLACK, Episodes, WebhookNotifier
from monitor.records import Severity
from monitor.rules.catalogue import make_alert, make_recovery
from tests.deploy.receiver import Receiver
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins.cdn import StaleEdge
from tests.monitor.origins.live import LiveOrigin

ROOT = Path(__file__).resolve().parents[2]
UTC0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SIGNED = "http://user:pw@cdn.example/live/seg-1.ts?token=s3cr3tvalue&x=1"


def stale(endpoint: str = "cdn", **evidence: object):
    evidence = {"since_s": 6.0, "target_duration": 2, **evidence}
    return make_alert("playlist_stale", endpoint=endpoint, mono=1.0, utc=UTC0, evidence=evidence, variant="cdn")


def fresh(endpoint: str = "cdn"):
    return make_recovery(
        "playlist_stale", endpoint=endpoint, mono=9.0, utc=UTC0, evidence={"duration_s": 8.0, "count": 3}
    )


def restart():
    return make_alert("msn_back", endpoint="origin", mono=2.0, utc=UTC0, evidence={"before": 40, "after": 0})


def test_one_notification_per_episode_then_its_recovery():
    episodes = Episodes()
    sent = [episodes.accept(a) for a in (stale(), stale(), fresh(), fresh(), stale())]
    assert sent == [True, False, True, False, True]


def test_events_each_notified_and_quiet_alerts_with_their_recoveries_not():
    episodes = Episodes(Severity.ERROR)
    assert episodes.accept(restart()) and episodes.accept(restart())  # a restart is an episode of its own
    assert not episodes.accept(stale()) and not episodes.accept(fresh())  # WARNING under ERROR: neither end


def test_episodes_are_per_endpoint():
    episodes = Episodes()
    assert episodes.accept(stale("cdn")) and episodes.accept(stale("edge"))
    assert episodes.accept(fresh("edge")) and not episodes.accept(fresh("edge"))


def test_generic_payload_delivered_with_firing_and_resolved():
    with Receiver() as rx:
        notifier = WebhookNotifier(rx.url, stream="news", fmt=GENERIC)
        for alert in (stale(), stale(), fresh()):
            notifier.on_event(alert)
        assert rx.wait_for(lambda b: len(b) >= 2, 5)
        notifier.close()
    first, last = rx.bodies
    assert len(rx.bodies) == 2
    assert (first["status"], first["code"], first["stream"], first["endpoint"]) == (
        "firing",
        "playlist_stale",
        "news",
        "cdn",
    )
    assert first["severity"] == "warning" and first["title"] == "No new segment" and "6.0 s" in first["message"]
    assert (last["status"], last["code"], last["recovers"]) == ("resolved", "playlist_fresh", "playlist_stale")


def test_slack_payload_is_one_text():
    with Receiver() as rx:
        notifier = WebhookNotifier(rx.url, stream="news", fmt=SLACK)
        notifier.on_event(stale())
        assert rx.wait_for(lambda b: len(b) == 1, 5)
        notifier.close()
    (body,) = rx.bodies
    assert set(body) == {"text"}
    assert ":red_circle:" in body["text"] and "No new segment" in body["text"] and "news cdn" in body["text"]


def test_secrets_never_leave_the_process():
    alert = make_alert(
        "segment_missing", endpoint="cdn", mono=1.0, utc=UTC0, evidence={"msn": 7, "status": 404, "url": SIGNED}
    )
    alert = replace(alert, message=f"{alert.message} ({SIGNED})")
    with Receiver() as rx:
        notifier = WebhookNotifier(rx.url, stream="news")
        notifier.on_event(alert)
        assert rx.wait_for(lambda b: len(b) == 1, 5)
        notifier.close()
    text = str(rx.bodies[0])
    assert "s3cr3tvalue" not in text and "pw@" not in text and "seg-1.ts" in text


def test_a_failing_receiver_is_retried_with_growing_waits_then_delivered():
    with Receiver(statuses=[503, 500, 429]) as rx:
        notifier = WebhookNotifier(rx.url, stream="news", backoff_s=0.1)
        notifier.on_event(stale())
        assert rx.wait_for(lambda b: len(b) == 1, 5)
        notifier.close()
    gaps = [b - a for a, b in zip(rx.attempts, rx.attempts[1:], strict=False)]
    assert len(rx.attempts) == 4 and notifier.sent == 1
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.39, gaps


def test_retries_are_bounded_and_a_refusal_is_not_retried():
    with Receiver(statuses=[503] * 10) as rx:
        notifier = WebhookNotifier(rx.url, stream="news", attempts=3, backoff_s=0.01)
        notifier.on_event(stale())
        notifier.on_event(restart())
        notifier.close(timeout=5)
        assert len(rx.attempts) == 6 and notifier.failed == 2 and notifier.sent == 0
    with Receiver(statuses=[400]) as rx:
        notifier = WebhookNotifier(rx.url, stream="news", backoff_s=0.01)
        notifier.on_event(stale())
        notifier.close(timeout=5)
        assert len(rx.attempts) == 1 and notifier.failed == 1


def test_unreachable_receiver_never_blocks_the_poller_thread():
    blocked = threading.Event()

    def post(url, body):
        blocked.wait(5)
        return 200

    notifier = WebhookNotifier("http://127.0.0.1:9/hook", stream="news", queue_size=2, post=post)
    start = time.monotonic()
    for i in range(20):
        notifier.on_event(make_alert("msn_back", endpoint=f"e{i}", mono=1.0, utc=UTC0, evidence={}))
    assert time.monotonic() - start < 0.5
    assert notifier.dropped >= 17  # one in the sender's hands, two queued
    blocked.set()
    notifier.close(timeout=5)


def test_refuses_a_webhook_that_is_not_http():
    with pytest.raises(ValueError, match="only http and https"):
        WebhookNotifier("file:///etc/passwd", stream="news")


def test_probe_notifies_the_stale_cdn_episode_and_its_end():
    origin = LiveOrigin(durations=(1.0,), window=4)
    edge = StaleEdge(origin, ttl_s=1.0)
    with Receiver() as rx, FakeServer() as o, FakeServer() as e:
        cmd = [sys.executable, str(ROOT / "main.py"), "probe", origin.install(o), "--cdn", edge.install(e)]
        cmd += ["--duration", "11", "--quiet", "--stream", "news", "--webhook", rx.url]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        time.sleep(3)
        now = time.monotonic()
        edge.freeze(now, now + 5)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    cdn = [b for b in rx.bodies if b["endpoint"] == "cdn"]
    firing = [b["code"] for b in cdn if b["status"] == "firing"]
    resolved = [b["recovers"] for b in cdn if b["status"] == "resolved"]
    assert firing and len(firing) == len(set(firing)), cdn
    assert set(resolved) <= set(firing) and resolved, cdn
    assert all(b["stream"] == "news" for b in rx.bodies)
    assert not re.search(r"hook", err), "the webhook's path is never logged"


def test_close_is_bounded_when_the_receiver_hangs():
    release = threading.Event()

    def post(url, body):
        release.wait(30)
        return 200

    notifier = WebhookNotifier("http://127.0.0.1:9/hook", stream="news", post=post)
    notifier.on_event(restart())
    start = time.monotonic()
    notifier.close(timeout=1.0)
    assert time.monotonic() - start < 2.5
    release.set()


def test_probe_refuses_a_webhook_it_cannot_post_to():
    cmd = [sys.executable, str(ROOT / "main.py"), "probe", "http://127.0.0.1:9/live.m3u8", "--webhook", "ftp://x/h"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert res.returncode == 2 and "--webhook: refused" in res.stderr, res.stderr
