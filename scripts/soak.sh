#!/usr/bin/env bash
# scripts/soak.sh MINUTES: builds the release binary, then runs Switchyard on loopback for MINUTES under mixed
# forward, CONNECT tunnel, reverse and WebSocket load, with a SIGHUP reload every 30 s and a backend killed and
# restarted every 60 s, sampling VmRSS and open descriptors every 10 s. Prints the samples and PASS or FAIL (exit 0
# or 1); the rules are in scripts/soak/soak.py. Needs python3 (standard library only); everything stays on loopback.
# SWITCHYARD_BINARY=path runs that binary instead of building one. Output (samples.csv, the config, switchyard.log) goes to .build/soak/.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1

if [ $# -ne 1 ] || ! [[ "$1" =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    echo "usage: $0 MINUTES" >&2
    exit 64
fi
binary=${SWITCHYARD_BINARY:-.build/release/switchyard}
[ -n "${SWITCHYARD_BINARY:-}" ] || swift build -c release --product switchyard
exec python3 scripts/soak/soak.py "$1" "$binary" .build/soak
