"""Discussions on the wire (FEP-1b12): the space's Group, threads as `Page`, replies as `Note`
with `inReplyTo`, and the Group's `Announce` of every accepted activity to its followers.

Why the Group announces and the author's server does not deliver: a follower of the space
follows the Group, not each resident, so the Group is the one actor whose followers are the
space's audience. Everything a space accepts (a thread, a reply, a moderator's removal) reaches
them as an Announce by the Group that embeds the activity, as Lemmy and Mbin send it; each
object carries `audience` = the Group, so a receiving server knows where it belongs.

Our members' Create is stored (its id is served) but delivered by no one but the Group. A
members-only space federates nothing: its objects are addressed to the Group alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from federation.vocab import PUBLIC
from instance.city import City
from instance.urls import Urls
from models import (
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Member,
    RemoteActor,
    SpaceAudience,
    new_public_id,
)

from . import render
from .publish import Audience, publish


def group_id(urls: Urls, space: DiscussionSpace) -> str:
    return urls.discussion_space(space.slug)


def federated(space: DiscussionSpace) -> bool:
    return space.audience is SpaceAudience.federated


def author_of(session: Session, urls: Urls, row: DiscussionThread | DiscussionPost) -> str:
    """The actor id of whoever wrote a thread or a reply: a member, or a remote actor; the
    instance actor stands for a member whose account is gone."""
    remote_id = row.remote_actor_id
    if remote_id is not None:
        actor = session.get(RemoteActor, remote_id)
        if actor is not None:
            return actor.uri
    member = session.get(Member, row.member_id) if row.member_id is not None else None
    return urls.member(member.username) if member is not None else urls.instance_actor


def featured_id(urls: Urls, space: DiscussionSpace) -> str:
    """The Group's `featured` collection: Lemmy's URL shape (`{community}/featured`), which its
    moderators' `Add` / `Remove` name as `target`."""
    return f"{group_id(urls, space)}/featured"


def render_space(urls: Urls, space: DiscussionSpace) -> dict[str, Any]:
    return render.render_group(
        urls,
        group_id(urls, space),
        username=space.slug,
        name=space.title,
        summary=space.description,
        public_key_pem=space.public_key_pem,
        published=space.created_at,
        featured=featured_id(urls, space),
    )


def render_featured(
    urls: Urls, space: DiscussionSpace, pages: list[dict[str, Any]]
) -> dict[str, Any]:
    """The pinned threads as Lemmy serves a community's `featured`: an `OrderedCollection`
    whose `orderedItems` are the whole `Page`s (LemmyNet/lemmy `GroupFeatured`: type, id,
    totalItems, orderedItems), in the space page's order. A members-only space lists none:
    it federates nothing."""
    items = [{key: value for key, value in page.items() if key != "@context"} for page in pages]
    if not federated(space):
        items = []
    return {
        "@context": render.context(urls),
        "id": featured_id(urls, space),
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


def _addressing(urls: Urls, space: DiscussionSpace) -> list[str]:
    group = group_id(urls, space)
    return [group, PUBLIC] if federated(space) else [group]


def render_thread(
    urls: Urls, space: DiscussionSpace, thread: DiscussionThread, author_id: str
) -> dict[str, Any]:
    """A thread: a `Page` whose `audience` (and first recipient) is the space's Group."""
    group = group_id(urls, space)
    return {
        "@context": render.context(urls),
        "id": thread.uri,
        "type": "Page",
        "attributedTo": author_id,
        "name": thread.title,
        "content": thread.content,
        "mediaType": "text/html",
        "published": render.iso(thread.published),
        "url": thread.uri,
        "to": _addressing(urls, space),
        "cc": [],
        "audience": group,
        "sensitive": False,
        "stickied": thread.pinned,
        "commentsEnabled": not thread.locked,
    }


def render_post(
    urls: Urls,
    space: DiscussionSpace,
    thread: DiscussionThread,
    post: DiscussionPost,
    author_id: str,
    parent_uri: str | None,
) -> dict[str, Any]:
    """A reply: a `Note` in reply to the thread's Page or to another reply."""
    return {
        "@context": render.context(urls),
        "id": post.uri,
        "type": "Note",
        "attributedTo": author_id,
        "content": post.content,
        "mediaType": "text/html",
        "published": render.iso(post.published),
        "url": post.uri,
        "inReplyTo": parent_uri or thread.uri,
        "context": thread.uri,
        "to": _addressing(urls, space),
        "cc": [],
        "audience": group_id(urls, space),
    }


def announce(
    session: Session, city: City, space: DiscussionSpace, activity: dict[str, Any]
) -> None:
    """The Group announces an activity it accepted to its followers (a federated space only)."""
    if not federated(space):
        return
    urls = city.urls
    group = group_id(urls, space)
    document = render.activity(
        urls,
        "Announce",
        urls.activity(new_public_id()),
        group,
        activity,
        to=[PUBLIC],
        cc=[urls.followers(group)],
        audience=group,
    )
    publish(session, city, document, Audience(followers_of=[group]))


def publish_local(
    session: Session,
    city: City,
    space: DiscussionSpace,
    author_id: str,
    document: dict[str, Any],
    published: datetime,
) -> None:
    """A member's Create of a thread or reply: stored and served under the object's id, and
    announced by the Group; the member's own followers are not the space's audience."""
    create = render.activity(
        city.urls,
        "Create",
        f"{document['id']}/activity",
        author_id,
        document,
        to=document["to"],
        cc=document["cc"],
        published=published,
        audience=document["audience"],
    )
    publish(session, city, create, Audience())
    announce(session, city, space, create)


def _group_does(
    session: Session,
    city: City,
    space: DiscussionSpace,
    kind: str,
    obj: str | dict[str, Any],
    *,
    actor: str | None = None,
    **extra: Any,
) -> None:
    """The Group's own activity about one of its threads or replies (or its moderator's,
    `actor`), published to its followers and announced (how Lemmy's moderators' decisions
    travel)."""
    if not federated(space):
        return
    urls = city.urls
    group = group_id(urls, space)
    activity = render.activity(
        urls,
        kind,
        urls.activity(new_public_id()),
        actor or group,
        obj,
        to=[PUBLIC],
        cc=[urls.followers(group)],
        audience=group,
        **{key: value for key, value in extra.items() if value is not None},
    )
    publish(session, city, activity, Audience())
    announce(session, city, space, activity)


def announce_removal(session: Session, city: City, space: DiscussionSpace, object_uri: str) -> None:
    """A moderator hid a thread or reply: the Group deletes it on its followers' servers
    (Announce of the Group's Delete)."""
    _group_does(session, city, space, "Delete", object_uri)


def announce_page_update(
    session: Session, city: City, space: DiscussionSpace, page: dict[str, Any]
) -> None:
    """A moderator pinned, unpinned, locked or unlocked a thread: the Group's `Update` of the
    Page (its `stickied` and `commentsEnabled`), announced to its followers."""
    _group_does(session, city, space, "Update", page)


def announce_feature(
    session: Session,
    city: City,
    space: DiscussionSpace,
    thread_uri: str,
    pinned: bool,
    moderator: str | None,
) -> None:
    """A moderator pinned (or unpinned) a thread: their `Add` (or `Remove`) of the Page to the
    Group's `featured` collection, announced by the Group, as Lemmy's moderators send a pin
    (Lemmy's `CollectionAdd`: the actor a person, whom it accepts as a moderator when they are
    on the community's server; the `target` checked against the Group's `featured`).
    `moderator` None (the command line): the Group itself is the actor."""
    target = featured_id(city.urls, space)
    kind = "Add" if pinned else "Remove"
    _group_does(session, city, space, kind, thread_uri, actor=moderator, target=target)


def announce_lock(
    session: Session, city: City, space: DiscussionSpace, thread_uri: str, reason: str
) -> None:
    """A moderator locked a thread: the Group's `Lock` of the Page, announced (Lemmy's way
    since 0.19, which no longer reads a lock from an `Update` of the Page)."""
    _group_does(session, city, space, "Lock", thread_uri, summary=reason or None)


def announce_unlock(session: Session, city: City, space: DiscussionSpace, thread_uri: str) -> None:
    """A moderator unlocked a thread: the Group's `Undo` of its `Lock`, announced."""
    group = group_id(city.urls, space)
    lock = {"type": "Lock", "actor": group, "object": thread_uri, "audience": group}
    _group_does(session, city, space, "Undo", lock)


def announce_move(
    session: Session,
    city: City,
    old: DiscussionSpace,
    new: DiscussionSpace,
    thread: DiscussionThread,
    author_id: str,
) -> None:
    """A moderator moved a thread to another space: it leaves the old Group (its `Delete` of
    the Page, which Lemmy and Comptoir followers apply as a removal from that Group) and
    arrives in the new one (the author's `Create` of the Page, now with the new `audience`,
    announced by the new Group, as a new thread would be). A Comptoir city that keeps the
    thread from the old Group sees the same id announced by another Group of that server and
    moves its copy. A remote author's Page is theirs to render: only its removal travels."""
    announce_removal(session, city, old, thread.uri)
    if not city.urls.is_local(thread.uri):
        return
    page = render_thread(city.urls, new, thread, author_id)
    create = render.activity(
        city.urls,
        "Create",
        city.urls.activity(new_public_id()),
        author_id,
        page,
        to=page["to"],
        cc=page["cc"],
        published=thread.published,
        audience=page["audience"],
    )
    publish(session, city, create, Audience())
    announce(session, city, new, create)


def announce_restore(session: Session, city: City, space: DiscussionSpace, object_uri: str) -> None:
    """A moderator showed again a thread or reply they had hidden: the Group's `Undo` of its
    `Delete`, announced (Lemmy restores a removal this way)."""
    group = group_id(city.urls, space)
    delete = {"type": "Delete", "actor": group, "object": object_uri, "audience": group}
    _group_does(session, city, space, "Undo", delete)
