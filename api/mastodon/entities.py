"""Mastodon's entities from our rows: Account, Status (with MediaAttachment, Mention, Tag),
Relationship, Notification, in the JSON shapes Mastodon 4.3 documents (entities/*.md).

Ids are strings, as on Mastodon. An account is a member or a remote actor, two tables: the
account id keeps them apart by parity (a member's is `2 * id`, a remote actor's
`2 * id + 1`), so that ids stay numbers, which some apps sort. This city's own discussion
spaces are accounts too (Groups apps follow: `8×10^17 +` the space's id, past every row id,
as the made-up status ids of thread_statuses.py are). A status id is the
`statuses` row of the note, listing, discussion thread or reply (models/status.py).

A discussion thread shows as a public status (its title in bold, then its text), its
replies as statuses replying to it or to the reply they answer, so `/context` of a thread
gives the whole discussion. A status has one poll: a thread's is its space's newest poll
(the consultation staff attached to the discussion), as Mastodon's Poll entity
(`polls.poll_entity`), which apps answer through `/api/v1/polls/{id}/votes`.

A listing shows as Mastodon would show its federated Note: the same HTML (title, price,
description, quantity, place, link, category hashtag: `outbox.listings.content_html`) and
its photos as image attachments. `Cards` preloads, in one read, what a page of statuses
needs (authors, counts, reactions, the statuses replied to), so a page costs a fixed number
of queries.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Row,
    ScalarSelect,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from exchange import (
    account_blocks,
    account_mutes,
    member_domain_blocks,
    notifications,
    profile_fields,
    space_follows,
)
from exchange import discussions as discussion_rules
from exchange import statuses as status_rules
from exchange.errors import NotFound
from exchange.statuses import StatusRow
from instance.city import City
from instance.html import html_to_text, plain_name
from models import (
    Direction,
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    Follow,
    FollowState,
    Interaction,
    Listing,
    ListingState,
    Member,
    Note,
    Notification,
    NotificationKind,
    Poll,
    ReactionKind,
    RemoteActor,
    Status,
    StatusBookmark,
    StatusPin,
    StatusReaction,
)
from models.hashtag import names_of as hashtag_names
from outbox import render
from outbox.listings import content_html, listing_hashtags

from . import filtering
from .polls import poll_entity

#: Mastodon's visibility names for ours
VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "followers": "private",
    "direct": "direct",
}
FROM_MASTODON = {v: k for k, v in VISIBILITY.items()}

Account = Member | RemoteActor
#: what an app may look up, show and follow as an account: also this city's discussion
#: spaces (an author of statuses is always an `Account`)
Profile = Account | DiscussionSpace
#: a discussion space's account id is this plus the space's id
SPACE_ACCOUNTS = 8 * 10**17
#: the largest row id (32-bit integers on PostgreSQL)
MAX_ROW_ID = 2**31 - 1


def member_account_id(member_id: int) -> str:
    return str(2 * member_id)


def actor_account_id(actor_id: int) -> str:
    return str(2 * actor_id + 1)


def space_account_id(space_id: int) -> str:
    return str(SPACE_ACCOUNTS + space_id)


def account_id(account: Profile) -> str:
    if isinstance(account, Member):
        return member_account_id(account.id)
    if isinstance(account, DiscussionSpace):
        return space_account_id(account.id)
    return actor_account_id(account.id)


def split_account_id(value: int) -> tuple[int | None, int | None]:
    """(member id, remote actor id) of an account id: one of them is None."""
    return (value // 2, None) if value % 2 == 0 else (None, value // 2)


def find_account(session: Session, value: int) -> Profile | None:
    """The member, remote actor or discussion space of an account id; None for an id naming
    none (or past any row id)."""
    if value > SPACE_ACCOUNTS:
        space_id = value - SPACE_ACCOUNTS
        return session.get(DiscussionSpace, space_id) if space_id <= MAX_ROW_ID else None
    if value < 0 or value > 2 * MAX_ROW_ID + 1:
        return None
    member_id, actor_id = split_account_id(value)
    if member_id is not None:
        member = session.get(Member, member_id)
        return member if member is not None and member.is_active else None
    actor = session.get(RemoteActor, actor_id)
    return actor if actor is not None and actor.deleted_at is None else None


def path_account(session: Session, value: str) -> Profile:
    """The account of a path id (a member, a remote actor or a discussion space of ours)."""
    number = int(value) if value.isdigit() and len(value) <= 18 else -1
    found = find_account(session, number)
    if found is None:
        raise NotFound("account")
    return found


def iso(moment: Any) -> str:
    return render.iso_ms(moment)


def _avatar(city: City) -> str:
    return f"{city.urls.base}/static/avatar.svg"


def account(city: City, who: Profile, counts: tuple[int, int, int] = (0, 0, 0)) -> dict[str, Any]:
    """The Account entity; `counts` is (statuses, followers, following)."""
    if isinstance(who, DiscussionSpace):
        return _account_entity(
            city,
            space_account_id(who.id),
            username=who.slug,
            acct=who.slug,
            name=who.title,
            note=who.description,
            url=city.urls.discussion_space(who.slug),
            uri=city.urls.discussion_space(who.slug),
            created=who.created_at,
            locked=False,
            kind="Group",
            avatar=None,
            counts=counts,
        )
    if isinstance(who, Member):
        icon = render.member_icon(city.urls, who)
        return _account_entity(
            city,
            member_account_id(who.id),
            username=who.username,
            acct=who.username,
            name=who.display_name,
            note=who.summary,
            url=city.urls.profile_page(who.username),
            uri=city.urls.member(who.username),
            created=who.created_at,
            locked=who.manually_approves_followers,
            kind=None,
            avatar=icon["url"] if icon else None,
            counts=counts,
            fields=profile_fields.as_html(who.fields or []),
            header=city.urls.media(who.header) if who.header else None,
        )
    return _account_entity(
        city,
        actor_account_id(who.id),
        username=who.preferred_username,
        acct=who.handle,
        name=who.name,
        note=who.summary,
        url=who.url or who.uri,
        uri=who.uri,
        created=who.fetched_at,
        locked=who.manually_approves_followers,
        kind=who.type,
        avatar=who.icon_url,
        counts=counts,
        fields=profile_fields.of_remote(who.extra),
        header=_remote_header(who.extra),
    )


def _card_account(city: City, card: Row[Any]) -> dict[str, Any] | None:
    """The Account entity of a display row's author (`exchange.statuses.note_cards`): the
    same fields `account` reads of a Member or a RemoteActor, from the joined columns."""
    if card.member_id is not None:
        if card.m_username is None:
            return None
        icon = render.avatar_icon(city.urls, card.m_avatar)
        return _account_entity(
            city,
            member_account_id(card.member_id),
            username=card.m_username,
            acct=card.m_username,
            name=card.m_display_name,
            note=card.m_summary,
            url=city.urls.profile_page(card.m_username),
            uri=city.urls.member(card.m_username),
            created=card.m_created_at,
            locked=card.m_locked,
            kind=None,
            avatar=icon["url"] if icon else None,
            fields=profile_fields.as_html(card.m_fields or []),
            header=city.urls.media(card.m_header) if card.m_header else None,
        )
    if card.a_uri is None:
        return None
    return _account_entity(
        city,
        actor_account_id(card.remote_actor_id),
        username=card.a_username,
        acct=f"{card.a_username}@{card.a_domain}",
        name=card.a_name,
        note=card.a_summary,
        url=card.a_url or card.a_uri,
        uri=card.a_uri,
        created=card.a_fetched_at,
        locked=card.a_locked,
        kind=card.a_type,
        avatar=card.a_icon_url,
        fields=profile_fields.of_remote(card.a_extra),
        header=_remote_header(card.a_extra),
    )


def _remote_header(extra: Any) -> str | None:
    """A remote actor's header picture (its document's `image`), kept in `extra`."""
    found = extra.get("header") if isinstance(extra, dict) else None
    return found if isinstance(found, str) else None


def _account_entity(
    city: City,
    entity_id: str,
    *,
    username: str,
    acct: str,
    name: str,
    note: str,
    url: str,
    uri: str,
    created: datetime,
    locked: bool,
    kind: str | None,
    avatar: str | None,
    counts: tuple[int, int, int] = (0, 0, 0),
    fields: list[dict[str, str]] | None = None,
    header: str | None = None,
) -> dict[str, Any]:
    """The Account entity's fields; `kind` is a remote actor's type (None for a member)."""
    avatar = avatar or _avatar(city)
    statuses, followers, following = counts
    return {
        "id": entity_id,
        "username": username,
        "acct": acct,
        "display_name": plain_name(name),
        "locked": locked,
        "bot": kind in ("Service", "Application"),
        "discoverable": True,
        "indexable": False,
        "group": kind == "Group",
        "created_at": created.strftime("%Y-%m-%dT00:00:00.000Z"),
        "note": note,
        "url": url,
        "uri": uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header or f"{city.urls.base}/static/missing.png",
        "header_static": header or f"{city.urls.base}/static/missing.png",
        "followers_count": followers,
        "following_count": following,
        "statuses_count": statuses,
        "last_status_at": None,
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        # no rel=me verification here: `verified_at` stays null
        "fields": [{**f, "verified_at": None} for f in fields or []],
    }


def counts(session: Session, city: City, who: Profile) -> tuple[int, int, int]:
    """(statuses, followers, following) of a member, or of a discussion space (its threads,
    the members and remote accounts following it); remote accounts' are not known here."""
    if isinstance(who, DiscussionSpace):
        followers = space_follows.followers_count(
            session, who, city.urls.discussion_space(who.slug)
        )
        return space_follows.threads_count(session, who), followers, 0
    if not isinstance(who, Member):
        return 0, 0, 0
    notes, listed, followers, follows, spaces = session.execute(
        _MEMBER_COUNTS, {"member": who.id, "uri": city.urls.member(who.username)}
    ).one()
    return notes + listed, followers, follows + spaces


def _accepted_follows(direction: Direction) -> ScalarSelect[int]:
    return (
        select(func.count())
        .select_from(Follow)
        .where(
            Follow.local_actor == bindparam("uri"),
            Follow.direction == direction,
            Follow.state == FollowState.accepted,
        )
        .scalar_subquery()
    )


#: a member's statuses (notes and listings), followers and following (accounts and
#: discussion spaces): one statement built once (was five, each built per call; every
#: Account entity of a member and every verify_credentials reads it)
_MEMBER_COUNTS = select(
    select(func.count())
    .select_from(Note)
    .where(Note.member_id == bindparam("member"), Note.deleted_at.is_(None))
    .scalar_subquery(),
    select(func.count())
    .select_from(Listing)
    .where(Listing.member_id == bindparam("member"), Listing.listed_at.is_not(None))
    .scalar_subquery(),
    _accepted_follows(Direction.inbound),
    _accepted_follows(Direction.outbound),
    select(func.count())
    .select_from(space_follows.followed_by(bindparam("member")).subquery())
    .scalar_subquery(),
)


def credential_account(city: City, member: Member, found: tuple[int, int, int]) -> dict[str, Any]:
    """verify_credentials' Account: with `source` (the profile as typed) and `role`."""
    entity = account(city, member, found)
    entity["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": city.settings.language,
        "note": html_to_text(member.summary),
        "fields": [{**f, "verified_at": None} for f in member.fields or []],
        "follow_requests_count": 0,
    }
    entity["role"] = {
        "id": "0",
        "name": member.role.value,
        "color": "",
        "permissions": "0",
        "highlighted": False,
    }
    return entity


def relationship(
    target: str,
    *,
    following: bool,
    requested: bool,
    followed_by: bool,
    requested_by: bool = False,
    blocking: bool = False,
    blocked_by: bool = False,
    muting: bool = False,
    muting_notifications: bool = False,
    domain_blocking: bool = False,
) -> dict[str, Any]:
    return {
        "id": target,
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": followed_by,
        "blocking": blocking,
        "blocked_by": blocked_by,
        "muting": muting,
        "muting_notifications": muting_notifications,
        "requested": requested,
        "requested_by": requested_by,
        "domain_blocking": domain_blocking,
        "endorsed": False,
        "note": "",
    }


def relationship_of(session: Session, viewer: status_rules.Viewer, who: Profile) -> dict[str, Any]:
    """How the viewer and an account stand: follows exist with remote accounts and, one way,
    with this city's discussion spaces (exchange/space_follows.py); none between members.
    Blocks either way and the viewer's mutes (one past its end no longer counts) with
    members and remote accounts; a remote account's domain blocked by the viewer
    (`domain_blocking`)."""
    assert viewer.member is not None and viewer.uri is not None
    if isinstance(who, DiscussionSpace):
        following = space_follows.follows(session, viewer.member.id, who.id)
        return relationship(
            account_id(who), following=following, requested=False, followed_by=False
        )
    blocking, blocked_by = account_blocks.standing(session, viewer.member.id, who)
    muted = account_mutes.find(session, viewer.member, who)
    standing: dict[str, bool] = {
        "blocking": blocking,
        "blocked_by": blocked_by,
        "muting": muted is not None,
        "muting_notifications": muted is not None and muted.notifications,
    }
    if isinstance(who, Member):
        return relationship(
            account_id(who), following=False, requested=False, followed_by=False, **standing
        )
    states = {
        direction: state
        for direction, state in session.execute(
            select(Follow.direction, Follow.state).where(
                Follow.local_actor == viewer.uri, Follow.remote_actor_id == who.id
            )
        )
    }
    out = states.get(Direction.outbound)
    return relationship(
        account_id(who),
        following=out is FollowState.accepted,
        requested=out is FollowState.pending,
        followed_by=states.get(Direction.inbound) is FollowState.accepted,
        requested_by=states.get(Direction.inbound) is FollowState.pending,
        domain_blocking=member_domain_blocks.blocks(session, viewer.member.id, who.domain),
        **standing,
    )


# ---------------------------------------------------------------------- statuses


def item_of(row: StatusRow) -> status_rules.Item:
    return row.item


#: the statements `Cards.load` runs for every page, built once with expanding parameters (the
#: expressions and their cache keys are not rebuilt per request)
_MEMBERS = select(Member).where(Member.id.in_(bindparam("ids", expanding=True)))
_ACTORS = select(RemoteActor).where(RemoteActor.id.in_(bindparam("ids", expanding=True)))
#: the `_COUNTS` labels of the viewer's bookmarks and pins
_BOOKMARK, _PIN = "mark:bookmark", "mark:pin"
#: what a page's statuses count, in one statement: the replies to them, the remote Likes and
#: Announces of them (by URI), our members' favourites and reblogs (by status id, with
#: how many of them are the viewer's), and which of them the viewer bookmarked or pinned
#: (so a page's flags cost no statement of their own, whatever its length). Rows: (uri or
#: status id as text, what is counted: "" for replies, the interaction's type, "reaction:"
#: and the kind, or a mark's label; count; the viewer's)
_COUNTS: CompoundSelect = union_all(
    select(Note.in_reply_to, literal("", String), func.count(), literal(0, Integer))
    .where(Note.in_reply_to.in_(bindparam("uris", expanding=True)), Note.deleted_at.is_(None))
    .group_by(Note.in_reply_to),
    select(Interaction.object_uri, Interaction.type, func.count(), literal(0, Integer))
    .where(Interaction.object_uri.in_(bindparam("uris", expanding=True)))
    .group_by(Interaction.object_uri, Interaction.type),
    select(
        cast(StatusReaction.status_id, String),
        literal("reaction:", String) + cast(StatusReaction.kind, String),
        func.count(),
        func.sum(
            case((StatusReaction.member_id == bindparam("viewer", type_=Integer), 1), else_=0)
        ),
    )
    .where(StatusReaction.status_id.in_(bindparam("ids", expanding=True)))
    .group_by(StatusReaction.status_id, StatusReaction.kind),
    # the viewer's own marks, never counted for anyone else: bookmarks and pins
    *(
        select(
            cast(mark.status_id, String),
            literal(label, String),
            literal(1, Integer),
            literal(1, Integer),
        ).where(
            mark.status_id.in_(bindparam("ids", expanding=True)),
            mark.member_id == bindparam("viewer", type_=Integer),
        )
        for mark, label in ((StatusBookmark, _BOOKMARK), (StatusPin, _PIN))
    ),
)
#: our reaction kinds by their `_COUNTS` label
_REACTION_KINDS = {f"reaction:{kind.value}": kind for kind in ReactionKind}


@dataclass
class Cards:
    """What a page of statuses needs, read at once."""

    members: dict[int, Member] = field(default_factory=dict)
    actors: dict[int, RemoteActor] = field(default_factory=dict)
    replies_to: dict[str, tuple[int, str]] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)
    likes: dict[str, tuple[int, int]] = field(default_factory=dict)
    reactions: status_rules.Reactions = field(
        default_factory=lambda: status_rules.Reactions({}, {}, set())
    )
    #: the page's status ids the viewer bookmarked, and pinned
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    #: discussion statuses: a thread's replies, a reply's answers (visible ones)
    thread_replies: dict[int, int] = field(default_factory=dict)
    post_replies: dict[int, int] = field(default_factory=dict)
    #: the status ids of threads and replies that replies answer, by row id
    thread_status: dict[int, int] = field(default_factory=dict)
    post_status: dict[int, int] = field(default_factory=dict)
    #: of a post (by id): the account id of the author it answers
    answered_account: dict[int, str] = field(default_factory=dict)
    #: a thread's poll (its space's newest), as a Poll entity, by thread id
    polls: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: the page's note statuses as display rows (`exchange.statuses.note_cards`), by status id
    notes: dict[int, Row[Any]] = field(default_factory=dict)
    _by_uri: dict[str, int] | None = None
    _accounts: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        session: Session,
        rows: list[StatusRow],
        viewer: Member | None,
        notes: dict[int, Row[Any]] | None = None,
    ) -> Cards:
        """What `rows` (objects) and `notes` (display rows, authors joined) need."""
        cards = cls(notes=notes or {})
        items = [item_of(r) for r in rows]
        member_ids = {i.member_id for i in items if i.member_id is not None}
        actor_ids = {i.remote_actor_id for i in items if i.remote_actor_id is not None}
        if member_ids:
            cards.members = {m.id: m for m in session.scalars(_MEMBERS, {"ids": list(member_ids)})}
        if actor_ids:
            cards.actors = {a.id: a for a in session.scalars(_ACTORS, {"ids": list(actor_ids)})}
        parents = [r.note.in_reply_to for r in rows if r.note and r.note.in_reply_to]
        parents += [n.in_reply_to for n in cards.notes.values() if n.in_reply_to]
        for uri, sid in status_rules.ids_of_uris(session, parents).items():
            author = (
                session.execute(
                    select(Note.member_id, Note.remote_actor_id).where(Note.uri == uri)
                ).first()
                or session.execute(
                    select(Listing.member_id, Listing.remote_actor_id).where(Listing.uri == uri)
                ).first()
            )
            if author is not None:
                mid, aid = author
                cards.replies_to[uri] = (
                    sid,
                    member_account_id(mid) if mid is not None else actor_account_id(aid or 0),
                )
        uris = [i.uri for i in items] + [n.uri for n in cards.notes.values()]
        if not uris:
            return cards
        ids = [r.status.id for r in rows] + list(cards.notes)
        viewer_id = viewer.id if viewer is not None else None
        for key, kind, count, mine in session.execute(
            _COUNTS, {"uris": uris, "ids": ids, "viewer": viewer_id}
        ):
            if key is None:
                continue
            if kind in (_BOOKMARK, _PIN):
                (cards.bookmarked if kind == _BOOKMARK else cards.pinned).add(int(key))
                continue
            reaction = _REACTION_KINDS.get(kind)
            if reaction is not None:
                sid = int(key)
                counted = cards.reactions.favourites
                if reaction is ReactionKind.reblog:
                    counted = cards.reactions.reblogs
                counted[sid] = count
                if mine:
                    cards.reactions.mine.add((sid, reaction))
            elif kind == "":
                cards.replies[key] = count
            else:
                likes, boosts = cards.likes.get(key, (0, 0))
                cards.likes[key] = (
                    (likes + count, boosts) if kind == "Like" else (likes, boosts + count)
                )
        cards._load_discussions(session, rows, viewer)
        return cards

    def _load_discussions(
        self, session: Session, rows: list[StatusRow], viewer: Member | None
    ) -> None:
        threads = [r.thread for r in rows if r.thread is not None]
        posts = [r.post for r in rows if r.post is not None]
        if not threads and not posts:
            return
        self.thread_replies = discussion_rules.reply_counts(session, threads)
        self.post_replies = dict(
            session.execute(  # type: ignore[arg-type]
                select(DiscussionPost.parent_id, func.count())
                .where(
                    DiscussionPost.parent_id.in_([p.id for p in posts]),
                    DiscussionPost.hidden.is_(False),
                )
                .group_by(DiscussionPost.parent_id)
            ).all()
        )
        thread_ids = {p.thread_id for p in posts}
        parent_ids = {p.parent_id for p in posts if p.parent_id is not None}
        self.thread_status = dict(
            session.execute(  # type: ignore[arg-type]
                select(Status.thread_id, Status.id).where(Status.thread_id.in_(thread_ids))
            ).all()
        )
        self.post_status = dict(
            session.execute(  # type: ignore[arg-type]
                select(Status.post_id, Status.id).where(Status.post_id.in_(parent_ids))
            ).all()
        )
        answered: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for tid, mid, aid in session.execute(
            select(
                DiscussionThread.id, DiscussionThread.member_id, DiscussionThread.remote_actor_id
            ).where(DiscussionThread.id.in_(thread_ids))
        ):
            answered["thread", tid] = (mid, aid)
        for pid, mid, aid in session.execute(
            select(
                DiscussionPost.id, DiscussionPost.member_id, DiscussionPost.remote_actor_id
            ).where(DiscussionPost.id.in_(parent_ids))
        ):
            answered["post", pid] = (mid, aid)
        for post in posts:
            key = ("post", post.parent_id) if post.parent_id else ("thread", post.thread_id)
            mid, aid = answered.get(key, (None, None))
            if mid is not None or aid is not None:
                self.answered_account[post.id] = (
                    member_account_id(mid) if mid is not None else actor_account_id(aid or 0)
                )
        by_space: dict[int, dict[str, Any] | None] = {}  # one read per space, not per thread
        for thread in threads:
            if thread.space_id not in by_space:
                newest = session.scalar(
                    select(Poll).where(Poll.space_id == thread.space_id).order_by(Poll.id.desc())
                )
                by_space[thread.space_id] = (
                    poll_entity(session, newest, viewer) if newest is not None else None
                )
            shown = by_space[thread.space_id]
            if shown is not None:
                self.polls[thread.id] = shown

    def actors_by_uri(self) -> dict[str, int]:
        """The ids of the page's remote authors by URI (mentions of them link to their
        account)."""
        if self._by_uri is None:
            self._by_uri = {a.uri: a.id for a in self.actors.values()}
            for note in self.notes.values():
                if note.a_uri is not None:
                    self._by_uri[note.a_uri] = note.remote_actor_id
        return self._by_uri

    def account_of(self, city: City, who: Account) -> dict[str, Any]:
        """The Account entity of an author, rendered once per page however many of its
        statuses the page shows (a copy each: callers may change their status's dict)."""
        key = account_id(who)
        found = self._accounts.get(key)
        if found is None:
            found = self._accounts[key] = account(city, who)
        return dict(found)

    def card_account_of(self, city: City, card: Row[Any]) -> dict[str, Any] | None:
        """`account_of` the author of a display row (None when the author is gone)."""
        if card.member_id is not None:
            key = member_account_id(card.member_id)
        else:
            key = actor_account_id(card.remote_actor_id or 0)
        if key not in self._accounts:
            self._accounts[key] = _card_account(city, card)
        found = self._accounts[key]
        return dict(found) if found is not None else None

    def author(self, row: StatusRow) -> Account | None:
        item = item_of(row)
        if item.member_id is not None:
            return self.members.get(item.member_id)
        return self.actors.get(item.remote_actor_id or 0)


def _attachment(city: City, status_id: int, index: int, photo: dict[str, Any]) -> dict[str, Any]:
    url = photo.get("url") or city.urls.media(photo.get("file", ""))
    meta: dict[str, Any] = {}
    if photo.get("width") and photo.get("height"):
        size = {"width": photo["width"], "height": photo["height"]}
        meta = {"original": size, "small": size}
    return {
        "id": f"{status_id}{index:02d}",
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": url if photo.get("url") else None,
        "meta": meta,
        "description": photo.get("alt") or photo.get("name") or None,
        "blurhash": None,
    }


def _tags(city: City, tags: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The note's Hashtag entries by their stored name, each linking to our tag page (as
    Mastodon links a remote status's tags to its own)."""
    return [{"name": name, "url": city.urls.tag(name)} for name in hashtag_names(tags)]


def _mentions(cards: Cards, tags: list[dict[str, Any]]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    if not tags:
        return found
    by_uri = cards.actors_by_uri()
    for tag in tags:
        if tag.get("type") == "Mention":
            actor = by_uri.get(str(tag.get("href")))
            name = str(tag.get("name", "")).lstrip("@")
            found.append(
                {
                    "id": actor_account_id(actor) if actor is not None else "0",
                    "username": name.split("@")[0],
                    "acct": name,
                    "url": str(tag.get("href")),
                }
            )
    return found


def status(city: City, row: StatusRow, cards: Cards) -> dict[str, Any] | None:
    """The Status entity of a note or a listing (None when its author is gone)."""
    author = cards.author(row)
    if author is None:
        return None
    sid = row.status.id
    entity = _status_base(city, sid, item_of(row).uri, cards.account_of(city, author), cards)
    if row.note is not None:
        entity.update(_note_fields(city, sid, row.note, cards))
    elif row.thread is not None or row.post is not None:
        entity.update(_discussion_fields(row, cards))
    else:
        listing = row.listing
        assert listing is not None
        entity.update(
            uri=listing.uri,
            url=listing.uri,
            created_at=iso(listing.listed_at or listing.created_at),
            edited_at=iso(listing.updated_at) if listing.updated_at else None,
            content=content_html(city.urls, listing),
            visibility="public",
            in_reply_to_id=None,
            in_reply_to_account_id=None,
            replies_count=cards.replies.get(listing.uri, 0),
            media_attachments=[
                _attachment(city, sid, i, p) for i, p in enumerate(listing.photos[:4])
            ],
            mentions=[],
            tags=[{"name": t, "url": city.urls.tag(t)} for t in listing_hashtags(listing)],
        )
        entity["comptoir"] = {
            "listing": True,
            "state": listing.state.value,
            "open": listing.state in (ListingState.published, ListingState.reserved),
        }
    return entity


def card_status(city: City, card: Row[Any], cards: Cards) -> dict[str, Any] | None:
    """`status` of a note status read as a display row (`exchange.statuses.note_cards`)."""
    author = cards.card_account_of(city, card)
    if author is None:
        return None
    sid = card.status_id
    entity = _status_base(city, sid, card.uri, author, cards)
    entity.update(_note_fields(city, sid, card, cards))
    return entity


def _status_base(
    city: City, sid: int, uri: str, author: dict[str, Any], cards: Cards
) -> dict[str, Any]:
    """The fields every Status entity has, whatever it shows."""
    likes, boosts = cards.likes.get(uri, (0, 0))
    return {
        "id": str(sid),
        "account": author,
        "sensitive": False,
        "spoiler_text": "",
        "language": city.settings.language,
        "reblog": None,
        "poll": None,
        "card": None,
        "application": None,
        "emojis": [],
        "filtered": [],
        "favourites_count": likes + cards.reactions.favourites.get(sid, 0),
        "reblogs_count": boosts + cards.reactions.reblogs.get(sid, 0),
        "favourited": (sid, ReactionKind.favourite) in cards.reactions.mine,
        "reblogged": (sid, ReactionKind.reblog) in cards.reactions.mine,
        "muted": False,
        "bookmarked": sid in cards.bookmarked,
        "pinned": sid in cards.pinned,
    }


def _note_fields(city: City, sid: int, note: Note | Row[Any], cards: Cards) -> dict[str, Any]:
    """A note's own fields, from the object or from a display row (same attribute names)."""
    parent = cards.replies_to.get(note.in_reply_to or "")
    return {
        "uri": note.uri,
        "url": note.url or note.uri,
        "created_at": iso(note.published),
        "edited_at": iso(note.updated) if note.updated else None,
        "content": note.content,
        "spoiler_text": note.summary or "",
        "sensitive": bool(note.sensitive),
        "visibility": VISIBILITY.get(note.visibility, "public"),
        "in_reply_to_id": str(parent[0]) if parent else None,
        "in_reply_to_account_id": parent[1] if parent else None,
        "replies_count": cards.replies.get(note.uri, 0),
        "media_attachments": attachments(city, sid, note.attachments),
        "mentions": _mentions(cards, note.tags),
        "tags": _tags(city, note.tags),
    }


def attachments(city: City, sid: int, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The MediaAttachment entities of a note's (or a version's) AS2 attachments."""
    return [
        _attachment(city, sid, i, a)
        for i, a in enumerate(entries[:4])
        if str(a.get("mediaType", "image/")).startswith("image/")
    ]


def status_edit(
    city: City,
    shown: dict[str, Any],
    content: str,
    created_at: str,
    media: list[dict[str, Any]] | None = None,
    *,
    spoiler_text: str = "",
    sensitive: bool = False,
) -> dict[str, Any]:
    """One version of a status, Mastodon's StatusEdit (`shown` is the status as it is now)."""
    return {
        "content": content,
        "spoiler_text": spoiler_text,
        "sensitive": sensitive,
        "created_at": created_at,
        "account": shown["account"],
        "poll": None,
        "media_attachments": shown["media_attachments"] if media is None else media,
        "emojis": [],
    }


def _discussion_fields(row: StatusRow, cards: Cards) -> dict[str, Any]:
    """A thread: a public status with its title and text, carrying its space's poll; a
    reply: a public status answering the thread or the reply it answers."""
    common: dict[str, Any] = {
        "visibility": "public",
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "edited_at": None,
    }
    if row.thread is not None:
        thread = row.thread
        title = f"<p><strong>{html.escape(thread.title)}</strong></p>"
        return common | {
            "uri": thread.uri,
            "url": thread.uri,
            "created_at": iso(thread.published),
            "content": title + thread.content,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "replies_count": cards.thread_replies.get(thread.id, 0),
            "poll": cards.polls.get(thread.id),
            "comptoir": {"discussion_thread": thread.public_id},
        }
    post = row.post
    assert post is not None
    parent = (
        cards.post_status.get(post.parent_id)
        if post.parent_id is not None
        else cards.thread_status.get(post.thread_id)
    )
    return common | {
        "uri": post.uri,
        "url": post.uri,
        "created_at": iso(post.published),
        "content": post.content,
        "in_reply_to_id": str(parent) if parent is not None else None,
        "in_reply_to_account_id": cards.answered_account.get(post.id),
        "replies_count": cards.post_replies.get(post.id, 0),
    }


def statuses(
    session: Session,
    city: City,
    ids: list[int],
    viewer: Member | None,
    notes: dict[int, Row[Any]] | None = None,
    *,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """The Status entities of `ids`, in that order, marked with the viewer's filters
    (api/mastodon/filtering.py): in a `context` (`home`, `public`, `thread`, `account`,
    `notifications`) those of that context, leaving out what a `hide` filter hides; without
    one, every filter in force, leaving nothing out."""
    shown = _statuses(session, city, ids, viewer, notes)
    return filtering.apply(session, viewer, shown, context)


def _statuses(
    session: Session,
    city: City,
    ids: list[int],
    viewer: Member | None,
    notes: dict[int, Row[Any]] | None = None,
) -> list[dict[str, Any]]:
    """The Status entities of `ids`, in that order, unfiltered. Notes (most statuses) are
    read as display rows with their authors in one statement (`notes` when the caller read
    them with its page: `exchange.statuses.home_cards`); listings, discussions and reblogs
    (wrapping their originals, read as a page of their own) as objects."""
    if notes is None:
        notes = status_rules.note_cards(session, ids)
    rest = [i for i in ids if i not in notes]
    rows = {r.status.id: r for r in status_rules.rows(session, rest)} if rest else {}
    wrappers = {sid: r.status for sid, r in rows.items() if r.status.reblog_of_id is not None}
    reblogs = _reblogs(session, city, wrappers, viewer) if wrappers else {}
    for sid in wrappers:
        del rows[sid]
    cards = Cards.load(session, list(rows.values()), viewer, notes)
    shown = []
    for sid in ids:
        card = notes.get(sid)
        entity = card_status(city, card, cards) if card is not None else reblogs.get(sid)
        if card is None and sid in rows:
            entity = status(city, rows[sid], cards)
        if entity is not None:
            shown.append(entity)
    return shown


def _reblog_entity(
    city: City, wrapper: Status, author: dict[str, Any], original: dict[str, Any]
) -> dict[str, Any]:
    """Mastodon's reblog: a status of the account that reblogged, its own id and time,
    whose `reblog` is the original (the counts and the viewer's marks are the original's)."""
    return {
        **original,
        "id": str(wrapper.id),
        "uri": f"{original['uri']}#reblog-{wrapper.id}",
        "url": None,
        "account": author,
        "created_at": iso(wrapper.created_at),
        "edited_at": None,
        "content": "",
        "spoiler_text": "",
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "poll": None,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "replies_count": 0,
        "pinned": False,  # a boost cannot be pinned; the original's mark is in `reblog`
        "reblog": original,
    }


def _reblogs(
    session: Session, city: City, wrappers: dict[int, Status], viewer: Member | None
) -> dict[int, dict[str, Any]]:
    """The entities of reblog statuses: their originals read as a page of their own (the
    reblogs of one original share it), their authors once each. A reblog whose original is
    no longer shown (hidden, deleted, a listing closed) is left out, as Mastodon leaves
    unavailable statuses out of a page: the page may then be short, its paging unchanged."""
    wanted = list(dict.fromkeys(w.reblog_of_id for w in wrappers.values() if w.reblog_of_id))
    shown_ids = status_rules.shown_originals(
        session,
        wanted,
        viewer.id if viewer is not None else None,
        domains=viewer is not None and viewer.blocked_domains > 0,
    )
    originals_ids = [i for i in wanted if i in shown_ids]
    originals = {int(e["id"]): e for e in _statuses(session, city, originals_ids, viewer)}
    member_ids = [w.reblog_member_id for w in wrappers.values() if w.reblog_member_id]
    actor_ids = [w.reblog_actor_id for w in wrappers.values() if w.reblog_actor_id]
    cards = Cards()
    if member_ids:
        cards.members = {m.id: m for m in session.scalars(_MEMBERS, {"ids": member_ids})}
    if actor_ids:
        cards.actors = {a.id: a for a in session.scalars(_ACTORS, {"ids": actor_ids})}
    shown: dict[int, dict[str, Any]] = {}
    for sid, wrapper in wrappers.items():
        who: Account | None = (
            cards.members.get(wrapper.reblog_member_id or 0)
            if wrapper.reblog_member_id is not None
            else cards.actors.get(wrapper.reblog_actor_id or 0)
        )
        original = originals.get(wrapper.reblog_of_id or 0)
        if who is not None and original is not None:
            shown[sid] = _reblog_entity(city, wrapper, cards.account_of(city, who), original)
    return shown


# ---------------------------------------------------------------------- notifications

#: our notification kinds as the nearest Mastodon type. Negotiation events and listing news
#: have none of their own: they are "mention"s of a direct status saying what happened.
NOTIFICATION_TYPES: dict[NotificationKind, str] = notifications.MASTODON_TYPES
#: Mastodon types a client may filter on (`types[]`, `exclude_types[]`) that we produce
PRODUCED_TYPES = tuple(sorted(set(NOTIFICATION_TYPES.values())))
#: a notification's own status has this id plus the notification's: beyond any real status,
#: so an app never confuses the two (`GET /api/v1/statuses/{it}` is a 404)
NOTIFICATION_STATUS_BASE = 9 * 10**17


def kinds_of(types: set[str]) -> list[NotificationKind]:
    """Our kinds shown under these Mastodon types."""
    return [kind for kind, name in NOTIFICATION_TYPES.items() if name in types]


def notification_with(
    city: City, row: Notification, who: Account, found: dict[str, Any] | None
) -> dict[str, Any]:
    """The Notification entity about a real status (`found`) or about none (a follow)."""
    entity: dict[str, Any] = {
        "id": str(row.id),
        "type": NOTIFICATION_TYPES[row.kind],
        "group_key": f"ungrouped-{row.id}",
        "created_at": iso(row.created_at),
        "account": account(city, who),
    }
    if found is not None:
        entity["status"] = found
    return entity


def notification(city: City, row: Notification, who: Account, link: str | None) -> dict[str, Any]:
    """The Notification entity. Its status is made from the notification itself: a direct
    status, id = the notification's, whose text is ours and whose link leads to the
    listing or the negotiation page, where the member answers."""
    content = f"<p>{_escape(row.text)}</p>"
    if link:
        content += f'<p><a href="{_escape(link)}">{_escape(link)}</a></p>'
    created = iso(row.created_at)
    return {
        "id": str(row.id),
        "type": NOTIFICATION_TYPES[row.kind],
        "group_key": f"ungrouped-{row.id}",
        "created_at": created,
        "account": account(city, who),
        "status": {
            "id": str(NOTIFICATION_STATUS_BASE + row.id),
            "uri": link or city.urls.base,
            "url": link,
            "created_at": created,
            "edited_at": None,
            "account": account(city, who),
            "content": content,
            "visibility": "direct",
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "application": None,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": city.settings.language,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "filtered": [],
            "comptoir": {"notification": row.kind.value},
        },
    }


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
