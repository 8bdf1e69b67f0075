"""Small loopback helpers shared by the lab's part-two servers (NMS, ffmpeg origin, CDN edge, S3)."""

from __future__ import annotations

import socket

import requests

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def pick_port(port: int) -> int:
    """``port`` if non-zero, else a free one."""
    return port or free_port()


def port_open(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers at all (any status): the server is up."""
    try:
        requests.get(url, timeout=timeout)
    except requests.RequestException:
        return False
    return True


def port_listening(port: int) -> bool:
    """True when some socket LISTENs on ``port`` (reads /proc/net/tcp; connects nothing).

    Needed for one-shot listeners such as ``ffmpeg -listen 1``, which a probing connect would consume.
    Falls back to ``port_open`` where /proc is missing.
    """
    try:
        with open("/proc/net/tcp") as fh:
            lines = fh.read().splitlines()[1:]
    except OSError:
        return port_open(port)
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
            return True
    return False
