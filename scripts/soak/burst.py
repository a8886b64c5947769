#!/usr/bin/env python3
"""RSS after a burst, behind scripts/burst.sh: starts Switchyard with one forward listener, opens TUNNELS CONNECT
tunnels to a loopback origin at once (one GET through each), closes them all, then watches VmRSS while the process
sits idle. Prints the resident size before, at the peak and after each 5 s of idling; exits 1 when RSS after the
idle period is more than 25 % above the size before the burst.

Usage: burst.py TUNNELS BINARY OUTPUT_DIR [IDLE_SECONDS]
"""
import asyncio
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import free_port, sample, wait_for_port  # noqa: E402


async def origin_handler(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        await writer.drain()
        await reader.read()
    except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
        pass  # CancelledError: the run is over and asyncio.run cancels what is left
    finally:
        writer.close()


async def open_tunnel(proxy_port, origin_port, gate):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
        target = f"127.0.0.1:{origin_port}"
        writer.write(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"CONNECT answered {head[:40]!r}")
        writer.write(f"GET / HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        await reader.readuntil(b"ok\n")
        return writer


async def burst(proxy_port, origin_port, tunnels, pid):
    server = await asyncio.start_server(origin_handler, "127.0.0.1", origin_port, backlog=4096)
    gate = asyncio.Semaphore(200)  # connection attempts in flight at once; all tunnels stay open until the end
    writers = await asyncio.gather(*(open_tunnel(proxy_port, origin_port, gate) for _ in range(tunnels)))
    peak = sample(pid)
    for writer in writers:
        writer.close()
    await asyncio.gather(*(writer.wait_closed() for writer in writers), return_exceptions=True)
    server.close()
    await server.wait_closed()
    return peak


def main():
    tunnels, binary, output = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    idle = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2 * tunnels + 100:
        sys.exit(f"the descriptor limit {hard} is too low for {tunnels} tunnels")
    os.makedirs(output, exist_ok=True)
    proxy_port, origin_port = free_port(), free_port()
    config = os.path.join(output, "burst.yaml")
    with open(config, "w") as file:
        file.write(f"""\
log: {{ level: error, format: json }}
admin: {{ listen: "127.0.0.1:0" }}
destinations: {{ allow_private: true, rules: [ {{ name: burst-tunnels, action: allow, methods: [CONNECT] }} ] }}
listeners:
  - {{ name: egress, mode: forward, listen: "127.0.0.1:{proxy_port}", pool: egress, max_connections: {tunnels + 100},
      max_connections_per_client: 0 }}
pools:
  egress: {{ max_connections_per_target: {tunnels + 100}, targets: [ {{}} ] }}
""")
    with open(os.path.join(output, "burst.log"), "w") as log:
        proxy = subprocess.Popen([binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(proxy_port)
            time.sleep(3)
            before = sample(proxy.pid)
            print(f"before: {before[0]} kB, {before[1]} descriptors", flush=True)
            started = time.monotonic()
            peak = asyncio.run(burst(proxy_port, origin_port, tunnels, proxy.pid))
            print(f"{tunnels} tunnels open ({time.monotonic() - started:.1f} s): {peak[0]} kB, {peak[1]} descriptors",
                  flush=True)
            after = before
            for waited in range(5, idle + 1, 5):
                time.sleep(5)
                after = sample(proxy.pid)
                print(f"closed, idle {waited} s: {after[0]} kB, {after[1]} descriptors", flush=True)
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)
    ratio = after[0] / before[0]
    print(f"RSS after/before: {ratio:.2f}")
    return 0 if ratio <= 1.25 else 1


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    sys.exit(main())
