#!/usr/bin/env bash
# The one test command (README, CI): installs the Debian packages the end-to-end tests drive (curl, and openssl
# for the throw-away test certificates),
# builds the switchyard binary the process tests run, then runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1

missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build
swift test "$@"
