"""Password resets: a member asked for a link to choose a new password.

The link's token is made by the worker when it sends the email, and only its sha256 is
stored (as for sessions and API tokens), so neither the database nor the job queue holds a
token that opens an account. A reset is used once, within its hour.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ResetState(enum.StrEnum):
    #: asked for; the email is on its way (token_hash is set once it is sent)
    issued = "issued"
    #: the member chose a new password with it
    used = "used"
    #: its hour passed, or a newer reset or another password change replaced it
    void = "void"


class PasswordReset(Base):
    __tablename__ = "password_resets"
    __table_args__ = (Index("ix_password_resets_member_state", "member_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    state: Mapped[ResetState] = mapped_column(
        Enum(ResetState, native_enum=False, length=8), default=ResetState.issued
    )
    #: hex sha256 of the token in the emailed link; None until the email is sent
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the address it was sent to (the member's address at the time of asking)
    email: Mapped[str] = mapped_column(String(320))
    #: the language of the page it was asked from, for the email's words
    language: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
