"""A report's reason category (`reports.category`): spam, fraud, abuse, illegal or other
(issue 14, Report buttons with reason categories; existing reports read `other`); a member's
time zone (`members.time_zone`, an IANA name; NULL: the city's); notifications as a code and
parameters (`notifications.code`, `.params`), said in the reader's language.

Existing notifications were English lines. Those whose line is one of the sentences below
(a snapshot of instance/notification_texts.py, whose parameters are plain words) get their
code and parameters back, so they are said in French too; the others (with amounts or an
offer's terms, or unknown) keep code '' and are shown as they were written.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


#: code -> the English line it wrote, with %(name)s for each plain-word parameter
SENTENCES = {
    "declined_because": "%(who)s declined your offer: %(reason)s",
    "declined": "%(who)s declined your offer.",
    "withdrawn": "%(who)s withdrew their offer.",
    "expired": "An offer expired unanswered: the negotiation ended.",
    "closed": "“%(title)s” is no longer available: the negotiation is closed.",
    "message": "%(who)s wrote in a negotiation.",
    "acceptance_refused_because": "The other city refused the acceptance: %(reason)s",
    "acceptance_refused": "The other city refused the acceptance.",
    "listing_approved": "Your listing “%(title)s” is published.",
    "listing_rejected": "Your listing “%(title)s” was not accepted: %(reason)s",
    "listing_taken_down": "Your listing “%(title)s” was taken down: %(reason)s",
    "listing_expired": "Your listing “%(title)s” expired.",
    "direct_message": "%(who)s wrote to you: %(excerpt)s",
    "follow_request": "%(who)s asks to follow you",
    "follow": "%(who)s follows you",
    "liked_note": "%(who)s liked your note",
    "boosted_note": "%(who)s boosted your note",
    "liked_listing": "%(who)s liked your listing %(title)s",
    "boosted_listing": "%(who)s boosted your listing %(title)s",
    "paid_by_admin": "The payment was completed by an administrator.",
}


def _pattern(sentence: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", sentence)
    text = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(text + "$", re.DOTALL)


PATTERNS = [(code, _pattern(sentence)) for code, sentence in SENTENCES.items()]


def recognise(text: str) -> tuple[str, dict[str, str]] | None:
    """The code and parameters an English line was written from, if it is one of ours."""
    for code, pattern in PATTERNS:
        found = pattern.match(text)
        if found is not None:
            return code, found.groupdict()
    return None


def upgrade() -> None:
    with op.batch_alter_table("reports") as table:
        table.add_column(
            sa.Column("category", sa.String(length=16), nullable=False, server_default="other")
        )
    with op.batch_alter_table("members") as table:
        table.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("notifications") as table:
        table.add_column(
            sa.Column("code", sa.String(length=64), nullable=False, server_default="")
        )
        table.add_column(sa.Column("params", json, nullable=True))
    notifications = sa.table(
        "notifications",
        sa.column("id", sa.Integer),
        sa.column("text", sa.Text),
        sa.column("code", sa.String),
        sa.column("params", json),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(notifications.c.id, notifications.c.text)).all()
    for row_id, text in rows:
        known = recognise(text or "")
        bind.execute(
            notifications.update()
            .where(notifications.c.id == row_id)
            .values(code=known[0] if known else "", params=known[1] if known else {})
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("params")
        table.drop_column("code")
    with op.batch_alter_table("members") as table:
        table.drop_column("time_zone")
    with op.batch_alter_table("reports") as table:
        table.drop_column("category")
