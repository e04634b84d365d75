"""The comptoir command run in this process, as a test drives it.

A process of its own costs a second or more of imports per command; the few tests that need
the installed console script itself (help, serve, the real password cost) start it for real.
"""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

from server.cli import main

#: the installed console script, for the tests that need their own process
COMPTOIR = str(Path(sys.executable).with_name("comptoir"))


def comptoir(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `comptoir ARGS --config CONFIG` with `stdin`: its exit code, output and errors.

    An argparse refusal exits with SystemExit(2); it is caught here as the process would end."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), mock.patch("sys.stdin", io.StringIO(stdin)):
        try:
            code = main([*args, "--config", str(config)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def installed_comptoir(
    config: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The installed console script, in its own process."""
    return subprocess.run(
        [COMPTOIR, *args, "--config", str(config)],
        input=stdin,
        text=True,
        capture_output=True,
        timeout=60,
    )


class Cli:
    """`comptoir` bound to one city's config: `cli("users", "list").stdout`."""

    def __init__(self, config: Path) -> None:
        self.config = config

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return comptoir(self.config, *args, stdin=stdin)
