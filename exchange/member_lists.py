"""A member's lists (Mastodon's lists): make, rename, delete, and which followed accounts
each holds.

Rules, as Mastodon has them: a list is its owner's alone (anyone else is told it does not
exist); its title cannot be blank; a member has at most `MAX_LISTS` lists; only accounts the
member follows (or has asked to follow) may be added, and each once. Adding several accounts
is all or nothing. Ending the follow takes the account out of the member's lists by the
database's cascade (models/member_list.py). Which statuses a list shows is
`exchange.statuses.list_cards`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Direction,
    Follow,
    FollowState,
    ListAccount,
    MemberList,
    RemoteActor,
    RepliesPolicy,
)

from .errors import DomainError, NotFound
from .statuses import Paging, run_page

#: lists one member may have (Mastodon's limit)
MAX_LISTS = 50
#: the longest title kept (the column's length)
MAX_TITLE = 200
#: the follows that let an account into a list: asked or accepted (Mastodon 4.2 takes
#: pending follow requests too); a failed one must be asked again first
LISTABLE = (FollowState.pending, FollowState.accepted)


def of_member(session: Session, member_id: int) -> list[MemberList]:
    """The member's lists, oldest first."""
    return list(
        session.scalars(
            select(MemberList).where(MemberList.member_id == member_id).order_by(MemberList.id)
        )
    )


def find(session: Session, member_id: int, list_id: int) -> MemberList:
    """The member's list `list_id`; NotFound for a list of anyone else, as for none."""
    found = session.get(MemberList, list_id)
    if found is None or found.member_id != member_id:
        raise NotFound("list")
    return found


def policy_of(value: str | None) -> RepliesPolicy | None:
    """`replies_policy` as sent (None: not sent); an unknown one is refused."""
    if value is None or value == "":
        return None
    try:
        return RepliesPolicy(value)
    except ValueError:
        choices = ", ".join(p.value for p in RepliesPolicy)
        raise DomainError(
            "invalid_replies_policy", f"replies_policy must be one of {choices}", 422
        ) from None


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise DomainError("blank_title", "Validation failed: Title can't be blank", 422)
    if len(title) > MAX_TITLE:
        raise DomainError(
            "long_title", f"Validation failed: Title is too long (at most {MAX_TITLE})", 422
        )
    return title


def create(
    session: Session,
    member_id: int,
    title: str | None,
    *,
    replies_policy: RepliesPolicy | None = None,
    exclusive: bool = False,
) -> MemberList:
    clean = _title(title)
    if len(of_member(session, member_id)) >= MAX_LISTS:
        raise DomainError(
            "list_limit", f"Validation failed: You cannot have more than {MAX_LISTS} lists", 422
        )
    made = MemberList(
        member_id=member_id,
        title=clean,
        replies_policy=replies_policy or RepliesPolicy.list,
        exclusive=exclusive,
    )
    session.add(made)
    session.flush()
    return made


def update(
    found: MemberList,
    *,
    title: str | None = None,
    replies_policy: RepliesPolicy | None = None,
    exclusive: bool | None = None,
) -> MemberList:
    """What was sent changes; what was not is kept (a title sent blank is refused)."""
    if title is not None:
        found.title = _title(title)
    if replies_policy is not None:
        found.replies_policy = replies_policy
    if exclusive is not None:
        found.exclusive = exclusive
    return found


def remove(session: Session, found: MemberList) -> None:
    """The list and its accounts (by cascade); the follows stay."""
    session.delete(found)
    session.flush()


def add_accounts(
    session: Session, found: MemberList, member_uri: str, actor_ids: Sequence[int]
) -> None:
    """Every account of `actor_ids` into the list, or none: an account the member does not
    follow is unknown here (NotFound, as Mastodon's "Record not found"), one already in the
    list is refused (422)."""
    wanted = list(dict.fromkeys(actor_ids))
    follows = dict(
        session.execute(
            select(Follow.remote_actor_id, Follow.id)
            .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
            .where(
                Follow.local_actor == member_uri,
                Follow.direction == Direction.outbound,
                Follow.state.in_(LISTABLE),
                Follow.remote_actor_id.in_(wanted),
                RemoteActor.deleted_at.is_(None),
            )
        ).all()
    )
    if any(actor_id not in follows for actor_id in wanted):
        raise NotFound("account")
    present = set(
        session.scalars(
            select(ListAccount.remote_actor_id).where(
                ListAccount.list_id == found.id, ListAccount.remote_actor_id.in_(wanted)
            )
        )
    )
    if present or len(wanted) < len(actor_ids):
        raise _already_listed()
    try:
        # the unique (list, account) pair is the last word when two adds race past the check
        with session.begin_nested():
            session.add_all(
                ListAccount(list_id=found.id, remote_actor_id=actor_id, follow_id=follows[actor_id])
                for actor_id in wanted
            )
            session.flush()
    except IntegrityError:
        raise _already_listed() from None


def _already_listed() -> DomainError:
    return DomainError("already_listed", "Validation failed: Account has already been taken", 422)


def remove_accounts(session: Session, found: MemberList, actor_ids: Sequence[int]) -> None:
    """Out of the list; an account that was not in it is no error (as Mastodon)."""
    if actor_ids:
        session.execute(
            delete(ListAccount).where(
                ListAccount.list_id == found.id, ListAccount.remote_actor_id.in_(list(actor_ids))
            )
        )


def _accounts_query(found: MemberList) -> Select[Any]:
    return (
        select(ListAccount.id)
        .join(RemoteActor, RemoteActor.id == ListAccount.remote_actor_id)
        .where(ListAccount.list_id == found.id, RemoteActor.deleted_at.is_(None))
    )


def accounts(
    session: Session, found: MemberList, paging: Paging | None
) -> list[tuple[int, RemoteActor]]:
    """(list entry id, account) of the list, newest entry first, paged by entry id as
    Mastodon pages them; every one when `paging` is None (Mastodon's `limit=0`)."""
    if paging is None:
        ids = list(session.scalars(_accounts_query(found).order_by(ListAccount.id.desc())))
    else:
        ids = run_page(session, _accounts_query(found), ListAccount.id, paging)
    if not ids:
        return []
    actors = dict(
        session.execute(
            select(ListAccount.id, RemoteActor)
            .join(RemoteActor, RemoteActor.id == ListAccount.remote_actor_id)
            .where(ListAccount.id.in_(ids))
        ).all()
    )
    return [(i, actors[i]) for i in ids if i in actors]


def holding(session: Session, member_id: int, actor_id: int) -> list[MemberList]:
    """The member's lists that hold the account, oldest first."""
    return list(
        session.scalars(
            select(MemberList)
            .join(ListAccount, ListAccount.list_id == MemberList.id)
            .where(MemberList.member_id == member_id, ListAccount.remote_actor_id == actor_id)
            .order_by(MemberList.id)
        )
    )
