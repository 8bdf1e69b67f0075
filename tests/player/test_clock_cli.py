"""``hlsmon clock``: the page is served on loopback and its JavaScript encodes like player.clock_strip."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading

import pytest
import requests

from player.clock_cli import make_server
from player.clock_page import STRIP_JS
from player.clock_strip import block_boxes, strip_bits


@pytest.fixture
def server():
    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_page_and_script_served(server) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = requests.get(base + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "requestAnimationFrame" in page.text and 'src="strip.js"' in page.text
    script = requests.get(base + "/strip.js?x=1", timeout=5)
    assert script.status_code == 200 and "function stripBits" in script.text
    assert requests.get(base + "/nope", timeout=5).status_code == 404


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_strip_matches_python_encoder() -> None:
    epochs = [0, 1, 1_795_612_800_123, (1 << 48) - 1, 1_764_000_000_999]
    sizes = [(1920, 1080), (1280, 720), (854, 480), (640, 360), (1366, 768)]
    code = (
        STRIP_JS
        + "\nconst out = {bits: "
        + json.dumps(epochs)
        + ".map(stripBits), boxes: "
        + json.dumps(sizes)
        + ".map(([w, h]) => blockBoxes(w, h, false))};\nprocess.stdout.write(JSON.stringify(out));\n"
    )
    result = subprocess.run(["node", "-e", code], capture_output=True, text=True, timeout=30, check=True)
    out = json.loads(result.stdout)
    assert out["bits"] == [strip_bits(e) for e in epochs]
    assert out["boxes"] == [[list(b) for b in block_boxes(w, h)] for w, h in sizes]
