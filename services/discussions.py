"""Discussions' use cases: staff open and close spaces, members start threads and reply,
moderators pin, lock, hide and move, other cities' residents follow a space and reply to it.

One function per thing someone does; each makes the domain change (exchange/discussions.py)
and publishes what it causes (outbox/discussions.py: the Group's Announce, an Accept) in the
caller's transaction, and never commits.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import discussions
from exchange.discussions import SpaceDraft
from exchange.errors import DomainError, Forbidden
from federation.inbound_note import InboundNote
from federation.keys import generate_rsa_pem
from instance.city import City
from instance.html import html_to_text, sanitize_html, text_to_html
from models import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Member,
    RemoteActor,
    SpaceAudience,
    SpaceState,
    new_public_id,
)
from outbox import discussions as wire

from . import social

log = logging.getLogger("comptoir.discussions")


def _active(member: Member) -> Member:
    if not member.is_active:
        raise Forbidden("only active members may post")
    return member


# ---------------------------------------------------------------------- staff


def open_space(
    session: Session, city: City, by: Member | None, draft: SpaceDraft
) -> DiscussionSpace:
    """Staff open a space: a new Group actor with its own key pair. The description is plain
    text, made HTML here as a note's is."""
    if by is not None:
        discussions.check_staff(by)  # before the key pair is drawn: it takes a while
    html = text_to_html(draft.description) if draft.description.strip() else ""
    shaped = SpaceDraft(
        slug=draft.slug,
        title=draft.title,
        description=html,
        audience=draft.audience,
        opens_at=draft.opens_at,
        closes_at=draft.closes_at,
    )
    return discussions.open_space(session, by, shaped, generate_rsa_pem())


def set_state(
    session: Session, city: City, by: Member | None, slug: str, state: SpaceState
) -> DiscussionSpace:
    """Staff close, reopen or archive a space. A closed space stays readable."""
    space = discussions.find_space(session, slug)
    discussions.move_space(session, by, space, state)
    return space


# ---------------------------------------------------------------------- members


def start_thread(
    session: Session, city: City, member: Member, slug: str, title: str, text: str
) -> DiscussionThread:
    """A member starts a thread; the Group announces its Page to the space's followers."""
    space = discussions.find_space(session, slug)
    thread = discussions.start_thread(
        session,
        space,
        _active(member),
        title,
        text_to_html(text, tag_url=city.urls.tag) if text.strip() else "",
        city.urls.discussion_thread,
    )
    author = city.urls.member(member.username)
    document = wire.render_thread(city.urls, space, thread, author)
    wire.publish_local(session, city, space, author, document, thread.published)
    return thread


def reply(
    session: Session,
    city: City,
    member: Member,
    thread_public_id: str,
    text: str,
    *,
    parent_uri: str | None = None,
) -> DiscussionPost:
    """A member replies to a thread, or to one of its replies; the Group announces the Note."""
    thread = discussions.find_thread(session, thread_public_id)
    parent = discussions.find_post(session, parent_uri) if parent_uri else None
    post = discussions.reply(
        session,
        thread,
        text_to_html(text, tag_url=city.urls.tag) if text.strip() else "",
        city.urls.discussion_post(new_public_id()),
        parent=parent,
        member=_active(member),
    )
    space = discussions.space_of(session, thread)
    author = city.urls.member(member.username)
    document = wire.render_post(
        city.urls, space, thread, post, author, parent.uri if parent is not None else None
    )
    wire.publish_local(session, city, space, author, document, post.published)
    return post


# ---------------------------------------------------------------------- other cities


def receive_follow(
    session: Session, city: City, group: str, follower: RemoteActor, activity_uri: str
) -> None:
    """A remote Follow of a space's Group: accepted when the space federates, refused when it
    is for the city's members only."""
    ref = city.fediverse.actors.parse(group)
    space = (
        session.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == ref.name))
        if ref is not None
        else None
    )
    if space is None or space.audience is not SpaceAudience.federated:
        social.refuse_follow(session, city, group, follower, activity_uri)
        return
    social.receive_follow(session, city, group, follower, activity_uri, manual=False)


def receive_reply(
    session: Session,
    city: City,
    sender: RemoteActor,
    note: InboundNote,
    activity: dict[str, Any],
) -> DiscussionPost | None:
    """A remote resident's Note in reply to one of our threads or replies: kept, and the
    Group announces the Create it received. A refused reply (closed space, locked thread,
    members only) is dropped, logged, and nothing is written."""
    if session.scalar(select(DiscussionPost.id).where(DiscussionPost.uri == note.id)):
        return None  # a repeat
    found = discussions.answered(session, note.in_reply_to)
    if found is None:
        return None
    thread, parent = found
    try:
        with session.begin_nested():
            post = discussions.reply(
                session,
                thread,
                sanitize_html(note.content),
                note.id,
                parent=parent,
                remote=sender,
            )
    except DomainError as exc:
        log.info("reply %s to %s refused: %s", note.id, thread.uri, exc.code)
        return None
    wire.announce(session, city, discussions.space_of(session, thread), activity)
    return post


def receive_thread(
    session: Session,
    city: City,
    sender: RemoteActor,
    group: str,
    note: InboundNote,
    activity: dict[str, Any],
) -> DiscussionThread | None:
    """Another city's resident starts a thread by addressing the Group: a Page's `name` is its
    title (a Note's first line, as Lemmy titles a Mastodon post). Kept, and the Group
    announces the Create; refused (closed, members only) it is dropped, logged, nothing
    written."""
    if session.scalar(select(DiscussionThread.id).where(DiscussionThread.uri == note.id)):
        return None  # a repeat
    ref = city.fediverse.actors.parse(group)
    space = (
        session.scalar(select(DiscussionSpace).where(DiscussionSpace.slug == ref.name))
        if ref is not None
        else None
    )
    if space is None:
        return None
    content = sanitize_html(note.content)
    title = (note.name or html_to_text(content).strip().split("\n", 1)[0])[: discussions.MAX_TITLE]
    try:
        with session.begin_nested():
            thread = discussions.start_thread(
                session, space, None, title, content, lambda _: note.id, remote=sender
            )
    except DomainError as exc:
        log.info("thread %s in %s refused: %s", note.id, space.slug, exc.code)
        return None
    wire.announce(session, city, space, activity)
    return thread


def receive_update(
    session: Session, city: City, sender: str, note: InboundNote, activity: dict[str, Any]
) -> bool:
    """A remote author's Update of their reply: applied, and announced by the Group. False
    when the Note is no reply of theirs here (the ordinary handlers take it)."""
    post = discussions.remote_post_of(session, note.id, sender)
    if post is None:
        return False
    try:
        with session.begin_nested():
            discussions.revise_remote(post, sanitize_html(note.content))
    except DomainError as exc:
        log.info("update of %s refused: %s", note.id, exc.code)
        return True
    thread = session.get(DiscussionThread, post.thread_id)
    assert thread is not None
    wire.announce(session, city, discussions.space_of(session, thread), activity)
    return True


def receive_delete(
    session: Session, city: City, sender: str, object_id: str, activity: dict[str, Any]
) -> bool:
    """A remote author deleted their reply: removed here, and the Group announces the
    Delete so that every follower's copy goes too. False when it is no reply of theirs."""
    post = discussions.remote_post_of(session, object_id, sender)
    if post is None:
        return False
    if not post.hidden:
        discussions.remove_remote(post)
        thread = session.get(DiscussionThread, post.thread_id)
        assert thread is not None
        wire.announce(session, city, discussions.space_of(session, thread), activity)
    return True


# ---------------------------------------------------------------------- moderators


THREAD_ACTIONS = ("pin", "unpin", "lock", "unlock", "hide", "unhide", "move")


def moderate_thread(
    session: Session,
    city: City,
    by: Member | None,
    thread_public_id: str,
    action: str,
    *,
    reason: str = "",
    to_slug: str | None = None,
) -> DiscussionThread:
    """A moderator's decision on a thread, logged; it reaches the Group's followers (a hide as
    the Group's Delete, an unhide as its Undo, a pin as its Update of the Page and its Add to
    the Group's `featured` (Remove to unpin), a lock as its
    Lock, an unlock as its Undo of the Lock, a move as the old Group's Delete and the new
    Group's Announce of the Page).
    `by` None is the command line."""
    if by is not None:
        discussions.check_staff(by)
    thread = discussions.find_thread(session, thread_public_id, hidden=True)
    space = discussions.space_of(session, thread)
    if action in ("pin", "unpin"):
        discussions.pin(session, by, thread, action == "pin")
        if city.urls.is_local(thread.uri):  # a remote author's Page is theirs to render
            page = wire.render_thread(
                city.urls, space, thread, wire.author_of(session, city.urls, thread)
            )
            wire.announce_page_update(session, city, space, page)
        moderator = city.urls.member(by.username) if by is not None else None
        wire.announce_feature(session, city, space, thread.uri, action == "pin", moderator)
    elif action in ("lock", "unlock"):
        discussions.lock(session, by, thread, reason, action == "lock")
        if action == "lock":
            wire.announce_lock(session, city, space, thread.uri, reason)
        else:
            wire.announce_unlock(session, city, space, thread.uri)
    elif action in ("hide", "unhide"):
        discussions.hide_thread(session, by, thread, reason, action == "hide")
        if action == "hide":
            wire.announce_removal(session, city, space, thread.uri)
        else:
            wire.announce_restore(session, city, space, thread.uri)
    elif action == "move":
        if not to_slug:
            raise DomainError("space_required", "name the discussion to move the thread to", 400)
        target = discussions.find_space(session, to_slug)
        discussions.move(session, by, thread, target, reason)
        if not thread.hidden and target.id != space.id:
            author = wire.author_of(session, city.urls, thread)
            wire.announce_move(session, city, space, target, thread, author)
    else:
        raise DomainError("unknown_action", f"no such action: {action}", 404)
    return thread


def hide_by_uri(session: Session, city: City, uri: str, by: Member | None, reason: str) -> None:
    """Hide a thread or a reply named by its id (a report's object; the argument order of
    services.moderation's object actions)."""
    thread = session.scalar(select(DiscussionThread).where(DiscussionThread.uri == uri))
    if thread is not None:
        moderate_thread(session, city, by, thread.public_id, "hide", reason=reason)
    else:
        hide_post(session, city, by, uri, reason)


def author_of_uri(session: Session, city: City, uri: str) -> str | None:
    """The author's actor id of a thread or reply of ours by its id, else None."""
    row: DiscussionThread | DiscussionPost | None = session.scalar(
        select(DiscussionThread).where(DiscussionThread.uri == uri)
    ) or session.scalar(select(DiscussionPost).where(DiscussionPost.uri == uri))
    return None if row is None else wire.author_of(session, city.urls, row)


def hide_post(
    session: Session,
    city: City,
    by: Member | None,
    post_uri: str,
    reason: str,
    *,
    hidden: bool = True,
) -> DiscussionPost:
    """A moderator hides a reply (and with it its answers); the removal reaches the Group's
    followers. `by` None is the command line."""
    if by is not None:
        discussions.check_staff(by)
    post = discussions.find_post(session, post_uri)
    discussions.hide_post(session, by, post, reason, hidden)
    thread = session.get(DiscussionThread, post.thread_id)
    assert thread is not None
    space = discussions.space_of(session, thread)
    if hidden:
        wire.announce_removal(session, city, space, post.uri)
    else:
        wire.announce_restore(session, city, space, post.uri)
    return post
