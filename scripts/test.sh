#!/usr/bin/env bash
# The one test command (README, CI): installs the Debian packages the end-to-end tests drive (curl),
# builds the switchyard binary the process tests run, then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1

if ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi

swift build
swift test "$@"
