#!/usr/bin/env python3
"""An independent client (nats-py, not libnats) sends the seed's staging request, exactly as
bin/request_stager_to_stage_app did, and checks the stager's reply.

usage: seed_request.py NATS_URL CC_URL
"""
import asyncio
import json
import sys

import nats

SEED_LINES = ["Setting up temporary directories", "Downloading application", "Unpacking application",
              "Staging application", "Creating droplet", "Uploading droplet", "Done!"]


async def main(nats_url: str, cc: str) -> int:
    app_id = "my-sinatra-app"
    request = {
        "app_id": app_id,
        "download_uri": f"{cc}/download_unstaged_app/{app_id}",
        "upload_uri": f"{cc}/upload_droplet/{app_id}/upload_id",
        "properties": {
            "services": [],
            "framework_info": {"name": "sinatra"},
            "runtime_info": {"name": "ruby19", "executable": "ruby", "version": "1.9.3"},
            "resources": {"memory": 256, "disk": 256, "fds": 1024},
        },
    }
    nc = await nats.connect(nats_url)
    try:
        msg = await nc.request("staging", json.dumps(request).encode(), timeout=300)
    finally:
        await nc.close()
    reply = json.loads(msg.data)
    print(reply["task_log"], end="")
    problems = []
    if reply.get("error") is not None:
        problems.append(f"error: {reply['error']}")
    lines = [line.split("] ", 1)[-1] for line in reply["task_log"].splitlines()]
    positions = [lines.index(step) if step in lines else -1 for step in SEED_LINES]
    if -1 in positions or positions != sorted(positions):
        problems.append(f"seed lines missing or out of order: {positions}")
    for key in ("task_id", "detected_buildpack", "start_command", "stack", "droplet", "durations_ms"):
        if key not in reply:
            problems.append(f"reply lacks {key}")
    if "error" not in reply:
        problems.append("reply lacks error (must be null on success)")
    for problem in problems:
        print("FAIL:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
