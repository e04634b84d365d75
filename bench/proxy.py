"""Signed activities accepted per second behind nginx on PostgreSQL, with one and two web hosts.

    .venv/bin/python -m bench.proxy [--seconds 8] [--requests 30000] [--senders 20]
    [--database postgresql://postgres@127.0.0.1:5432/test]

The layout of docs/DEPLOYMENT.md on loopback: Debian's nginx configured from
docs/nginx/comptoir.conf (TLS), in front of `comptoir serve` processes of one city on
PostgreSQL (a fresh schema, dropped afterwards), workers off so that the figure is the inbox
alone (verification, dedupe, storage; processing would run in `comptoir worker`). wrk (1
thread, 50 connections, over TLS) replays pre-signed requests, a fresh range for each run, to:
  - baseline: a bare Starlette route (read the body, parse the JSON, 202) through the same nginx;
  - the city with one web host behind nginx;
  - the city with two web hosts behind nginx (an operator's reload adds the second).
Nothing is pinned: this machine's cores are shared by wrk, nginx, PostgreSQL and the web
processes, which is what a second web host competes for. Needs `wrk` and `nginx` on the PATH.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from instance.settings import normalise_database_url
from tests.deployment.cluster import Nginx, Process, free_port, spawn, wait_healthy

from .common import row
from .inbox import (
    BARE_APP,
    COMPTOIR,
    LUA,
    make_city,
    run_wrk,
    signed_requests,
    signed_requests_warm,
    wait_for,
)

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_schema(base: str) -> tuple[str, str]:
    """A new schema in the PostgreSQL database `base`, and the URL that uses it."""
    name = f"bench_{secrets.token_hex(4)}"
    engine = create_engine(normalise_database_url(base, Path.cwd()), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return name, f"{base}{separator}options=-csearch_path%3D{name}"


def drop_schema(base: str, name: str) -> None:
    engine = create_engine(normalise_database_url(base, Path.cwd()), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def split_requests(source: Path, parts: int) -> list[Path]:
    """Cut the signed requests into `parts` files, so that no run repeats another's activities."""
    chunks = [c for c in source.read_text(encoding="latin-1").split("\n----\n") if c.strip()]
    size = len(chunks) // parts
    files = []
    for n in range(parts):
        out = source.with_name(f"part{n}.txt")
        out.write_text("\n----\n".join(chunks[n * size : (n + 1) * size]) + "\n----\n", "latin-1")
        files.append(out)
    return files


def upstream_share(nginx: Nginx, ports: list[int]) -> str:
    """How nginx spread the requests logged so far over the web hosts (and empties the log)."""
    log = nginx.folder / "upstreams.log"
    lines = log.read_text().splitlines()
    log.write_text("")
    counts = [sum(line.endswith(f":{port}") for line in lines) for port in ports]
    return " / ".join(f"{c:,}" for c in counts)


def serve(config: Path, port: int, folder: Path, name: str) -> Process:
    return spawn(
        name,
        [COMPTOIR, "serve", "--config", str(config), "--port", str(port), "--log-level", "WARNING"],
        folder,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30_000, help="per run")
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"bench/proxy.py needs {tool} (Debian: apt install {tool})")
    schema, database = fresh_schema(args.database)
    processes: list[Process] = []
    nginx: Nginx | None = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            script = folder / "replay.lua"
            script.write_text(LUA)
            (folder / "bare.py").write_text(textwrap.dedent(BARE_APP))
            sender_port, bare_port = free_port(), free_port()
            web_ports = [free_port(), free_port()]
            nginx = Nginx(folder, web_ports=[bare_port])
            public = f"https://127.0.0.1:{nginx.https_port}"
            sender_config = make_city(folder / "sender", sender_port, workers=True)
            city_config = make_city(
                folder / "city", nginx.https_port, workers=False, database=database
            )
            print(f"bench/proxy.py: signing {3 * args.requests} activities ...", flush=True)
            signed = folder / "requests.txt"
            signed_requests(sender_config, public, args.senders, 3 * args.requests, signed)
            bare_run, one_run, two_run = split_requests(signed, 3)

            processes.append(serve(sender_config, sender_port, folder, "sender"))
            processes.append(
                spawn(
                    "bare",
                    [
                        *(sys.executable, "-m", "uvicorn", "--app-dir", str(folder), "bare:app"),
                        *("--port", str(bare_port), "--log-level", "warning", "--no-access-log"),
                    ],
                    folder,
                )
            )
            webs = [serve(city_config, port, folder, f"web{n}") for n, port in enumerate(web_ports)]
            processes.extend(webs)
            wait_for(f"http://127.0.0.1:{sender_port}/health")
            wait_for(f"http://127.0.0.1:{bare_port}/inbox")
            for web, port in zip(webs, web_ports, strict=True):
                wait_healthy(web, port)
            nginx.start()

            baseline, _ = run_wrk(public, bare_run, script, args.seconds)
            nginx.reload(web_ports[:1])
            upstream_share(nginx, web_ports)
            warm = folder / "warm.txt"  # each sender's key fetched once, as in real life
            signed_requests_warm(one_run, warm, args.senders)
            run_wrk(public, warm, script, 2, strict=False)
            one, _ = run_wrk(public, one_run, script, args.seconds)
            one_share = upstream_share(nginx, web_ports)
            nginx.reload(web_ports)
            signed_requests_warm(two_run, warm, args.senders)
            run_wrk(public, warm, script, 2, strict=False)  # the second host fetches the keys too
            two, _ = run_wrk(public, two_run, script, args.seconds)
            two_share = upstream_share(nginx, web_ports)
    finally:
        if nginx is not None:
            nginx.stop()
        for process in processes:
            process.stop()
        drop_schema(args.database, schema)
    print("shared inbox behind nginx (TLS), PostgreSQL, wrk -t1 -c50, nothing pinned:")
    row("baseline: bare Starlette route through the same nginx", baseline, "req/s")
    row("Comptoir, 1 web host behind nginx", one, "req/s", baseline)
    row("Comptoir, 2 web hosts behind nginx", two, "req/s", baseline)
    print(f"  {'2 hosts / 1 host':<58} {two / one:>10.2f}x")
    print(f"  requests per host (web0 / web1): 1 host {one_share}; 2 hosts {two_share}")


if __name__ == "__main__":
    main()
