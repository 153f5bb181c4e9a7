#!/usr/bin/env python3
"""A corpus of hostile staging requests and packages, from a fixed seed, sent with an independent
client (nats-py). Every request must be answered with an error naming no host path.

usage: hostile_corpus.py NATS_URL CC_URL APPS_DIR COUNT [SEED]
  APPS_DIR: the fake cloud controller's apps folder; hostile packages are written there as
            <name>.zip / <name>.tgz and requested by name.
Prints one JSON object: sent, answered, errors, succeeded, unanswered, path_leaks, examples.
"""
import asyncio
import io
import json
import os
import random
import stat
import sys
import tarfile
import zipfile

import nats

FIELDS = ["app_id", "download_uri", "upload_uri", "task_id", "stack", "buildpacks", "skip_detect", "environment",
          "start_command", "buildpack_cache_download_uri", "buildpack_cache_upload_uri", "log_subject", "properties"]
CONTROL = ["\r\n", "\n", "\r", "\t", " ", "\x00", "\x1b[31m", "\x7f", "\u2028", "\ufeff", "*", ">", ".."]
WRONG = [None, 0, -1, 1.5, 1e308, True, [], {}, [1, 2], {"a": {"b": [None]}}, "", "x" * 70000]
SCHEMES = ["ftp", "file", "gopher", "javascript", "data", "ws", "HTTP", "httpx", "nats"]


def packages(apps):
    """Writes the hostile packages; returns their app ids."""
    made = []

    def zip_with(name, entries, mode=None):
        with zipfile.ZipFile(os.path.join(apps, name + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for entry, data, attr in entries:
                info = zipfile.ZipInfo(entry)
                if attr is not None:
                    info.external_attr = attr << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        made.append(name)

    zip_with("h-traversal", [("../../etc/evil", b"x", None)])
    zip_with("h-absolute", [("/etc/evil", b"x", None)])
    zip_with("h-symlink-out", [("link", b"/etc/passwd", stat.S_IFLNK | 0o777)])
    zip_with("h-symlink-chain", [("x/y", b"..", stat.S_IFLNK | 0o777), ("z", b"x/y/..", stat.S_IFLNK | 0o777)])
    zip_with("h-device", [("dev", b"", stat.S_IFCHR | 0o666)])
    zip_with("h-fifo", [("fifo", b"", stat.S_IFIFO | 0o666)])
    zip_with("h-bomb", [("zeros", b"\0" * (64 << 20), None)])
    zip_with("h-many", [(f"f{i}", b"", None) for i in range(100_001)])
    with open(os.path.join(apps, "h-notzip.zip"), "wb") as f:
        f.write(b"this is not an archive at all\n" * 100)
    made.append("h-notzip")
    data = open(os.path.join(apps, "h-traversal.zip"), "rb").read()
    with open(os.path.join(apps, "h-truncated.zip"), "wb") as f:
        f.write(data[: len(data) // 2])
    made.append("h-truncated")
    encrypted = bytearray(data)
    encrypted[6] |= 1  # general purpose flag bit 0: encrypted
    with open(os.path.join(apps, "h-encrypted.zip"), "wb") as f:
        f.write(bytes(encrypted))
    made.append("h-encrypted")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        hard = tarfile.TarInfo("hard")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "../../etc/passwd"
        t.addfile(hard)
    with open(os.path.join(apps, "h-hardlink.zip"), "wb") as f:
        f.write(buf.getvalue())
    made.append("h-hardlink")
    return made


def corpus(rng, n, cc, hostile_apps):
    closed = f"http://127.0.0.1:{rng.choice([1, 9, 65535])}/x"

    def base():
        app = rng.choice(["static", "no-such-app"])
        return {"app_id": app, "download_uri": f"{cc}/download_unstaged_app/{app}",
                "properties": {"resources": {"memory": 256, "disk": 256, "fds": 1024}}}

    def hostile_string():
        s = rng.choice(["a", "task", "logs.x", "http://127.0.0.1/x"])
        return s + rng.choice(CONTROL) + rng.choice(["PUB x 1\r\nhi", "", "y" * rng.choice([1, 300, 5000])])

    kinds = []
    for i in range(n):
        kind = rng.randrange(14)
        r = base()
        if kind == 0:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
            kinds.append(("random bytes", payload))
            continue
        if kind == 1:
            text = json.dumps(r)
            kinds.append(("truncated json", text[: rng.randrange(1, len(text))].encode()))
            continue
        if kind == 2:
            depth = rng.choice([100, 1000, 5000, 20000])
            kinds.append(("deep json", ('{"app_id":' + "[" * depth + "]" * depth + "}").encode()))
            continue
        if kind == 3:
            r["start_command"] = "x" * rng.choice([9000, 200_000, 900_000])
        elif kind == 4:
            r[rng.choice(FIELDS)] = rng.choice(WRONG)
        elif kind == 5:
            r.pop(rng.choice(["app_id", "download_uri"]))
        elif kind == 6:
            r[f"unknown_{i}"] = {"nested": [1, 2, {"x": "y"}]}
            r["download_uri"] = closed
        elif kind == 7:
            r[rng.choice(["app_id", "task_id", "log_subject", "stack", "start_command"])] = hostile_string()
        elif kind == 8:
            size = rng.choice([2000, 50_000])
            r["environment"] = {f"V{j}": "v" * rng.choice([1, 100]) for j in range(size)}
        elif kind == 9:
            r["environment"] = rng.choice([{"A": 1}, {"A B": "x"}, {"": "x"}, {"A": "x\x00y"}, "A=1", ["A=1"]])
        elif kind == 10:
            scheme = rng.choice(SCHEMES)
            r[rng.choice(["download_uri", "upload_uri", "buildpack_cache_download_uri"])] = rng.choice([
                f"{scheme}://127.0.0.1/x", "http://127.0.0.1:65536/", "http://[::1]:99999/", "http://127.0.0.1:0/",
                "http://user:pass@127.0.0.1:1/x", "http:///x", "http://127.0.0.1:x/", "//127.0.0.1/x",
                "http://127.0.0.1/" + "a" * 5000, "http://127.0.0.1/\r\nX: y"])
        elif kind == 11:
            r["properties"] = {"resources": {rng.choice(["memory", "disk", "fds"]): rng.choice([0, -1, -10**9, 10**12])}}
        elif kind == 12:
            app = rng.choice(hostile_apps)
            r = {"app_id": app, "download_uri": f"{cc}/download_unstaged_app/{app}"}
        else:
            r["download_uri"] = closed
            r["buildpacks"] = rng.choice([[""], ["../x"], ["a"] * 40, ["x\ny"]])
        kinds.append((f"kind {kind}", json.dumps(r).encode()))
    return kinds


async def main():
    nats_url, cc, apps, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 20261130
    rng = random.Random(seed)
    items = corpus(rng, count, cc, packages(apps))
    nc = await nats.connect(nats_url, max_reconnect_attempts=-1)
    limit = asyncio.Semaphore(40)
    result = {"sent": 0, "answered": 0, "errors": 0, "succeeded": 0, "unanswered": [], "path_leaks": [], "examples": {}}

    async def send(name, payload):
        async with limit:
            result["sent"] += 1
            if len(payload) > nc.max_payload:
                result["answered"] += 1  # the server refuses it before the stager sees it
                result["errors"] += 1
                return
            try:
                msg = await nc.request("staging", payload, timeout=120)
            except Exception as e:  # noqa: BLE001
                result["unanswered"].append(f"{name}: {type(e).__name__}")
                return
            result["answered"] += 1
            reply = json.loads(msg.data)
            error = reply.get("error")
            if error is None:
                result["succeeded"] += 1
                return
            result["errors"] += 1
            result["examples"].setdefault(name, error[:160])
            if "/tmp/" in error or "/root/" in error or "/work/" in error:
                result["path_leaks"].append(error[:300])

    await asyncio.gather(*(send(name, payload) for name, payload in items))
    await nc.close()
    print(json.dumps(result))


asyncio.run(main())
