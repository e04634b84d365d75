"""Members' domain blocks (models/member_domain_block.py), as Mastodon's account domain blocks.

Rows only, and the count `members.blocked_domains` kept in step with them in the same
flush: the follows a domain block ends and the activities that causes are services.blocks'.
What the block hides (statuses, reblogs, notifications of the domain's accounts) is asked in
the timelines' statements through exchange/hidden_accounts.py, whose shape the count picks,
so that a member who blocks no domain runs the statements of before.

A domain is normalized as the city's domain rules are (`domains.normalize_domain`: lower
case, punycode, no trailing dot, host[:port]); this city's own domain is refused (422), and
so is anything that is not a domain.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from federation.authority import split_authority
from models import Member, MemberDomainBlock

from .domains import normalize_domain
from .errors import DomainError
from .statuses import Paging

#: Mastodon's page of `/api/v1/domain_blocks`: 100 by default, twice that at most
DEFAULT_LIMIT, MAX_LIMIT = 100, 200


class OwnDomainBlock(DomainError):
    """A member blocking this city's own domain would hide nothing Mastodon hides (its
    own accounts are not remote ones): refused, as an invalid domain is."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "own_domain", f"{name} is this city's own domain: it cannot be blocked", 422
        )


def normalize(text: str, own_domain: str) -> str:
    """The domain a member typed, as it is stored and matched (`remote_actors.domain`).
    Raises domains.BadDomain (a 422 to apps) or OwnDomainBlock."""
    name = normalize_domain(text)
    own = own_domain.strip().lower()  # instance.domain, checked when the settings were read
    if name in (own, split_authority(own)[0]):
        raise OwnDomainBlock(name)
    return name


def find(session: Session, member_id: int, domain: str) -> MemberDomainBlock | None:
    return session.scalar(
        select(MemberDomainBlock).where(
            MemberDomainBlock.member_id == member_id, MemberDomainBlock.domain == domain
        )
    )


def block(session: Session, member: Member, domain: str) -> tuple[MemberDomainBlock, bool]:
    """The member blocks `domain` (normalized): (the block, whether it is new). Blocking
    again keeps the first block, as Mastodon answers the same."""
    existing = find(session, member.id, domain)
    if existing is not None:
        return existing, False
    row = MemberDomainBlock(member_id=member.id, domain=domain)
    session.add(row)
    session.flush()
    _count(session, member.id)
    return row, True


def unblock(session: Session, member: Member, domain: str) -> bool:
    """The member's block of `domain` removed; False when there was none (no error)."""
    removed = session.execute(
        delete(MemberDomainBlock).where(
            MemberDomainBlock.member_id == member.id, MemberDomainBlock.domain == domain
        )
    )
    if not getattr(removed, "rowcount", 0):
        return False
    _count(session, member.id)
    return True


def _count(session: Session, member_id: int) -> None:
    """`members.blocked_domains` counted again (the timelines' statements read it for their
    shape), in the transaction that changed the rows."""
    counted = (
        select(func.count())
        .select_from(MemberDomainBlock)
        .where(MemberDomainBlock.member_id == member_id)
        .scalar_subquery()
    )
    session.execute(update(Member).where(Member.id == member_id).values(blocked_domains=counted))


def blocks(session: Session, member_id: int, domain: str) -> bool:
    """The member blocks this domain (a remote account's: the Relationship's
    `domain_blocking`; no follow between them is kept or taken)."""
    return (
        session.scalar(
            select(MemberDomainBlock.id)
            .where(MemberDomainBlock.member_id == member_id, MemberDomainBlock.domain == domain)
            .limit(1)
        )
        is not None
    )


def page(session: Session, member_id: int, paging: Paging) -> list[tuple[int, str]]:
    """(block id, domain) of one page of the member's domain blocks, newest first, paged by
    the block's id as Mastodon pages `/api/v1/domain_blocks`."""
    limit = max(1, min(paging.limit, MAX_LIMIT))
    query = select(MemberDomainBlock.id, MemberDomainBlock.domain).where(
        MemberDomainBlock.member_id == member_id
    )
    if paging.max_id is not None:
        query = query.where(MemberDomainBlock.id < paging.max_id)
    if paging.since_id is not None:
        query = query.where(MemberDomainBlock.id > paging.since_id)
    if paging.min_id is not None:
        query = query.where(MemberDomainBlock.id > paging.min_id)
        rows = session.execute(query.order_by(MemberDomainBlock.id.asc()).limit(limit)).all()
        return [(r[0], r[1]) for r in reversed(rows)]
    rows = session.execute(query.order_by(MemberDomainBlock.id.desc()).limit(limit)).all()
    return [(r[0], r[1]) for r in rows]
