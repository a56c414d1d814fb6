#!/usr/bin/env python3
"""A userspace stand-in for `tc netem` between network namespaces.

This machine's kernel has no netem qdisc, so the nemesis tests impair the
validators' links here instead, per IP packet, as netem does: every packet
one validator sends another is held for `delay` +/- `jitter` ms (uniform),
dropped with probability `loss`, and sent twice with probability
`duplicate`. Packets overtake each other when their delays cross, so the
jitter reorders them, as netem's does. TCP between the validators sees real
loss, real retransmissions and real reordering.

How: for each namespace the relay opens a TUN device (IFF_TUN, no packet
info), moves it into the namespace and routes every other validator's /32
through it, with the namespace's own address as the source. A packet read
from namespace i's TUN is written, after its delay, to the TUN of the
namespace that owns its destination address, which delivers it locally.
The relay runs in the root namespace and holds every TUN's descriptor.

Stopping the relay (SIGTERM, SIGINT, or its stdin closing) closes the
descriptors: the kernel deletes the TUN devices with their routes, and the
namespaces talk over their plain link again. Before exiting it prints one
line of counts to stdout.

Usage: netem.py SPEC, where SPEC is JSON:
  {"hosts": [{"ns": "...", "dev": "...", "ip": "10.1.2.3"}, ...],
   "delay_ms": 50, "jitter_ms": 20, "loss": 0.05, "duplicate": 0.0,
   "seed": 1}
It prints "ready" once every route is in place.
"""

import fcntl
import heapq
import json
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    spec = json.loads(sys.argv[1])
    hosts = spec["hosts"]
    delay = spec.get("delay_ms", 0) / 1000.0
    jitter = spec.get("jitter_ms", 0) / 1000.0
    loss = float(spec.get("loss", 0.0))
    duplicate = float(spec.get("duplicate", 0.0))
    rng = random.Random(spec.get("seed", 1))

    fds = []
    for h in hosts:
        fd = open_tun(h["dev"])
        fds.append(fd)
        sh("ip", "link", "set", h["dev"], "netns", h["ns"])
        sh("ip", "-n", h["ns"], "link", "set", h["dev"], "up")
    for i, h in enumerate(hosts):
        for j, other in enumerate(hosts):
            if i != j:
                sh("ip", "-n", h["ns"], "route", "add", other["ip"] + "/32",
                   "dev", h["dev"], "src", h["ip"])
    owner = {bytes(int(x) for x in h["ip"].split(".")): i for i, h in enumerate(hosts)}
    by_fd = {fd: i for i, fd in enumerate(fds)}

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    print("ready", flush=True)

    counts = {"packets": 0, "dropped": 0, "duplicated": 0, "delivered": 0, "unroutable": 0}
    queue = []  # (due, seq, destination index, packet)
    seq = 0
    stdin = sys.stdin.fileno()
    watch = fds + [stdin]
    while not stopping:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, to, packet = heapq.heappop(queue)
            try:
                os.write(fds[to], packet)
                counts["delivered"] += 1
            except OSError:
                counts["dropped"] += 1
        wait = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            ready, _, _ = select.select(watch, [], [], wait)
        except InterruptedError:
            continue
        if stdin in ready:
            if not os.read(stdin, 4096):
                break
        now = time.monotonic()
        for fd in ready:
            if fd == stdin:
                continue
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                counts["packets"] += 1
                if len(packet) < 20 or packet[0] >> 4 != 4:
                    counts["unroutable"] += 1
                    continue
                to = owner.get(packet[16:20])
                if to is None or to == by_fd[fd]:
                    counts["unroutable"] += 1
                    continue
                if rng.random() < loss:
                    counts["dropped"] += 1
                    continue
                copies = 2 if rng.random() < duplicate else 1
                counts["duplicated"] += copies - 1
                for _ in range(copies):
                    held = max(0.0, delay + rng.uniform(-jitter, jitter))
                    seq += 1
                    heapq.heappush(queue, (now + held, seq, to, packet))
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
