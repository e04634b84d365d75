"""Blocks and mutes by members, and remote accounts' Blocks of members (Mastodon's).

A member's block ends the follows between the two either way, and for a remote account
tells its server with a `Block` (an `Undo` of it on unblock), as Mastodon does, so that the
other server drops what it shows of the member there too. A remote account's `Block` of a
member ends the follows between them and, while it stands, neither side's Follow is taken:
`social.follow` refuses ours, the inbox refuses theirs (`refused_follow`). Mutes are the
member's reading choice alone: nothing is sent, so the API calls exchange/account_mutes.py.

Every function changes rows and writes the activities the change causes in the caller's
transaction, as services.social's.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from exchange import account_blocks, follows, member_domain_blocks
from exchange.account_blocks import Target
from instance.city import City
from models import Direction, Follow, Member, RemoteActor
from outbox import render
from outbox.publish import Audience, publish

from . import social


def block(session: Session, city: City, member: Member, target: Target) -> None:
    """The member blocks `target`: follows either way end; a remote account is sent a
    `Block`."""
    existing = account_blocks.find(session, member, target)
    if existing is not None:
        return
    me = city.urls.member(member.username)
    activity_id = None
    if isinstance(target, RemoteActor):
        _end_follows(session, city, me, target)
        activity_id = social.new_activity_id(city)
    account_blocks.block(session, member, target, activity_id)
    if isinstance(target, RemoteActor) and activity_id is not None:
        document = render.activity(city.urls, "Block", activity_id, me, target.uri, to=[target.uri])
        publish(session, city, document, Audience(actors=[target]))


def _end_follows(session: Session, city: City, me: str, target: RemoteActor) -> None:
    """Our follow of `target` undone (an `Undo` of it), its follow of us refused (a
    `Reject`): what Mastodon sends before a Block, for servers that would keep them."""
    ours = follows.find(session, me, target, Direction.outbound)
    if ours is not None:
        social.unfollow(session, city, me, target)
    theirs = follows.find(session, me, target, Direction.inbound)
    if theirs is not None:
        social.reject_follower(session, city, theirs, target)


def unblock(session: Session, city: City, member: Member, target: Target) -> None:
    """The block removed; a remote account is sent an `Undo` of the `Block`."""
    row = account_blocks.unblock(session, member, target)
    if row is None or not isinstance(target, RemoteActor) or row.activity_uri is None:
        return
    me = city.urls.member(member.username)
    original = render.activity(city.urls, "Block", row.activity_uri, me, target.uri)
    undo = render.activity(
        city.urls, "Undo", social.new_activity_id(city), me, original, to=[target.uri]
    )
    publish(session, city, undo, Audience(actors=[target]))


# ---------------------------------------------------------------------- domain blocks


def block_domain(session: Session, city: City, member: Member, domain: str) -> None:
    """The member blocks a domain (normalized: exchange/member_domain_blocks.py): as
    Mastodon's BlockDomainFromAccountService, each follow between the member and an account
    of that domain ends as an account block ends it (ours undone, theirs rejected, pending
    ones too); no `Block` is sent, nothing else federates. Blocking again changes nothing."""
    _, new = member_domain_blocks.block(session, member, domain)
    if not new:
        return
    me = city.urls.member(member.username)
    for actor in follows.actors_on_domain(session, me, domain):
        _end_follows(session, city, me, actor)


def unblock_domain(session: Session, member: Member, domain: str) -> None:
    """The member's domain block removed (none: no error); ended follows stay ended."""
    member_domain_blocks.unblock(session, member, domain)


# ---------------------------------------------------------------------- remote Blocks


def receive_block(
    session: Session, city: City, member_id: int, actor: RemoteActor, activity_uri: str
) -> None:
    """A remote account blocks our member: the follows between them end (their server ended
    them on its side already: nothing is sent) and, while the block stands, none is taken."""
    member = session.get(Member, member_id)
    if member is None:
        return
    me = city.urls.member(member.username)
    session.execute(
        delete(Follow).where(Follow.local_actor == me, Follow.remote_actor_id == actor.id)
    )
    account_blocks.received(session, member_id, actor, activity_uri)


def receive_undo_block(
    session: Session, actor: RemoteActor, activity_uri: str | None, member_id: int | None
) -> None:
    """A remote account's Undo of its Block: follows may be asked again."""
    account_blocks.undone(session, actor, activity_uri, member_id)


def refused_follow(session: Session, city: City, followed: str, follower: RemoteActor) -> bool:
    """A remote Follow of one of our members that a block, either way, or the member's
    block of the follower's domain refuses (Mastodon rejects those too)."""
    member_id = social.member_id_of(session, city, followed)
    return member_id is not None and (
        account_blocks.between(session, member_id, follower.id)
        or member_domain_blocks.blocks(session, member_id, follower.domain)
    )
