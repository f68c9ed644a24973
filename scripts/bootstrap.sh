#!/usr/bin/env bash
# Install whatever is missing for running the kiosk and its tests, then stop.
# Safe to run again: it only installs what is not there yet.
#   - Debian / Raspberry Pi OS packages (Qt's system libraries, a Japanese font, mosquitto, Xvfb)
#   - .venv/ with the exact Python packages of requirements.lock (hash-checked), plus this project
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  python3-venv
  # Qt (PySide6-Essentials wheel) on the offscreen platform
  libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 libglib2.0-0 libdbus-1-3
  # Qt in a real X window (Xvfb, a desktop); without these Qt aborts with "xcb-cursor0 is needed"
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-randr0
  # Japanese glyphs on screen and for the raster ticket fallback
  fonts-ipafont-gothic
  # every language's script on screen and on raster tickets: Chinese, Korean (and Japanese)
  # from Noto CJK, Nepali from Lohit Devanagari; Vietnamese and Portuguese use DejaVu
  fonts-noto-cjk fonts-lohit-deva
  # the MQTT broker the demo and the tests start; a virtual screen for screenshots
  mosquitto xvfb
  # mosquitto_sub/_pub: bench.fleet measures the central simulator against a raw subscriber
  mosquitto-clients
  # NATS with JetStream and its MQTT interface: the contract tests run against it too
  nats-server
  # the ZBar library behind pyzbar (one of the QR decoders the benchmark compares)
  libzbar0
  # systemd-analyze (tests/test_systemd_unit.py verifies systemd/kiosk.service) and cage, the
  # compositor its ExecStart names: verify fails on an ExecStart binary that is not there
  systemd cage
  # voice guidance (issue 13): eSpeak NG speaks every catalogue language (README, Voice guidance)
  espeak-ng
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
fi
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts mosquitto as a system service on install; the kiosk starts its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  : # leave a running system broker alone: we use our own port
fi

PY=${PYTHON:-python3}
STAMP=.venv/.lock-stamp
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
if [ ! -f "$STAMP" ] || ! cmp -s requirements.lock "$STAMP"; then
  echo "bootstrap: installing Python packages from requirements.lock"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-warn-script-location --require-hashes -r requirements.lock
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-warn-script-location --no-deps --no-build-isolation -e .
  cp requirements.lock "$STAMP"
fi
# The AsyncAPI initiative's parser (tests/contract/test_asyncapi_parser.py parses and lints
# docs/asyncapi.yaml with it) in a project-local tools/asyncapi/node_modules, never global,
# exactly as tools/asyncapi/package-lock.json pins it. Node and npm from Debian when missing.
# Not fatal: without it the test falls back to our own schema check (and fails under CI=true).
if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: installing Debian packages: nodejs npm"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null ||
    echo "bootstrap: WARNING: nodejs/npm not installed; the AsyncAPI parser test uses its fallback"
fi
NODE_STAMP=tools/asyncapi/node_modules/.lock-stamp
if command -v npm >/dev/null 2>&1 &&
  { [ ! -f "$NODE_STAMP" ] || ! cmp -s tools/asyncapi/package-lock.json "$NODE_STAMP"; }; then
  echo "bootstrap: installing the AsyncAPI parser into tools/asyncapi/node_modules"
  if (cd tools/asyncapi && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    cp tools/asyncapi/package-lock.json "$NODE_STAMP"
  else
    echo "bootstrap: WARNING: npm ci failed; the AsyncAPI parser test uses its fallback"
  fi
fi
# Real portraits for the photo tests and benches (kept out of git): one PyPI source archive,
# SHA-256 checked, unpacked into ~/.cache/lobby-kiosk/faces (simulators/camera/real_faces.py).
.venv/bin/python -m simulators.camera.real_faces >/dev/null
