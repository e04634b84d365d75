"""`/api/v1/accounts/{id}/followers` and `/following`: who follows an account, whom it
follows, newest first, paged with a `Link` header.

Two kinds of follow make these lists: `follows` rows (a member and a remote account, either
way; a remote account and one of our discussion spaces' Groups) and `space_follows` rows (a
member of this city following one of its spaces, with nothing sent). A member's following
is both: the remote accounts and the spaces; a space's followers are both: the remote
accounts following its Group and the members. Both kinds page as one list: a space follow's
entry is its row id past every `follows` id (exchange/space_follows.py, `ENTRY_BASE`), so
the member's spaces come first, then the remote accounts, each newest first, and no page
loses or repeats one. A remote account's own lists are not known here: empty.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, union_all
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from exchange import space_follows, statuses
from exchange.statuses import Paging
from instance.city import City, city_of
from models import (
    Direction,
    DiscussionSpace,
    Follow,
    FollowState,
    Member,
    RemoteActor,
    SpaceFollow,
)

from . import entities
from .common import mastodon_errors, optional_viewer, paged_response, paging


def _remote(local_uri: str, direction: Direction) -> Select[Any]:
    """The entries (`follows` row ids) of the remote accounts following `local_uri`, or
    that it follows."""
    return (
        select(Follow.id.label("entry"))
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(
            Follow.local_actor == local_uri,
            Follow.direction == direction,
            Follow.state == FollowState.accepted,
            RemoteActor.deleted_at.is_(None),
        )
    )


def _entries(city: City, who: entities.Profile, direction: Direction) -> Select[Any] | None:
    """Every entry of the list asked for; None when it is empty by nature."""
    if isinstance(who, Member):
        remote = _remote(city.urls.member(who.username), direction)
        if direction is Direction.inbound:
            return remote
        return union_all(remote, space_follows.followed_by(who.id)).subquery().select()
    if isinstance(who, DiscussionSpace) and direction is Direction.inbound:
        remote = _remote(city.urls.discussion_space(who.slug), direction)
        return union_all(remote, space_follows.members_following(who.id)).subquery().select()
    return None


def _page(
    session: Session, city: City, who: entities.Profile, direction: Direction, page: Paging
) -> tuple[list[dict[str, Any]], list[int]]:
    query = _entries(city, who, direction)
    if query is None:
        return [], []
    entry = query.selected_columns[0]
    ids = statuses.run_page(session, query.with_only_columns(entry), entry, page)
    base = space_follows.ENTRY_BASE
    follows = [i for i in ids if i <= base]
    found: dict[int, entities.Profile] = dict(
        session.execute(
            select(Follow.id, RemoteActor)
            .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
            .where(Follow.id.in_(follows))
        ).all()
    )
    spaces = {i - base: i for i in ids if i > base}
    if spaces:
        found.update(_space_sides(session, who, spaces))
    return [entities.account(city, found[i]) for i in ids if i in found], ids


def _space_sides(
    session: Session, who: entities.Profile, entries: dict[int, int]
) -> dict[int, entities.Profile]:
    """The other side of each space follow of `entries` (row id -> entry): the space a member
    follows, or the member following a space."""
    wanted = SpaceFollow.id.in_(list(entries))
    if isinstance(who, DiscussionSpace):
        members = session.execute(
            select(SpaceFollow.id, Member)
            .join(Member, Member.id == SpaceFollow.member_id)
            .where(wanted)
        ).all()
        return {entries[row_id]: member for row_id, member in members}
    spaces = session.execute(
        select(SpaceFollow.id, DiscussionSpace)
        .join(DiscussionSpace, DiscussionSpace.id == SpaceFollow.space_id)
        .where(wanted)
    ).all()
    return {entries[row_id]: space for row_id, space in spaces}


def _endpoint(direction: Direction) -> Any:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        await optional_viewer(request, "read:accounts")
        city = city_of(request)
        page = paging(request, default=40, most=80)

        def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
            who = entities.path_account(session, request.path_params["id"])
            return _page(session, city, who, direction, page)

        items, ids = await city.db.read(read)
        return paged_response(request, items, ids)

    return endpoint


followers = _endpoint(Direction.inbound)
following = _endpoint(Direction.outbound)
