#!/usr/bin/env python3
"""Set-up and run from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py demo   # a demo city on http://127.0.0.1:8000/ (SQLite, workers in-process);
                          # --port N for another port; residents and listings on first start
    python3 dev.py test   # the whole test suite (and on PostgreSQL when
                          # COMPTOIR_TEST_DATABASE_URL is set)
    python3 dev.py check  # the package contracts (lint-imports), ruff check and format, mypy

Both create `.venv/` and install Comptoir into it when needed (again whenever
pyproject.toml or the set of packages changes). Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".comptoir-installed"
DEMO = ROOT / "demo"


def ensure_venv() -> None:
    # dev.py may be started by any python3, before the venv exists: keep this check
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"Comptoir needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    # An editable install maps the top-level packages that existed when it ran: install
    # again when pyproject.toml or the set of packages changes.
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + "\n".join(packages).encode()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print("installing Comptoir and its dependencies into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True
    )
    STAMP.write_text(wanted)


def comptoir(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "comptoir"), *args], text=True, **kwargs)  # type: ignore[call-overload]


def _port(args: list[str]) -> int:
    """`--port N` (or `--port=N`) among the demo's arguments; 8000 when absent."""
    for i, arg in enumerate(args):
        value = args[i + 1] if arg == "--port" and i + 1 < len(args) else None
        if arg.startswith("--port="):
            value = arg.split("=", 1)[1]
        if value is not None:
            if not value.isdigit() or not 0 < int(value) < 65536:
                print(f"dev.py demo: --port takes a port number (got {value!r})", file=sys.stderr)
                sys.exit(2)
            return int(value)
        if arg == "--port":
            print("dev.py demo: --port takes a port number", file=sys.stderr)
            sys.exit(2)
    return 8000


def demo(args: list[str]) -> int:
    """The demo city on 127.0.0.1:PORT. The first start writes its config, makes the admin
    and seeds residents, categories and listings in French (`comptoir demo seed`); later
    starts serve what is there. Another port later moves the city's domain to it."""
    port = _port(args)
    domain = f"127.0.0.1:{port}"
    config = DEMO / "instance.toml"
    password_file = DEMO / "admin-password.txt"
    if not config.exists():
        comptoir(
            "init",
            "--config",
            str(config),
            "--domain",
            domain,
            "--name",
            "Ville de démo",
            "--allow-loopback-http",
            check=True,
        )
    else:  # the domain follows the port asked for (links in pages name it)
        subprocess.run(
            [
                str(PYTHON),
                "-c",
                "import sys, pathlib; from instance.config_edit import set_key; "
                "p = pathlib.Path(sys.argv[1]); "
                "p.write_text(set_key(p.read_text(), 'instance', 'domain', sys.argv[2]))",
                str(config),
                domain,
            ],
            check=True,
        )
    if not password_file.exists():
        password = secrets.token_urlsafe(12)
        comptoir(
            "users",
            "create",
            "admin",
            "--role",
            "admin",
            "--config",
            str(config),
            input=password + "\n",
            check=True,
        )
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        # first start: a living city (residents log in with the admin's password)
        comptoir("demo", "seed", "--config", str(config), input=password + "\n", check=True)
    password = password_file.read_text().strip()
    print(
        f"\n  Demo city:   http://{domain}/\n"
        f"  Admin login: admin / {password}\n"
        f"  The admin password is saved in {password_file}\n"
        "  Residents claire, hugo and ines have the same password.\n",
        flush=True,
    )
    os.execv(
        str(BIN / "comptoir"),
        [str(BIN / "comptoir"), "serve", "--config", str(config), "--port", str(port)],
    )
    return 0


def test(extra: list[str]) -> int:
    """Four test processes: most tests wait on sockets and databases, not on the CPU."""
    os.chdir(ROOT)
    return subprocess.run(
        [str(PYTHON), "-m", "pytest", "-n", "4", "--dist", "loadgroup", *extra]
    ).returncode


PACKAGES = [
    "federation",
    "models",
    "instance",
    "exchange",
    "outbox",
    "services",
    "inbox",
    "api",
    "web",
    "server",
]
CHECKS = [
    ["lint-imports"],
    ["ruff", "check", "."],
    ["ruff", "format", "--check", "."],
    ["mypy", *PACKAGES],
]


def check() -> int:
    """Every rule CI enforces before the tests; stops at the first that fails."""
    os.chdir(ROOT)
    for command in CHECKS:
        print("$", " ".join(command), flush=True)
        code = subprocess.run([str(BIN / command[0]), *command[1:]]).returncode
        if code != 0:
            print(f"dev.py check: {command[0]} failed (exit {code})", file=sys.stderr)
            return code
    return 0


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in ("demo", "test", "check"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_venv()
    if command == "check":
        return check()
    return demo(sys.argv[2:]) if command == "demo" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
