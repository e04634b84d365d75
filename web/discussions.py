"""The town square's pages: the list of discussions, a space with its threads (paged), a
thread with its nested replies and a reply form, the staff's form to open a space, and the
moderators' buttons.

Plain forms that post back with the session's CSRF token (web/csrf.py), so everything works
without JavaScript. A refused form comes back with the refusal beside it and what was typed
(web/refusal.py): a closed discussion says so instead of failing silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange import discussions
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError, NotFound
from instance.city import City, city_of
from instance.content_negotiation import negotiated
from models import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Member,
    RemoteActor,
    SpaceAudience,
    SpaceState,
)
from outbox import discussion_documents, documents
from services import discussions as square

from .csrf import checked_form
from .market import signed_in
from .pages import render
from .poll_views import PollView, poll_views
from .refusal import NONE, Refusal, refusal
from .session import current_member

POST = ["POST"]
STATES = {"close": SpaceState.closed, "reopen": SpaceState.open, "archive": SpaceState.archived}


async def staff(request: Request) -> Member:
    who = await signed_in(request)
    if not who.is_moderator:
        raise HTTPException(403, "Only staff may do this.")
    return who


def _back(path: str) -> Response:
    return RedirectResponse(path, 303)


# ---------------------------------------------------------------------- the list of spaces


async def spaces_page(request: Request, refused: Refusal = NONE) -> Response:
    city = city_of(request)
    spaces = await city.db.read(discussions.listed_spaces)
    return await render(
        request,
        "discussions/index.html",
        refused.status,
        spaces=spaces,
        open_now=discussions.accepts_posts,
        refused=refused,
    )


async def new_space_page(request: Request, refused: Refusal = NONE) -> Response:
    await staff(request)
    return await render(request, "discussions/new.html", refused.status, refused=refused)


def _date(value: object, what: str, *, end_of_day: bool = False) -> datetime | None:
    """A day typed in the form, in UTC: its start, or for a closing day its end (a space that
    closes on the 31st takes posts all that day)."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise DomainError("invalid_dates", f"the {what} date must be YYYY-MM-DD", 400) from None
    return day + timedelta(days=1) if end_of_day else day


async def open_space(request: Request) -> Response:
    who = await staff(request)
    form = await checked_form(request)
    city = city_of(request)
    try:
        draft = SpaceDraft(
            slug=str(form.get("slug", "")),
            title=str(form.get("title", "")),
            description=str(form.get("description", "")),
            audience=SpaceAudience.federated
            if form.get("audience") == "federated"
            else SpaceAudience.members,
            opens_at=_date(form.get("opens_at"), "opening"),
            closes_at=_date(form.get("closes_at"), "closing", end_of_day=True),
        )
        space = await city.db.write(lambda s: square.open_space(s, city, who, draft))
    except DomainError as exc:
        return await new_space_page(request, refusal("space", form, exc))
    return _back(f"/discussions/{space.slug}")


# ---------------------------------------------------------------------- a space


@dataclass
class ThreadLine:
    thread: DiscussionThread
    author: str
    replies: int


def _handle(session: Session, city: City, member_id: int | None, remote_id: int | None) -> str:
    if remote_id is not None:
        actor = session.get(RemoteActor, remote_id)
        return f"@{actor.handle}" if actor is not None else "?"
    member = session.get(Member, member_id) if member_id is not None else None
    return f"@{member.username}" if member is not None else "(gone)"


async def space_page(request: Request, refused: Refusal = NONE) -> Response:
    city = city_of(request)
    slug = request.path_params["slug"]
    raw_page = request.query_params.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1

    who = await current_member(request)
    query = request.query_params.get("q", "").strip()

    def read(session: Session) -> tuple[DiscussionSpace, list[ThreadLine], bool, list[PollView]]:
        space = discussions.find_space(session, slug)
        threads, more = discussions.threads_page(session, space, page, query)
        counts = discussions.reply_counts(session, threads)
        lines = [
            ThreadLine(
                t, _handle(session, city, t.member_id, t.remote_actor_id), counts.get(t.id, 0)
            )
            for t in threads
        ]
        return space, lines, more, poll_views(session, space, who)

    try:
        space, lines, more, shown_polls = await city.db.read(read)
    except NotFound:
        raise HTTPException(404, "No such discussion.") from None
    return await render(
        request,
        "discussions/space.html",
        refused.status,
        space=space,
        threads=lines,
        page=page,
        more=more,
        is_open=discussions.accepts_posts(space),
        polls=shown_polls,
        query=query,
        refused=refused,
    )


async def start_thread(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    slug = request.path_params["slug"]
    title, text = str(form.get("title", "")), str(form.get("text", ""))
    try:
        thread = await city.db.write(lambda s: square.start_thread(s, city, who, slug, title, text))
    except DomainError as exc:
        if exc.status == 404:
            raise HTTPException(404, exc.message) from None
        return await space_page(request, refusal("thread", form, exc))
    return _back(f"/threads/{thread.public_id}")


async def change_state(request: Request) -> Response:
    who = await staff(request)
    form = await checked_form(request)
    city = city_of(request)
    slug, action = request.path_params["slug"], request.path_params["action"]
    state = STATES.get(action)
    if state is None:
        raise HTTPException(404)
    try:
        await city.db.write(lambda s: square.set_state(s, city, who, slug, state))
    except DomainError as exc:
        if exc.status == 404:
            raise HTTPException(404, exc.message) from None
        return await space_page(request, refusal("state", form, exc))
    return _back(f"/discussions/{slug}")


# ---------------------------------------------------------------------- a thread


@dataclass
class ReplyLine:
    post: DiscussionPost
    author: str
    replies: list[ReplyLine] = field(default_factory=list)


def _tree(session: Session, city: City, posts: list[DiscussionPost]) -> list[ReplyLine]:
    """Replies nested under what they answer, each level oldest first."""
    lines = {
        p.id: ReplyLine(p, _handle(session, city, p.member_id, p.remote_actor_id)) for p in posts
    }
    roots: list[ReplyLine] = []
    for post in posts:
        parent = lines.get(post.parent_id) if post.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(lines[post.id])
    return roots


async def thread_page(request: Request, refused: Refusal = NONE) -> Response:
    city = city_of(request)
    who = await current_member(request)
    public_id = request.path_params["public_id"]
    staff = who is not None and who.is_moderator

    def read(session: Session) -> dict[str, Any]:
        thread = discussions.find_thread(session, public_id, hidden=staff)
        space = discussions.space_of(session, thread)
        return {
            "thread": thread,
            "space": space,
            "author": _handle(session, city, thread.member_id, thread.remote_actor_id),
            "replies": _tree(session, city, discussions.posts_of(session, thread)),
            "is_open": discussions.accepts_posts(space),
            "other_spaces": [s for s in discussions.listed_spaces(session) if s.id != space.id],
        }

    try:
        shown = await city.db.read(read)
    except NotFound:
        raise HTTPException(404, "No such thread.") from None
    return await render(
        request, "discussions/thread.html", refused.status, refused=refused, **shown
    )


async def reply(request: Request) -> Response:
    who = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id = request.path_params["public_id"]
    text, parent = str(form.get("text", "")), str(form.get("parent", "")) or None
    try:
        await city.db.write(
            lambda s: square.reply(s, city, who, public_id, text, parent_uri=parent)
        )
    except DomainError as exc:
        if exc.status == 404:
            raise HTTPException(404, exc.message) from None
        return await thread_page(request, refusal("reply", form, exc))
    return _back(f"/threads/{public_id}")


async def moderate(request: Request) -> Response:
    who = await staff(request)
    form = await checked_form(request)
    city = city_of(request)
    public_id, action = request.path_params["public_id"], request.path_params["action"]
    reason = str(form.get("reason", ""))
    if action not in square.THREAD_ACTIONS and action != "hide-reply":
        raise HTTPException(404)
    try:
        if action == "hide-reply":
            post = str(form.get("post", ""))
            await city.db.write(lambda s: square.hide_post(s, city, who, post, reason))
        else:
            to = str(form.get("to", "")) or None
            await city.db.write(
                lambda s: square.moderate_thread(
                    s, city, who, public_id, action, reason=reason, to_slug=to
                )
            )
    except DomainError as exc:
        if exc.status == 404:
            raise HTTPException(404, exc.message) from None
        return await thread_page(request, refusal("moderate", form, exc))
    return _back(f"/threads/{public_id}")


async def post_page(request: Request) -> Response:
    """A reply's id in a browser: its thread, at the reply."""
    city = city_of(request)
    uri = city.urls.discussion_post(request.path_params["public_id"])

    def read(session: Session) -> str | None:
        post = session.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
        thread = session.get(DiscussionThread, post.thread_id) if post is not None else None
        return thread.public_id if thread is not None else None

    found = await city.db.read(read)
    if found is None:
        raise HTTPException(404, "No such reply.")
    return RedirectResponse(f"/threads/{found}#post-{request.path_params['public_id']}", 302)


def routes() -> list[BaseRoute]:
    activity = documents.activity_document
    return [
        Route("/discussions", spaces_page),
        Route("/discussions/new", new_space_page, methods=["GET"]),
        Route("/discussions/new", open_space, methods=POST),
        Route("/discussions/{slug}", negotiated(discussion_documents.group_actor, space_page)),
        Route("/discussions/{slug}/outbox", documents.outbox_collection),
        Route("/discussions/{slug}/featured", discussion_documents.featured_collection),
        Route("/discussions/{slug}/followers", documents.followers_collection),
        Route("/discussions/{slug}/following", documents.following_collection),
        Route("/discussions/{slug}/threads", start_thread, methods=POST),
        Route("/discussions/{slug}/state/{action}", change_state, methods=POST),
        Route(
            "/threads/{public_id}", negotiated(discussion_documents.thread_document, thread_page)
        ),
        Route("/threads/{public_id}/activity", activity),
        Route("/threads/{public_id}/reply", reply, methods=POST),
        Route("/threads/{public_id}/moderate/{action}", moderate, methods=POST),
        Route("/posts/{public_id}", negotiated(discussion_documents.post_document, post_page)),
        Route("/posts/{public_id}/activity", activity),
    ]
