"""`/api/v1/accounts/...`: the member's own account, any account by id or handle, its
statuses, followers and following, follow and unfollow, relationships.

Follows go through `services.social` (a Follow activity, pending until the other server
Accepts), so they work for remote accounts: accounts of other cities and of any fediverse
server. This city's own discussion spaces are accounts too (Groups: `entities.Profile`); a
member follows one here, nothing sent (exchange/space_follows.py), and its threads then
come home. Comptoir has no follows between two members of one city; following a member is
refused with a 422 that says so. A remote account's followers and following are not known
here: empty lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import oauth_scopes, photos, remote_pins, space_follows, status_pins, statuses
from exchange.errors import DomainError, NotFound
from exchange.statuses import Paging, Viewer
from instance.city import City, city_of
from instance.media_store import in_thread
from models import (
    DiscussionSpace,
    Member,
    RemoteActor,
    SpaceState,
)
from services import social

from ..auth import OUTSIDE_SCOPES, bearer
from ..social import _remote_account
from . import entities, follow_lists
from .common import (
    body,
    first,
    mastodon_errors,
    member_viewer,
    optional_viewer,
    paged_response,
    paging,
)


@mastodon_errors
async def verify_credentials(request: Request) -> Response:
    """The member with `source`; Mastodon accepts `read:accounts` or `profile` here."""
    found = await bearer(request)
    if not (
        oauth_scopes.covers(found.scopes, "read:accounts")
        or oauth_scopes.covers(found.scopes, "profile")
    ):
        raise DomainError("outside_scopes", OUTSIDE_SCOPES, 403)
    if found.member is None:
        raise DomainError("unprocessable", "This method requires an authenticated user", 422)
    member = found.member
    city = city_of(request)

    def read(session: Session) -> dict[str, Any]:
        fresh = session.get(Member, member.id)
        assert fresh is not None
        return entities.credential_account(city, fresh, entities.counts(session, city, fresh))

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def update_credentials(request: Request) -> Response:
    """Display name, note (plain text), `locked` (followers need approval), `avatar` and
    `header` (multipart files, checked and stored as a listing photo is) and
    `fields_attributes` (the profile fields, all of them: what is not sent is removed); other
    fields are accepted and left as they are."""
    member, _ = await member_viewer(request, "write:accounts")
    city = city_of(request)
    values = await body(request)
    fields = await _fields_attributes(request, values)
    stored: dict[str, str] = {}  # pictures stored before the transaction, by form name
    try:
        for name in ("avatar", "header"):
            if (picture := await _picture_upload(request, city, name)) is not None:
                stored[name] = picture
    except BaseException:
        await _remove(city, stored.values())
        raise
    previous: list[str | None] = []

    def write(session: Session) -> dict[str, Any]:
        fresh = session.get(Member, member.id)
        assert fresh is not None
        previous.extend(getattr(fresh, name) for name in ("avatar", "header") if name in stored)
        social.update_profile(
            session,
            city,
            fresh,
            display_name=first(values, "display_name"),
            note=first(values, "note"),
            locked=_flag(first(values, "locked")),
            avatar=stored.get("avatar"),
            header=stored.get("header"),
            fields=fields,
        )
        return entities.credential_account(city, fresh, entities.counts(session, city, fresh))

    try:
        answer = await city.db.write(write)
    except BaseException:
        await _remove(city, stored.values())
        raise
    await _remove(city, previous)  # the pictures replaced, once the change is committed
    return JSONResponse(answer)


async def _remove(city: City, names: Iterable[str | None]) -> None:
    for name in names:
        if name:
            await in_thread(photos.remove, city.media, name)


FIELD_KEY = re.compile(r"fields_attributes\[(\d+)\]\[(name|value)\]")


async def _fields_attributes(
    request: Request, values: dict[str, list[str]]
) -> list[tuple[str, str]] | None:
    """The profile fields sent, by their index; None when none were sent (left as they are).

    A form sends `fields_attributes[0][name]`, `fields_attributes[0][value]`... (Mastodon.py,
    Tusky); JSON sends `fields_attributes` as an object keyed by index or as an array (Elk).
    """
    rows: dict[int, dict[str, str]] = {}
    if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
        try:
            document = await request.json()
        except ValueError:
            return None  # `body` read it already: nothing usable was sent
        sent = document.get("fields_attributes") if isinstance(document, dict) else None
        if sent is None:
            return None
        items = sent.items() if isinstance(sent, dict) else enumerate(sent)
        for index, row in items:
            if not isinstance(row, dict) or not str(index).isdigit():
                raise DomainError("invalid_fields", "fields_attributes: a list of {name, value}")
            rows[int(index)] = {k: str(row.get(k) or "") for k in ("name", "value")}
    else:
        for key, got in values.items():
            if matched := FIELD_KEY.fullmatch(key):
                rows.setdefault(int(matched[1]), {})[matched[2]] = got[0] if got else ""
        if not rows:
            return None
    return [(r.get("name", ""), r.get("value", "")) for _, r in sorted(rows.items())]


async def _picture_upload(request: Request, city: City, name: str) -> str | None:
    """The `avatar` or `header` file of a multipart body, checked and stored as a listing
    photo is; None when none was sent."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    upload = (await request.form()).get(name)  # the form parsed by `body`, cached
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    limit = city.settings.listings.max_photo_bytes
    prepared = photos.prepare(
        await upload.read(limit + 1), None, max_bytes=limit, alt_required=False
    )
    return await in_thread(photos.store, prepared, city.media)


def _flag(value: str | None) -> bool | None:
    """A boolean form or JSON field as apps send it (`true`, `1`, `on`...); None if absent."""
    if value is None:
        return None
    return value.strip().lower() in ("true", "1", "on", "yes")


def _account(session: Session, value: str) -> entities.Profile:
    return entities.path_account(session, value)


@mastodon_errors
async def show(request: Request) -> Response:
    await optional_viewer(request, "read:accounts")
    city = city_of(request)

    def read(session: Session) -> dict[str, Any]:
        who = _account(session, request.path_params["id"])
        return entities.account(city, who, entities.counts(session, city, who))

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def lookup(request: Request) -> Response:
    """`acct` is `name` (ours) or `name@domain`. A remote account we do not know yet is looked
    up (WebFinger, through the directory and the federation policy) for a member's token,
    so that an app can follow `@name@domain` typed by its user; without a token, only known
    accounts are found (an anonymous caller makes us fetch nothing)."""
    viewer = await optional_viewer(request, "read:accounts")
    city = city_of(request)
    acct = request.query_params.get("acct", "").strip().lstrip("@").lower()
    name, _, domain = acct.partition("@")
    local = domain in ("", city.settings.domain.lower())

    def read(session: Session) -> dict[str, Any] | None:
        who: entities.Profile | None
        if local:
            who = session.scalar(select(Member).where(Member.username == name))
            who = who if who is not None and who.is_active else None
            who = who or _listed_space(session, name)
        else:
            who = statuses.known_accounts(session, [acct]).get(acct)
        if who is None:
            return None
        return entities.account(city, who, entities.counts(session, city, who))

    found = await city.db.read(read)
    if found is None and not local and viewer.member is not None and name:
        actor = await _remote_account(city, acct)
        found = await city.db.read(lambda s: entities.account(city, s.merge(actor)))
    if found is None:
        raise NotFound("account")
    return JSONResponse(found)


@mastodon_errors
async def account_statuses(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    page = paging(request)

    pinned = _flag(request.query_params.get("pinned"))
    reblogs = not _flag(request.query_params.get("exclude_reblogs"))

    def read(session: Session) -> tuple[list[dict[str, Any]], list[int]]:
        who = _account(session, request.path_params["id"])
        if pinned:  # apps ask first, and show the answer above the rest
            return _pinned(session, city, viewer, who, page), []
        if isinstance(who, Member):
            ids = statuses.by_account(session, viewer, page, member_id=who.id, reblogs=reblogs)
        elif isinstance(who, DiscussionSpace):
            ids = statuses.by_account(session, viewer, page, space_id=who.id)
        else:
            ids = statuses.by_account(session, viewer, page, actor_id=who.id, reblogs=reblogs)
        return entities.statuses(session, city, ids, viewer.member, context="account"), ids

    items, ids = await city.db.read(read)
    return paged_response(request, items, ids)


def _pinned(
    session: Session, city: City, viewer: Viewer, who: entities.Profile, page: Paging
) -> list[dict[str, Any]]:
    """An account's pins the caller may see, newest pin first, all on one page (five at
    most for a member; a remote account's as its `featured` collection lists them,
    exchange/remote_pins.py) without a `Link` header; a later page (any bound) is empty,
    so a client paging through them stops. A discussion space has none: `[]`."""
    if isinstance(who, DiscussionSpace) or page.max_id or page.min_id or page.since_id:
        return []
    if isinstance(who, Member):
        ids = status_pins.pinned(session, viewer, who.id)[: page.limit]
    else:
        ids = remote_pins.pinned(session, viewer, who.id)[: page.limit]
    return entities.statuses(session, city, ids, viewer.member, context="account")


def _listed_space(session: Session, slug: str) -> DiscussionSpace | None:
    """A discussion space of ours by its name, unless archived (off the list of spaces)."""
    return session.scalar(
        select(DiscussionSpace).where(
            DiscussionSpace.slug == slug, DiscussionSpace.state != SpaceState.archived
        )
    )


def _followable(session: Session, value: str) -> RemoteActor | DiscussionSpace:
    who = _account(session, value)
    if isinstance(who, Member):
        raise DomainError(
            "local_follow",
            "members of this city do not follow each other; follow accounts of other servers",
            422,
        )
    return who


@mastodon_errors
async def follow(request: Request) -> Response:
    """Sends a Follow (through the federation); `requested` until the other server accepts.
    One of this city's discussion spaces is followed at once, nothing sent."""
    member, viewer = await member_viewer(request, "write:follows")
    city = city_of(request)
    assert viewer.uri is not None
    me = viewer.uri

    def write(session: Session) -> dict[str, Any]:
        target = _followable(session, request.path_params["id"])
        if isinstance(target, DiscussionSpace):
            space_follows.follow(session, session.get_one(Member, member.id), target)
        else:
            social.follow(session, city, me, target)
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def unfollow(request: Request) -> Response:
    """Undoes the Follow; not following already is no error (Mastodon answers the same)."""
    member, viewer = await member_viewer(request, "write:follows")
    city = city_of(request)
    assert viewer.uri is not None
    me = viewer.uri

    def write(session: Session) -> dict[str, Any]:
        target = _followable(session, request.path_params["id"])
        if isinstance(target, DiscussionSpace):
            space_follows.unfollow(session, session.get_one(Member, member.id), target)
            return entities.relationship_of(session, viewer, target)
        try:
            social.unfollow(session, city, me, target)
        except DomainError as exc:
            if exc.code != "not_following":
                raise
        return entities.relationship_of(session, viewer, target)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def relationships(request: Request) -> Response:
    _, viewer = await member_viewer(request, "read:follows")
    city = city_of(request)
    wanted = [
        v for k, v in request.query_params.multi_items() if k in ("id", "id[]") and v.isdigit()
    ]

    def read(session: Session) -> list[dict[str, Any]]:
        found = []
        for value in wanted[:40]:
            who = entities.find_account(session, int(value))
            if who is not None:
                found.append(entities.relationship_of(session, viewer, who))
        return found

    return JSONResponse(await city.db.read(read))


def routes() -> list[Route]:
    return [
        Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
        Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH"]),
        Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
        Route("/api/v1/accounts/relationships", relationships, methods=["GET"]),
        Route("/api/v1/accounts/{id}", show, methods=["GET"]),
        Route("/api/v1/accounts/{id}/statuses", account_statuses, methods=["GET"]),
        Route("/api/v1/accounts/{id}/followers", follow_lists.followers, methods=["GET"]),
        Route("/api/v1/accounts/{id}/following", follow_lists.following, methods=["GET"]),
        Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
        Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
    ]
