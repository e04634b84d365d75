"""Submitting a form twice creates one thing.

Pages that create something hand out a random token in a hidden field (`new_token`). The
handler asks `earlier` inside its write transaction and, when the token was used, goes where
the first submission led instead of creating again; otherwise it creates and `remember`s the
token in the same transaction, so the record and the thing exist together or not at all.
Two submissions racing each other: on SQLite the write lock orders them, so the second sees
the first's row; on PostgreSQL the second's insert breaks the primary key and the caller
reads the first's row after the rollback.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy.orm import Session

from models import FormSubmission, Member

from .errors import DomainError

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    """A token for one drawing of a form."""
    return secrets.token_urlsafe(24)


def usable(token: object) -> str | None:
    """The token a form sent, or None when it sent none (a script): it then creates each time."""
    if isinstance(token, str) and TOKEN_RE.match(token):
        return token
    return None


def earlier(session: Session, member: Member, token: str) -> str | None:
    """Where the first submission of `token` led, or None if it is the first.

    A token another member used is refused: tokens are random, so someone is replaying a form
    that was not theirs."""
    row = session.get(FormSubmission, token)
    if row is None:
        return None
    if row.member_id != member.id:
        raise DomainError("form_token_taken", "this form was sent already; reload the page", 409)
    return row.result


def remember(session: Session, member: Member, token: str, result: str) -> None:
    """Record that `token` led to `result` (a local path), in the creating transaction."""
    session.add(FormSubmission(token=token, member_id=member.id, result=result))
    session.flush()
