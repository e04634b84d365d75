"""Statuses as Mastodon apps see them: our notes and listings and the remote ones, one list.

`models.status.Status` gives every note and listing an id in arrival order; this module
decides which of them a member may see and assembles the timelines (home, public, tag, an
account's), paged by that id as Mastodon pages (`max_id`, `since_id`, `min_id`, `limit`).
The federation policy comes in as predicates on a domain (as in `exchange.timeline`), so the
domain stays free of the `instance` layer.

Who sees what:
- a note: public and unlisted ones anyone; followers-only ones their author and the
  members who follow the (remote) author; direct ones their author and the members they
  were sent to (`direct_messages`); never deleted or hidden ones, nor a suspended account's;
- a listing: open (published, reserved) and not hidden, for everyone; its author sees it in
  every state but draft;
- a discussion thread (the root status) and its replies (its descendants): as on the
  discussion pages, everyone, unless a moderator hid it (or the thread, or the reply it
  answers). The public timeline shows those our members wrote (they are local statuses);
- a reblog (a status of its own: models/status.py): anyone, while it is not undone and its
  author not suspended; shown only while what it shows is a public or unlisted note or an
  open listing still shown (`shown_originals`, asked when a page is rendered). Home shows
  the member's own reblogs and those of the accounts they follow, an account's statuses
  its reblogs (unless `exclude_reblogs`); the public and tag timelines none, as on
  Mastodon.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from models import (
    OPEN_STATES,
    Direction,
    DirectMessage,
    DiscussionPost,
    DiscussionSpace,
    DiscussionThread,
    DomainRule,
    Follow,
    FollowState,
    GroupThread,
    HashtagFollow,
    ListAccount,
    Listing,
    ListingState,
    Member,
    MemberList,
    Note,
    NoteHashtag,
    ReactionKind,
    RemoteActor,
    RepliesPolicy,
    RuleKind,
    Severity,
    SpaceAudience,
    Status,
    StatusReaction,
    UTCDateTime,
    utcnow,
)

from .discussions import posts_of
from .errors import DomainError, NotFound
from .hidden_accounts import shown_author
from .space_follows import followed_spaces
from .timeline import kept_out

Predicate = Callable[[str], bool]
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


@dataclass(frozen=True)
class Paging:
    """Mastodon's paging parameters: ids of statuses (or of any row sequence)."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Viewer:
    """The member reading (None: nobody logged in) and their actor URI."""

    member: Member | None
    uri: str | None


Item = Note | Listing | DiscussionThread | DiscussionPost


@dataclass(frozen=True)
class StatusRow:
    status: Status
    note: Note | None
    listing: Listing | None
    thread: DiscussionThread | None = None
    post: DiscussionPost | None = None

    @property
    def item(self) -> Item:
        """What the status shows: each has a URI and a member or a remote actor as author."""
        item = self.note or self.listing or self.thread or self.post
        assert item is not None, "a status is a note, a listing, a thread or a reply"
        return item


def run_page(
    session: Session,
    query: Select[Any],
    column: QueryableAttribute[int] | ColumnElement[int],
    paging: Paging,
) -> list[int]:
    """The ids of one page, newest first."""
    limit = max(1, min(paging.limit, MAX_LIMIT))
    if paging.max_id is not None:
        query = query.where(column < paging.max_id)
    if paging.since_id is not None:
        query = query.where(column > paging.since_id)
    if paging.min_id is not None:
        ids = list(
            session.scalars(query.where(column > paging.min_id).order_by(column.asc()).limit(limit))
        )
        return sorted(ids, reverse=True)
    return list(session.scalars(query.order_by(column.desc()).limit(limit)))


def marks_page(
    session: Session,
    viewer: Viewer,
    paging: Paging,
    mark_id: QueryableAttribute[int],
    status_id: QueryableAttribute[int],
    *where: ColumnElement[bool],
) -> list[tuple[int, int]]:
    """(mark id, status id) of one page of a member's marks (favourites, bookmarks),
    newest first, paged by the mark's id as Mastodon pages these lists (by its favourite's
    or bookmark's id, not the status's); statuses the viewer may no longer see (deleted,
    hidden, a suspended author's) are left out of the page, read in one statement."""
    limit = max(1, min(paging.limit, MAX_LIMIT))
    query = select(mark_id, status_id).where(*where)
    if paging.max_id is not None:
        query = query.where(mark_id < paging.max_id)
    if paging.since_id is not None:
        query = query.where(mark_id > paging.since_id)
    if paging.min_id is not None:
        ascending = query.where(mark_id > paging.min_id).order_by(mark_id.asc()).limit(limit)
        found = sorted(((m, s) for m, s in session.execute(ascending)), reverse=True)
    else:
        found = [(m, s) for m, s in session.execute(query.order_by(mark_id.desc()).limit(limit))]
    shown = visible_ids(session, viewer, [s for _, s in found])
    return [(m, s) for m, s in found if s in shown]


# ---------------------------------------------------------------------- who sees what


def followed_actors(viewer_uri: str | BindParameter[str]) -> Select[Any]:
    return select(Follow.remote_actor_id).where(
        Follow.local_actor == viewer_uri,
        Follow.direction == Direction.outbound,
        Follow.state == FollowState.accepted,
    )


def group_threads_of(viewer_uri: str | BindParameter[str]) -> Select[Any]:
    """The notes that are threads (Pages) of the discussion Groups the viewer follows
    (another city's or Lemmy's: models/group_thread.py), as a followed Group's threads show
    at home. Read from the kept threads (few) to their Group and its follow by index, not
    from every follow of the member: the home query runs this once a page."""
    return (
        select(GroupThread.note_id)
        .join(RemoteActor, RemoteActor.uri == GroupThread.group_uri)
        .join(Follow, Follow.remote_actor_id == RemoteActor.id)
        .where(
            RemoteActor.type == "Group",
            Follow.local_actor == viewer_uri,
            Follow.direction == Direction.outbound,
            Follow.state == FollowState.accepted,
        )
    )


def _not_suspended_author(actor_id: QueryableAttribute[int | None]) -> ColumnElement[bool]:
    suspended = select(RemoteActor.id).where(RemoteActor.suspended_at.is_not(None))
    return or_(actor_id.is_(None), actor_id.not_in(suspended))


def note_visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.member is not None and viewer.uri is not None:
        return _note_visible_to(viewer.member.id, viewer.uri)
    return _note_shown(Note.visibility.in_(("public", "unlisted")))


def _note_visible_to(
    member_id: int | BindParameter[int], uri: str | BindParameter[str]
) -> ColumnElement[bool]:
    """`note_visible` for a member: values, or bound parameters in a statement built once."""
    return _note_shown(
        Note.visibility.in_(("public", "unlisted")),
        Note.member_id == member_id,
        and_(Note.visibility == "followers", Note.remote_actor_id.in_(followed_actors(uri))),
        exists().where(DirectMessage.note_id == Note.id, DirectMessage.member_id == member_id),
    )


def _note_shown(*shown: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(
        Note.deleted_at.is_(None),
        Note.hidden_at.is_(None),
        _not_suspended_author(Note.remote_actor_id),
        or_(*shown),
    )


def note_shown(*shown: ColumnElement[bool]) -> ColumnElement[bool]:
    """A note not deleted, hidden nor by a suspended account, and one of `shown` (for
    statements built elsewhere: exchange/tag_timeline.py)."""
    return _note_shown(*shown)


def listing_shown_to(member_id: int | BindParameter[int]) -> ColumnElement[bool]:
    """A listing open to all, or the member's own in any state but draft."""
    return _listing_shown(_own_listing(member_id))


def listing_visible(viewer: Viewer) -> ColumnElement[bool]:
    own: ColumnElement[bool] = false()
    if viewer.member is not None:
        own = _own_listing(viewer.member.id)
    return _listing_shown(own)


def _own_listing(member_id: int | BindParameter[int]) -> ColumnElement[bool]:
    return and_(Listing.member_id == member_id, Listing.state != ListingState.draft)


def _listing_shown(own: ColumnElement[bool]) -> ColumnElement[bool]:
    open_to_all = and_(Listing.state.in_(OPEN_STATES), Listing.hidden_at.is_(None))
    return and_(_not_suspended_author(Listing.remote_actor_id), or_(open_to_all, own))


def thread_visible() -> ColumnElement[bool]:
    return and_(
        DiscussionThread.hidden.is_(False), _not_suspended_author(DiscussionThread.remote_actor_id)
    )


def post_visible() -> ColumnElement[bool]:
    """Not hidden, in a thread not hidden, not answering a hidden reply (deeper chains are
    cut when a thread is read: `exchange.discussions.posts_of`)."""
    hidden_threads = select(DiscussionThread.id).where(DiscussionThread.hidden.is_(True))
    hidden_posts = select(DiscussionPost.id).where(DiscussionPost.hidden.is_(True))
    return and_(
        DiscussionPost.hidden.is_(False),
        DiscussionPost.thread_id.not_in(hidden_threads),
        or_(DiscussionPost.parent_id.is_(None), DiscussionPost.parent_id.not_in(hidden_posts)),
        _not_suspended_author(DiscussionPost.remote_actor_id),
    )


def _reblog_live() -> ColumnElement[bool]:
    """A reblog not undone, by an account not suspended. Whether its original is still
    shown is asked of a page's reblogs when they are rendered (`shown_originals`), not of
    every status in the page query: there PostgreSQL planned it as a hashed subplan over
    every status and scanned and sorted them all, 10x the time of a home page
    (docs/BENCHMARKS.md)."""
    return and_(
        Status.reblog_of_id.is_not(None),
        Status.undone_at.is_(None),
        _not_suspended_author(Status.reblog_actor_id),
    )


def shown_originals(
    session: Session, ids: list[int], member_id: int | None = None, *, domains: bool = False
) -> set[int]:
    """Which of these statuses a reblog may show: public or unlisted notes, open listings,
    and the threads and replies of a federated discussion space (those of a members-only
    space stay in the city: their Group takes no one from elsewhere), not hidden, deleted
    nor by a suspended account (what anyone may see of them); for a member (`member_id`),
    not by an account they block or mute either, nor (`domains`: the member blocks domains)
    by an account of a domain they block, as Mastodon leaves out a boost of someone the
    reader blocked."""
    if not ids:
        return set()
    anyone = Viewer(None, None)
    notes: ColumnElement[bool] = true()
    listings: ColumnElement[bool] = true()
    threads: ColumnElement[bool] = DiscussionThread.space_id.in_(_FEDERATED_SPACES)
    posts: ColumnElement[bool] = DiscussionPost.thread_id.in_(
        select(DiscussionThread.id).where(DiscussionThread.space_id.in_(_FEDERATED_SPACES))
    )
    if member_id is not None:
        now = utcnow()
        notes = shown_author(Note.member_id, Note.remote_actor_id, member_id, now, domains=domains)
        listings = shown_author(
            Listing.member_id, Listing.remote_actor_id, member_id, now, domains=domains
        )
        threads = and_(
            threads,
            shown_author(
                DiscussionThread.member_id,
                DiscussionThread.remote_actor_id,
                member_id,
                now,
                domains=domains,
            ),
        )
        posts = and_(
            posts,
            shown_author(
                DiscussionPost.member_id,
                DiscussionPost.remote_actor_id,
                member_id,
                now,
                domains=domains,
            ),
        )
    query = _base().where(Status.id.in_(ids), _visible(anyone, notes, listings, threads, posts))
    return set(session.scalars(query))


#: the discussion spaces open to other servers: their threads and replies may be reblogged
_FEDERATED_SPACES = select(DiscussionSpace.id).where(
    DiscussionSpace.audience == SpaceAudience.federated
)


def _base() -> Select[Any]:
    return (
        select(Status.id)
        .outerjoin(Note, Note.id == Status.note_id)
        .outerjoin(Listing, Listing.id == Status.listing_id)
        .outerjoin(DiscussionThread, DiscussionThread.id == Status.thread_id)
        .outerjoin(DiscussionPost, DiscussionPost.id == Status.post_id)
    )


def _visible(
    viewer: Viewer,
    notes: ColumnElement[bool],
    listings: ColumnElement[bool],
    threads: ColumnElement[bool] | None = None,
    posts: ColumnElement[bool] | None = None,
    reblogs: ColumnElement[bool] | None = None,
) -> ColumnElement[bool]:
    """Which statuses a query keeps; threads, replies and reblogs only where the caller
    names them."""
    return or_(
        and_(_reblog_live(), reblogs) if reblogs is not None else false(),
        and_(Status.note_id.is_not(None), note_visible(viewer), notes),
        and_(Status.listing_id.is_not(None), listing_visible(viewer), listings),
        and_(
            Status.thread_id.is_not(None),
            thread_visible(),
            threads if threads is not None else false(),
        ),
        and_(Status.post_id.is_not(None), post_visible(), posts if posts is not None else false()),
    )


#: statements every page of statuses runs, built once (ids as an expanding parameter): the
#: expression and its cache key are then not rebuilt per request
_ROWS = (
    select(Status, Note, Listing, DiscussionThread, DiscussionPost)
    .outerjoin(Note, Note.id == Status.note_id)
    .outerjoin(Listing, Listing.id == Status.listing_id)
    .outerjoin(DiscussionThread, DiscussionThread.id == Status.thread_id)
    .outerjoin(DiscussionPost, DiscussionPost.id == Status.post_id)
    .where(Status.id.in_(bindparam("ids", expanding=True)))
)


def rows(session: Session, ids: list[int]) -> list[StatusRow]:
    """The statuses of `ids` with their note or listing, in the order of `ids`."""
    if not ids:
        return []
    found = {
        status.id: StatusRow(status, note, listing, thread, post)
        for status, note, listing, thread, post in session.execute(_ROWS, {"ids": ids})
    }
    return [found[i] for i in ids if i in found]


#: the display-only reader of note statuses: the columns a Status entity shows of the note
#: and of its author (member or remote actor, both outer-joined, labelled `m_`/`a_`), Core
#: rows with no `Status`/`Note`/`Member`/`RemoteActor` objects built (loading those was the
#: largest cost of a page of statuses after the query: docs/BENCHMARKS.md)
def _note_card_columns() -> list[Any]:
    return [
        Note.uri,
        Note.url,
        Note.published,
        Note.updated,
        Note.content,
        Note.visibility,
        Note.in_reply_to,
        Note.attachments,
        Note.tags,
        Note.summary,
        Note.sensitive,
        Note.member_id,
        Note.remote_actor_id,
        Member.username.label("m_username"),
        Member.display_name.label("m_display_name"),
        Member.summary.label("m_summary"),
        Member.avatar.label("m_avatar"),
        Member.created_at.label("m_created_at"),
        Member.manually_approves_followers.label("m_locked"),
        Member.fields.label("m_fields"),
        Member.header.label("m_header"),
        RemoteActor.uri.label("a_uri"),
        RemoteActor.preferred_username.label("a_username"),
        RemoteActor.domain.label("a_domain"),
        RemoteActor.name.label("a_name"),
        RemoteActor.summary.label("a_summary"),
        RemoteActor.url.label("a_url"),
        RemoteActor.fetched_at.label("a_fetched_at"),
        RemoteActor.manually_approves_followers.label("a_locked"),
        RemoteActor.type.label("a_type"),
        RemoteActor.icon_url.label("a_icon_url"),
        RemoteActor.extra.label("a_extra"),
    ]


_NOTE_CARDS = (
    select(Status.id.label("status_id"), *_note_card_columns())
    .select_from(Status)
    .join(Note, Note.id == Status.note_id)
    .outerjoin(Member, Member.id == Note.member_id)
    .outerjoin(RemoteActor, RemoteActor.id == Note.remote_actor_id)
    .where(Status.id.in_(bindparam("ids", expanding=True)))
)


def _with_note_cards(page: Select[Any]) -> Select[Any]:
    """A page query (status ids) and the display rows of its notes in one statement: every
    status of the page, newest first, the note's and author's columns NULL for the others
    (listings, discussions)."""
    ids = page.subquery("page")
    return (
        select(ids.c.id.label("status_id"), *_note_card_columns())
        .select_from(ids)
        .join(Status, Status.id == ids.c.id)
        .outerjoin(Note, Note.id == Status.note_id)
        .outerjoin(Member, Member.id == Note.member_id)
        .outerjoin(RemoteActor, RemoteActor.id == Note.remote_actor_id)
        .order_by(ids.c.id.desc())
    )


def note_cards(session: Session, ids: list[int]) -> dict[int, Row[Any]]:
    """The note statuses among `ids`, by status id, as display rows (`_NOTE_CARDS`): for
    showing them only; `rows` gives the objects to act on."""
    if not ids:
        return {}
    return {row.status_id: row for row in session.execute(_NOTE_CARDS, {"ids": ids})}


def find(session: Session, viewer: Viewer, status_id: int) -> StatusRow:
    """One status the viewer may see; NotFound otherwise (as Mastodon: no hint it exists)."""
    query = _base().where(
        Status.id == status_id, _visible(viewer, true(), true(), true(), true(), true())
    )
    if session.scalar(query) is None:
        raise NotFound("status")
    return rows(session, [status_id])[0]


def visible_ids(session: Session, viewer: Viewer, ids: list[int]) -> set[int]:
    """Which of these statuses the viewer may see (`find`'s rule), in one statement: the
    lists of a member's marks (favourites, bookmarks, pins) leave out the others."""
    if not ids:
        return set()
    shown = _visible(viewer, true(), true(), true(), true(), true())
    return set(session.scalars(_base().where(Status.id.in_(ids), shown)))


def original_id(session: Session, status_id: int) -> int:
    """What a status shows: the original of a reblog, else itself (favouriting or reblogging
    a reblog acts on its original, as on Mastodon)."""
    return session.scalar(select(Status.reblog_of_id).where(Status.id == status_id)) or status_id


def find_original(session: Session, viewer: Viewer, status_id: int) -> StatusRow:
    """What a status the viewer may see shows, which the viewer must also see: a reblog's
    original, else the status itself. Every endpoint acting on or listing a status's
    content (favourite, reblog, reply, context, favourited and reblogged by, history,
    source) reads it so: a reblog's own id names its original there, not its empty
    wrapper; NotFound when either is hidden from the viewer."""
    find(session, viewer, status_id)
    return find(session, viewer, original_id(session, status_id))


def reblog_id(session: Session, member: Member, status_id: int) -> int:
    """The status id of the member's live reblog of `status_id`."""
    found = session.scalar(
        select(Status.id).where(
            Status.reblog_of_id == status_id,
            Status.reblog_member_id == member.id,
            Status.undone_at.is_(None),
        )
    )
    if found is None:
        raise NotFound("status")
    return found


def reblogger(session: Session, status_id: int) -> tuple[int | None, int | None]:
    """(member id, remote actor id) of a reblog's author; (None, None) for any other status."""
    found = session.execute(
        select(Status.reblog_member_id, Status.reblog_actor_id).where(Status.id == status_id)
    ).first()
    return (found[0], found[1]) if found is not None else (None, None)


def id_of_note(session: Session, note_id: int) -> int:
    found = session.scalar(select(Status.id).where(Status.note_id == note_id))
    if found is None:
        raise NotFound("status")
    return found


def id_of_post(session: Session, post_id: int) -> int:
    found = session.scalar(select(Status.id).where(Status.post_id == post_id))
    if found is None:
        raise NotFound("status")
    return found


def ids_of_uris(session: Session, uris: list[str]) -> dict[str, int]:
    """Status ids of the notes, listings, discussion threads and replies at `uris` (those
    we have)."""
    if not uris:
        return {}
    found: dict[str, int] = {}
    for item, column in (
        (Note, Status.note_id),
        (Listing, Status.listing_id),
        (DiscussionThread, Status.thread_id),
        (DiscussionPost, Status.post_id),
    ):
        query = select(item.uri, Status.id).join(Status, column == item.id)
        for uri, sid in session.execute(query.where(item.uri.in_(uris))):
            found[uri] = sid
    return found


def known_accounts(session: Session, handles: list[str]) -> dict[str, RemoteActor]:
    """The remote accounts we already know among `name@domain` handles."""
    found: dict[str, RemoteActor] = {}
    for handle in handles:
        name, _, domain = handle.partition("@")
        actor = session.scalar(
            select(RemoteActor).where(
                RemoteActor.preferred_username == name,
                RemoteActor.domain == domain,
                RemoteActor.deleted_at.is_(None),
            )
        )
        if actor is not None:
            found[handle] = actor
    return found


# ---------------------------------------------------------------------- timelines


def home(session: Session, viewer: Viewer, paging: Paging) -> list[int]:
    """The member's own statuses, those of the accounts they follow, the listings of the
    cities whose market they follow, the threads of the discussion Groups they follow
    (another city's, and this city's spaces: exchange/space_follows.py), the direct notes
    sent to them, and the reblogs by them and by the accounts they follow; not those of the
    accounts in their exclusive lists (but direct notes from them)."""
    ids = list(session.scalars(*_home_query(viewer, paging)))
    return sorted(ids, reverse=True) if paging.min_id is not None else ids


def home_cards(session: Session, viewer: Viewer, paging: Paging) -> list[Row[Any]]:
    """`home`'s page with the display rows of its notes (`note_cards`) in the same
    statement: one row per status, newest first, `uri` None where it is not a note."""
    statement, params = _home_query(viewer, paging)
    return list(session.execute(_home_cards_statement(statement), params))


def _home_query(viewer: Viewer, paging: Paging) -> tuple[Select[Any], dict[str, Any]]:
    assert viewer.member is not None and viewer.uri is not None
    limit = max(1, min(paging.limit, MAX_LIMIT))
    statement = _home_statement(
        paging.max_id is not None,
        paging.since_id is not None,
        paging.min_id is not None,
        limit,
        viewer.member.followed_hashtags > 0,
        viewer.member.blocked_domains > 0,
    )
    params: dict[str, Any] = {
        "member_id": viewer.member.id,
        "viewer_uri": viewer.uri,
        "now": utcnow(),
    }
    for name in ("max_id", "since_id", "min_id"):
        if getattr(paging, name) is not None:
            params[name] = getattr(paging, name)
    return statement, params


@functools.lru_cache(maxsize=32 * MAX_LIMIT)
def _home_cards_statement(page: Select[Any]) -> Select[Any]:
    """Built once per home statement (itself one per paging shape), for the same reason."""
    return _with_note_cards(page)


@functools.lru_cache(maxsize=32 * MAX_LIMIT)
def _home_statement(
    max_id: bool,
    since_id: bool,
    min_id: bool,
    limit: int,
    tags: bool = False,
    domains: bool = False,
) -> Select[Any]:
    """The home query of one paging shape, built once with the member and the bounds as bound
    parameters: building this expression and its cache key cost more than running it (a
    few milliseconds a request), so every request of that shape reuses this object, and
    SQLAlchemy reuses its compiled SQL.

    The accounts of the member's exclusive lists are left out of what they follow here
    (their statuses, reblogs, market and Group threads show in the list instead, as on
    Mastodon 4.2); the followers-only notes the member may see are still asked of every
    follow.

    `tags`: the member follows hashtags (`members.followed_hashtags`), so the public notes
    carrying them come home too; a member who follows none gets the statement without that
    branch (it cost 5-8 % of the statement alone: docs/BENCHMARKS.md). `domains`: the member
    blocks domains (`members.blocked_domains`), so their accounts are left out too; likewise
    only in the statement of the members who block some."""
    member_id = bindparam("member_id", type_=Integer)
    uri = bindparam("viewer_uri", type_=String)
    followed = followed_actors(uri).where(_not_exclusive(member_id, Follow.remote_actor_id))
    markets = select(RemoteActor.domain).where(
        RemoteActor.id.in_(followed), RemoteActor.preferred_username == "market"
    )
    sources = [
        Note.member_id == member_id,
        Note.remote_actor_id.in_(followed),
        exists().where(DirectMessage.note_id == Note.id, DirectMessage.member_id == member_id),
        Note.id.in_(group_threads_of(uri).where(_not_exclusive(member_id, RemoteActor.id))),
    ]
    if tags:
        sources.append(_followed_tags(member_id))
    notes = or_(*sources)
    listings = or_(
        Listing.member_id == member_id,
        Listing.remote_actor_id.in_(followed),
        and_(Listing.remote_actor_id.is_not(None), Listing.origin.in_(markets)),
    )
    reblogs = or_(Status.reblog_member_id == member_id, Status.reblog_actor_id.in_(followed))
    return _feed_statement(
        member_id, uri, notes, listings, reblogs, max_id, since_id, min_id, limit, domains
    )


def _followed_tags(member_id: BindParameter[int]) -> ColumnElement[bool]:
    """A public note carrying a hashtag the member follows (Mastodon 4.3 puts them in home),
    unless its author's domain is silenced (limited): the policy's silences are read from
    `domain_rules` here (the domain or a parent of it), so the statement needs no parameter
    of the policy. Asked of a note only once it carries a followed tag: the followed
    hashtags' notes are one list built once per query, empty for most members."""
    followed = select(HashtagFollow.hashtag_id).where(HashtagFollow.member_id == member_id)
    tagged = select(NoteHashtag.note_id).where(NoteHashtag.hashtag_id.in_(followed))
    silenced = (
        select(RemoteActor.id)
        .join(
            DomainRule,
            or_(
                RemoteActor.domain == DomainRule.domain,
                RemoteActor.domain.like(literal("%.") + DomainRule.domain),
            ),
        )
        .where(DomainRule.kind == RuleKind.block, DomainRule.severity == Severity.silence)
    )
    return and_(
        Note.id.in_(tagged),
        Note.visibility == "public",
        or_(Note.remote_actor_id.is_(None), Note.remote_actor_id.not_in(silenced)),
    )


def _feed_statement(
    member_id: BindParameter[int],
    uri: BindParameter[str],
    notes: ColumnElement[bool],
    listings: ColumnElement[bool],
    reblogs: ColumnElement[bool],
    max_id: bool,
    since_id: bool,
    min_id: bool,
    limit: int,
    domains: bool = False,
) -> Select[Any]:
    """A member's feed (home, a list) of one paging shape: the notes, listings and reblogs
    its sources name, among those the member may see, newest first (oldest first above
    `min_id`, for the caller to turn). The accounts the member blocks or mutes (a mute
    compared with `now`, the time of the read), and with `domains` the accounts of the
    domains they block, are left out, as authors and as reblogger
    (exchange/hidden_accounts.py)."""
    now = bindparam("now", type_=UTCDateTime())

    def shown(member_column: Any, actor_column: Any) -> ColumnElement[bool]:
        return shown_author(member_column, actor_column, member_id, now, domains=domains)

    visible = or_(
        and_(
            Status.note_id.is_not(None),
            _note_visible_to(member_id, uri),
            notes,
            shown(Note.member_id, Note.remote_actor_id),
        ),
        and_(
            Status.listing_id.is_not(None),
            _listing_shown(_own_listing(member_id)),
            listings,
            shown(Listing.member_id, Listing.remote_actor_id),
        ),
        and_(_reblog_live(), reblogs, shown(Status.reblog_member_id, Status.reblog_actor_id)),
        and_(
            Status.thread_id.is_not(None),
            thread_visible(),
            DiscussionThread.space_id.in_(followed_spaces(member_id)),
            shown(DiscussionThread.member_id, DiscussionThread.remote_actor_id),
        ),
    )
    query = _base().where(visible)
    if max_id:
        query = query.where(Status.id < bindparam("max_id", type_=Integer))
    if since_id:
        query = query.where(Status.id > bindparam("since_id", type_=Integer))
    if min_id:
        return (
            query.where(Status.id > bindparam("min_id", type_=Integer))
            .order_by(Status.id.asc())
            .limit(limit)
        )
    return query.order_by(Status.id.desc()).limit(limit)


def _not_exclusive(member_id: BindParameter[int], actor: Any) -> ColumnElement[bool]:
    """`actor` is in none of the member's exclusive lists (whose accounts leave home). A
    `NOT EXISTS`, which PostgreSQL plans as an anti-join over the member's few list
    entries."""
    return ~exists().where(
        ListAccount.remote_actor_id == actor,
        MemberList.id == ListAccount.list_id,
        MemberList.member_id == member_id,
        MemberList.exclusive.is_(True),
    )


# ---------------------------------------------------------------------- lists


def list_cards(
    session: Session, viewer: Viewer, found: MemberList, paging: Paging
) -> list[Row[Any]]:
    """A page of the member's list `found` (theirs: the caller checked), with the display
    rows of its notes as `home_cards` gives them: the notes, listings and reblogs of the
    list's accounts that the member may see, and the listings of a city whose market is in
    the list and the threads of a Group in it, as home shows those of followed ones. Which
    replies show is the list's `replies_policy`."""
    assert viewer.member is not None and viewer.uri is not None
    limit = max(1, min(paging.limit, MAX_LIMIT))
    statement = _list_statement(
        found.replies_policy,
        paging.max_id is not None,
        paging.since_id is not None,
        paging.min_id is not None,
        limit,
        viewer.member.blocked_domains > 0,
    )
    params: dict[str, Any] = {
        "member_id": viewer.member.id,
        "viewer_uri": viewer.uri,
        "list_id": found.id,
        "now": utcnow(),
    }
    for name in ("max_id", "since_id", "min_id"):
        if getattr(paging, name) is not None:
            params[name] = getattr(paging, name)
    return list(session.execute(_home_cards_statement(statement), params))


def list_page(session: Session, viewer: Viewer, found: MemberList, paging: Paging) -> list[int]:
    """`list_cards`' status ids only (the streaming API's reader)."""
    return [row.status_id for row in list_cards(session, viewer, found, paging)]


@functools.lru_cache(maxsize=3 * 16 * MAX_LIMIT)
def _list_statement(
    policy: RepliesPolicy,
    max_id: bool,
    since_id: bool,
    min_id: bool,
    limit: int,
    domains: bool = False,
) -> Select[Any]:
    """The list query of one replies policy and paging shape, built once like home's, with
    the member, the list and the bounds as bound parameters (`domains`: the member blocks
    domains, as in `_home_statement`)."""
    member_id = bindparam("member_id", type_=Integer)
    uri = bindparam("viewer_uri", type_=String)
    accounts = select(ListAccount.remote_actor_id).where(
        ListAccount.list_id == bindparam("list_id", type_=Integer)
    )
    markets = select(RemoteActor.domain).where(
        RemoteActor.id.in_(accounts), RemoteActor.preferred_username == "market"
    )
    groups = (
        select(GroupThread.note_id)
        .join(RemoteActor, RemoteActor.uri == GroupThread.group_uri)
        .where(RemoteActor.type == "Group", RemoteActor.id.in_(accounts))
    )
    notes = and_(
        or_(Note.remote_actor_id.in_(accounts), Note.id.in_(groups)),
        _reply_shown(policy, member_id, uri, accounts),
    )
    listings = or_(
        Listing.remote_actor_id.in_(accounts),
        and_(Listing.remote_actor_id.is_not(None), Listing.origin.in_(markets)),
    )
    reblogs = Status.reblog_actor_id.in_(accounts)
    return _feed_statement(
        member_id, uri, notes, listings, reblogs, max_id, since_id, min_id, limit, domains
    )


def _reply_shown(
    policy: RepliesPolicy,
    member_id: BindParameter[int],
    uri: BindParameter[str],
    accounts: Select[Any],
) -> ColumnElement[bool]:
    """Mastodon's list rule for replies: a note that answers nothing, answers its own
    author or the member is shown; one answering someone else only when the policy names
    them (`followed`: an account the member follows; `list`: an account of the list;
    `none`: nobody). A reply to a note or listing the city does not hold is left out, as
    Mastodon leaves out a reply to an unknown account."""
    parent_note, parent_listing = aliased(Note), aliased(Listing)

    def answers(author_member: Any, author_actor: Any) -> ColumnElement[bool]:
        allowed = [author_member == member_id, author_actor == Note.remote_actor_id]
        if policy is RepliesPolicy.followed:
            allowed.append(author_actor.in_(followed_actors(uri)))
        elif policy is RepliesPolicy.list:
            allowed.append(author_actor.in_(accounts))
        return or_(*allowed)

    return or_(
        Note.in_reply_to.is_(None),
        exists().where(
            parent_note.uri == Note.in_reply_to,
            answers(parent_note.member_id, parent_note.remote_actor_id),
        ),
        exists().where(
            parent_listing.uri == Note.in_reply_to,
            answers(parent_listing.member_id, parent_listing.remote_actor_id),
        ),
    )


def public(
    session: Session,
    viewer: Viewer,
    paging: Paging,
    *,
    local: bool = False,
    remote: bool = False,
    silenced: Predicate,
    refused: Predicate,
) -> list[int]:
    """Public notes, open listings and our members' discussion threads and replies, of this
    city (`local`), of others (`remote`) or both.

    Silenced domains stay out, except the accounts the viewer follows; refused ones always;
    for a member, the accounts they block or mute too.
    """
    shown = public_shown(
        session, viewer, local=local, remote=remote, silenced=silenced, refused=refused
    )
    return run_page(session, _base().where(shown), Status.id, paging)


def public_base() -> Select[Any]:
    """`select(Status.id)` joined to what a status shows, for `public_shown`'s condition."""
    return _base()


def public_shown(
    session: Session,
    viewer: Viewer,
    *,
    local: bool = False,
    remote: bool = False,
    silenced: Predicate,
    refused: Predicate,
) -> ColumnElement[bool]:
    """Which statuses of `public_base()` the public timeline shows the viewer (`public`'s
    rules, for other orders of them: exchange/trends.py ranks them)."""
    notes: ColumnElement[bool] = Note.visibility == "public"
    listings: ColumnElement[bool] = and_(Listing.state.in_(OPEN_STATES))
    threads: ColumnElement[bool] = DiscussionThread.member_id.is_not(None)
    posts: ColumnElement[bool] = DiscussionPost.member_id.is_not(None)
    if local:
        notes = and_(notes, Note.member_id.is_not(None))
        listings = and_(listings, Listing.member_id.is_not(None))
    if remote:
        notes = and_(notes, Note.remote_actor_id.is_not(None))
        listings = and_(listings, Listing.remote_actor_id.is_not(None))
        threads = posts = false()
    quiet, shut = kept_out(session, silenced, refused)
    if quiet or shut:
        hidden = select(RemoteActor.id).where(RemoteActor.domain.in_(shut))
        if quiet:
            quiet_actors = select(RemoteActor.id).where(RemoteActor.domain.in_(quiet))
            if viewer.uri is not None:
                quiet_actors = quiet_actors.where(
                    RemoteActor.id.not_in(followed_actors(viewer.uri))
                )
            hidden = hidden.union(quiet_actors)  # type: ignore[assignment]
        notes = and_(
            notes, or_(Note.remote_actor_id.is_(None), Note.remote_actor_id.not_in(hidden))
        )
        listings = and_(
            listings,
            or_(Listing.remote_actor_id.is_(None), Listing.remote_actor_id.not_in(hidden)),
        )
    if viewer.member is not None:  # not the accounts the member blocks or mutes
        notes = and_(notes, _shown_to(viewer, Note.member_id, Note.remote_actor_id))
        listings = and_(listings, _shown_to(viewer, Listing.member_id, Listing.remote_actor_id))
        threads = and_(
            threads, _shown_to(viewer, DiscussionThread.member_id, DiscussionThread.remote_actor_id)
        )
        posts = and_(
            posts, _shown_to(viewer, DiscussionPost.member_id, DiscussionPost.remote_actor_id)
        )
    return _visible(viewer, notes, listings, threads, posts)


def _shown_to(viewer: Viewer, member_column: Any, actor_column: Any) -> ColumnElement[bool]:
    """The author is not one the viewer blocks or mutes now, nor of a domain they block."""
    assert viewer.member is not None
    return shown_author(
        member_column,
        actor_column,
        viewer.member.id,
        utcnow(),
        domains=viewer.member.blocked_domains > 0,
    )


def by_account(
    session: Session,
    viewer: Viewer,
    paging: Paging,
    *,
    member_id: int | None = None,
    actor_id: int | None = None,
    space_id: int | None = None,
    reblogs: bool = True,
) -> list[int]:
    """The statuses of one account (a member, a remote actor, or one of this city's
    discussion spaces: its threads) that the viewer may see, its reblogs among them unless
    `reblogs` is false (`exclude_reblogs`)."""
    if space_id is not None:
        threads = DiscussionThread.space_id == space_id
        shown = _visible(viewer, false(), false(), threads)
        return run_page(session, _base().where(shown), Status.id, paging)
    if member_id is not None:
        notes, listings = Note.member_id == member_id, Listing.member_id == member_id
        threads, posts = (
            DiscussionThread.member_id == member_id,
            DiscussionPost.member_id == member_id,
        )
        boosts = Status.reblog_member_id == member_id
    else:
        notes, listings = Note.remote_actor_id == actor_id, Listing.remote_actor_id == actor_id
        threads, posts = (
            DiscussionThread.remote_actor_id == actor_id,
            DiscussionPost.remote_actor_id == actor_id,
        )
        boosts = Status.reblog_actor_id == actor_id
    shown = _visible(viewer, notes, listings, threads, posts, boosts if reblogs else None)
    return run_page(session, _base().where(shown), Status.id, paging)


def thread(session: Session, viewer: Viewer, row: StatusRow) -> tuple[list[int], list[int]]:
    """(ancestors oldest first, descendants in order) of a note, among notes we have; of a
    discussion thread or reply, among its thread's visible replies."""
    if row.thread is not None or row.post is not None:
        return _discussion_thread(session, row)
    if row.note is None:
        return [], []
    ancestors: list[int] = []
    parent_uri = row.note.in_reply_to
    seen = {row.note.uri}
    while parent_uri and parent_uri not in seen and len(ancestors) < 40:
        seen.add(parent_uri)
        parent = session.scalar(select(Note).where(Note.uri == parent_uri))
        if parent is None:
            break
        ancestors.append(parent.id)
        parent_uri = parent.in_reply_to
    descendants: list[int] = []
    frontier = [row.note.uri]
    while frontier and len(descendants) < 200:
        children = [
            (i, u)
            for i, u in session.execute(
                select(Note.id, Note.uri).where(Note.in_reply_to.in_(frontier))
            )
            if u not in seen
        ]
        seen.update(u for _, u in children)
        descendants += [i for i, _ in children]
        frontier = [u for _, u in children]
    return _visible_notes(session, viewer, ancestors[::-1]), _visible_notes(
        session, viewer, descendants
    )


def _discussion_thread(session: Session, row: StatusRow) -> tuple[list[int], list[int]]:
    """A thread's root has no ancestors and every visible reply as descendant; a reply has
    the root and the replies it answers above, the replies answering it (at any depth)
    below."""
    thread_id = row.thread.id if row.thread is not None else row.post.thread_id  # type: ignore[union-attr]
    thread = session.get_one(DiscussionThread, thread_id)
    shown = posts_of(session, thread)
    status_of = dict(
        session.execute(
            select(Status.post_id, Status.id).where(Status.post_id.in_([p.id for p in shown]))
        ).all()
    )
    root = session.scalar(select(Status.id).where(Status.thread_id == thread.id))
    if row.post is None:
        return [], [status_of[p.id] for p in shown if p.id in status_of]
    by_id = {p.id: p for p in shown}
    above: list[int] = []
    parent = by_id.get(row.post.parent_id or 0)
    while parent is not None:
        above.append(status_of[parent.id])
        parent = by_id.get(parent.parent_id or 0)
    below_posts: set[int] = {row.post.id}
    below: list[int] = []
    for post in shown:  # parents come before their answers (ids grow)
        if post.parent_id in below_posts:
            below_posts.add(post.id)
            below.append(status_of[post.id])
    ancestors = ([root] if root is not None and not thread.hidden else []) + above[::-1]
    return ancestors, below


def _visible_notes(session: Session, viewer: Viewer, note_ids: list[int]) -> list[int]:
    if not note_ids:
        return []
    found = dict(
        session.execute(
            select(Note.id, Status.id)
            .join(Status, Status.note_id == Note.id)
            .where(Note.id.in_(note_ids), note_visible(viewer), _not_hidden_from(viewer))
        ).all()
    )
    return [found[n] for n in note_ids if n in found]


def _not_hidden_from(viewer: Viewer) -> ColumnElement[bool]:
    """A note of a thread is left out for a member who blocks or mutes its author, above or
    below the note asked, as Mastodon filters a context."""
    if viewer.member is None:
        return true()
    return _shown_to(viewer, Note.member_id, Note.remote_actor_id)


# ---------------------------------------------------------------------- reactions


def reaction_of(
    session: Session, member: Member, status_id: int, kind: ReactionKind
) -> StatusReaction | None:
    return session.scalar(
        select(StatusReaction).where(
            StatusReaction.status_id == status_id,
            StatusReaction.member_id == member.id,
            StatusReaction.kind == kind,
        )
    )


def react(session: Session, member: Member, status_id: int, kind: ReactionKind) -> StatusReaction:
    """Favourite or reblog once; again is a no-op (as on Mastodon)."""
    existing = session.scalar(
        select(StatusReaction).where(
            StatusReaction.status_id == status_id,
            StatusReaction.member_id == member.id,
            StatusReaction.kind == kind,
        )
    )
    if existing is not None:
        return existing
    reaction = StatusReaction(status_id=status_id, member_id=member.id, kind=kind)
    session.add(reaction)
    session.flush()
    return reaction


def unreact(session: Session, member: Member, status_id: int, kind: ReactionKind) -> None:
    reaction = session.scalar(
        select(StatusReaction).where(
            StatusReaction.status_id == status_id,
            StatusReaction.member_id == member.id,
            StatusReaction.kind == kind,
        )
    )
    if reaction is not None:
        session.delete(reaction)
        session.flush()


@dataclass(frozen=True)
class Reactions:
    """Per status id: how many favourites and reblogs, and which of them are the viewer's."""

    favourites: dict[int, int]
    reblogs: dict[int, int]
    mine: set[tuple[int, ReactionKind]]


def own_note_uri(row: StatusRow, member: Member) -> str:
    """The URI of the member's own note behind a status (to delete it); refused otherwise."""
    if row.note is None:
        raise DomainError(
            "not_a_note",
            "only a note is deleted as a status: listings and discussions are kept on their pages",
            422,
        )
    if row.note.member_id != member.id:
        raise NotFound("status")
    return row.note.uri
