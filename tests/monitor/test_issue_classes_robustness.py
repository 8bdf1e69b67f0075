"""Issue 11, class "robustness": a malformed segment URI must not kill the poller; secrets in upper-case scheme
URLs, ``;``-separated query parameters, signed path segments and exception texts that echo the URL never reach
the session file or the logs (any level, third-party loggers included)."""

from __future__ import annotations

import logging
import time

from monitor.records import EndpointConfig, RequestKind, Severity
from tests.monitor.fakeserver import FakeServer
from tests.monitor.origins import faults
from tests.monitor.origins.judge import coded, watch
from tests.monitor.origins.live import LiveOrigin

SECRETS = ("pwSECRET1", "tokSECRET2", "hmacSECRET3", "pwSECRET4", "sigSECRET5")


def test_malformed_segment_uri_is_an_alert_and_polling_goes_on():
    origin = LiveOrigin(durations=(0.5,), window=6, view_faults=[faults.malformed_uri(time.monotonic() + 2.0)])
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 6.0)
    assert not [s for s in run.statuses("o") if "internal error" in s.detail], run.statuses("o")
    late = [r for r in run.requests("o", RequestKind.PLAYLIST) if r.sent_mono > run.ended - 2.0]
    assert len(late) >= 3, "the poller stopped after the malformed URI"
    said = coded(run.alerts("o", Severity.WARNING), "malformed_uri")
    assert said and all(a.msn is not None for a in said), run.alerts("o")
    seen = [lf.msn for lf in run.lifecycles("o")]
    assert max(seen) >= said[0].msn + 4, "segments after the malformed one are still tracked"


def test_secrets_never_reach_session_files_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    signed = LiveOrigin(durations=(0.5,), window=6, path="/hdnts=exp=1~hmac=hmacSECRET3/live.m3u8")
    plain = LiveOrigin(durations=(0.5,), window=6)
    semi = LiveOrigin(durations=(0.5,), window=6)
    record = tmp_path / "session.jsonl"
    with FakeServer() as a, FakeServer() as b, FakeServer() as c:
        signed.install(a)
        plain.install(b)
        semi.install(c)
        endpoints = [
            EndpointConfig(name="upper", url=f"HTTP://user:pwSECRET1@127.0.0.1:{b.port}/live.m3u8"),
            EndpointConfig(name="semicolon", url=f"http://127.0.0.1:{c.port}/live.m3u8?a=1;token=tokSECRET2;b=2"),
            EndpointConfig(name="signed_path", url=a.url(signed.path)),
            EndpointConfig(name="refused", url="http://user:pwSECRET4@127.0.0.1:9/live.m3u8?sig=sigSECRET5"),
        ]
        run = watch(endpoints, 3.0, record_path=record)
    assert run.requests("upper") and run.requests("semicolon") and run.requests("signed_path")
    text = record.read_text()
    logs = caplog.text
    for secret in SECRETS:
        assert secret not in text, f"{secret} in the session file"
        assert secret not in logs, f"{secret} in the logs"
