#!/usr/bin/env bash
# Proxy CPU per request (and per short tunnel), side by side in one run: two Switchyard builds, started one at a
# time on examples/bench.yaml, and the peers ../shared/bench/start_peers.sh runs (HAProxy and nginx as reverse
# proxies, Squid and tinyproxy as forward proxies), interleaved rep by rep so drift hits all alike. CPU comes from
# `perf stat -e task-clock` on the proxy's processes over a fixed wrk or connbench run; everything is on loopback.
#
#   ../shared/bench/start_peers.sh
#   scripts/cpu-per-request.sh OLD_BINARY NEW_BINARY [REPS] [SECONDS]
#
# Needs perf, wrk and the bench's connbench (../shared/bench/build_tools.sh). Prints one line per measurement.
set -euo pipefail
BEFORE=$1; AFTER=$2; REPS=${3:-3}; DUR=${4:-6}
CONFIG="$(cd "$(dirname "$0")/.." && pwd)/examples/bench.yaml"
CONNBENCH=${BENCH_WORK:-/tmp/switchyard-bench}/bin/connbench
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
echo 'wrk.path = "http://127.0.0.1:18081/"' > "$WORK/absolute.lua"   # forward: absolute-URI GETs to backend 1

children() { pgrep -P "$1" | paste -sd, -; }
NGINX=$(children "$(pgrep -f 'nginx: master process .*nginx-proxy')")
HAPROXY=$(pgrep -f 'haproxy -db -f' | head -1)
SQUID=$(pgrep -x squid | paste -sd, -)
TINYPROXY=$(pgrep -x tinyproxy | paste -sd, -)

cpu_ms() { awk -F, '/task-clock/ {s += $1} END {print s}' "$WORK/stat"; }

requests() {  # PIDS URL LABEL [absolute]
    local script=(); [ "${4:-}" = absolute ] && script=(-s "$WORK/absolute.lua")
    wrk -t1 -c50 -d2s "${script[@]}" "$2" >/dev/null
    perf stat -x, -e task-clock -p "$1" -o "$WORK/stat" & local perf=$!; sleep 0.2
    local n; n=$(wrk -t1 -c50 -d"${DUR}s" "${script[@]}" "$2" | awk '/requests in/ {print $1}')
    kill -INT $perf; wait $perf || true
    awk -v n="$n" -v ms="$(cpu_ms)" -v d="$DUR" -v l="$3" 'BEGIN {printf "%-22s %8.0f req/s   %6.1f µs CPU/request\n", l, n/d, ms*1000/n}'
}

tunnels() {  # PIDS PROXY LABEL
    "$CONNBENCH" -c 50 -d 2s -target 127.0.0.1:18081 -path / -proxy "$2" >/dev/null
    perf stat -x, -e task-clock -p "$1" -o "$WORK/stat" & local perf=$!; sleep 0.2
    local rate; rate=$("$CONNBENCH" -c 50 -d "${DUR}s" -target 127.0.0.1:18081 -path / -proxy "$2" \
        | sed -n 's/.*"ops_per_sec":\([0-9.]*\).*/\1/p')
    kill -INT $perf; wait $perf || true
    awk -v r="$rate" -v ms="$(cpu_ms)" -v d="$DUR" -v l="$3" 'BEGIN {printf "%-22s %8.0f tunnels/s %5.0f µs CPU/tunnel\n", l, r, ms*1000/(r*d)}'
}

switchyard() {  # BINARY LABEL SCENARIO
    "$1" --config "$CONFIG" >/dev/null 2>&1 & local pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18095/ && break; sleep 0.1; done
    case $3 in
        reverse) requests $pid http://127.0.0.1:18095/ "$2" ;;
        forward) requests $pid http://127.0.0.1:18140/ "$2" absolute ;;
        tunnels) tunnels $pid 127.0.0.1:18140 "$2" ;;
    esac
    kill $pid; wait $pid 2>/dev/null || true
}

for rep in $(seq "$REPS"); do
    echo "--- rep $rep"
    switchyard "$BEFORE" reverse-before reverse; switchyard "$AFTER" reverse-after reverse
    requests "$HAPROXY" http://127.0.0.1:18090/ reverse-haproxy; requests "$NGINX" http://127.0.0.1:18091/ reverse-nginx
    switchyard "$BEFORE" forward-before forward; switchyard "$AFTER" forward-after forward
    requests "$SQUID" http://127.0.0.1:18128/ forward-squid absolute
    switchyard "$BEFORE" tunnels-before tunnels; switchyard "$AFTER" tunnels-after tunnels
    tunnels "$SQUID" 127.0.0.1:18128 tunnels-squid; tunnels "$TINYPROXY" 127.0.0.1:18129 tunnels-tinyproxy
done
