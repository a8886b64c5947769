#!/usr/bin/env bash
# User and kernel CPU per request or per short tunnel of a server already running, from /proc/PID/stat (utime,
# stime, and the children's) over a fixed wrk or connbench run on loopback. Where cpu-per-request.sh gives the total,
# this says where it goes: a proxy that spends its time in the kernel pays for sockets every proxy pays for; one that
# spends it in user space pays for its own code.
#
#   scripts/cpu-split.sh LABEL PIDS MODE ADDRESS [SECONDS]
#     PIDS     comma-separated process ids whose CPU is counted (e.g. $(pgrep -x squid | paste -sd,))
#     MODE     wrk (GET / at ADDRESS, 50 connections), forward (GET http://127.0.0.1:18081/ through the forward
#              proxy at ADDRESS, 50 connections), connect (CONNECT tunnels through the proxy at ADDRESS),
#              socks5 (SOCKS5 tunnels), both to 127.0.0.1:18081, or relay (plain connections to ADDRESS, a TCP relay
#              in front of 127.0.0.1:18081, such as Benchmarks/Floor's); 50 at a time, connect+GET /+close each
#
# Needs wrk and the bench's connbench (../shared/bench/build_tools.sh). Prints one line.
set -euo pipefail
LABEL=$1; PIDS=$2; MODE=$3; ADDRESS=$4; DUR=${5:-6}
CONNBENCH=${BENCH_WORK:-/tmp/switchyard-bench}/bin/connbench

ticks() {  # user and kernel clock ticks of PIDS, reaped children included
    local user=0 kernel=0 f
    for pid in ${PIDS//,/ }; do
        read -r -a f < "/proc/$pid/stat"
        user=$((user + f[13] + f[15])); kernel=$((kernel + f[14] + f[16]))
    done
    echo "$user $kernel"
}

load() {  # SECONDS: runs the load and prints the operations done
    case $MODE in
        wrk) wrk -t1 -c50 -d"$1s" "http://$ADDRESS/" | awk '/requests in/ {print $1}' ;;
        forward)  # wrk reads its script more than once: a file, not a pipe
            local script; script=$(mktemp --suffix=.lua); echo 'wrk.path = "http://127.0.0.1:18081/"' > "$script"
            wrk -t1 -c50 -d"$1s" -s "$script" "http://$ADDRESS/" | awk '/requests in/ {print $1}'
            rm -f "$script" ;;
        connect | socks5 | relay)
            local via=(-proxy "$ADDRESS") target=127.0.0.1:18081
            [ "$MODE" = socks5 ] && via=(-socks5 "$ADDRESS")
            [ "$MODE" = relay ] && via=(-direct) target=$ADDRESS
            "$CONNBENCH" -c 50 -d "$1s" -target "$target" "${via[@]}" | sed -n 's/.*"ops":\([0-9]*\).*/\1/p' ;;
        *) echo "unknown mode $MODE" >&2; exit 2 ;;
    esac
}

load 2 >/dev/null   # warm-up
read -r user1 kernel1 < <(ticks)
ops=$(load "$DUR")
read -r user2 kernel2 < <(ticks)
awk -v l="$LABEL" -v n="$ops" -v u=$((user2 - user1)) -v k=$((kernel2 - kernel1)) -v d="$DUR" \
    -v hz="$(getconf CLK_TCK)" 'BEGIN {
        us = 1e6 / hz / n
        printf "%-14s %7.0f ops/s   user %6.1f µs   kernel %6.1f µs   total %6.1f µs per op\n", l, n / d, u * us, k * us, (u + k) * us
    }'
