#!/usr/bin/env bash
# Sets up hlsmon (first run only) and runs every test: lint, unit, lab (real nginx-rtmp, ffmpeg,
# Varnish, Node-Media-Server on 127.0.0.1), player (libVLC) and GUI (under Xvfb).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
