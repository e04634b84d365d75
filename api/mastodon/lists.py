"""`/api/v1/lists`: a member's lists of followed accounts, as Mastodon 4.3 has them, and
`/api/v1/accounts/{id}/lists` (the member's lists holding an account). The list's timeline
is `timelines.list_timeline`.

Scopes `read:lists` and `write:lists`. A list of another member is 404 ("Record not found"),
as is adding an account the member does not follow (Mastodon's answer: the follow it looks
for is not found); an account already in the list is 422. `account_ids[]` comes in a form,
a JSON body, or (for a DELETE, where some apps put it) the query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import member_lists
from exchange.errors import DomainError, NotFound
from instance.city import city_of
from models import MemberList

from . import entities
from .common import body, first, int_id, mastodon_errors, member_viewer, paged_response, paging

#: accounts of a list in one page (Mastodon's default and most)
ACCOUNTS_LIMIT = 40


def entity(found: MemberList) -> dict[str, Any]:
    """Mastodon's List."""
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy.value,
        "exclusive": found.exclusive,
    }


def _flag(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.strip().lower() in ("true", "1", "on", "yes")


def _list_id(request: Request) -> int:
    return int_id(request.path_params["id"])


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:lists")
    found = await city_of(request).db.read(lambda s: member_lists.of_member(s, member.id))
    return JSONResponse([entity(f) for f in found])


@mastodon_errors
async def show(request: Request) -> Response:
    member, _ = await member_viewer(request, "read:lists")
    list_id = _list_id(request)
    found = await city_of(request).db.read(lambda s: member_lists.find(s, member.id, list_id))
    return JSONResponse(entity(found))


@mastodon_errors
async def create(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:lists")
    values = await body(request)
    policy = member_lists.policy_of(first(values, "replies_policy"))
    exclusive = bool(_flag(first(values, "exclusive")))

    def write(session: Session) -> dict[str, Any]:
        made = member_lists.create(
            session,
            member.id,
            first(values, "title"),
            replies_policy=policy,
            exclusive=exclusive,
        )
        return entity(made)

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def update(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:lists")
    list_id = _list_id(request)
    values = await body(request)
    policy = member_lists.policy_of(first(values, "replies_policy"))

    def write(session: Session) -> dict[str, Any]:
        found = member_lists.find(session, member.id, list_id)
        member_lists.update(
            found,
            title=first(values, "title"),
            replies_policy=policy,
            exclusive=_flag(first(values, "exclusive")),
        )
        return entity(found)

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def delete(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:lists")
    list_id = _list_id(request)

    def write(session: Session) -> None:
        member_lists.remove(session, member_lists.find(session, member.id, list_id))

    await city_of(request).db.write(write)
    return JSONResponse({})


@mastodon_errors
async def accounts(request: Request) -> Response:
    """The list's accounts, paged by list entry with a `Link` header; `limit=0` gives them
    all in one answer, as on Mastodon."""
    member, _ = await member_viewer(request, "read:lists")
    city = city_of(request)
    list_id = _list_id(request)
    everyone = request.query_params.get("limit") == "0"
    page = None if everyone else paging(request, ACCOUNTS_LIMIT, ACCOUNTS_LIMIT)

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        found = member_lists.find(session, member.id, list_id)
        entries = member_lists.accounts(session, found, page)
        return [entities.account(city, actor) for _, actor in entries], [i for i, _ in entries]

    items, ids = await city.db.read(read)
    if everyone:
        return JSONResponse(items)
    return paged_response(request, items, ids)


async def _actor_ids(request: Request) -> list[int]:
    """The remote accounts named by `account_ids[]`; a member's id or an unknown one is
    not an account the member follows: 404. None named: 422."""
    values = (await body(request)).get("account_ids", [])
    if not values:
        values = request.query_params.getlist("account_ids[]") or request.query_params.getlist(
            "account_ids"
        )
    if not values:
        raise DomainError("missing_account_ids", "account_ids[] is required", 422)
    found = []
    for value in values:
        _, actor_id = entities.split_account_id(int_id(value))
        if actor_id is None:
            raise NotFound("account")
        found.append(actor_id)
    return found


@mastodon_errors
async def add_accounts(request: Request) -> Response:
    member, viewer = await member_viewer(request, "write:lists")
    assert viewer.uri is not None
    me = viewer.uri
    list_id = _list_id(request)
    actor_ids = await _actor_ids(request)

    def write(session: Session) -> None:
        found = member_lists.find(session, member.id, list_id)
        member_lists.add_accounts(session, found, me, actor_ids)

    await city_of(request).db.write(write)
    return JSONResponse({})


@mastodon_errors
async def remove_accounts(request: Request) -> Response:
    member, _ = await member_viewer(request, "write:lists")
    list_id = _list_id(request)
    actor_ids = await _actor_ids(request)

    def write(session: Session) -> None:
        found = member_lists.find(session, member.id, list_id)
        member_lists.remove_accounts(session, found, actor_ids)

    await city_of(request).db.write(write)
    return JSONResponse({})


@mastodon_errors
async def of_account(request: Request) -> Response:
    """The member's lists holding the account (none for a member's account: members of one
    city do not follow each other)."""
    member, _ = await member_viewer(request, "read:lists")
    city = city_of(request)
    value = int_id(request.path_params["id"])

    def read(session: Session) -> list[dict[str, Any]]:
        who = entities.find_account(session, value)
        if who is None:
            raise NotFound("account")
        _, actor_id = entities.split_account_id(value)
        if actor_id is None:
            return []
        return [entity(f) for f in member_lists.holding(session, member.id, actor_id)]

    return JSONResponse(await city.db.read(read))


def routes() -> list[Route]:
    return [
        Route("/api/v1/lists", index, methods=["GET"]),
        Route("/api/v1/lists", create, methods=["POST"]),
        Route("/api/v1/lists/{id}", show, methods=["GET"]),
        Route("/api/v1/lists/{id}", update, methods=["PUT"]),
        Route("/api/v1/lists/{id}", delete, methods=["DELETE"]),
        Route("/api/v1/lists/{id}/accounts", accounts, methods=["GET"]),
        Route("/api/v1/lists/{id}/accounts", add_accounts, methods=["POST"]),
        Route("/api/v1/lists/{id}/accounts", remove_accounts, methods=["DELETE"]),
        Route("/api/v1/accounts/{id}/lists", of_account, methods=["GET"]),
    ]
