"""The ``hlsmon clock`` page: the clock strip drawn in a canvas every frame, plus a readable clock.

``STRIP_JS`` is the browser twin of ``player/clock_strip.py`` (same 60 blocks, CRC-8/SMBUS, same edges
``round(k·W/80)`` and height ``round(H/45)``); tests run it in node and compare with the Python encoder.
"""

from __future__ import annotations

STRIP_JS = r"""
"use strict";
const COLUMNS = 80, ROWS = 45, BLOCKS = 60;

function crc8(bytes) {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = (crc & 0x80) ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function stripBits(epochMs) {
  // 48-bit epoch ms, MSB first, then CRC-8 of its 6 big-endian bytes, framed by [1,0] ... [0,1]
  const big = BigInt(Math.floor(epochMs));
  const bytes = [];
  for (let i = 5; i >= 0; i--) bytes.push(Number((big >> BigInt(8 * i)) & 0xffn));
  const bits = [1, 0];
  for (let i = 47; i >= 0; i--) bits.push(Number((big >> BigInt(i)) & 1n));
  const crc = crc8(bytes);
  for (let i = 7; i >= 0; i--) bits.push((crc >> i) & 1);
  bits.push(0, 1);
  return bits;
}

function blockBoxes(width, height, bottom) {
  // [x0, y0, x1, y1] end-exclusive, as clock_strip.block_boxes (Python round = half to even)
  const pyRound = (v) => {
    const f = Math.floor(v), d = v - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return (f % 2 === 0) ? f : f + 1;
  };
  const xs = [];
  for (let k = 0; k <= BLOCKS; k++) xs.push(pyRound(k * width / COLUMNS));
  const bh = pyRound(height / ROWS);
  const y0 = bottom ? height - bh : 0;
  const boxes = [];
  for (let k = 0; k < BLOCKS; k++) boxes.push([xs[k], y0, xs[k + 1], y0 + bh]);
  return boxes;
}

if (typeof module !== "undefined") module.exports = { crc8, stripBits, blockBoxes };
"""

PAGE_HTML = r"""<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>hlsmon clock strip</title>
<style>
  html, body { margin: 0; padding: 0; overflow: hidden; background: transparent; }
  canvas { display: block; }
</style>
</head>
<body>
<canvas id="c"></canvas>
<script src="strip.js"></script>
<script>
"use strict";
const params = new URLSearchParams(location.search);
const BOTTOM = __BOTTOM__;  // hlsmon's player reads the strip at the top
const SHOW_TEXT = params.get("text") !== "0" && __TEXT__;
const canvas = document.getElementById("c");
const ctx = canvas.getContext("2d", { alpha: true });

function resize() {
  canvas.width = window.innerWidth;
  canvas.height = window.innerHeight;
}
window.addEventListener("resize", resize);
resize();

function pad(n, w) { return String(n).padStart(w, "0"); }

function draw() {
  const now = Date.now();  // wall clock of this machine at paint time
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const bits = stripBits(now);
  const boxes = blockBoxes(w, h, BOTTOM);
  for (let k = 0; k < boxes.length; k++) {
    const [x0, y0, x1, y1] = boxes[k];
    ctx.fillStyle = bits[k] ? "#ffffff" : "#000000";
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  }
  if (SHOW_TEXT) {
    const d = new Date(now);
    const text = pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + ":" + pad(d.getUTCSeconds(), 2)
      + "." + pad(d.getUTCMilliseconds(), 3) + " UTC";
    const size = Math.max(12, Math.round(h / 18));
    ctx.font = "bold " + size + "px monospace";
    const bh = boxes[0][3] - boxes[0][1];
    const tw = ctx.measureText(text).width;
    const ty = BOTTOM ? h - bh - size * 1.6 : bh + size * 0.3;
    ctx.fillStyle = "rgba(0,0,0,0.7)";
    ctx.fillRect(0, ty, tw + size, size * 1.3);
    ctx.fillStyle = "#ffffff";
    ctx.textBaseline = "top";
    ctx.fillText(text, size / 2, ty + size * 0.15);
  }
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
</script>
</body>
</html>
"""


def render_page(*, bottom: bool = False, text: bool = True) -> str:
    return PAGE_HTML.replace("__BOTTOM__", "true" if bottom else "false").replace(
        "__TEXT__", "true" if text else "false"
    )
