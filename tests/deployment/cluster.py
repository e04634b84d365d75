"""A city as an operator runs it: `comptoir` processes on one database, nginx in front.

The processes are real (`python -m server.cli serve|worker`, their output in a log file of
the test's folder); nginx is Debian's, configured from docs/nginx/comptoir.conf, the file
docs/DEPLOYMENT.md tells operators to install, with the test's ports and certificate filled in.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..live import free_port_socket

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "docs" / "nginx" / "comptoir.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    sock = free_port_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: a host that dies, with no time to finish anything."""
        if self.alive:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn(name: str, argv: list[str], folder: Path, env: dict[str, str] | None = None) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    return Process(name, popen, log)


def comptoir(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


def wait_healthy(process: Process, port: int, timeout: float = 60.0) -> None:
    """Until the web process at `port` answers /health; fails with its log if it exits."""

    def healthy() -> bool:
        if not process.alive:
            raise AssertionError(f"{process.name} exited:\n{process.output()[-3000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(healthy, f"{process.name} to answer", timeout)


def wait_worker_started(process: Process, timeout: float = 60.0) -> None:
    def started() -> bool:
        if not process.alive:
            raise AssertionError(f"{process.name} exited:\n{process.output()[-3000:]}")
        return " started" in process.output()

    wait_until(started, f"{process.name} to start", timeout)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the test's public name), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "city.crt", folder / "city.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_config(
    *, web_ports: list[int], https_port: int, http_port: int, cert: Path, key: Path
) -> str:
    """docs/nginx/comptoir.conf with this test's values in place of its @@...@@ marks."""
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in web_ports
    )
    values = {
        "@@WEB_SERVERS@@": servers,
        "@@HTTP_LISTEN@@": f"127.0.0.1:{http_port}",
        "@@HTTPS_LISTEN@@": f"127.0.0.1:{https_port}",
        "@@SERVER_NAME@@": "127.0.0.1",
        "@@CERTIFICATE@@": str(cert),
        "@@CERTIFICATE_KEY@@": str(key),
    }
    text = NGINX_CONF.read_text()
    for mark, value in values.items():
        text = text.replace(mark, value)
    left = re.findall(r"@@[A-Z_]+@@", text.replace("@@NAME@@", ""))
    assert not left, f"marks of docs/nginx/comptoir.conf left unfilled: {left}"
    return text


class Nginx:
    """Debian's nginx in the foreground, its files in `folder`, serving the site config."""

    def __init__(self, folder: Path, *, web_ports: list[int]) -> None:
        self.folder = folder
        self.https_port, self.http_port = free_port(), free_port()
        self.certificate, self.key = self_signed_certificate(folder)
        self._write_site(web_ports)
        # the wrapper Debian's /etc/nginx/nginx.conf plays, with every path in the test folder
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            f"{user}worker_processes 1;\nerror_log {folder}/error.log;\npid {folder}/nginx.pid;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n    access_log {folder}/access.log;\n    log_format upstreams "
            f"'$upstream_addr';\n    access_log {folder}/upstreams.log upstreams;\n{temp}\n"
            f"    include {folder}/comptoir.conf;\n}}\n"
        )
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            verify=ssl.create_default_context(cafile=str(self.certificate)),
            timeout=30,
        )

    def start(self) -> None:
        self.process = spawn(
            "nginx",
            [
                NGINX,
                "-p",
                str(self.folder),
                "-c",
                str(self.folder / "nginx.conf"),
                "-g",
                "daemon off;",
            ],
            self.folder,
        )
        process = self.process

        def listening() -> bool:
            if not process.alive:
                errors = (self.folder / "error.log").read_text(errors="replace")
                raise AssertionError(f"nginx exited:\n{process.output()}\n{errors}")
            try:
                httpx.get(f"http://127.0.0.1:{self.http_port}/", timeout=2)
                return True
            except httpx.TransportError:
                return False

        wait_until(listening, "nginx to listen", 20)

    def _write_site(self, web_ports: list[int]) -> None:
        (self.folder / "comptoir.conf").write_text(
            site_config(
                web_ports=web_ports,
                https_port=self.https_port,
                http_port=self.http_port,
                cert=self.certificate,
                key=self.key,
            )
        )

    def reload(self, web_ports: list[int]) -> None:
        """Put these web hosts behind the proxy, as an operator adding a host does (SIGHUP)."""
        assert self.process is not None and self.process.alive
        self._write_site(web_ports)
        self.process.popen.send_signal(signal.SIGHUP)
        time.sleep(0.5)  # the old worker finishes its requests; new ones go to the new worker

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
