"""A member's block of a whole domain (Mastodon's account domain blocks, `/api/v1/domain_blocks`).

The member's reading choice, not the city's federation policy (models/domain_rule.py): the
remote accounts whose domain is exactly this one leave the member's timelines and
notifications, and no follow between the member and them is kept or taken
(exchange/member_domain_blocks.py). Matched exactly, as Mastodon matches an account's
domain: a block of `city.example` leaves `a.city.example` alone. Nothing federates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class MemberDomainBlock(Base):
    __tablename__ = "member_domain_blocks"
    #: once per member and domain; the key's first column serves the member's list (paged by
    #: the block's id) and the timelines' "accounts of the domains this member blocks"
    __table_args__ = (UniqueConstraint("member_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: normalized as the city's domain rules are (exchange/domains.py `normalize_domain`):
    #: lower case, punycode, host[:port] as `remote_actors.domain` holds it
    domain: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
