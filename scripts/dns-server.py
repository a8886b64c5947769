#!/usr/bin/env python3
"""A DNS server for the tests: answers A, AAAA and SRV questions from a JSON file it re-reads whenever the file
changes, on one loopback UDP and TCP port. Run by Tests/SwitchyardProxyTests/Support/LoopbackDNSServer.swift with
the venv's python (dnslib from scripts/python-tools.txt).

    dns-server.py --port PORT --records FILE

FILE maps names to records, e.g.
    {"app.test": [{"type": "A", "address": "127.0.0.1", "ttl": 0},
                  {"type": "SRV", "target": "app.test", "port": 8080, "priority": 0, "weight": 1}]}
A name not in the file is NXDOMAIN; a name without records of the asked type answers NOERROR with none. A UDP
answer over 512 bytes (RFC 1035's limit without EDNS) is sent empty with the TC flag, as real servers do, so the
client asks again over TCP. Only
loopback addresses (127.0.0.0/8, ::1) are ever answered: any other address in the file is an error for that query
(SERVFAIL), so no test can point anything off the machine. Each question is logged on standard output as
`query NAME TYPE PROTOCOL` (udp or tcp), which tests read to count lookups.
"""

import argparse
import ipaddress
import json
import os
import sys
import threading
import time

from dnslib import AAAA, A, QTYPE, RCODE, RR, SRV, DNSLabel
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer


OUTPUT = threading.Lock()


def say(line):
    """Writes one whole line: the handler threads must not interleave theirs."""
    with OUTPUT:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class ClassicHandler(DNSHandler):
    """Truncates UDP answers to 512 bytes; TCP answers are whole."""
    udplen = 512


class FileResolver(BaseResolver):
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.records = {}

    def current(self):
        """The records, read again when the file was replaced (a new inode) or changed."""
        with self.lock:
            try:
                status = os.stat(self.path)
                stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
                if stamp != self.stamp:
                    with open(self.path, encoding="utf-8") as file:
                        loaded = json.load(file)
                    self.records = {DNSLabel(name): entries for name, entries in loaded.items()}
                    self.stamp = stamp
            except (OSError, ValueError) as error:
                say(f"cannot read {self.path}: {error}")
            return self.records

    def resolve(self, request, handler):
        reply = request.reply()
        question = request.q
        kind = QTYPE[question.qtype]
        say(f"query {str(question.qname).rstrip('.')} {kind} {handler.protocol}")
        records = self.current()
        if question.qname not in records:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        try:
            for entry in records[question.qname]:
                if entry["type"] != kind:
                    continue
                ttl = int(entry.get("ttl", 0))
                if kind in ("A", "AAAA"):
                    address = ipaddress.ip_address(entry["address"])
                    if not address.is_loopback:
                        raise ValueError(f"{address} is not a loopback address")
                    data = A(str(address)) if kind == "A" else AAAA(str(address))
                elif kind == "SRV":
                    data = SRV(
                        priority=int(entry.get("priority", 0)), weight=int(entry.get("weight", 0)),
                        port=int(entry["port"]), target=entry["target"])
                else:
                    continue
                reply.add_answer(RR(question.qname, question.qtype, ttl=ttl, rdata=data))
        except (KeyError, ValueError) as error:
            say(f"bad record for {question.qname}: {error}")
            reply = request.reply()
            reply.header.rcode = RCODE.SERVFAIL
        return reply


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--records", required=True)
    arguments = parser.parse_args()
    resolver = FileResolver(arguments.records)
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    # TCP first: dnslib binds with SO_REUSEADDR, which lets a second UDP socket share a port but not a second TCP
    # listener, so a port another server holds fails here, before anything is bound. The line printed once both
    # are bound is what the tests wait for.
    servers = [
        DNSServer(resolver, address="127.0.0.1", port=arguments.port, tcp=True, logger=quiet, handler=ClassicHandler),
        DNSServer(resolver, address="127.0.0.1", port=arguments.port, logger=quiet, handler=ClassicHandler),
    ]
    for server in servers:
        server.start_thread()
    say(f"listening on 127.0.0.1:{arguments.port}")
    try:
        while all(server.isAlive() for server in servers):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    sys.exit(1)


if __name__ == "__main__":
    main()
