#!/usr/bin/env python3
"""Stager benchmarks with an independent client (nats-py).

usage: bench_stager.py NATS_URL CC_URL latency N | burst N [QUEUE]
  latency: N sequential requests whose download 404s (the task ends after its first lines);
           time from publishing the request to the first live log line: p50/p99.
  burst:   N requests for the tiny static app at once (on QUEUE, default staging); counts answers,
           busy, lost; throughput; time to reply p50/p99.
"""
import asyncio
import json
import statistics
import sys
import time
import uuid

import nats


def request(cc, app, task_id):
    return {"app_id": app, "task_id": task_id, "log_subject": f"bench.{task_id}",
            "download_uri": f"{cc}/download_unstaged_app/{app}",
            "upload_uri": f"{cc}/upload_droplet/{app}/{task_id[:8]}",
            "properties": {"services": [], "resources": {"memory": 256, "disk": 256, "fds": 1024}}}


async def latency(nc, cc, n):
    samples = []
    for _ in range(n):
        task_id = str(uuid.uuid4())
        first = asyncio.get_running_loop().create_future()
        async def on_line(_msg, first=first):
            if not first.done():
                first.set_result(time.perf_counter())
        sub = await nc.subscribe(f"bench.{task_id}", cb=on_line)
        await nc.flush()
        start = time.perf_counter()
        reply = asyncio.ensure_future(nc.request("staging", json.dumps(request(cc, "no-such-app", task_id)).encode(), timeout=60))
        samples.append((await asyncio.wait_for(first, 30) - start) * 1000)
        await reply
        await sub.unsubscribe()
    samples.sort()
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(f"first live log line: p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {samples[-1]:.2f} ms ({n} requests)")


async def burst(nc, cc, n, queue="staging"):
    start = time.perf_counter()
    waits = []

    async def one():
        reply = await nc.request(queue, json.dumps(request(cc, "static", str(uuid.uuid4()))).encode(), timeout=3600)
        waits.append(time.perf_counter() - start)
        return reply

    results = await asyncio.gather(*[one() for _ in range(n)], return_exceptions=True)
    elapsed = time.perf_counter() - start
    replies = [json.loads(r.data) for r in results if not isinstance(r, Exception)]
    waits.sort()
    if waits:
        q = lambda f: waits[min(len(waits) - 1, int(f * len(waits)))]
        print(f"time to reply (all sent at once): p50 {q(0.5):.1f} s, p99 {q(0.99):.1f} s, max {waits[-1]:.1f} s")
    ok = sum(1 for r in replies if r.get("error") is None)
    busy = sum(1 for r in replies if (r.get("error") or "").startswith("Stager busy"))
    other = len(replies) - ok - busy
    lost = n - len(replies)
    print(f"burst of {n}: {len(replies)} answered ({ok} staged, {busy} busy, {other} other errors), {lost} lost, "
          f"{elapsed:.1f} s, {ok / elapsed:.1f} droplets/s")
    for r in replies:
        if r.get("error") and not r["error"].startswith("Stager busy"):
            print("  e.g.", r["error"][:200])
            break


async def main():
    nats_url, cc, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    nc = await nats.connect(nats_url)
    if mode == "latency":
        await latency(nc, cc, n)
    else:
        await burst(nc, cc, n, *sys.argv[5:6])
    await nc.close()


asyncio.run(main())
