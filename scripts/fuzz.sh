#!/usr/bin/env bash
# Runs a libFuzzer target of the Fuzz/ package for SECONDS (see README, "Fuzzing"):
#   scripts/fuzz.sh config|request-head|socks5|state-machine|admin-body|all SECONDS
# Needs only the Swift toolchain (libFuzzer and AddressSanitizer ship with it). Builds Fuzz/ in release with
# -sanitize=fuzzer and AddressSanitizer (C code too, with libFuzzer's coverage), then fuzzes from the seed corpus in
# Fuzz/Corpus/TARGET plus the inputs found by earlier runs in Fuzz/.build/corpus/TARGET; new inputs go there, never
# into the repository. A crashing input is written to Fuzz/.build/crashes/TARGET/ and the script exits 1; replay one
# with `Fuzz/.build/release/TARGET FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_DETERMINISTIC_HASHING=1
# A Swift runtime error then ends the process with a signal libFuzzer reports, instead of going through the Swift
# backtracer, whose reads of the crashed process AddressSanitizer reports as a crash of its own.
export SWIFT_BACKTRACE=enable=no

targets=(config request-head socks5 state-machine admin-body)
if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]] || ! [[ " ${targets[*]} all " == *" $1 "* ]]; then
    echo "usage: $0 $(IFS='|'; echo "${targets[*]}")|all SECONDS" >&2
    exit 2
fi
[ "$1" = all ] || targets=("$1")
seconds=$2

for target in "${targets[@]}"; do
    swift build --package-path Fuzz -c release --product "$target" --sanitize=address \
        -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link
done

failed=()
for target in "${targets[@]}"; do
    corpus=Fuzz/.build/corpus/$target
    crashes=Fuzz/.build/crashes/$target
    mkdir -p "$corpus" "$crashes"
    echo "== $target: ${seconds}s"
    # The first directory receives the new inputs; the seed corpus is only read.
    if ! "Fuzz/.build/release/$target" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" "Fuzz/Corpus/$target" 2>&1 |
        { grep -v -e '^#[0-9]*.*\(NEW\|REDUCE\|pulse\)' -e '^INFO: ' || true; }; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing failed: ${failed[*]}; inputs in Fuzz/.build/crashes/" >&2
    exit 1
fi
