"""Discussions, the town square: spaces that staff open and close, threads and nested replies
that members (and, in a federated space, other cities' residents) post, and the moderators'
pin, lock, hide and move, each logged.

Functions over a Session; they never commit and never render: the use cases
(services/discussions.py) publish what a change causes in the same transaction. Content
arrives here already sanitized HTML.

A space's state graph (`GRAPH`) is the only way its state changes. A closed or archived
space, or one whose `closes_at` has passed, stays readable and refuses posts with
`discussion_closed`, so a member learns why nothing was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from models import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Member,
    RemoteActor,
    SpaceAudience,
    SpaceState,
    new_public_id,
    utcnow,
)

from .errors import DomainError, Forbidden, NotFound
from .moderation_log import record
from .state_graph import StateGraph

GRAPH = StateGraph(
    "discussion",
    SpaceState,
    {
        SpaceState.open: {SpaceState.closed, SpaceState.archived},
        SpaceState.closed: {SpaceState.open, SpaceState.archived},
        SpaceState.archived: set(),
    },
)

#: a slug is the Group's preferredUsername and WebFinger name: what Mastodon accepts
SLUG_RE = re.compile(r"^[a-z0-9_]{2,60}$")
#: names taken by our service actors and by the paths under /discussions
RESERVED_SLUGS = frozenset({"actor", "market", "new", "inbox", "admin", "threads"})
MAX_TITLE = 200
MAX_TEXT = 10_000
PAGE_SIZE = 20

CLOSED_MESSAGE = (
    "This discussion is closed: it stays readable, but it takes no new threads or replies."
)


@dataclass(frozen=True)
class SpaceDraft:
    """What staff give when they open a space."""

    slug: str
    title: str
    description: str
    audience: SpaceAudience
    opens_at: datetime | None = None
    closes_at: datetime | None = None


# ---------------------------------------------------------------------- spaces


def check_staff(member: Member | None) -> Member:
    """Staff (moderators and admins) open, close and moderate discussions."""
    if member is None or not member.is_moderator or not member.is_active:
        raise Forbidden("only staff may do this")
    return member


def open_space(
    session: Session,
    by: Member | None,
    draft: SpaceDraft,
    keys: tuple[str, str],
) -> DiscussionSpace:
    """A new open space with its Group's key pair (`keys`: private, public PEM). `by` None is
    the command line."""
    if by is not None:
        check_staff(by)
    slug = draft.slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise DomainError(
            "invalid_slug", "the name is 2 to 60 of a-z, 0-9 and _, and not a reserved word", 400
        )
    if session.scalar(select(DiscussionSpace.id).where(DiscussionSpace.slug == slug)):
        raise DomainError("slug_taken", f"a discussion named {slug!r} exists already", 409)
    if session.scalar(select(Member.id).where(Member.username == slug)):
        raise DomainError("slug_taken", f"{slug!r} is a member's name: choose another", 409)
    title = draft.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError("invalid_title", f"a title needs 1 to {MAX_TITLE} characters", 400)
    opens_at = draft.opens_at or utcnow()
    if draft.closes_at is not None and draft.closes_at <= opens_at:
        raise DomainError("invalid_dates", "a discussion closes after it opens", 400)
    private, public = keys
    space = DiscussionSpace(
        slug=slug,
        title=title,
        description=draft.description,
        opens_at=opens_at,
        closes_at=draft.closes_at,
        audience=draft.audience,
        state=SpaceState.open,
        private_key_pem=private,
        public_key_pem=public,
        created_by_id=by.id if by is not None else None,
    )
    session.add(space)
    session.flush()
    record(session, by, "discussion.open", "discussion", slug)
    return space


def move_space(session: Session, by: Member | None, space: DiscussionSpace, to: SpaceState) -> None:
    """Close, reopen or archive a space (staff only), logged."""
    if by is not None:
        check_staff(by)
    GRAPH.move(space, to)
    record(session, by, f"discussion.{to.value}", "discussion", space.slug)


def accepts_posts(space: DiscussionSpace, now: datetime | None = None) -> bool:
    moment = now or utcnow()
    return (
        space.state is SpaceState.open
        and space.opens_at <= moment
        and (space.closes_at is None or moment < space.closes_at)
    )


def check_open(space: DiscussionSpace, now: datetime | None = None) -> None:
    if not accepts_posts(space, now):
        raise DomainError("discussion_closed", CLOSED_MESSAGE, 409)


def find_space(session: Session, slug: str) -> DiscussionSpace:
    space = session.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == slug))
    if space is None:
        raise NotFound(f"discussion {slug!r}")
    return space


def listed_spaces(session: Session) -> list[DiscussionSpace]:
    """Open and closed spaces, the newest first; archived ones are off the list."""
    return list(
        session.scalars(
            select(DiscussionSpace)
            .where(DiscussionSpace.state != SpaceState.archived)
            .order_by(DiscussionSpace.id.desc())
        )
    )


# ---------------------------------------------------------------------- threads and replies


def _text(content: str, *, what: str) -> str:
    if not content.strip():
        raise DomainError("empty_post", f"a {what} needs some text", 400)
    if len(content) > MAX_TEXT:
        raise DomainError("post_too_long", f"a {what} is at most {MAX_TEXT} characters", 400)
    return content


def start_thread(
    session: Session,
    space: DiscussionSpace,
    member: Member | None,
    title: str,
    content: str,
    uri_of: Callable[[str], str],
    *,
    remote: RemoteActor | None = None,
) -> DiscussionThread:
    """A member (or, in a federated space, a remote actor) starts a thread in an open space.
    `uri_of(public_id)` gives the Page's id: ours, or the remote object's."""
    check_open(space)
    if remote is not None and space.audience is not SpaceAudience.federated:
        raise DomainError("members_only", "this discussion is open to the city's members only", 403)
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError("invalid_title", f"a title needs 1 to {MAX_TITLE} characters", 400)
    public_id = new_public_id()
    thread = DiscussionThread(
        public_id=public_id,
        uri=uri_of(public_id),
        space_id=space.id,
        member_id=member.id if member is not None else None,
        remote_actor_id=remote.id if remote is not None else None,
        title=title,
        content=_text(content, what="thread"),
    )
    session.add(thread)
    session.flush()
    return thread


def find_thread(session: Session, public_id: str, *, hidden: bool = False) -> DiscussionThread:
    """A thread by its public id; a hidden one only when `hidden` (moderators)."""
    thread = session.scalar(select(DiscussionThread).where(DiscussionThread.public_id == public_id))
    if thread is None or (thread.hidden and not hidden):
        raise NotFound(f"thread {public_id!r}")
    return thread


def space_of(session: Session, thread: DiscussionThread) -> DiscussionSpace:
    space = session.get(DiscussionSpace, thread.space_id)
    assert space is not None
    return space


def reply(
    session: Session,
    thread: DiscussionThread,
    content: str,
    uri: str,
    *,
    parent: DiscussionPost | None = None,
    member: Member | None = None,
    remote: RemoteActor | None = None,
) -> DiscussionPost:
    """A reply to the thread, or to one of its replies (`parent`), by a member or a remote
    actor. Refused in a closed space, in a locked or hidden thread, and from another city
    when the space is for members only."""
    space = space_of(session, thread)
    check_open(space)
    if thread.hidden:
        raise NotFound(f"thread {thread.public_id!r}")
    if thread.locked:
        raise DomainError("thread_locked", "This thread is locked: it takes no new replies.", 409)
    if remote is not None and space.audience is not SpaceAudience.federated:
        raise DomainError("members_only", "this discussion is open to the city's members only", 403)
    if parent is not None and (parent.thread_id != thread.id or parent.hidden):
        raise DomainError("invalid_parent", "the reply answers a post of another thread", 400)
    post = DiscussionPost(
        uri=uri,
        thread_id=thread.id,
        parent_id=parent.id if parent is not None else None,
        member_id=member.id if member is not None else None,
        remote_actor_id=remote.id if remote is not None else None,
        content=_text(content, what="reply"),
    )
    session.add(post)
    thread.last_post_at = utcnow()
    session.flush()
    return post


def answered(
    session: Session, uri: str | None
) -> tuple[DiscussionThread, DiscussionPost | None] | None:
    """What of ours a reply's `inReplyTo` names: a thread, or a reply and its thread."""
    if not uri:
        return None
    thread = session.scalar(select(DiscussionThread).where(DiscussionThread.uri == uri))
    if thread is not None:
        return thread, None
    post = session.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
    if post is None:
        return None
    parent_thread = session.get(DiscussionThread, post.thread_id)
    assert parent_thread is not None
    return parent_thread, post


MAX_QUERY = 200


def threads_page(
    session: Session, space: DiscussionSpace, page: int = 1, query: str = ""
) -> tuple[list[DiscussionThread], bool]:
    """One page of a space's visible threads (pinned first, then the latest activity), and
    whether there is a next page. With `query`, only the threads whose title or text holds it
    (any case; its words in that order, `%` and `_` taken literally): a space holds hundreds
    of threads, so a scan of one space's rows is cheap and needs no search index."""
    page = max(page, 1)
    wanted = query.strip()[:MAX_QUERY]
    matching = (
        or_(
            DiscussionThread.title.icontains(wanted, autoescape=True),
            DiscussionThread.content.icontains(wanted, autoescape=True),
        )
        if wanted
        else true()
    )
    rows = list(
        session.scalars(
            select(DiscussionThread)
            .where(
                DiscussionThread.space_id == space.id,
                DiscussionThread.hidden.is_(False),
                matching,
            )
            .order_by(
                DiscussionThread.pinned.desc(),
                DiscussionThread.last_post_at.desc(),
                DiscussionThread.id.desc(),
            )
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


#: the most pinned threads a Group's `featured` collection lists (Lemmy reads 50 at most)
MAX_FEATURED = 50


def featured_threads(session: Session, space: DiscussionSpace) -> list[DiscussionThread]:
    """A space's visible pinned threads, in the order its page shows them (the latest
    activity first): the Group's `featured` collection, as Lemmy reads a community's pins."""
    return list(
        session.scalars(
            select(DiscussionThread)
            .where(
                DiscussionThread.space_id == space.id,
                DiscussionThread.pinned.is_(True),
                DiscussionThread.hidden.is_(False),
            )
            .order_by(DiscussionThread.last_post_at.desc(), DiscussionThread.id.desc())
            .limit(MAX_FEATURED)
        )
    )


def reply_counts(session: Session, threads: list[DiscussionThread]) -> dict[int, int]:
    if not threads:
        return {}
    rows = session.execute(
        select(DiscussionPost.thread_id, func.count())
        .where(
            DiscussionPost.thread_id.in_([t.id for t in threads]),
            DiscussionPost.hidden.is_(False),
        )
        .group_by(DiscussionPost.thread_id)
    )
    return {thread_id: count for thread_id, count in rows}


def posts_of(session: Session, thread: DiscussionThread) -> list[DiscussionPost]:
    """Every visible reply of a thread, oldest first; a hidden reply hides its answers too."""
    rows = list(
        session.scalars(
            select(DiscussionPost)
            .where(DiscussionPost.thread_id == thread.id)
            .order_by(DiscussionPost.id)
        )
    )
    gone = {p.id for p in rows if p.hidden}
    shown = []
    for post in rows:  # parents come before their answers (ids grow)
        if post.id in gone or post.parent_id in gone:
            gone.add(post.id)
            continue
        shown.append(post)
    return shown


# ---------------------------------------------------------------------- moderation


def _log(session: Session, by: Member | None, action: str, uri: str, reason: str) -> None:
    record(session, by, f"discussion.{action}", "discussion_post", uri, reason)


def _staff_or_command_line(by: Member | None) -> None:
    """Moderators decide on the web and the API; `by` None is the command line (or a report
    acted on from it)."""
    if by is not None:
        check_staff(by)


def pin(session: Session, by: Member | None, thread: DiscussionThread, pinned: bool = True) -> None:
    _staff_or_command_line(by)
    thread.pinned = pinned
    _log(session, by, "pin" if pinned else "unpin", thread.uri, "")


def lock(
    session: Session,
    by: Member | None,
    thread: DiscussionThread,
    reason: str = "",
    locked: bool = True,
) -> None:
    _staff_or_command_line(by)
    thread.locked = locked
    _log(session, by, "lock" if locked else "unlock", thread.uri, reason)


def hide_thread(
    session: Session, by: Member | None, thread: DiscussionThread, reason: str, hidden: bool = True
) -> None:
    _staff_or_command_line(by)
    thread.hidden = hidden
    _log(session, by, "hide" if hidden else "unhide", thread.uri, reason)


def hide_post(
    session: Session, by: Member | None, post: DiscussionPost, reason: str, hidden: bool = True
) -> None:
    _staff_or_command_line(by)
    post.hidden = hidden
    _log(session, by, "hide" if hidden else "unhide", post.uri, reason)


def move(
    session: Session,
    by: Member | None,
    thread: DiscussionThread,
    to: DiscussionSpace,
    reason: str = "",
) -> None:
    """A thread goes to another space (its id stays: the Page is not under the space)."""
    _staff_or_command_line(by)
    if to.state is SpaceState.archived:
        raise DomainError("discussion_archived", "a thread cannot move to an archived space", 409)
    thread.space_id = to.id
    _log(session, by, "move", thread.uri, f"to {to.slug}" + (f": {reason}" if reason else ""))


def remote_post_of(session: Session, uri: str, sender: str) -> DiscussionPost | None:
    """A remote reply by `uri`, when `sender` (an actor id) wrote it; else None."""
    found = session.execute(
        select(DiscussionPost, RemoteActor.uri)
        .join(RemoteActor, RemoteActor.id == DiscussionPost.remote_actor_id)
        .where(DiscussionPost.uri == uri)
    ).first()
    if found is None or found[1] != sender:
        return None
    post: DiscussionPost = found[0]
    return post


def revise_remote(post: DiscussionPost, content: str) -> None:
    """Its author edited a remote reply (the Update was checked to be theirs)."""
    post.content = _text(content, what="reply")


def remove_remote(post: DiscussionPost) -> None:
    """Its author deleted a remote reply: its text goes, and it leaves the pages as a hidden
    one does (its answers with it). Not a moderator's decision: nothing is logged."""
    post.content = ""
    post.hidden = True


def find_post(session: Session, uri: str) -> DiscussionPost:
    post = session.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
    if post is None:
        raise NotFound("reply")
    return post
