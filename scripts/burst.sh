#!/usr/bin/env bash
# scripts/burst.sh [TUNNELS] [IDLE_SECONDS]: RSS after a burst. Builds the release binary, opens TUNNELS (default
# 5000) CONNECT tunnels at once through a forward listener to a loopback origin, closes them, and prints VmRSS
# before, at the peak and while idle (scripts/soak/burst.py); exits 1 when RSS stays more than 25 % above where it
# started. SWITCHYARD_BINARY=path runs that binary instead of building one. Needs python3 (standard library only) and a descriptor limit of at least 2 × TUNNELS.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1
binary=${SWITCHYARD_BINARY:-.build/release/switchyard}
[ -n "${SWITCHYARD_BINARY:-}" ] || swift build -c release --product switchyard
exec python3 scripts/soak/burst.py "${1:-5000}" "$binary" .build/soak "${2:-30}"
