"""A member favourites or reblogs a status from an app: kept in `status_reactions` and
federated as Mastodon does, a `Like` to the author's server, an `Announce` to the member's
followers and the author, and an `Undo` of either when taken back.

Activity ids derive from the reaction's row (`{member}/likes/{id}`, `{member}/announces/
{id}`), so the Undo names the activity it undoes without storing it. A favourite or a
reblog of a member's own city's status federates no Like (there is no other server to
tell); its reblog still goes to the member's followers. What remote servers send us is
inbox/interactions.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exchange import statuses
from federation.vocab import PUBLIC
from instance.city import City
from models import Member, ReactionKind, RemoteActor, StatusReaction
from outbox import render
from outbox.publish import Audience, publish

PATHS = {ReactionKind.favourite: "likes", ReactionKind.reblog: "announces"}
TYPES = {ReactionKind.favourite: "Like", ReactionKind.reblog: "Announce"}


def _target(session: Session, status_id: int) -> tuple[str, RemoteActor | None]:
    """The status's object URI and its remote author (None when it is ours)."""
    (row,) = statuses.rows(session, [status_id])
    item = row.item
    author = session.get(RemoteActor, item.remote_actor_id) if item.remote_actor_id else None
    return item.uri, author


def _activity(
    session: Session, city: City, member: Member, reaction: StatusReaction
) -> tuple[dict[str, Any], Audience] | None:
    """The Like or Announce of this reaction and who gets it (None: nobody to tell)."""
    me = city.urls.member(member.username)
    uri, author = _target(session, reaction.status_id)
    activity_id = f"{me}/{PATHS[reaction.kind]}/{reaction.id}"
    if reaction.kind is ReactionKind.favourite:
        if author is None:
            return None
        document = render.activity(city.urls, "Like", activity_id, me, uri, to=[author.uri])
        return document, Audience(actors=[author])
    cc = [city.urls.followers(me)] + ([author.uri] if author is not None else [])
    document = render.activity(
        city.urls,
        "Announce",
        activity_id,
        me,
        uri,
        to=[PUBLIC],
        cc=cc,
        published=reaction.created_at,
    )
    return document, Audience(followers_of=[me], actors=[author] if author else [])


def react(
    session: Session, city: City, member: Member, status_id: int, kind: ReactionKind
) -> StatusReaction:
    """Favourite or reblog once (again changes nothing and sends nothing)."""
    existing = statuses.reaction_of(session, member, status_id, kind)
    if existing is not None:
        return existing
    reaction = statuses.react(session, member, status_id, kind)
    made = _activity(session, city, member, reaction)
    if made is not None:
        publish(session, city, *made)
    return reaction


def unreact(
    session: Session, city: City, member: Member, status_id: int, kind: ReactionKind
) -> None:
    """Take a favourite or reblog back: an Undo of the activity, to the same audience."""
    reaction = statuses.reaction_of(session, member, status_id, kind)
    if reaction is None:
        return
    made = _activity(session, city, member, reaction)
    statuses.unreact(session, member, status_id, kind)
    if made is None:
        return
    done, audience = made
    me = city.urls.member(member.username)
    undo = render.activity(
        city.urls,
        "Undo",
        f"{done['id']}/undo",
        me,
        done,
        to=done.get("to"),
        cc=done.get("cc"),
    )
    publish(session, city, undo, audience)
