"""Members: the registered residents of this city, and the invitations that let people in."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JSONDocument, UTCDateTime, utcnow


class Role(enum.StrEnum):
    admin = "admin"
    moderator = "moderator"
    member = "member"


class MemberStatus(enum.StrEnum):
    #: registered under the approval policy, waiting for a moderator
    pending = "pending"
    active = "active"
    suspended = "suspended"
    #: an application staff declined: it never became an account that can log in (kept, not
    #: deleted, so the moderation log keeps its subject and the name is not taken again)
    declined = "declined"


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: lower-case, the local part of @name@domain and of /users/{name}
    username: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    #: the stored photo's name in the city's media store (exchange/photos.py), None: the default
    avatar: Mapped[str | None] = mapped_column(String(64))
    #: the header picture (a banner over the profile), stored as the avatar is; None: none
    header: Mapped[str | None] = mapped_column(String(64))
    #: how many hashtags the member follows (models/hashtag.py `hashtag_follows`, kept by
    #: exchange/hashtags.py): read with the member on every request, so the home timeline
    #: asks for followed hashtags' notes only of members who follow some, and the statement
    #: of everyone else stays as it was (docs/BENCHMARKS.md)
    followed_hashtags: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: how many domains the member blocks (models/member_domain_block.py, kept by
    #: exchange/member_domain_blocks.py): read with the member like `followed_hashtags`, so
    #: only the statements of members who block a domain carry the condition on it
    blocked_domains: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: how many status filters the member has (models/status_filter.py, kept by
    #: exchange/status_filters.py), expired ones included: read with the member, so the
    #: statuses of a member without filters are shown without reading any
    status_filters: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    #: profile fields as typed, [{"name", "value"}] in order, at most four
    #: (exchange/profile_fields.py); federated as the actor's PropertyValue attachments
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16), default=Role.member
    )
    status: Mapped[MemberStatus] = mapped_column(
        Enum(MemberStatus, native_enum=False, length=16), default=MemberStatus.active
    )
    manually_approves_followers: Mapped[bool] = mapped_column(default=False)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last login or API use, for NodeInfo's active-user counts
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: registration note shown to moderators under the approval policy
    application_note: Mapped[str] = mapped_column(Text, default="")
    #: the language the member chose for pages and writes in ('fr', 'en'); None: not chosen,
    #: so the browser's Accept-Language, else the city's language (docs/I18N.md)
    language: Mapped[str | None] = mapped_column(String(8))
    #: the IANA time zone the member reads times in (None: the city's `time_zone`)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: when staff recognised this account as an organisation (an association, a workshop, a
    #: start-up): its actor is then an AS2 `Organization`; None for a person
    organisation_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.active

    @property
    def is_organisation(self) -> bool:
        return self.organisation_since is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.admin, Role.moderator)


class Invitation(Base):
    """A single-use code that admits one person under the invitation policy."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
