"""When the lab cannot start, the error names the part that failed and where its log is."""

from __future__ import annotations

import socket

import pytest

from lab.nginx import nginx_binary
from lab.stack import Lab, LabConfig, LabError

pytestmark = pytest.mark.lab


def test_busy_rtmp_port_is_named(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        lab = Lab(LabConfig(rtmp_port=port, workdir=tmp_path))
        with pytest.raises(LabError) as info:
            lab.start()
    message = str(info.value)
    assert "nginx" in message
    assert f"RTMP port {port}" in message and "in use" in message
    assert lab.processes == []


def test_missing_ffmpeg_names_the_publisher_and_its_log(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nginx").symlink_to(nginx_binary())  # /usr/sbin/nginx for a non-root user
    monkeypatch.setenv("PATH", str(bin_dir))  # nginx is found, ffmpeg is not
    lab = Lab(LabConfig(workdir=tmp_path / "w", start_timeout_s=8))
    with pytest.raises(LabError) as info:
        lab.start()
    message = str(info.value)
    assert "publisher" in message
    assert str(tmp_path / "w" / "publisher.log") in message
    assert lab.processes == []


def test_bad_nginx_config_names_nginx_and_its_error_log(tmp_path, monkeypatch):
    import lab.nginx

    render = lab.nginx.render_config
    monkeypatch.setattr(lab.nginx, "render_config", lambda *a: render(*a).replace("hls on;", "hls maybe;"))
    lab_ = Lab(LabConfig(workdir=tmp_path))
    with pytest.raises(LabError) as info:
        lab_.start()
    message = str(info.value)
    assert "origin (nginx) failed to start" in message
    assert str(tmp_path / "nginx" / "error.log") in message
    assert "hls" in message  # nginx's own complaint is quoted
    assert lab_.processes == []
