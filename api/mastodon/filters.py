"""`/api/v2/filters`: a member's filters with their keywords and statuses, as Mastodon 4
has them, and `/api/v1/filters` read as Mastodon derives it (one v1 filter per keyword).

Scopes `read:filters` and `write:filters`. Another member's filter, keyword or status entry
is 404 ("Record not found"), as none is. Bodies come as a form or JSON; a filter's
`keywords_attributes` as Rails reads nested attributes: a JSON array (or object by index)
of `{id, keyword, whole_word, _destroy}`, or form fields `keywords_attributes[][keyword]`
(a new entry begins when a name repeats) or `keywords_attributes[0][keyword]`.

The keyword and status routes are Mastodon's: `/api/v2/filters/{filter_id}/keywords` and
`/statuses` for a filter's, `/api/v2/filters/keywords/{id}` and `/api/v2/filters/statuses/
{id}` for one. Mastodon routes an update as PUT and PATCH; both are taken. The v1 write
methods (POST, PUT, DELETE `/api/v1/filters`) are deprecated since Mastodon 4.0 and not
served: apps of today use v2. How filters apply to statuses: api/mastodon/filtering.py.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import status_filters, statuses
from exchange.errors import NotFound
from exchange.status_filters import KeywordChange
from instance.city import city_of
from models import FilterKeyword, FilterStatus, StatusFilter

from .common import int_id, is_json, json_object, mastodon_errors, member_viewer
from .filtering import filter_entity

READ, WRITE = "read:filters", "write:filters"


# ---------------------------------------------------------------------- entities


def keyword_entity(found: FilterKeyword) -> dict[str, Any]:
    """Mastodon's FilterKeyword."""
    return {"id": str(found.id), "keyword": found.keyword, "whole_word": found.whole_word}


def status_entity(found: FilterStatus) -> dict[str, Any]:
    """Mastodon's FilterStatus."""
    return {"id": str(found.id), "status_id": str(found.status_id)}


def _entities(session: Session, found: list[StatusFilter]) -> list[dict[str, Any]]:
    """Filters with their keywords and statuses: three statements however many."""
    ids = [f.id for f in found]
    keywords = status_filters.keywords_of(session, ids)
    entries = status_filters.statuses_of(session, ids)
    return [
        filter_entity(
            f,
            {
                "keywords": [keyword_entity(k) for k in keywords[f.id]],
                "statuses": [status_entity(s) for s in entries[f.id]],
            },
        )
        for f in found
    ]


def v1_entity(rule: StatusFilter, keyword: FilterKeyword) -> dict[str, Any]:
    """Mastodon's V1::Filter of one keyword of a filter (`irreversible`: a `hide` filter)."""
    shown = filter_entity(rule)
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": shown["context"],
        "whole_word": keyword.whole_word,
        "expires_at": shown["expires_at"],
        "irreversible": rule.action.value == "hide",
    }


# ---------------------------------------------------------------------- bodies


def _flag(value: str | None) -> bool | None:
    """Rails' boolean cast: blank is none, `0`/`f`/`false`/`off` false, anything else true."""
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() not in ("0", "f", "false", "off")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class Body:
    """A request's body: its fields (name -> values, `x[]` is `x`) and its
    `keywords_attributes` entries (None when not sent)."""

    def __init__(self, fields: dict[str, list[str]], keywords: list[dict[str, str]] | None):
        self.fields = fields
        self.keywords = keywords

    def first(self, name: str) -> str | None:
        got = self.fields.get(name)
        return got[0] if got else None

    def sent(self, name: str) -> bool:
        return name in self.fields

    def changes(self) -> list[KeywordChange]:
        found = []
        for entry in self.keywords or []:
            raw_id = entry.get("id", "").strip()
            if raw_id and not raw_id.isdigit():
                raise NotFound("keyword")
            found.append(
                KeywordChange(
                    id=int_id(raw_id) if raw_id else None,
                    keyword=entry.get("keyword"),
                    whole_word=_flag(entry.get("whole_word")),
                    destroy=bool(_flag(entry.get("_destroy"))),
                )
            )
        return found


#: `keywords_attributes[][name]` or `keywords_attributes[3][name]` in a form
_NESTED = re.compile(r"^keywords_attributes\[(\d*)\]\[(\w+)\]$")


async def _body(request: Request) -> Body:
    if is_json(request):
        return _json_body(await json_object(request))
    form = await request.form()
    fields: dict[str, list[str]] = {}
    keywords: list[dict[str, str]] | None = None
    indexed: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            continue
        nested = _NESTED.match(key)
        if nested is None:
            fields.setdefault(key.removesuffix("[]"), []).append(value)
            continue
        keywords = keywords if keywords is not None else []
        index, name = nested.groups()
        if index:
            if index not in indexed:
                indexed[index] = {}
                keywords.append(indexed[index])
            indexed[index][name] = value
        elif (
            not keywords or name in keywords[-1] or any(keywords[-1] is d for d in indexed.values())
        ):
            keywords.append({name: value})  # Rails: a name seen again begins a new entry
        else:
            keywords[-1][name] = value
    return Body(fields, keywords)


def _json_body(document: dict[str, Any]) -> Body:
    fields: dict[str, list[str]] = {}
    keywords: list[dict[str, str]] | None = None
    for key, value in document.items():
        name = str(key).removesuffix("[]")
        if name == "keywords_attributes":
            entries = list(value.values()) if isinstance(value, dict) else value
            if not isinstance(entries, list):
                raise status_filters.invalid("Keywords attributes must be a list")
            keywords = [
                {str(k): _text(v) for k, v in e.items()} for e in entries if isinstance(e, dict)
            ]
        elif isinstance(value, list):
            fields[name] = [_text(v) for v in value]
        else:
            fields[name] = [_text(value)]
    return Body(fields, keywords)


# ---------------------------------------------------------------------- filters


def _path_id(request: Request, name: str = "id") -> int:
    return int_id(request.path_params[name])


@mastodon_errors
async def index(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)

    def read(session: Session) -> list[dict[str, Any]]:
        return _entities(session, status_filters.of_member(session, member.id))

    return JSONResponse(await city_of(request).db.read(read))


@mastodon_errors
async def show(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    filter_id = _path_id(request)

    def read(session: Session) -> dict[str, Any]:
        return _entities(session, [status_filters.find(session, member.id, filter_id)])[0]

    return JSONResponse(await city_of(request).db.read(read))


@mastodon_errors
async def create(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    sent = await _body(request)
    title = status_filters.title_of(sent.first("title"))
    context = status_filters.context_of(sent.fields.get("context", []))
    action = status_filters.action_of(sent.first("filter_action"))
    expires_at = status_filters.expires_at_of(sent.first("expires_in"))
    changes = [c for c in sent.changes() if c.id is None]

    def write(session: Session) -> dict[str, Any]:
        made = status_filters.create(
            session,
            member.id,
            title=title,
            context=context,
            action=action,
            expires_at=expires_at,
            keywords=changes,
        )
        return _entities(session, [made])[0]

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def update(request: Request) -> Response:
    """What was sent changes, what was not stays; `expires_in` sent blank: never expires."""
    member, _ = await member_viewer(request, WRITE)
    filter_id = _path_id(request)
    sent = await _body(request)
    title = status_filters.title_of(sent.first("title")) if sent.sent("title") else None
    context = status_filters.context_of(sent.fields["context"]) if sent.sent("context") else None
    action = (
        status_filters.action_of(sent.first("filter_action"))
        if sent.first("filter_action")
        else None
    )
    expires = sent.sent("expires_in")
    expires_at = status_filters.expires_at_of(sent.first("expires_in"))
    changes = sent.changes()

    def write(session: Session) -> dict[str, Any]:
        found = status_filters.find(session, member.id, filter_id)
        if title is not None:
            found.title = title
        if context is not None:
            found.context = context
        if action is not None:
            found.action = action
        if expires:
            found.expires_at = expires_at
        status_filters.change_keywords(session, found, changes)
        return _entities(session, [found])[0]

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def delete(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    filter_id = _path_id(request)

    def write(session: Session) -> None:
        status_filters.remove(session, status_filters.find(session, member.id, filter_id))

    await city_of(request).db.write(write)
    return JSONResponse({})


# ---------------------------------------------------------------------- keywords


@mastodon_errors
async def keywords(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    filter_id = _path_id(request)

    def read(session: Session) -> list[dict[str, Any]]:
        found = status_filters.find(session, member.id, filter_id)
        return [
            keyword_entity(k) for k in status_filters.keywords_of(session, [found.id])[found.id]
        ]

    return JSONResponse(await city_of(request).db.read(read))


@mastodon_errors
async def add_keyword(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    filter_id = _path_id(request)
    sent = await _body(request)
    whole_word = _flag(sent.first("whole_word"))

    def write(session: Session) -> dict[str, Any]:
        found = status_filters.find(session, member.id, filter_id)
        made = status_filters.add_keyword(
            session, found, sent.first("keyword"), True if whole_word is None else whole_word
        )
        return keyword_entity(made)

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def show_keyword(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    keyword_id = _path_id(request)
    found = await city_of(request).db.read(
        lambda s: keyword_entity(status_filters.find_keyword(s, member.id, keyword_id))
    )
    return JSONResponse(found)


@mastodon_errors
async def update_keyword(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    keyword_id = _path_id(request)
    sent = await _body(request)
    keyword = status_filters.keyword_of(sent.first("keyword")) if sent.sent("keyword") else None
    whole_word = _flag(sent.first("whole_word"))

    def write(session: Session) -> dict[str, Any]:
        found = status_filters.find_keyword(session, member.id, keyword_id)
        if keyword is not None:
            found.keyword = keyword
        if whole_word is not None:
            found.whole_word = whole_word
        session.flush()
        return keyword_entity(found)

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def delete_keyword(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    keyword_id = _path_id(request)

    def write(session: Session) -> None:
        session.delete(status_filters.find_keyword(session, member.id, keyword_id))
        session.flush()

    await city_of(request).db.write(write)
    return JSONResponse({})


# ---------------------------------------------------------------------- statuses


@mastodon_errors
async def filter_statuses(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    filter_id = _path_id(request)

    def read(session: Session) -> list[dict[str, Any]]:
        found = status_filters.find(session, member.id, filter_id)
        return [status_entity(s) for s in status_filters.statuses_of(session, [found.id])[found.id]]

    return JSONResponse(await city_of(request).db.read(read))


@mastodon_errors
async def add_status(request: Request) -> Response:
    """A status the member may see into the filter; one unknown to them is refused as
    Mastodon refuses a status that does not exist (422)."""
    member, viewer = await member_viewer(request, WRITE)
    filter_id = _path_id(request)
    sent = await _body(request)
    raw = (sent.first("status_id") or "").strip()

    def write(session: Session) -> dict[str, Any]:
        found = status_filters.find(session, member.id, filter_id)
        try:
            status_id = statuses.find(session, viewer, int_id(raw)).status.id
        except NotFound:
            raise status_filters.invalid("Status must exist") from None
        return status_entity(status_filters.add_status(session, found, status_id))

    return JSONResponse(await city_of(request).db.write(write))


@mastodon_errors
async def show_status(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    entry_id = _path_id(request)
    found = await city_of(request).db.read(
        lambda s: status_entity(status_filters.find_status(s, member.id, entry_id))
    )
    return JSONResponse(found)


@mastodon_errors
async def delete_status(request: Request) -> Response:
    member, _ = await member_viewer(request, WRITE)
    entry_id = _path_id(request)

    def write(session: Session) -> None:
        session.delete(status_filters.find_status(session, member.id, entry_id))
        session.flush()

    await city_of(request).db.write(write)
    return JSONResponse({})


# ---------------------------------------------------------------------- v1


def _v1_of(session: Session, member_id: int) -> list[dict[str, Any]]:
    found = status_filters.of_member(session, member_id)
    keywords = status_filters.keywords_of(session, [f.id for f in found])
    return [v1_entity(f, k) for f in found for k in keywords[f.id]]


@mastodon_errors
async def v1_index(request: Request) -> Response:
    """Every keyword of the member's filters as a V1::Filter (filters of statuses only
    have no v1 form, as on Mastodon)."""
    member, _ = await member_viewer(request, READ)
    return JSONResponse(await city_of(request).db.read(lambda s: _v1_of(s, member.id)))


@mastodon_errors
async def v1_show(request: Request) -> Response:
    member, _ = await member_viewer(request, READ)
    keyword_id = _path_id(request)

    def read(session: Session) -> dict[str, Any]:
        keyword = status_filters.find_keyword(session, member.id, keyword_id)
        return v1_entity(status_filters.find(session, member.id, keyword.filter_id), keyword)

    return JSONResponse(await city_of(request).db.read(read))


def routes() -> list[Route]:
    return [
        Route("/api/v1/filters", v1_index, methods=["GET"]),
        Route("/api/v1/filters/{id}", v1_show, methods=["GET"]),
        Route("/api/v2/filters", index, methods=["GET"]),
        Route("/api/v2/filters", create, methods=["POST"]),
        # one keyword or status entry before `/api/v2/filters/{id}/...`
        Route("/api/v2/filters/keywords/{id}", show_keyword, methods=["GET"]),
        Route("/api/v2/filters/keywords/{id}", update_keyword, methods=["PUT", "PATCH"]),
        Route("/api/v2/filters/keywords/{id}", delete_keyword, methods=["DELETE"]),
        Route("/api/v2/filters/statuses/{id}", show_status, methods=["GET"]),
        Route("/api/v2/filters/statuses/{id}", delete_status, methods=["DELETE"]),
        Route("/api/v2/filters/{id}", show, methods=["GET"]),
        Route("/api/v2/filters/{id}", update, methods=["PUT", "PATCH"]),
        Route("/api/v2/filters/{id}", delete, methods=["DELETE"]),
        Route("/api/v2/filters/{id}/keywords", keywords, methods=["GET"]),
        Route("/api/v2/filters/{id}/keywords", add_keyword, methods=["POST"]),
        Route("/api/v2/filters/{id}/statuses", filter_statuses, methods=["GET"]),
        Route("/api/v2/filters/{id}/statuses", add_status, methods=["POST"]),
    ]
