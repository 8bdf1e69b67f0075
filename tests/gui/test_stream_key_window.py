"""The stream-key helper (Ctrl+K) starts from the stream the window is playing."""

from __future__ import annotations

from gui.stream_key import Ingest


def test_helper_is_filled_from_the_playing_url_and_profile(window) -> None:
    assert window.running_ingest() is None  # nothing playing: the dialog says so and keeps the typed values
    window.profile.set_profile("nms", {"hlsFlags": "[hls_time=4]", "keyint": 2.0})
    window.play("http://127.0.0.1:9/live/stream1/index.m3u8")
    try:
        ingest = window.running_ingest()
        assert ingest is not None
        assert (ingest.server, ingest.key, ingest.origin) == ("rtmp://127.0.0.1/live", "stream1", "nms")
        assert (ingest.keyint_s, ingest.fragment_s) == (2.0, 4.0)
    finally:
        window.stop()


def test_the_lab_ingest_is_shown_and_used(window) -> None:
    lab = Ingest(server="rtmp://127.0.0.1:1935/live", key="test", http_base="http://127.0.0.1:8080/hls",
                 origin="nginx-rtmp", keyint_s=1.0, fragment_s=2.0, source="the lab")
    window.show_ingest(lab)
    assert "rtmp://127.0.0.1:1935/live" in window.ingest_label.text() and "test" in window.ingest_label.text()
    assert window.ingest_label.isVisibleTo(window)
    assert window.running_ingest() == lab
