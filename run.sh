#!/usr/bin/env bash
# Sets up hlsmon (first run only) and opens it: on the local lab when no URL is given,
#   ./run.sh                         # lab stream on 127.0.0.1
#   ./run.sh https://host/live/stream.m3u8 [--cdn URL]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/setup.sh"
exec "$root/.venv/bin/hlsmon" "$@"
