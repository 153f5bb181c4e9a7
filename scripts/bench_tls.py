#!/usr/bin/env python3
"""First live log line with NATS over TLS (and the app package over HTTPS) vs plain, paired.

usage: bench_tls.py PLAIN_NATS PLAIN_CC TLS_NATS TLS_CC CA_FILE N
  N rounds; each sends one request to the plain stager and one to the TLS stager, in turn
  (which goes first alternates), timing request → first live log line on each. Prints both
  medians/p99s and the ratio TLS/plain: of the medians and the median of the per-round ratios.
"""
import asyncio
import json
import logging
import ssl
import statistics
import sys
import time
import uuid

import nats


async def first_line(nc, cc):
    task_id = str(uuid.uuid4())
    first = asyncio.get_running_loop().create_future()

    async def on_line(_msg):
        if not first.done():
            first.set_result(time.perf_counter())
    sub = await nc.subscribe(f"bench.{task_id}", cb=on_line)
    await nc.flush()
    request = {"app_id": "no-such-app", "task_id": task_id, "log_subject": f"bench.{task_id}",
               "download_uri": f"{cc}/download_unstaged_app/no-such-app",
               "upload_uri": f"{cc}/upload_droplet/no-such-app/{task_id[:8]}",
               "properties": {"services": [], "resources": {"memory": 256, "disk": 256, "fds": 1024}}}
    start = time.perf_counter()
    reply = asyncio.ensure_future(nc.request("staging", json.dumps(request).encode(), timeout=60))
    elapsed = (await asyncio.wait_for(first, 30) - start) * 1000
    await reply
    await sub.unsubscribe()
    return elapsed


async def main():
    plain_url, plain_cc, tls_url, tls_cc, ca, n = sys.argv[1:7]
    context = ssl.create_default_context(cafile=ca)
    plain = await nats.connect(plain_url)
    secure = await nats.connect(tls_url, tls=context)
    a, b = [], []
    for i in range(int(n)):
        order = [(secure, tls_cc, b), (plain, plain_cc, a)] if i % 2 else [(plain, plain_cc, a), (secure, tls_cc, b)]
        for nc, cc, samples in order:
            samples.append(await first_line(nc, cc))
    p99 = lambda s: sorted(s)[min(len(s) - 1, int(0.99 * len(s)))]
    ratios = [y / x for x, y in zip(a, b)]
    print(f"plain: p50 {statistics.median(a):.2f} ms, p99 {p99(a):.2f} ms; "
          f"TLS: p50 {statistics.median(b):.2f} ms, p99 {p99(b):.2f} ms ({n} rounds)")
    print(f"TLS/plain: ratio of medians {statistics.median(b) / statistics.median(a):.2f}x, "
          f"median of per-round ratios {statistics.median(ratios):.2f}x")
    await plain.close()
    await secure.close()


# asyncio notes "returning true from eof_received() has no effect when using ssl" on close.
logging.getLogger("asyncio").setLevel(logging.ERROR)
asyncio.run(main())
