"""Blocks between accounts (models/account_block.py): a member blocking another member or a
remote account, and a remote account's Block of a member received.

Rows only, as exchange/follows.py: the follows a block ends and the `Block` / `Undo`
activities it causes are services.blocks'. A member cannot block themselves. Blocking twice
keeps the first block (Mastodon answers the same Relationship).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from models import AccountBlock, Member, RemoteActor

from .errors import DomainError
from .statuses import Paging, run_page

#: an account a member may block or mute: another member, or a remote actor
Target = Member | RemoteActor


def _of(target: Target) -> Any:
    """The condition naming `target` among a member's rows."""
    if isinstance(target, Member):
        return AccountBlock.target_member_id == target.id
    return AccountBlock.remote_actor_id == target.id


def find(session: Session, member: Member, target: Target) -> AccountBlock | None:
    """The member's own block of `target`."""
    return session.scalar(
        select(AccountBlock).where(
            AccountBlock.member_id == member.id,
            AccountBlock.incoming.is_(False),
            _of(target),
        )
    )


def block(
    session: Session, member: Member, target: Target, activity_uri: str | None = None
) -> tuple[AccountBlock, bool]:
    """The member blocks `target`: (the block, whether it is new)."""
    if isinstance(target, Member) and target.id == member.id:
        raise DomainError("self_block", "you cannot block yourself", 422)
    existing = find(session, member, target)
    if existing is not None:
        return existing, False
    row = AccountBlock(
        member_id=member.id,
        target_member_id=target.id if isinstance(target, Member) else None,
        remote_actor_id=target.id if isinstance(target, RemoteActor) else None,
        incoming=False,
        activity_uri=activity_uri,
    )
    session.add(row)
    session.flush()
    return row, True


def unblock(session: Session, member: Member, target: Target) -> AccountBlock | None:
    """The member's block of `target` removed; the row removed (None: there was none)."""
    row = find(session, member, target)
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def received(session: Session, member_id: int, actor: RemoteActor, activity_uri: str) -> bool:
    """A remote account's Block of the member; False when it was known already."""
    known = session.scalar(
        select(AccountBlock.id).where(
            AccountBlock.member_id == member_id,
            AccountBlock.remote_actor_id == actor.id,
            AccountBlock.incoming.is_(True),
        )
    )
    if known is not None:
        return False
    session.add(
        AccountBlock(
            member_id=member_id,
            remote_actor_id=actor.id,
            incoming=True,
            activity_uri=activity_uri,
        )
    )
    session.flush()
    return True


def undone(
    session: Session, actor: RemoteActor, activity_uri: str | None, member_id: int | None
) -> int:
    """A remote account's Undo of its Block: found by the Block's id, else by the member it
    named; how many were removed (only the sender's own)."""
    query = delete(AccountBlock).where(
        AccountBlock.remote_actor_id == actor.id, AccountBlock.incoming.is_(True)
    )
    removed = 0
    if activity_uri:
        removed = _count(session.execute(query.where(AccountBlock.activity_uri == activity_uri)))
    if not removed and member_id is not None:
        removed = _count(session.execute(query.where(AccountBlock.member_id == member_id)))
    return removed


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def standing(session: Session, member_id: int, target: Target) -> tuple[bool, bool]:
    """(the member blocks `target`, `target` blocks the member): Relationship's `blocking`
    and `blocked_by`."""
    if isinstance(target, Member):
        blockers = set(
            session.scalars(
                select(AccountBlock.member_id).where(
                    or_(
                        and_(
                            AccountBlock.member_id == member_id,
                            AccountBlock.target_member_id == target.id,
                        ),
                        and_(
                            AccountBlock.member_id == target.id,
                            AccountBlock.target_member_id == member_id,
                        ),
                    )
                )
            )
        )
        return member_id in blockers, target.id in blockers
    incoming = set(
        session.scalars(
            select(AccountBlock.incoming).where(
                AccountBlock.member_id == member_id, AccountBlock.remote_actor_id == target.id
            )
        )
    )
    return False in incoming, True in incoming


def between(session: Session, member_id: int, actor_id: int) -> bool:
    """A block either way between the member and a remote account: no follow is kept or
    accepted between them."""
    found = session.scalar(
        select(AccountBlock.id)
        .where(AccountBlock.member_id == member_id, AccountBlock.remote_actor_id == actor_id)
        .limit(1)
    )
    return found is not None


def page(session: Session, member: Member, paging: Paging) -> list[int]:
    """The ids of the member's own blocks, newest first (Mastodon pages `/blocks` by them)."""
    query = select(AccountBlock.id).where(
        AccountBlock.member_id == member.id, AccountBlock.incoming.is_(False)
    )
    return run_page(session, query, AccountBlock.id, paging)


def targets(session: Session, ids: list[int]) -> dict[int, Target]:
    """The account each of these blocks names, by block id."""
    if not ids:
        return {}
    found: dict[int, Target] = {}
    for block_id, member in session.execute(
        select(AccountBlock.id, Member)
        .join(Member, Member.id == AccountBlock.target_member_id)
        .where(AccountBlock.id.in_(ids))
    ):
        found[block_id] = member
    for block_id, actor in session.execute(
        select(AccountBlock.id, RemoteActor)
        .join(RemoteActor, RemoteActor.id == AccountBlock.remote_actor_id)
        .where(AccountBlock.id.in_(ids))
    ):
        found[block_id] = actor
    return found
