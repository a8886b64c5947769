#!/usr/bin/env python3
"""The soak run behind scripts/soak.sh: Switchyard with a forward and a reverse listener under mixed load for
MINUTES, with config reloads and backend restarts, sampling its resident memory and open descriptors.

Everything is on loopback. Load (one thread per kind, each about SOAK_RATE operations per second, default 40):
  forward   absolute-URI GETs through the forward listener to a loopback origin (keep-alive, 10 per connection)
  tunnel    CONNECT to the origin through the forward listener, one GET inside, close
  reverse   GETs through the reverse listener to two backends (keep-alive, 10 per connection)
  websocket an upgrade through the reverse listener to /ws, three echoed messages, a close frame
Every 30 s the config file is rewritten with another weight for the first backend and SIGHUP sent; every 60 s one
backend (alternately) is killed with SIGKILL and restarted 5 s later. Every 10 s VmRSS (/proc/PID/status) and the
number of entries in /proc/PID/fd are written to the CSV.

Verdict (exit 0 on PASS, 1 on FAIL):
  - RSS is flat: the last sample is at most 10 % above the sample at minute 2 (for runs shorter than 4 minutes, the
    sample at a fifth of the run).
  - No descriptor is left behind: once the load has stopped and idle upstream connections have timed out
    (keepalive.idle_timeout is 5 s here), the count is back to at most 3 above what it was before the load, within
    QUIET_WAIT seconds. (The count under load moves between about 35 and 55 with the connections open at the
    moment of a sample, so comparing two samples taken under load tells nothing about leaks.)
  - No request failed that should not have: a failure is expected only for reverse and WebSocket requests, only while
    a backend is down (from 0.5 s before it is killed to 3 s after it accepts again), and only as a 502 or 503 answer
    or, for a WebSocket session already open on the killed backend, as its connection closing.
  - Every SIGHUP reload succeeded (switchyard_config_reloads_total{result="success"}).

Usage: soak.py MINUTES BINARY OUTPUT_DIR
"""
import base64
import csv
import http.client
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RATE = float(os.environ.get("SOAK_RATE", "40"))
DOWN_BEFORE, DOWN_AFTER = 0.5, 3.0
SAMPLE_EVERY, RELOAD_EVERY, RESTART_EVERY, DOWN_FOR = 10, 30, 60, 5
QUIET_WAIT = 30


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Backend:
    """A backend.py process that can be killed and restarted; remembers when it was down."""

    def __init__(self, port):
        self.port = port
        self.process = None
        self.windows = []  # [start, end] in time.monotonic(); end None while down
        self.lock = threading.Lock()

    def start(self):
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "backend.py"), str(self.port)])
        wait_for_port(self.port)
        with self.lock:
            if self.windows and self.windows[-1][1] is None:
                self.windows[-1][1] = time.monotonic()

    def kill(self):
        with self.lock:
            self.windows.append([time.monotonic(), None])
        self.process.kill()
        self.process.wait()

    def was_down(self, started, ended):
        """Whether [started, ended] overlaps a down window, widened by the grace periods."""
        with self.lock:
            for down, up in self.windows:
                if started <= (up if up is not None else float("inf")) + DOWN_AFTER and ended >= down - DOWN_BEFORE:
                    return True
        return False


class Tally:
    """Outcomes per kind of load."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.unexpected = []

    def record(self, kind, outcome, detail=""):
        with self.lock:
            key = (kind, outcome)
            self.counts[key] = self.counts.get(key, 0) + 1
            if outcome == "unexpected":
                self.unexpected.append(f"{time.strftime('%H:%M:%S')} {kind}: {detail}")

    def total(self, outcome=None):
        with self.lock:
            return sum(n for (_, o), n in self.counts.items() if outcome is None or o == outcome)


class Load:
    def __init__(self, forward, reverse, origin, backends, tally, stop):
        self.forward, self.reverse, self.origin = forward, reverse, origin
        self.backends, self.tally, self.stop = backends, tally, stop

    def any_backend_down(self, started):
        return any(b.was_down(started, time.monotonic()) for b in self.backends)

    def judge(self, kind, started, status, detail, closed_session=False):
        """Records one operation: status 200/101 is ok; 502/503 (or a WebSocket session cut) while a backend
        is down is expected; anything else is unexpected."""
        if status in (101, 200) and not closed_session:
            self.tally.record(kind, "ok")
        elif kind in ("reverse", "websocket") and (status in (502, 503) or closed_session) \
                and self.any_backend_down(started):
            self.tally.record(kind, "expected")
        else:
            self.tally.record(kind, "unexpected", f"status {status} {detail}".strip())

    def paced(self, operation):
        while not self.stop.is_set():
            started = time.monotonic()
            operation()
            self.stop.wait(max(0.0, 1.0 / RATE - (time.monotonic() - started)))

    def keep_alive_gets(self, kind, port, target):
        """Ten GETs on one connection (fewer when one fails), each judged."""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for _ in range(10):
                if self.stop.is_set():
                    return
                started = time.monotonic()
                try:
                    connection.request("GET", target)
                    response = connection.getresponse()
                    response.read()
                    self.judge(kind, started, response.status, "")
                    if response.status != 200 or response.will_close:
                        return
                except (OSError, http.client.HTTPException) as error:
                    self.judge(kind, started, 0, repr(error))
                    return
                self.stop.wait(1.0 / RATE)
        finally:
            connection.close()

    def forward_gets(self):
        self.paced(lambda: self.keep_alive_gets("forward", self.forward, f"http://127.0.0.1:{self.origin}/forward"))

    def reverse_gets(self):
        self.paced(lambda: self.keep_alive_gets("reverse", self.reverse, "/reverse"))

    def tunnel(self):
        started = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.forward), timeout=10) as sock:
                target = f"127.0.0.1:{self.origin}"
                sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
                head = read_head(sock)
                status = int(head.split(b" ", 2)[1])
                if status != 200:
                    self.judge("tunnel", started, status, "")
                    return
                sock.sendall(f"GET /tunnel HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n".encode())
                inner = read_head(sock)
                self.judge("tunnel", started, int(inner.split(b" ", 2)[1]), "(inside the tunnel)")
        except (OSError, ValueError, IndexError) as error:
            self.judge("tunnel", started, 0, repr(error))

    def websocket(self):
        started = time.monotonic()
        upgraded = False
        try:
            with socket.create_connection(("127.0.0.1", self.reverse), timeout=10) as sock:
                key = base64.b64encode(os.urandom(16)).decode()
                sock.sendall(
                    f"GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
                head, rest = read_head(sock, keep_rest=True)
                status = int(head.split(b" ", 2)[1])
                if status != 101:
                    self.judge("websocket", started, status, "")
                    return
                upgraded = True
                reader = Buffered(sock, rest)
                for index in range(3):
                    message = f"soak {index} {random.random()}".encode()
                    sock.sendall(masked_frame(0x1, message))
                    opcode, payload = read_server_frame(reader)
                    if (opcode, payload) != (0x1, message):
                        self.judge("websocket", started, 101, f"echo mismatch {opcode} {payload!r}")
                        return
                sock.sendall(masked_frame(0x8, struct.pack("!H", 1000)))
                opcode, _ = read_server_frame(reader)
                self.judge("websocket", started, 101, f"close answered with opcode {opcode}", opcode != 0x8)
        except (OSError, ValueError, IndexError, ConnectionError) as error:
            self.judge("websocket", started, 0, repr(error), closed_session=upgraded)


class Buffered:
    def __init__(self, sock, rest):
        self.sock, self.buffer = sock, rest

    def read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data


def read_head(sock, keep_rest=False):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a full head: {data[:80]!r}")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return (head, rest) if keep_rest else head


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    assert len(payload) < 126
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + \
        bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_server_frame(reader):
    first, second = reader.read(2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", reader.read(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", reader.read(8))[0]
    return first & 0x0F, reader.read(length)


def config_text(ports, weight):
    return f"""\
log: {{ level: error, format: json }}
admin: {{ listen: "127.0.0.1:{ports['admin']}" }}
# The origin and backends are on loopback: open private addresses, and CONNECT to their ports.
destinations: {{ allow_private: true, rules: [ {{ name: soak-tunnels, action: allow, methods: [CONNECT] }} ] }}
listeners:
  - {{ name: egress, mode: forward, listen: "127.0.0.1:{ports['forward']}", pool: egress }}
  - {{ name: web, mode: reverse, listen: "127.0.0.1:{ports['reverse']}", pool: backends }}
pools:
  egress: {{ keepalive: {{ idle_timeout: 5s }}, targets: [ {{ source_ip: 127.0.0.2 }}, {{ source_ip: 127.0.0.3 }} ] }}
  backends:
    policy: round-robin
    keepalive: {{ idle_timeout: 5s }}
    targets:
      - {{ url: "http://127.0.0.1:{ports['a']}", weight: {weight} }}
      - {{ url: "http://127.0.0.1:{ports['b']}" }}
"""


def sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def reloads_succeeded(admin_port):
    connection = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=10)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    for line in text.splitlines():
        if line.startswith("switchyard_config_reloads_total") and 'result="success"' in line:
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def main():
    minutes, binary, output = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    duration = minutes * 60
    os.makedirs(output, exist_ok=True)
    ports = {name: free_port() for name in ("admin", "forward", "reverse", "a", "b", "origin")}
    config = os.path.join(output, "soak.yaml")
    weight = 1
    with open(config, "w") as file:
        file.write(config_text(ports, weight))
    origin = Backend(ports["origin"])
    backends = [Backend(ports["a"]), Backend(ports["b"])]
    for backend in [origin] + backends:
        backend.start()
    log = open(os.path.join(output, "switchyard.log"), "w")
    proxy = subprocess.Popen([binary, "--config", config], stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    threads = []
    try:
        for port in (ports["forward"], ports["reverse"], ports["admin"]):
            wait_for_port(port)
        time.sleep(1)
        idle_fds = sample(proxy.pid)[1]
        tally = Tally()
        load = Load(ports["forward"], ports["reverse"], ports["origin"], backends, tally, stop)
        for work in (load.forward_gets, load.reverse_gets, lambda: load.paced(load.tunnel),
                     lambda: load.paced(load.websocket)):
            threads.append(threading.Thread(target=work, daemon=True))
            threads[-1].start()
        csv_path = os.path.join(output, "samples.csv")
        samples = []
        start = time.monotonic()
        next_sample, next_reload, next_restart = SAMPLE_EVERY, RELOAD_EVERY, RESTART_EVERY
        reloads, restarts = 0, 0
        with open(csv_path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["seconds", "rss_kb", "fds", "operations", "expected_failures", "unexpected_failures"])
            while True:
                elapsed = time.monotonic() - start
                if proxy.poll() is not None:
                    raise RuntimeError(f"switchyard exited with {proxy.returncode}")
                if elapsed >= next_sample:
                    rss, fds = sample(proxy.pid)
                    row = [next_sample, rss, fds, tally.total(), tally.total("expected"), tally.total("unexpected")]
                    samples.append(row)
                    writer.writerow(row)
                    file.flush()
                    print("sample", *row, flush=True)
                    next_sample += SAMPLE_EVERY
                    if next_sample > duration:
                        break
                if elapsed >= next_reload:
                    weight = 3 if weight == 1 else 1
                    with open(config, "w") as config_file:
                        config_file.write(config_text(ports, weight))
                    proxy.send_signal(signal.SIGHUP)
                    reloads += 1
                    next_reload += RELOAD_EVERY
                if elapsed >= next_restart:
                    victim = backends[restarts % 2]
                    victim.kill()
                    time.sleep(DOWN_FOR)
                    victim.start()
                    restarts += 1
                    next_restart += RESTART_EVERY
                time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        succeeded = reloads_succeeded(ports["admin"])
        quiet_fds, waited = quiet_descriptors(proxy.pid, idle_fds)
    finally:
        stop.set()
        proxy.terminate()
        try:
            proxy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proxy.kill()
        for backend in [origin] + backends:
            if backend.process and backend.process.poll() is None:
                backend.process.kill()
                backend.process.wait()
        log.close()
    return verdict(samples, duration, tally, reloads, succeeded, restarts, csv_path, (idle_fds, quiet_fds, waited))


def quiet_descriptors(pid, idle_fds):
    """The descriptor count once the load has stopped: sampled every second until it is back to `idle_fds` or
    QUIET_WAIT seconds have passed; returns the count and the seconds waited."""
    started = time.monotonic()
    while True:
        fds = sample(pid)[1]
        waited = time.monotonic() - started
        if fds <= idle_fds or waited >= QUIET_WAIT:
            return fds, waited
        time.sleep(1)


def verdict(samples, duration, tally, reloads, succeeded, restarts, csv_path, descriptors):
    print(f"\nsamples ({csv_path}):")
    print("seconds,rss_kb,fds,operations,expected_failures,unexpected_failures")
    for row in samples:
        print(",".join(str(value) for value in row))
    baseline_at = 120 if duration >= 240 else max(SAMPLE_EVERY, duration / 5)
    baseline = next(row for row in samples if row[0] >= baseline_at)
    last = samples[-1]
    problems = []
    if last[1] > baseline[1] * 1.10:
        problems.append(f"RSS grew: {last[1]} kB at {last[0]} s vs {baseline[1]} kB at {baseline[0]} s (> 10 %)")
    idle_fds, quiet_fds, waited = descriptors
    if quiet_fds > idle_fds + 3:
        problems.append(f"descriptors left behind: {quiet_fds} {waited:.0f} s after the load vs {idle_fds} before it")
    if tally.total("unexpected"):
        problems.append(f"{tally.total('unexpected')} unexpected failures, first ones:\n  "
                        + "\n  ".join(tally.unexpected[:20]))
    if succeeded < reloads:
        problems.append(f"only {succeeded} of {reloads} reloads succeeded")
    kinds = sorted({kind for kind, _ in tally.counts})
    print("\n" + "  ".join(
        f"{kind}: {tally.counts.get((kind, 'ok'), 0)} ok, {tally.counts.get((kind, 'expected'), 0)} expected "
        f"failures, {tally.counts.get((kind, 'unexpected'), 0)} unexpected" for kind in kinds))
    print(f"reloads: {succeeded}/{reloads} succeeded; backend restarts: {restarts}")
    print(f"RSS {baseline[1]} kB at {baseline[0]} s -> {last[1]} kB at {last[0]} s; "
          f"descriptors {baseline[2]} -> {last[2]} under load, {idle_fds} before the load -> {quiet_fds} "
          f"{waited:.0f} s after it")
    if problems:
        print("FAIL\n" + "\n".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main())
