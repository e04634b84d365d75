"""The one error of `comptoir backup` and `comptoir restore`: a message for the operator and the
exit code (1: refused, the archive or the target is not what it must be; 2: bad usage or a
missing tool)."""

from __future__ import annotations


class BackupError(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
