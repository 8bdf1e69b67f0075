"""The server models held against reality.

One module-scoped run starts, all at once (so the whole module costs about one minute of wall time):
four nginx-rtmp labs (fragment 1 s / playlist 3 s; 2 s / 6 s with keyframes every 2 s and every 4 s; the
tutorial's case scaled down to 3 s / 6 s), two FFmpeg HLS origins (hls_time 1, list size 3, delete
threshold 1 and 4), two CDN edges in front of the first FFmpeg origin (CachingOptimized without any
Cache-Control from the origin, and the tutorial's fix: CachingDisabled for *.m3u8), and the monitor on the
nginx 2 s / 6 s origin and both edges. Every observed appearance, removal and deletion (exact instants
from the ground-truth recorder, and the monitor's windows) must fall inside the predicted interval, and
the verdicts must say so. SRS and MediaMTX run on a scripted origin (tests/models/scripted_origin.py).
"""

from __future__ import annotations

import functools
import logging
import shutil
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from monitor.models import Verdict, fingerprint, format_verdicts, judge, profile_for
from monitor.models.base import ServerProfile
from monitor.models.summary import deletion_batches
from monitor.models.truth_adapter import lives_from_truth

log = logging.getLogger(__name__)
pytestmark = [pytest.mark.lab, pytest.mark.slow]

RUN_S = 42.0  # >= first close + 4P + a little, for P = 6 s
SMALL = {"fps": 15, "size": (320, 180), "bitrate_kbps": 200}
NGINX_CELLS: dict[str, dict[str, float]] = {
    "nginx-f1-p3": {"fragment_s": 1, "playlist_length_s": 3, "keyint_s": 1},
    "nginx-f2-p6-g2": {"fragment_s": 2, "playlist_length_s": 6, "keyint_s": 2},
    "nginx-f2-p6-g4": {"fragment_s": 2, "playlist_length_s": 6, "keyint_s": 4},
    "tutorial-f3-p6": {"fragment_s": 3, "playlist_length_s": 6, "keyint_s": 1},
}
FFMPEG_CELLS = {"ffmpeg-t1": 1, "ffmpeg-t4": 4}
MONITORED = "nginx-f2-p6-g2"


@dataclass
class Run:
    name: str
    profile: ServerProfile
    truth: list[dict] = field(default_factory=list)
    playlist: str = ".m3u8"


@dataclass
class Runs:
    cells: dict[str, Run]
    events: list[object]
    playlist_text: str
    playlist_headers: dict[str, str]

    def lifecycles(self, endpoint: str) -> list[object]:
        from monitor.records import SegmentLifecycle

        return [e for e in self.events if isinstance(e, SegmentLifecycle) and e.endpoint == endpoint]

    def of(self, kind: type, endpoint: str) -> list[object]:
        return [e for e in self.events if isinstance(e, kind) and getattr(e, "endpoint", None) == endpoint]


def _nginx_profile(cell: dict[str, float]) -> ServerProfile:
    return profile_for(
        "nginx-rtmp",
        {
            "hls_fragment": f"{int(cell['fragment_s'] * 1000)}ms",
            "hls_playlist_length": f"{int(cell['playlist_length_s'] * 1000)}ms",
            "keyint": cell["keyint_s"],
        },
    )


def _ffmpeg_profile(threshold: int) -> ServerProfile:
    return profile_for(
        "ffmpeg",
        {
            "hls_time": 1,
            "hls_list_size": 3,
            "hls_flags": "delete_segments",
            "hls_delete_threshold": threshold,
            "keyint": 1,
        },
    )


class _FfmpegCell:
    """FFmpeg HLS origin + ground-truth recorder + publisher (lab parts, composed here)."""

    def __init__(self, workdir: Path, threshold: int) -> None:
        from lab.ffmpeg_origin import FfmpegHlsSettings, FfmpegOrigin

        self.workdir = workdir
        self.origin = FfmpegOrigin(workdir, FfmpegHlsSettings(hls_time=1, list_size=3, delete_threshold=threshold))
        self.processes: list = []
        self.truth_path = workdir / "truth.jsonl"

    def start(self) -> _FfmpegCell:
        from lab import publisher, truth
        from lab.process import wait_until
        from lab.stack import LabConfig

        self.origin.start()
        rec = truth.start_recorder(self.origin.stream_dir(), self.truth_path, self.workdir / "truth.log")
        self.processes.append(rec)
        wait_until(self.truth_path.exists, 5.0, processes=[rec])
        config = LabConfig(keyint_s=1, **SMALL)  # type: ignore[arg-type]
        self.processes.append(publisher.start_publisher(config, self.origin.rtmp_url(), self.workdir))
        return self

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.origin.stop()


class _Holder:
    """Start something in its own thread and keep that thread alive until ``release()``.

    Lets the parts of one matrix start in parallel (lab/process.py forks every child from its own
    long-lived thread, so the holder thread's lifetime no longer matters to the children).
    """

    def __init__(self, start: Callable[[], object], name: str) -> None:
        self._start = start
        self._ready = threading.Event()
        self._release = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"hold-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.value = self._start()
        except BaseException as exc:  # handed to the caller of result()
            self.error = exc
        self._ready.set()
        self._release.wait()

    def result(self, timeout: float = 120.0) -> object:
        if not self._ready.wait(timeout):
            raise TimeoutError("lab part did not start")
        if self.error is not None:
            raise self.error
        return self.value

    def release(self) -> None:
        self._release.set()
        self.thread.join(5.0)


def _need_tools() -> None:
    from lab.nginx import nginx_binary  # /usr/sbin/nginx is not on a non-root user's PATH

    if not shutil.which("ffmpeg") or not shutil.which(nginx_binary()):
        pytest.skip("ffmpeg and nginx are needed for the lab")
    if not Path("/usr/lib/nginx/modules/ngx_rtmp_module.so").exists():
        pytest.skip("libnginx-mod-rtmp is not installed")


@pytest.fixture(scope="module")
def runs(module_lab_factory, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    import requests

    from lab.cdn import CdnEdge, varnish_available
    from lab.truth import read_truth
    from monitor import Monitor
    from monitor.records import EndpointConfig, MonitorConfig

    _need_tools()
    dirs = {name: tmp_path_factory.mktemp(name) for name in [*NGINX_CELLS, *FFMPEG_CELLS]}
    ffmpeg_cells = {name: _FfmpegCell(dirs[name], t) for name, t in FFMPEG_CELLS.items()}
    edges: list[CdnEdge] = []
    events: list[object] = []
    lock = threading.Lock()
    labs: dict[str, object] = {}
    holders: list[_Holder] = []

    def on_event(event: object) -> None:
        with lock:
            events.append(event)

    try:
        for name, cell in NGINX_CELLS.items():
            start = functools.partial(module_lab_factory, workdir=dirs[name], **SMALL, **cell)
            holders.append(_Holder(start, name))
        holders += [_Holder(cell.start, name) for name, cell in ffmpeg_cells.items()]
        results = [h.result() for h in holders]
        labs.update(zip(NGINX_CELLS, results[: len(NGINX_CELLS)], strict=True))
        t0 = time.monotonic()
        origin = ffmpeg_cells["ffmpeg-t1"].origin
        monitored = labs[MONITORED]
        endpoints = [EndpointConfig(name="origin", url=monitored.playlist_url)]  # type: ignore[attr-defined]
        if varnish_available() is None:
            for policy, name in (("caching-optimized", "cdn-frozen"), ("tutorial-fix", "cdn-fixed")):
                edges.append(CdnEdge(dirs["ffmpeg-t1"], origin.http_port, policy=policy).start())
                endpoints.append(EndpointConfig(name=name, url=edges[-1].url_for(origin.playlist_url())))
        config = MonitorConfig(endpoints=tuple(endpoints), probe_rate_per_s=4.0)
        monitor = Monitor(config, on_event=on_event).start()
        try:
            while time.monotonic() - t0 < RUN_S:
                time.sleep(1.0)
                for lab in labs.values():
                    lab.check_alive()  # type: ignore[attr-defined]
            response = requests.get(monitored.playlist_url, timeout=3)  # type: ignore[attr-defined]
        finally:
            monitor.close()
        cells = {
            name: Run(name, _nginx_profile(NGINX_CELLS[name]), read_truth(lab.truth_path), lab.playlist_path.name)
            for name, lab in labs.items()
        }
        cells.update(
            {
                name: Run(name, _ffmpeg_profile(FFMPEG_CELLS[name]), read_truth(cell.truth_path), "index.m3u8")
                for name, cell in ffmpeg_cells.items()
            }
        )
        with lock:
            snapshot = list(events)
        return Runs(cells, snapshot, response.text, dict(response.headers))
    finally:
        for edge in edges:
            edge.stop()
        for cell in ffmpeg_cells.values():
            cell.stop()
        for lab in labs.values():
            lab.stop()  # type: ignore[attr-defined]
        for holder in holders:
            holder.release()


def _report(name: str, verdicts: list[Verdict]) -> None:
    log.info("verdicts for %s:\n%s", name, format_verdicts(verdicts, per_segment=False))


def _judge_truth(runs: Runs, name: str) -> list[Verdict]:
    run = runs.cells[name]
    truth = lives_from_truth(run.truth, playlist=run.playlist)
    verdicts = judge(truth.lives, run.profile, truth=truth.files)
    _report(name, verdicts)
    return verdicts


def _assert_inside(verdicts: list[Verdict], code: str, at_least: int) -> list[Verdict]:
    mine = [v for v in verdicts if v.code == code]
    outside = [v.message for v in mine if v.level not in ("ok", "info")]
    assert not outside, "\n".join(outside)
    assert len(mine) >= at_least, f"only {len(mine)} {code} verdicts"
    assert all("as expected" in v.message for v in mine)
    return mine


@pytest.mark.parametrize(
    ("name", "deletions"),
    [("nginx-f1-p3", 15), ("nginx-f2-p6-g2", 5), ("nginx-f2-p6-g4", 3), ("tutorial-f3-p6", 3)],
)
def test_nginx_observed_inside_prediction(runs: Runs, name: str, deletions: int) -> None:
    verdicts = _judge_truth(runs, name)
    _assert_inside(verdicts, "appear", 5)
    _assert_inside(verdicts, "listed", 4)
    _assert_inside(verdicts, "gone", deletions)
    _assert_inside(verdicts, "gone_truth", deletions)
    summary = {v.code: v for v in verdicts if v.scope == "summary"}
    assert summary["summary_gone"].level == "ok", summary["summary_gone"].message
    assert summary["summary_batches"].level in ("ok", "info"), summary["summary_batches"].message


def test_nginx_keyframe_interval_stretches_segments(runs: Runs) -> None:
    verdicts = _judge_truth(runs, "nginx-f2-p6-g4")
    durations = next(v for v in verdicts if v.code == "summary_durations")
    assert durations.message.startswith("Segments last 4 s although hls_fragment is 2 s: the keyframe interval is 4 s;")
    assert "Set OBS's keyframe interval to 2 s." in durations.message
    obs = lives_from_truth(runs.cells["nginx-f2-p6-g4"].truth).lives
    steady = [o.extinf for o in obs[1:]]
    assert statistics.median(steady) == pytest.approx(4.0, abs=0.1)


def test_tutorial_batches_about_three_playlist_lengths(runs: Runs) -> None:
    """fragment 3 s / playlist 6 s: files go in batches every 12 s, 2P..4P (mean about 3P) after written."""
    files = lives_from_truth(runs.cells["tutorial-f3-p6"].truth).files
    obs = [f for f in files.values() if f.deleted_at and f.closed_at]
    assert len(obs) >= 3
    batches = deletion_batches([o.deleted_at for o in obs])  # type: ignore[misc]
    assert max(len(b) for b in batches) >= 2, f"no batch: {batches}"
    if len(batches) > 1:
        assert batches[1][0] - batches[0][0] == pytest.approx(12.0, abs=1.5)
    ages = [(o.deleted_at - o.closed_at) / 6.0 for o in obs]  # type: ignore[operator]
    log.info(
        "tutorial: deleted %.2f to %.2f (mean %.2f) playlist lengths after written",
        min(ages),
        max(ages),
        statistics.mean(ages),
    )
    assert all(2.0 - 1 / 6 <= a <= 4.0 + 0.2 for a in ages), ages  # 1 s early: nginx's whole-second mtimes


@pytest.mark.parametrize(("name", "after_leaving"), [("ffmpeg-t1", 1.0), ("ffmpeg-t4", 4.0)])
def test_ffmpeg_observed_inside_prediction(runs: Runs, name: str, after_leaving: float) -> None:
    verdicts = _judge_truth(runs, name)
    gone = _assert_inside(verdicts, "gone", 10)
    assert all(v.expected is not None and v.expected.lo == after_leaving for v in gone)
    _assert_inside(verdicts, "listed", 10)
    _assert_inside(verdicts, "appear", 10)


def test_wrong_settings_are_caught(runs: Runs) -> None:
    """The same truth judged with the threshold swapped: deletions are reported outside the prediction."""
    run = runs.cells["ffmpeg-t4"]
    truth = lives_from_truth(run.truth, playlist=run.playlist)
    verdicts = judge(truth.lives, _ffmpeg_profile(1), truth=truth.files)
    assert any(v.code == "gone" and v.level == "warning" and "not at that cut" in v.message for v in verdicts)
    nginx = runs.cells["nginx-f1-p3"]
    wrong = profile_for("nginx-rtmp", {"hls_fragment": "1s", "hls_playlist_length": "10s"})
    truth = lives_from_truth(nginx.truth, playlist=nginx.playlist)
    verdicts = judge(truth.lives, wrong, truth=truth.files)
    assert any(v.code == "summary_gone" and v.level == "warning" for v in verdicts)


def test_monitor_lifecycles_judged_on_real_nginx(runs: Runs) -> None:
    from monitor.records import PlaylistSnapshot, RequestRecord

    profile = runs.cells[MONITORED].profile
    verdicts = judge(
        runs.lifecycles("origin"),
        profile,
        snapshots=runs.of(PlaylistSnapshot, "origin"),
        requests=runs.of(RequestRecord, "origin"),
        endpoint="origin",
    )
    _report("monitor on " + MONITORED, verdicts)
    _assert_inside(verdicts, "gone", 4)
    _assert_inside(verdicts, "appear", 5)
    entries = next(v for v in verdicts if v.code == "summary_entries")
    assert entries.level == "ok", entries.message
    found = fingerprint(runs.playlist_text, runs.playlist_headers)
    name, reason = found.name, found.reason
    assert name == "nginx-rtmp", reason


def test_cdn_policies(runs: Runs) -> None:
    from monitor.records import RequestRecord

    if not runs.of(RequestRecord, "cdn-frozen"):
        pytest.skip("varnish is not available: no CDN edge in this run")
    profile = runs.cells["ffmpeg-t1"].profile
    frozen = judge([], profile, requests=runs.of(RequestRecord, "cdn-frozen"), endpoint="cdn-frozen")
    stale = next(v for v in frozen if v.code == "summary_cdn_playlist_age")
    assert stale.level == "problem" and stale.observed is not None and stale.observed > 10
    assert "playlists must not be cached; use CachingDisabled for *.m3u8" in stale.message
    assert "X-Cache Hit" in stale.message
    fixed = judge([], profile, requests=runs.of(RequestRecord, "cdn-fixed"), endpoint="cdn-fixed")
    fine = [v for v in fixed if v.code == "summary_cdn_playlist_age"]
    assert all(v.level == "ok" for v in fine), [v.message for v in fine]


@pytest.mark.parametrize(
    ("kind", "settings", "window"),
    [
        ("srs", {"hls_fragment": 1, "hls_window": 3}, 3.0),
        ("mediamtx", {"hlsSegmentDuration": "1s", "hlsSegmentCount": 4}, 4),
    ],
)
def test_scripted_origins(tmp_path: Path, kind: str, settings: dict[str, object], window: float) -> None:
    import requests

    from monitor import Monitor
    from monitor.records import EndpointConfig, MonitorConfig, PlaylistSnapshot
    from tests.models.scripted_origin import ScriptedOrigin

    events: list[object] = []
    with ScriptedOrigin(tmp_path, kind, 1.0, window) as origin:
        time.sleep(1.3)
        response = requests.get(origin.playlist_url, timeout=3)
        config = MonitorConfig(  # a short run: more deletion probes than the default budget allows
            endpoints=(EndpointConfig(name="o", url=origin.playlist_url),),
            probe_rate_per_s=4.0,
            request_budget_per_s=8.0,
        )
        with Monitor(config, on_event=events.append):
            time.sleep(10.0)
    assert fingerprint(response.text, dict(response.headers)).name == kind
    profile = profile_for(kind, settings)
    verdicts = judge(
        [e for e in events if type(e).__name__ == "SegmentLifecycle"],
        profile,
        snapshots=[e for e in events if isinstance(e, PlaylistSnapshot)],
    )
    _report(kind, verdicts)
    gone = _assert_inside(verdicts, "gone", 4)
    assert all(v.spec == "RFC 8216 §6.2.2" for v in gone)  # no grace at all
    _assert_inside(verdicts, "listed", 4)
    assert next(v for v in verdicts if v.code == "summary_entries").level == "ok"
