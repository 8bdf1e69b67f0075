#!/usr/bin/env bash
# Installs what hlsmon needs: Debian packages (when missing), .venv with the project and its dev tools,
# and the lab's Node-Media-Server. Idempotent: a second run only checks.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[setup] %s\n' "$*" >&2; }

wanted_packages() { grep -vE '^\s*(#|$)' scripts/apt-packages.txt; }

missing_packages() {
    local pkg
    for pkg in $(wanted_packages); do
        # node may come from elsewhere (nodesource, nvm): do not fight it.
        if [[ $pkg == nodejs || $pkg == npm ]] && command -v "${pkg/nodejs/node}" >/dev/null; then continue; fi
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$pkg"
    done
}

install_system_packages() {
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        say "No apt here. Install by hand: Python 3.11+, VLC 3 (libVLC), and for the lab ffmpeg, nginx with the"
        say "RTMP module, Varnish and Node.js. On Windows and macOS only the app is supported:"
        say "  Windows: install VLC 3 (64-bit) from videolan.org and Python 3.11+, then: py -m venv .venv &&"
        say "           .venv\\Scripts\\pip install -e .  and run  .venv\\Scripts\\hlsmon URL"
        say "  macOS:   brew install --cask vlc && brew install python@3.11, then the same with .venv/bin/"
        return 0
    fi
    local missing
    missing=$(missing_packages | tr '\n' ' ')
    [[ -z ${missing// } ]] && { say "Debian packages: all present"; return 0; }
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            say "These Debian packages are missing and I am not root (no sudo): $missing"
            say "Ask an administrator to run:  apt-get install -y $missing"
            exit 1
        fi
    fi
    say "Installing Debian packages: $missing"
    # A fresh cloud VM often runs unattended-upgrades at first boot: wait for its dpkg lock, do not fail.
    local wait_lock=(-o DPkg::Lock::Timeout=600)
    $sudo apt-get "${wait_lock[@]}" update -q
    # env, not a prefix assignment: sudo drops DEBIAN_FRONTEND from the environment.
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${wait_lock[@]}" install -y -q --no-install-recommends $missing
}

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    say "Python 3.11 or newer with venv is needed; install python3 and python3-venv."; exit 1
}

install_venv() {
    local stamp=.venv/.hlsmon-installed
    if [[ ! -x .venv/bin/python ]]; then
        say "Creating .venv"
        "$(pick_python)" -m venv .venv
    fi
    # Reinstall only when the project's requirements changed.
    if [[ -f $stamp && $stamp -nt pyproject.toml ]]; then say "Python packages: up to date"; return 0; fi
    say "Installing Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e . --group dev 2>/dev/null ||
        .venv/bin/python -m pip install -q -e . pytest pytest-qt pytest-xvfb pytest-timeout hypothesis ruff \
            'moto[server]>=5.0' boto3 pyyaml
    touch "$stamp"
}

install_node_media_server() {
    [[ -f lab/nms/package.json ]] || return 0
    command -v npm >/dev/null || { say "npm missing: the Node-Media-Server origin will be unavailable"; return 0; }
    if [[ -d lab/nms/node_modules/node-media-server && lab/nms/node_modules -nt lab/nms/package.json ]]; then
        return 0
    fi
    say "Installing Node-Media-Server (npm)"
    (cd lab/nms && npm install --no-audit --no-fund --loglevel=error && touch node_modules)
}

install_system_packages
install_venv
install_node_media_server
say "Ready."
