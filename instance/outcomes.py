"""How a background handler says what became of its row, beyond returning normally (done).

The worker loop (instance/worker.py) reads these; handlers in every package raise them.
Any other exception counts as a failed attempt, retried with backoff until attempts run out.
Either may carry a `code`: a short, stable word for why (a delivery's "refused",
"unreachable"...), handed to the queue's failure hook when the row fails for good.
"""

from __future__ import annotations


class RetryLater(Exception):
    """Try this row again later; `after` (seconds) overrides the backoff, e.g. from Retry-After."""

    def __init__(self, reason: str, after: float | None = None, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.after = after
        self.code = code


class PermanentFailure(Exception):
    """Retrying cannot help (a 4xx answer, a malformed payload): fail the row now."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
