"""`GET /api/v2/search`: accounts, statuses and hashtags, as Mastodon's Search entity.

Local first (exchange/status_search.py: members, this city's discussion spaces and known
accounts by name, statuses the caller may see by their words, the market's categories as
hashtags). The URL of one of our discussion spaces is its account, never fetched. With
`resolve=true` and a member's token, a handle (`@name@host`, `name@host`) or a URL the
city does not know is looked up on its server (`services.resolve`: WebFinger, the remote
directory, the federation policy): the account, note or listing found is kept and answered
as any other.
A refused domain, a server that does not answer, a document that is not what it claims:
no result, as Mastodon answers them (200, empty lists), and the reason is logged.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import hashtags, space_follows, status_search
from exchange import statuses as status_rules
from exchange.errors import DomainError
from federation.errors import FetchError
from instance.city import City, city_of
from instance.directory import Refused
from models import DiscussionSpace, RemoteActor, SpaceState
from services.resolve import Resolved, is_url, resolve

from . import entities
from .common import mastodon_errors, member_viewer, optional_viewer
from .tags import tag_entity

log = logging.getLogger("comptoir.api.search")

TYPES = ("accounts", "statuses", "hashtags")
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


def _looks_remote(text: str, own_domain: str) -> bool:
    """A handle of another server, or a URL of another server: what `resolve=true` may
    fetch (a URL of ours is answered from our rows: fetching it would ask ourselves, and
    read our own members as remote accounts)."""
    if is_url(text):
        return urlsplit(text).netloc.lower() != own_domain.lower()
    name, _, host = text.lstrip("@").partition("@")
    return bool(name) and "." in host and " " not in text and host.lower() != own_domain


async def _resolved(city: City, text: str) -> Resolved:
    try:
        return await resolve(city, text)
    except Refused as exc:
        log.info("search: %r refused: %s", text, exc)
    except (FetchError, ValueError) as exc:
        log.info("search: %r not found: %s", text, exc)
    return Resolved()


def _space_slug(city: City, text: str) -> str | None:
    """The name of the discussion space of ours at this URL (its Group's id, which is also
    its page): such a URL is answered from our rows, never fetched."""
    if not is_url(text):
        return None
    ref = city.fediverse.actors.parse(text.rstrip("/"))
    return ref.name if ref is not None and ref.kind == "group" else None


def _listed_space(session: Session, slug: str | None) -> DiscussionSpace | None:
    if slug is None:
        return None
    space = session.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == slug))
    return space if space is not None and space.state is not SpaceState.archived else None


def _hashtags(
    session: Session, city: City, text: str, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The hashtags of notes and listings starting with the text (the exact one first),
    then the market's categories holding it, each once: Tags with their week's history."""
    known = {t.name: t for t in hashtags.search(session, text, limit + offset)}
    categories = status_search.hashtags(session, text, limit + offset, 0)
    names = list(dict.fromkeys([*known, *(c.slug for c in categories)]))[offset : offset + limit]
    return [tag_entity(session, city, n, known.get(n), None) for n in names]


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit():
        raise DomainError("invalid_parameter", f"{name} must be a number", 400)
    return int(raw)


@mastodon_errors
async def search(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:search")
    city = city_of(request)
    text = request.query_params.get("q", "").strip()
    if not text:
        raise DomainError("invalid_parameter", "q is required", 400)
    wanted = request.query_params.get("type") or None
    if wanted is not None and wanted not in TYPES:
        raise DomainError("invalid_parameter", f"type must be one of {', '.join(TYPES)}", 400)
    limit = max(1, min(_int(request, "limit", DEFAULT_LIMIT), MAX_LIMIT))
    offset = _int(request, "offset", 0)
    if viewer.member is None and offset:
        raise DomainError("unauthorized", "Search queries with offset need a token", 401)
    resolving = request.query_params.get("resolve", "").lower() in ("true", "1")
    resolved = Resolved()
    slug = _space_slug(city, text)
    if (
        resolving
        and viewer.member is not None
        and slug is None
        and _looks_remote(text, city.settings.domain)
    ):
        resolved = await _resolved(city, text)
    member_only = viewer.member is not None

    def read(session: Session) -> dict[str, Any]:
        found: dict[str, list[Any]] = {t: [] for t in TYPES}
        if wanted in (None, "accounts"):
            people: list[entities.Profile] = []
            space = _listed_space(session, slug)
            if resolved.actor is not None:
                people.append(session.merge(resolved.actor))
            elif space is not None:
                people.append(space)
            elif not is_url(text):
                people = status_search.accounts(
                    session, text, city.settings.domain.lower(), limit, offset
                )
            found["accounts"] = [
                entities.account(city, p, entities.counts(session, city, p)) for p in people
            ]
        if wanted in (None, "statuses") and (member_only or resolved.object_uri):
            if resolved.object_uri is not None:
                ids = list(status_rules.ids_of_uris(session, [resolved.object_uri]).values())
                ids = [i for i in ids if _visible(session, viewer, i)]
            elif is_url(text):
                ids = [
                    i
                    for i in status_rules.ids_of_uris(session, [text]).values()
                    if _visible(session, viewer, i)
                ]
            else:
                ids = status_search.statuses(session, viewer, text, limit, offset)
            found["statuses"] = entities.statuses(session, city, ids, viewer.member)
        if wanted in (None, "hashtags") and not is_url(text):
            found["hashtags"] = _hashtags(session, city, text, limit, offset)
        return found

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def account_search(request: Request) -> Response:
    """`GET /api/v1/accounts/search` (what apps call to complete a mention): the accounts of
    `/api/v2/search`, with `resolve=true` looking a handle up; `following=true` keeps the
    accounts the member follows."""
    _, viewer = await member_viewer(request, "read:accounts")
    city = city_of(request)
    text = request.query_params.get("q", "").strip()
    if not text:
        raise DomainError("invalid_parameter", "q is required", 400)
    limit = max(1, min(_int(request, "limit", 40), 80))
    offset = _int(request, "offset", 0)
    resolving = request.query_params.get("resolve", "").lower() in ("true", "1")
    following = request.query_params.get("following", "").lower() in ("true", "1")
    resolved = Resolved()
    if resolving and _looks_remote(text, city.settings.domain) and not is_url(text):
        resolved = await _resolved(city, text)

    def read(session: Session) -> list[dict[str, Any]]:
        people: list[entities.Profile] = []
        if resolved.actor is not None:
            people.append(session.merge(resolved.actor))
        elif not is_url(text):
            people = status_search.accounts(
                session, text, city.settings.domain.lower(), limit, offset
            )
        if following:
            assert viewer.uri is not None
            assert viewer.member is not None
            followed = set(session.scalars(status_rules.followed_actors(viewer.uri)))
            spaces = set(session.scalars(space_follows.followed_spaces(viewer.member.id)))
            people = [
                p
                for p in people
                if (isinstance(p, RemoteActor) and p.id in followed)
                or (isinstance(p, DiscussionSpace) and p.id in spaces)
            ]
        return [entities.account(city, p, entities.counts(session, city, p)) for p in people]

    return JSONResponse(await city.db.read(read))


def _visible(session: Session, viewer: status_rules.Viewer, status_id: int) -> bool:
    try:
        status_rules.find(session, viewer, status_id)
    except DomainError:
        return False
    return True


def routes() -> list[Route]:
    return [
        Route("/api/v2/search", search, methods=["GET"]),
        Route("/api/v1/accounts/search", account_search, methods=["GET"]),
    ]
