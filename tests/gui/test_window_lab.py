"""The real window against the real lab (nginx-rtmp + ffmpeg publisher, Varnish edge) on 127.0.0.1:
charts fill, the recorded session replays into the same charts, and the stale-playlist scenario raises
its alert in the alerts list."""

from __future__ import annotations

import pytest

from lab.stack import Lab, LabConfig

pytestmark = pytest.mark.lab
CDN_STALE = ("stale_cdn_playlist", "cdn_old_copy")  # behind the origin / an old copy by its cache headers


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    return module_lab_factory(fragment_s=1, playlist_length_s=4)


def _series_len(window, name):
    return len(window.model.xy(name)[0])


def test_charts_fill_against_the_lab_and_the_session_replays(window, qtbot, lab):
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 4.0, "keyint": 1.0})
    window.play(lab.origin_playlist_url)
    assert window.stream.running

    def filled():
        table = window.model.lifecycles.get("origin")
        gone = table is not None and (table.col(6) == table.col(6)).any()
        return (
            gone
            and len(table) >= 6
            and _series_len(window, "interval.origin") >= 4
            and _series_len(window, "window_s.origin") >= 4
            and _series_len(window, "latency.playlist_age.origin") >= 4
            and _series_len(window, "host.cpu.hlsmon") >= 2
        )

    try:
        qtbot.waitUntil(filled, timeout=45_000)
    except Exception as exc:
        table = window.model.lifecycles.get("origin")
        state = {
            name: _series_len(window, name)
            for name in ("interval.origin", "window_s.origin", "latency.playlist_age.origin", "host.cpu.hlsmon")
        }
        raise AssertionError(
            f"not filled: rows {len(table) if table else 0}, "
            f"gone {int((table.col(6) == table.col(6)).sum()) if table else 0}, {state}, "
            f"states {window.ingestor.states}, alerts {[a.message for a in window.model.alerts]}"
        ) from exc
    window.redraw()
    intervals = window.charts[1]
    assert len(intervals.curves[0].item.xData) >= 4
    assert window.lifecycle.item.last_paint_bars > 0
    # the fingerprint recognised the server and the profile shows a prediction
    assert window.profile.server_found and window.profile.server_found.name == "nginx-rtmp"
    assert window.server.prediction is not None
    # the stream going live was notified (tray when there is one; always the status bar and the list)
    assert any("live" in title for title, _ in window.notifications)
    # the server model judged what was observed, in plain words
    window._update_verdicts()
    assert window.verdicts.count() >= 3
    statuses = {
        window.verdicts.tree.topLevelItem(i).text(0): window.verdicts.tree.topLevelItem(i).text(1)
        for i in range(window.verdicts.count())
    }
    assert statuses.get("appear", "").startswith("✔"), statuses
    # the playlist window matches hls_playlist_length within a segment
    _, win_s = window.model.xy("window_s.origin")
    assert 3.0 <= float(win_s[-1]) <= 6.0
    rows = len(window.model.lifecycles["origin"])
    window.stop()
    session = window.stream.record_path
    assert session is not None and session.exists()
    window.open_session(session)
    replayed = len(window.model.lifecycles["origin"])
    assert rows <= replayed <= rows + 2  # events in flight at stop() are in the file too
    assert window.replaying and _series_len(window, "interval.origin") >= 4


@pytest.mark.slow
def test_stale_playlist_scenario_raises_the_alert(window, qtbot, tmp_path):
    from lab.scenarios import scenario_config

    config = scenario_config(
        "stale-playlist", LabConfig(fragment_s=1, playlist_length_s=4, workdir=tmp_path / "lab"), lambda line: None
    )
    with Lab(config) as stale_lab:
        edge = stale_lab.delivery.edge_playlist_url
        window.play(stale_lab.origin_playlist_url, edge)
        qtbot.waitUntil(lambda: any(a.code in CDN_STALE for a in window.model.alerts), timeout=40_000)
        window.redraw()
        alert = next(a for a in window.model.alerts if a.code in CDN_STALE)
        assert alert.endpoint == "cdn" and alert.advice
        assert window.alerts.count() >= 1
        texts = [window.alerts.tree.topLevelItem(i).text(3) for i in range(window.alerts.count())]
        assert alert.message in texts
        window.stop()
