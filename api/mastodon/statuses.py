"""`/api/v1/statuses`: post (plain statuses and replies, in the four visibilities), show,
delete, context, favourite and reblog.

Posting goes through `services.social.post_note`, the same use case as the web page and the
Comptoir API, so the note federates (Create to followers, to the accounts mentioned).
Accounts mentioned as `@name@domain` are looked up (WebFinger, the federation policy)
before the transaction; a reply to a remote note mentions its author, as Mastodon does.
A reply to a discussion thread or to one of its replies is a reply in that discussion
(`services.discussions.reply`, the pages' use case: the space's Group announces it).
Favourites and reblogs are kept (`status_reactions`), counted and federated (Like,
Announce, Undo: `services.reactions`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import media_attachments, members, note_edits, statuses
from exchange.errors import DomainError
from exchange.statuses import StatusRow, Viewer
from instance.city import City, city_of
from instance.html import html_to_text
from models import DiscussionThread, Member, ReactionKind, RemoteActor
from services import discussions, reactions, social

from ..social import _remote_account
from . import entities, thread_statuses
from .common import body, first, int_id, is_json, mastodon_errors, member_viewer, optional_viewer

#: `@name@domain` in a status: a remote account to mention (the host a domain name or a
#: dotted IPv4 address, as servers on a private network are named; a port allowed)
MENTION = re.compile(
    r"(?<![\w@])@([a-z0-9_.-]+@(?:[a-z0-9.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?)",
    re.IGNORECASE,
)
#: `@name` alone in a status: a member of this city to mention
LOCAL_MENTION = re.compile(r"(?<![\w@/])@(\w+)(?![\w@])")


def _one(session: Session, city: City, viewer: Viewer, status_id: int) -> dict[str, Any]:
    found = entities.statuses(session, city, [status_id], viewer.member)
    if not found:
        raise DomainError("not_found", "Record not found", 404)
    return found[0]


def _local_names(city: City, text: str) -> list[str]:
    """The usernames `@name` (or `@name@` this city's domain) names."""
    own = f"@{city.settings.domain.lower()}"
    named = [m.lower() for m in LOCAL_MENTION.findall(text)]
    named += [h.lower().removesuffix(own) for h in MENTION.findall(text) if h.lower().endswith(own)]
    return list(dict.fromkeys(named))[:10]


async def _mentions(city: City, text: str) -> list[RemoteActor]:
    """The accounts `@name@domain` names: known ones from our table, others looked up."""
    own = f"@{city.settings.domain.lower()}"
    handles = list(
        dict.fromkeys(m.lower() for m in MENTION.findall(text) if not m.lower().endswith(own))
    )[:10]
    known = await city.db.read(lambda s: statuses.known_accounts(s, handles))
    return [known.get(h) or await _remote_account(city, h) for h in handles]


@mastodon_errors
async def create(request: Request) -> Response:
    member, viewer = await member_viewer(request, "write:statuses")
    city = city_of(request)
    values = await body(request)
    text = first(values, "status") or ""
    _refuse_poll(values)
    media_ids = [int_id(v) for v in values.get("media_ids", []) if v]
    visibility = entities.FROM_MASTODON.get(first(values, "visibility") or "public")
    if visibility is None:
        raise DomainError("unprocessable", "Validation failed: Visibility is not included", 422)
    summary, sensitive = _warning(values)
    reply_to = first(values, "in_reply_to_id")
    if reply_to and thread_statuses.decode(reply_to) is not None:
        return JSONResponse(
            await city.db.write(
                lambda s: thread_statuses.reply(
                    s, city, member, reply_to, text, entities.VISIBILITY[visibility]
                )
            )
        )
    mentioned = await _mentions(city, text)
    local_names = _local_names(city, text)

    def write(session: Session) -> dict[str, Any]:
        fresh = session.get(Member, member.id)
        assert fresh is not None
        in_reply_to, context, mentions = None, None, [session.merge(m) for m in mentioned]
        if reply_to:
            parent = statuses.find_original(session, viewer, int_id(reply_to))
            if parent.thread is not None or parent.post is not None:
                return _one(
                    session, city, viewer, _discussion_reply(session, city, fresh, parent, text)
                )
            in_reply_to, context = _replied(session, parent, mentions)
        uploads = media_attachments.for_status(session, fresh, media_ids)
        note = social.post_note(
            session,
            city,
            fresh,
            text,
            visibility=visibility,
            mentions=mentions,
            in_reply_to=in_reply_to,
            context=context,
            attachments=[media_attachments.note_entry(u, city.urls.media(u.file)) for u in uploads],
            local_mentions=members.active_by_usernames(session, local_names),
            summary=summary or "",
            sensitive=sensitive,
        )
        media_attachments.attach(session, uploads, note)
        return _one(session, city, viewer, statuses.id_of_note(session, note.id))

    return JSONResponse(await city.db.write(write))


def _discussion_reply(
    session: Session, city: City, member: Member, parent: StatusRow, text: str
) -> int:
    """The status id of the member's reply to a thread (or to a reply in it)."""
    thread = parent.thread or session.get_one(DiscussionThread, parent.post.thread_id)  # type: ignore[union-attr]
    post = discussions.reply(
        session,
        city,
        member,
        thread.public_id,
        text,
        parent_uri=parent.post.uri if parent.post is not None else None,
    )
    return statuses.id_of_post(session, post.id)


def _replied(
    session: Session, parent: StatusRow, mentions: list[RemoteActor]
) -> tuple[str, str | None]:
    """(URI replied to, its conversation); the remote author of the parent is mentioned."""
    item = parent.note or parent.listing
    assert item is not None
    if item.remote_actor_id is not None:
        author = session.get(RemoteActor, item.remote_actor_id)
        if author is not None and author not in mentions:
            mentions.append(author)
    context = parent.note.context if parent.note is not None else None
    return item.uri, context


@mastodon_errors
async def show(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    raw = request.path_params["id"]
    if thread_statuses.decode(raw) is not None:
        return JSONResponse(
            await city.db.read(lambda s: thread_statuses.show(s, city, viewer.member, raw))
        )
    sid = int_id(raw)

    def read(session: Session) -> dict[str, Any]:
        statuses.find(session, viewer, sid)
        return _one(session, city, viewer, sid)

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def delete(request: Request) -> Response:
    """The member's own note; the answer carries `text`, for "delete and redraft"."""
    member, viewer = await member_viewer(request, "write:statuses")
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        row = statuses.find(session, viewer, sid)
        fresh = session.get(Member, member.id)
        assert fresh is not None
        if statuses.reblogger(session, sid) == (member.id, None):
            # the member's own reblog: deleting it is taking it back, as on Mastodon
            entity = _one(session, city, viewer, sid)
            original = statuses.original_id(session, sid)
            reactions.unreact(session, city, fresh, original, ReactionKind.reblog)
            entity["text"] = ""
            return entity
        uri = statuses.own_note_uri(row, member)
        entity = _one(session, city, viewer, sid)
        entity["text"] = html_to_text(entity["content"])
        social.delete_note(session, city, fresh, uri)
        return entity

    return JSONResponse(await city.db.write(write))


def _refuse_poll(values: dict[str, list[str]]) -> None:
    """A status's poll (`poll[options][]`... in a form, `"poll": {...}` in JSON) is refused,
    not dropped: the instance's `configuration.polls` offers none (`max_options` 0), and an
    app that sends one anyway must not believe it was posted."""
    if any(
        (key == "poll" or key.startswith("poll[")) and any(v.strip() for v in given)
        for key, given in values.items()
    ):
        raise DomainError(
            "unprocessable", "Validation failed: Polls are not available on statuses here", 422
        )


def _warning(values: dict[str, list[str]]) -> tuple[str | None, bool]:
    """`spoiler_text` (None: not sent) and `sensitive` of a status being posted or edited."""
    sensitive = (first(values, "sensitive") or "").lower() in ("true", "1", "yes", "on")
    return first(values, "spoiler_text"), sensitive


async def _media_attributes(request: Request) -> dict[str, str]:
    """`media_attributes`: new descriptions by media id, from a JSON body (a list of
    objects, as Mastodon.py sends it) or a form (`media_attributes[][id]` then
    `[description]`, in pairs)."""
    found: dict[str, str] = {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            document = await request.json()
        except ValueError:
            return found
        given = document.get("media_attributes") if isinstance(document, dict) else None
        for item in given if isinstance(given, list) else []:
            if isinstance(item, dict) and isinstance(item.get("description"), str):
                found[str(item.get("id"))] = item["description"]
        return found
    form = await request.form()
    ids = [str(v) for v in form.getlist("media_attributes[][id]")]
    alts = [str(v) for v in form.getlist("media_attributes[][description]")]
    return dict(zip(ids, alts, strict=False))


async def _media_ids_sent(request: Request, values: dict[str, list[str]]) -> list[str] | None:
    """`media_ids` of an edit, None when not sent (the pictures stay); `[]` when sent empty
    (`"media_ids": []` in JSON, or one empty `media_ids[]` in a form): every picture goes."""
    if "media_ids" in values:
        return [v for v in values["media_ids"] if v]
    if is_json(request):
        try:
            document = await request.json()
        except ValueError:
            return None
        if isinstance(document, dict) and document.get("media_ids") == []:
            return []
    return None


def _pictures(
    session: Session, member: Member, sid: int, count: int, media_ids: list[str]
) -> list[social.Picture]:
    """The pictures an edit leaves on the note: its own, named by their MediaAttachment ids
    (the status id and their place: entities._attachment), and the member's new uploads,
    in the order given."""
    wanted = list(dict.fromkeys(media_ids))
    places = {m: _picture_index(sid, m) for m in wanted}
    uploads = media_attachments.for_status(
        session,
        member,
        [int_id(m) for m in wanted if not 0 <= places[m] < count],
    )
    by_id = {str(u.id): u for u in uploads}
    return [places[m] if 0 <= places[m] < count else by_id[str(int_id(m))] for m in wanted]


def _picture_index(sid: int, media_id: str) -> int:
    """The place in the note of a picture named by its MediaAttachment id (the status id and
    two digits: entities._attachment); -1 for anything else (refused by the use case)."""
    prefix = str(sid)
    if media_id.startswith(prefix) and len(media_id) == len(prefix) + 2 and media_id.isdigit():
        return int(media_id[len(prefix) :])
    return -1


@mastodon_errors
async def edit(request: Request) -> Response:
    """`PUT /api/v1/statuses/{id}`: the member's own note gets a new text (the Update
    federates, `edited_at` is set, the version replaced is kept for `/history`)."""
    member, viewer = await member_viewer(request, "write:statuses")
    city = city_of(request)
    sid = int_id(request.path_params["id"])
    values = await body(request)
    text = first(values, "status") or ""
    _refuse_poll(values)
    described = await _media_attributes(request)
    summary, sensitive = _warning(values)
    media_ids = await _media_ids_sent(request, values)

    def write(session: Session) -> dict[str, Any]:
        row = statuses.find(session, viewer, sid)
        uri = statuses.own_note_uri(row, member)
        fresh = session.get(Member, member.id)
        assert fresh is not None
        descriptions = {_picture_index(sid, key): alt for key, alt in described.items()}
        pictures = None
        if media_ids is not None:
            assert row.note is not None  # own_note_uri refused anything else
            pictures = _pictures(session, fresh, sid, len(row.note.attachments), media_ids)
        social.edit_note(
            session,
            city,
            fresh,
            uri,
            text,
            descriptions=descriptions,
            summary=summary or "",
            sensitive=sensitive,
            pictures=pictures,
        )
        return _one(session, city, viewer, sid)

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def history(request: Request) -> Response:
    """Every version of a status, oldest first (a note's earlier versions are kept by its
    edits: exchange/note_edits.py; anything else has its one version)."""
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def read(session: Session) -> list[dict[str, Any]]:
        row = statuses.find_original(session, viewer, sid)
        shown = _one(session, city, viewer, row.status.id)
        if row.note is None:
            return [entities.status_edit(city, shown, shown["content"], shown["created_at"])]
        return [
            entities.status_edit(
                city,
                shown,
                version.content,
                entities.iso(version.created_at),
                entities.attachments(city, row.status.id, version.attachments),
                spoiler_text=version.summary or "",
                sensitive=version.sensitive,
            )
            for version in note_edits.versions(session, row.note)
        ]

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def source(request: Request) -> Response:
    """The text an app puts back in its editor: the note's, as plain text."""
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def read(session: Session) -> dict[str, Any]:
        original = statuses.find_original(session, viewer, sid)
        shown = _one(session, city, viewer, original.status.id)
        text = html_to_text(shown["content"])
        return {"id": shown["id"], "text": text, "spoiler_text": shown["spoiler_text"]}

    return JSONResponse(await city.db.read(read))


@mastodon_errors
async def context(request: Request) -> Response:
    viewer = await optional_viewer(request, "read:statuses")
    city = city_of(request)
    raw = request.path_params["id"]
    if thread_statuses.decode(raw) is not None:
        return JSONResponse(
            await city.db.read(lambda s: thread_statuses.context(s, city, viewer.member, raw))
        )
    sid = int_id(raw)

    def read(session: Session) -> dict[str, Any]:
        row = statuses.find_original(session, viewer, sid)
        above, below = statuses.thread(session, viewer, row)
        member = viewer.member
        return {
            "ancestors": entities.statuses(session, city, above, member, context="thread"),
            "descendants": entities.statuses(session, city, below, member, context="thread"),
        }

    return JSONResponse(await city.db.read(read))


async def _react(request: Request, kind: ReactionKind, scope: str, *, undo: bool) -> Response:
    """The status after the change; a reblog answers, as Mastodon, the reblog wrapping it."""
    member, viewer = await member_viewer(request, scope)
    city = city_of(request)
    sid = int_id(request.path_params["id"])

    def write(session: Session) -> dict[str, Any]:
        original = statuses.find_original(session, viewer, sid).status.id
        fresh = session.get(Member, member.id)
        assert fresh is not None
        if undo:
            reactions.unreact(session, city, fresh, original, kind)
            return _one(session, city, viewer, original)
        if kind is ReactionKind.reblog and not statuses.shown_originals(session, [original]):
            # followers-only and direct notes (Mastodon refuses them too), and a members-only
            # discussion space's threads and replies (its Group takes no one from elsewhere)
            raise DomainError("forbidden", "This action is not allowed", 403)
        reactions.react(session, city, fresh, original, kind)
        if kind is not ReactionKind.reblog:
            return _one(session, city, viewer, original)
        return _one(session, city, viewer, statuses.reblog_id(session, fresh, original))

    return JSONResponse(await city.db.write(write))


@mastodon_errors
async def favourite(request: Request) -> Response:
    return await _react(request, ReactionKind.favourite, "write:favourites", undo=False)


@mastodon_errors
async def unfavourite(request: Request) -> Response:
    return await _react(request, ReactionKind.favourite, "write:favourites", undo=True)


@mastodon_errors
async def reblog(request: Request) -> Response:
    return await _react(request, ReactionKind.reblog, "write:statuses", undo=False)


@mastodon_errors
async def unreblog(request: Request) -> Response:
    return await _react(request, ReactionKind.reblog, "write:statuses", undo=True)


def routes() -> list[Route]:
    return [
        Route("/api/v1/statuses", create, methods=["POST"]),
        Route("/api/v1/statuses/{id}", show, methods=["GET"]),
        Route("/api/v1/statuses/{id}", delete, methods=["DELETE"]),
        Route("/api/v1/statuses/{id}", edit, methods=["PUT"]),
        Route("/api/v1/statuses/{id}/history", history, methods=["GET"]),
        Route("/api/v1/statuses/{id}/source", source, methods=["GET"]),
        Route("/api/v1/statuses/{id}/context", context, methods=["GET"]),
        Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
        Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
    ]
