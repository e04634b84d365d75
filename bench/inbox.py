"""Signed activities accepted per second at the shared inbox, against a bare Starlette route.

    .venv/bin/python -m bench.inbox [--seconds 8] [--requests 40000] [--senders 20]

Both servers run under uvicorn with one worker pinned to CPU 0; wrk (1 thread, 50
connections) runs pinned to CPU 1 and replays the same pre-signed requests to each:
  - baseline: a bare Starlette route that reads the body, parses the JSON, answers 202;
  - Comptoir: `comptoir serve` of a fresh city (SQLite), workers off so that the figure is the
    inbox alone: size check, JSON, policy, cavage signature verification (keys cached after
    a first fetch from a real second city), signer-owns-actor, dedupe and group-committed
    storage, 202.
Every request has its own activity id, so each is really verified and stored. Also printed:
the serve process's peak resident memory (VmHWM) after the run. Needs `wrk` on the PATH.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx
import orjson

from .common import row

ROOT = Path(__file__).resolve().parents[1]
COMPTOIR = str(Path(sys.executable).with_name("comptoir"))

BARE_APP = """
import json
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

async def inbox(request):
    json.loads(await request.body())
    return Response(status_code=202)

app = Starlette(routes=[Route("/inbox", inbox, methods=["POST"])])
"""

LUA = """
local requests = {}
local count = 0
local index = 0
init = function(args)
  local file = io.open(args[1], "rb")
  local data = file:read("*a")
  file:close()
  local pattern = "(%u+) (%S+)\\n(.-)\\n\\n(.-)\\n%-%-%-%-\\n"
  for method, path, headers, body in string.gmatch(data, pattern) do
    local h = {}
    for name, value in string.gmatch(headers, "([^:\\n]+): ([^\\n]*)") do h[name] = value end
    count = count + 1
    requests[count] = wrk.format(method, path, h, body)
  end
end
request = function()
  index = index % count + 1
  return requests[index]
end
"""


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_city(directory: Path, port: int, *, workers: bool, database: str | None = None) -> Path:
    config = directory / "instance.toml"
    subprocess.run(
        [
            COMPTOIR,
            "init",
            "--config",
            str(config),
            "--domain",
            f"127.0.0.1:{port}",
            "--name",
            "Bench",
            "--allow-loopback-http",
            *(["--database", database] if database else []),
        ],
        check=True,
        capture_output=True,
    )
    text = config.read_text().replace(
        "in_process = true", f"in_process = {'true' if workers else 'false'}"
    )
    config.write_text(text)
    subprocess.run(
        [COMPTOIR, "db", "upgrade", "--config", str(config)], check=True, capture_output=True
    )
    return config


def serve(config: Path, port: int, cpu: str | None) -> subprocess.Popen[bytes]:
    command = [
        COMPTOIR,
        "serve",
        "--config",
        str(config),
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def signed_requests(sender_config: Path, target: str, senders: int, count: int, out: Path) -> None:
    """Pre-sign `count` Create{Note} activities from `senders` members of the sender city."""
    from exchange import members
    from federation.httpsig import sign_headers
    from federation.keys import load_private_key
    from instance.database import Database
    from instance.settings import load_settings

    settings = load_settings(sender_config)
    db = Database(settings.database_url, threads=1)
    keys = []
    for n in range(senders):
        credentials = members.prepare_credentials("bench password!")
        name = f"sender{n}"
        db.write_sync(
            lambda s, name=name, credentials=credentials: members.add_member(s, name, credentials)
        )
        actor = f"{settings.base_url}/users/{name}"
        keys.append((actor, f"{actor}#main-key", load_private_key(credentials.private_key_pem)))
    db.dispose()
    content = "<p>" + "Fresh vegetables from the allotment, come and take some. " * 12 + "</p>"
    with out.open("w", encoding="latin-1") as fh:
        for i in range(count):
            actor, key_id, key = keys[i % senders]
            note = f"{actor}/notes/{i}"
            body = orjson.dumps(
                {
                    "@context": [
                        "https://www.w3.org/ns/activitystreams",
                        {"sensitive": "as:sensitive"},
                    ],
                    "id": f"{note}/activity",
                    "type": "Create",
                    "actor": actor,
                    "published": "2026-11-26T10:00:00Z",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "cc": [f"{actor}/followers"],
                    "object": {
                        "id": note,
                        "type": "Note",
                        "attributedTo": actor,
                        "content": content,
                        "published": "2026-11-26T10:00:00Z",
                        "to": ["https://www.w3.org/ns/activitystreams#Public"],
                        "cc": [f"{actor}/followers"],
                        "sensitive": False,
                    },
                }
            )
            headers = sign_headers(
                "POST", f"{target}/inbox", key_id=key_id, private_key=key, body=body
            )
            fh.write("POST /inbox\n")
            for name, value in headers.items():
                if name.lower() != "host":
                    fh.write(f"{name}: {value}\n")
            fh.write("\n")
            fh.write(body.decode())
            fh.write("\n----\n")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time consumed so far by the process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    url: str,
    requests_file: Path,
    script: Path,
    seconds: int,
    pid: int | None = None,
    *,
    strict: bool = True,
) -> tuple[float, float]:
    """(requests per second, server CPU microseconds per request). `strict`: an answer other
    than 2xx fails the run (warm-ups, which replay a few requests, pass False)."""
    cpu_before = cpu_seconds(pid) if pid else 0.0
    result = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            "-c50",
            f"-d{seconds}s",
            "-s",
            str(script),
            url,
            "--",
            str(requests_file),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    rate = [line for line in result.stdout.splitlines() if line.startswith("Requests/sec")]
    non2xx = [line for line in result.stdout.splitlines() if "Non-2xx" in line]
    if non2xx and strict:
        raise RuntimeError(f"wrk saw errors: {non2xx[0].strip()}\n{result.stdout}")
    total = [line for line in result.stdout.splitlines() if "requests in" in line]
    count = int(total[0].split()[0])
    cpu = (cpu_seconds(pid) - cpu_before) / count * 1e6 if pid else float("nan")
    return float(rate[0].split()[1]), cpu


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40_000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument(
        "--profile", help="write py-spy collapsed stacks of the measured run to this file"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/inbox.py needs wrk (Debian: apt install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        script = tmpdir / "replay.lua"
        script.write_text(LUA)
        (tmpdir / "bare.py").write_text(textwrap.dedent(BARE_APP))
        sender_port, target_port, bare_port = free_port(), free_port(), free_port()
        sender_config = make_city(tmpdir / "sender", sender_port, workers=True)
        target_config = make_city(tmpdir / "target", target_port, workers=False)
        target = f"http://127.0.0.1:{target_port}"
        requests_file = tmpdir / "requests.txt"
        print(
            f"bench/inbox.py: signing {args.requests} activities from {args.senders} senders ...",
            flush=True,
        )
        signed_requests(sender_config, target, args.senders, args.requests, requests_file)

        sender = serve(sender_config, sender_port, None)
        bare = subprocess.Popen(
            [
                "taskset",
                "-c",
                "0",
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(tmpdir),
                "bare:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        city = serve(target_config, target_port, "0")
        try:
            wait_for(f"http://127.0.0.1:{sender_port}/health")
            wait_for(f"http://127.0.0.1:{bare_port}/inbox")
            wait_for(f"{target}/health")
            # Warm-up: each sender's key is fetched once from the sender city, as in real life.
            warm = tmpdir / "warm.txt"
            signed_requests_warm(requests_file, warm, args.senders)
            run_wrk(target, warm, script, 2)
            baseline, baseline_cpu = run_wrk(
                f"http://127.0.0.1:{bare_port}", requests_file, script, args.seconds, bare.pid
            )
            spy = None
            if args.profile:
                spy = subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "--format",
                        "raw",
                        "-o",
                        args.profile,
                        "--pid",
                        str(city.pid),
                        "--duration",
                        str(args.seconds),
                        "--rate",
                        "250",
                        "--gil",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(1)
            accepted, accepted_cpu = run_wrk(target, requests_file, script, args.seconds, city.pid)
            if spy is not None:
                spy.wait(timeout=60)
            memory = peak_rss_mb(city.pid)
        finally:
            for proc in (bare, city, sender):
                proc.send_signal(signal.SIGTERM)
            for proc in (bare, city, sender):
                proc.wait(timeout=30)
    print("shared inbox, 1 uvicorn worker on CPU 0, wrk -t1 -c50 on CPU 1:")
    row("baseline: bare Starlette route (read body + json.loads)", baseline, "req/s")
    row("Comptoir shared inbox (verify + dedupe + store)", accepted, "req/s", baseline)
    print(
        f"  {'server CPU per request: baseline / Comptoir':<58} "
        f"{baseline_cpu:>6,.0f} / {accepted_cpu:,.0f} us  ({baseline_cpu / accepted_cpu:.2f}x)"
    )
    print(f"  {'peak resident memory of comptoir serve (VmHWM)':<58} {memory:>10,.0f} MB")


def signed_requests_warm(source: Path, out: Path, senders: int) -> None:
    """The first request of each sender, to make the target fetch every key before timing."""
    text = source.read_text(encoding="latin-1").split("\n----\n")
    out.write_text("\n----\n".join(text[:senders]) + "\n----\n", encoding="latin-1")


if __name__ == "__main__":
    main()
