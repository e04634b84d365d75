"""Social actions of our actors: follow, unfollow, answer follow requests, take the answers to
ours, post notes.

Each function changes rows and publishes the activities that follow from the change, in the
caller's transaction (the transactional outbox), and never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import (
    account_blocks,
    direct_messages,
    follows,
    group_threads,
    media_attachments,
    member_domain_blocks,
    note_edits,
    notifications,
    profile_fields,
)
from exchange import mentions as mentions_told
from exchange.errors import DomainError, NotFound
from exchange.photos import MAX_PHOTOS
from federation.vocab import PUBLIC
from instance.city import City
from instance.html import hashtags, text_to_html
from models import (
    Direction,
    Follow,
    FollowState,
    MediaAttachment,
    Member,
    Note,
    NotificationKind,
    RemoteActor,
    new_public_id,
    utcnow,
)
from outbox import render
from outbox.publish import Audience, publish

from . import backfill

MAX_NOTE_LENGTH = 5000
#: a content warning (AS2 `summary`) is short, as on Mastodon
MAX_WARNING_LENGTH = 500
VISIBILITIES = ("public", "unlisted", "followers", "direct")


def new_activity_id(city: City) -> str:
    return city.urls.activity(new_public_id())


def member_id_of(session: Session, city: City, uri: str) -> int | None:
    """The member whose actor is `uri`; None for another of our actors (the market, the
    instance actor) or none."""
    ref = city.fediverse.actors.parse(uri)
    if ref is None or ref.kind != "member":
        return None
    return session.scalar(select(Member.id).where(Member.username == ref.name))


# ---------------------------------------------------------------------- following others


def follow(session: Session, city: City, follower: str, target: RemoteActor) -> Follow:
    """Our actor `follower` asks to follow `target`; pending until the target Accepts.
    Refused (403) when a block stands between a member and `target`, either way, or the
    member blocks its domain."""
    if target.deleted_at is not None:
        raise DomainError("actor_gone", f"{target.handle} no longer exists", 410)
    policy = city.fediverse.policy.current_sync(session)
    if (
        not policy.allows(target.uri)
        or policy.actor_suspended(target.uri)
        or target.suspended_at is not None
    ):
        reason = policy.verdict(target.uri).reason or f"{target.handle} is suspended here"
        raise DomainError("federation_refused", f"cannot follow {target.handle}: {reason}", 403)
    member_id = member_id_of(session, city, follower)
    if member_id is not None and (
        account_blocks.between(session, member_id, target.id)
        or member_domain_blocks.blocks(session, member_id, target.domain)
    ):
        # a block either way, or the member's of its domain: Mastodon's "This action is not
        # allowed"
        raise DomainError("blocked", "This action is not allowed", 403)
    existing = follows.find(session, follower, target, Direction.outbound)
    if existing is not None and existing.state is not FollowState.failed:
        return existing
    activity_id = new_activity_id(city)
    if existing is None:
        record = follows.create(session, follower, target, Direction.outbound, activity_id)
    else:  # our last Follow did not arrive: ask again
        record = follows.ask_again(existing, activity_id)
    document = render.activity(
        city.urls, "Follow", activity_id, follower, target.uri, to=[target.uri]
    )
    publish(session, city, document, Audience(actors=[target]))
    return record


def unfollow(session: Session, city: City, follower: str, target: RemoteActor) -> None:
    record = follows.find(session, follower, target, Direction.outbound)
    if record is None:
        raise DomainError("not_following", f"you do not follow {target.handle}", 404)
    original = render.activity(city.urls, "Follow", record.activity_uri, follower, target.uri)
    follows.undo(session, record)
    undo = render.activity(
        city.urls, "Undo", new_activity_id(city), follower, original, to=[target.uri]
    )
    publish(session, city, undo, Audience(actors=[target]))


# ---------------------------------------------------------------------- being followed


def receive_follow(
    session: Session,
    city: City,
    followed: str,
    follower: RemoteActor,
    activity_uri: str,
    *,
    manual: bool,
) -> Follow:
    """A remote Follow of our actor: accepted at once, or pending when the actor approves by hand.

    A repeated Follow (Mastodon re-sends one after a key change) updates the activity id and
    is answered again.
    """
    record = follows.find(session, followed, follower, Direction.inbound)
    if record is None:
        record = follows.create(session, followed, follower, Direction.inbound, activity_uri)
        _tell_followed(session, city, followed, follower, manual=manual)
    else:
        record.activity_uri = activity_uri
        session.flush()
    if record.state is FollowState.accepted or not manual:
        accept_follower(session, city, record, follower)
    return record


def _tell_followed(
    session: Session, city: City, followed: str, follower: RemoteActor, *, manual: bool
) -> None:
    """A member hears of a new follower, or of a request to approve (Mastodon's `follow` and
    `follow_request` notifications); the market and service actors have nobody to tell."""
    member_id = member_id_of(session, city, followed)
    if member_id is None:
        return
    kind = NotificationKind.follow_request if manual else NotificationKind.follow
    notifications.notify(
        session,
        member_id,
        kind,
        code="follow_request" if manual else "follow",
        params={"who": f"@{follower.handle}"},
        remote_actor_id=follower.id,
    )


def refuse_follow(
    session: Session, city: City, followed: str, follower: RemoteActor, activity_uri: str
) -> None:
    """A remote Follow of an actor nobody may follow (the instance actor, as on Mastodon)."""
    record = follows.create(session, followed, follower, Direction.inbound, activity_uri)
    reject_follower(session, city, record, follower)


def refuse_blocked_follow(
    session: Session, city: City, followed: str, follower: RemoteActor, activity_uri: str
) -> None:
    """A remote Follow of a member with a block between them (services.blocks): `Reject`,
    and no follow is kept (one asked before the block is ended with it)."""
    record = follows.find(session, followed, follower, Direction.inbound)
    if record is None:
        record = follows.create(session, followed, follower, Direction.inbound, activity_uri)
    else:
        record.activity_uri = activity_uri
    reject_follower(session, city, record, follower)


def _answer_follow(
    session: Session, city: City, record: Follow, follower: RemoteActor, kind: str
) -> None:
    original = render.activity(
        city.urls, "Follow", record.activity_uri, follower.uri, record.local_actor
    )
    answer = render.activity(
        city.urls, kind, new_activity_id(city), record.local_actor, original, to=[follower.uri]
    )
    publish(session, city, answer, Audience(actors=[follower]))


def accept_follower(session: Session, city: City, record: Follow, follower: RemoteActor) -> None:
    follows.accept(record)
    _answer_follow(session, city, record, follower, "Accept")


def reject_follower(session: Session, city: City, record: Follow, follower: RemoteActor) -> None:
    _answer_follow(session, city, record, follower, "Reject")
    follows.reject(session, record)


# ---------------------------------------------------------------------- answers to our follows


def follow_accepted(
    session: Session, sender: str, follow_id: str | None, local_actor: str | None, *, at: datetime
) -> None:
    """The remote actor `sender` accepted a Follow of ours (named by id, else by its actor)."""
    record = follows.answered(session, sender, follow_id, local_actor)
    if record is not None and follows.accept(record, now=at):
        backfill.schedule(session, record)  # what the followed actor already has


def follow_rejected(
    session: Session, sender: str, follow_id: str | None, local_actor: str | None
) -> None:
    """The remote actor `sender` rejected a Follow of ours, or stopped accepting it: it ends."""
    record = follows.answered(session, sender, follow_id, local_actor)
    if record is not None:
        follows.reject(session, record)


# ---------------------------------------------------------------------- notes


def _note_audience(city: City, author: str, note: Note, mentions: list[RemoteActor]) -> Audience:
    followers = city.urls.followers(author)
    addressed = set(note.to) | set(note.cc)
    return Audience(followers_of=[author] if followers in addressed else [], actors=mentions)


def post_note(
    session: Session,
    city: City,
    member: Member,
    text: str,
    *,
    visibility: str = "public",
    mentions: list[RemoteActor] | None = None,
    in_reply_to: str | None = None,
    context: str | None = None,
    published: datetime | None = None,
    attachments: list[dict[str, Any]] | None = None,
    local_mentions: list[Member] | None = None,
    summary: str = "",
    sensitive: bool = False,
) -> Note:
    """A member posts a note; plain text becomes HTML. Returns the stored note.

    `local_mentions` are members of the city the note names: addressed and tagged like the
    remote `mentions` (nothing is delivered to them: they read it here); a direct note to
    them is a message in their conversation with the author.

    `attachments` are AS2 Images (exchange.media_attachments.note_entry); a note with one
    may have no text, as on Mastodon."""
    if visibility not in VISIBILITIES:
        raise DomainError(
            "invalid_visibility", f"visibility must be one of {', '.join(VISIBILITIES)}"
        )
    if not text.strip() and not attachments:
        raise DomainError("empty_note", "a note needs some text")
    if len(text) > MAX_NOTE_LENGTH:
        raise DomainError("note_too_long", f"a note is at most {MAX_NOTE_LENGTH} characters")
    _check_warning(summary)
    # another city's locked discussion thread would drop the reply: refused before it is sent
    group_threads.check_replies_open(session, in_reply_to)
    mentions = mentions or []
    locals_named = [m for m in local_mentions or [] if m.id != member.id]
    local_uris = [city.urls.member(m.username) for m in locals_named]
    author = city.urls.member(member.username)
    public_id = new_public_id()
    to, cc = render.public_addressing(
        city.urls.followers(author), visibility, [m.uri for m in mentions] + local_uris
    )
    note = Note(
        uri=city.urls.note(public_id),
        member_id=member.id,
        content=text_to_html(text, tag_url=city.urls.tag),
        visibility=visibility,
        to=to,
        cc=cc,
        in_reply_to=in_reply_to,
        context=context,
        published=published or utcnow(),
        tags=[{"type": "Mention", "href": m.uri, "name": f"@{m.handle}"} for m in mentions]
        + [
            {"type": "Mention", "href": uri, "name": f"@{m.username}@{city.settings.domain}"}
            for m, uri in zip(locals_named, local_uris, strict=True)
        ]
        + render.hashtag_entries(city.urls, hashtags(text)),
        attachments=attachments or [],
        summary=summary.strip() or None,
        sensitive=sensitive or bool(summary.strip()),
    )
    session.add(note)
    session.flush()
    document = render.render_note(city.urls, note, author)
    create = render.activity(
        city.urls,
        "Create",
        f"{note.uri}/activity",
        author,
        document,
        to=to,
        cc=cc,
        published=note.published,
    )
    publish(session, city, create, _note_audience(city, author, note, mentions))
    if visibility == "direct" and mentions:
        direct_messages.record_sent(session, note, member, mentions)
    if visibility == "direct" and locals_named:
        direct_messages.record_local(session, note, member, locals_named)
    mentions_told.tell_mentioned(session, note, locals_named, author=member)
    return note


def write_direct(session: Session, city: City, member: Member, actor_id: int, text: str) -> Note:
    """The member answers a conversation: a direct note to that account alone, in reply to
    its latest message (so Mastodon threads it), mentioning it."""
    actor, _ = direct_messages.conversation(session, member, actor_id, limit=1)
    answered = direct_messages.last_received(session, member, actor_id)
    return post_note(
        session,
        city,
        member,
        text,
        visibility="direct",
        mentions=[actor],
        in_reply_to=answered.uri if answered is not None else None,
        context=answered.context if answered is not None else None,
    )


def own_note(session: Session, member: Member, note_uri: str) -> Note:
    note = session.scalar(select(Note).where(Note.uri == note_uri, Note.member_id == member.id))
    if note is None or note.deleted_at is not None:
        raise NotFound("note")
    return note


def _mentioned(session: Session, note: Note) -> list[RemoteActor]:
    hrefs = [t["href"] for t in note.tags if t.get("type") == "Mention"]
    if not hrefs:
        return []
    return list(session.scalars(select(RemoteActor).where(RemoteActor.uri.in_(hrefs))))


def _check_warning(summary: str) -> None:
    if len(summary) > MAX_WARNING_LENGTH:
        raise DomainError(
            "warning_too_long", f"a content warning is at most {MAX_WARNING_LENGTH} characters"
        )


#: a picture of an edited note: the place of one it has (an int), or a new upload
Picture = int | MediaAttachment


def edit_note(
    session: Session,
    city: City,
    member: Member,
    note_uri: str,
    text: str,
    *,
    descriptions: dict[int, str] | None = None,
    summary: str | None = None,
    sensitive: bool | None = None,
    pictures: list[Picture] | None = None,
) -> Note:
    """The member's new text for their note, and new alt text for its pictures
    (`descriptions`: by the picture's place in the note), content warning (`summary`) and
    sensitive mark (None: unchanged; a warning makes the note sensitive, as on Mastodon);
    the version replaced is kept (exchange/note_edits.py) and the note's Update goes to its
    audience.

    `pictures` (None: unchanged) are the note's pictures after the edit, in order: places
    of those it keeps, and new uploads (checked by media_attachments.for_status). A picture
    left out stays in the kept version, as the history shows it, so its file stays too."""
    note = own_note(session, member, note_uri)
    before = note.attachments
    descriptions = descriptions or {}
    if any(not 0 <= i < len(before) for i in descriptions):
        raise DomainError("unknown_media", "the note has no such picture", 422)
    if pictures is not None:
        if len(pictures) > MAX_PHOTOS:
            raise DomainError(
                "too_many_photos",
                f"a status has at most {MAX_PHOTOS} photos",
                422,
                {"limit": MAX_PHOTOS},
            )
        if any(isinstance(p, int) and not 0 <= p < len(before) for p in pictures):
            raise DomainError("unknown_media", "the note has no such picture", 422)
    kept = before if pictures is None else pictures
    if (not text.strip() and not kept) or len(text) > MAX_NOTE_LENGTH:
        raise DomainError("invalid_note", f"a note needs 1 to {MAX_NOTE_LENGTH} characters")
    if any(not alt.strip() or len(alt) > 1500 for alt in descriptions.values()):
        raise DomainError("invalid_description", "a picture's description is 1 to 1500 characters")
    if summary is not None:
        _check_warning(summary)
    note_edits.keep_version(session, note)
    if summary is not None:
        note.summary = summary.strip() or None
    if sensitive is not None or summary is not None:
        note.sensitive = bool(sensitive) or bool(note.summary)
    described = [
        {**entry, "name": descriptions[i].strip()} if i in descriptions else entry
        for i, entry in enumerate(before)
    ]
    if pictures is not None:
        uploads = [p for p in pictures if isinstance(p, MediaAttachment)]
        note.attachments = [
            described[p]
            if isinstance(p, int)
            else media_attachments.note_entry(p, city.urls.media(p.file))
            for p in pictures
        ]
        media_attachments.attach(session, uploads, note)
    elif descriptions:
        note.attachments = described
    note.content = text_to_html(text, tag_url=city.urls.tag)
    note.tags = [t for t in note.tags if t.get("type") != "Hashtag"] + render.hashtag_entries(
        city.urls, hashtags(text)
    )
    note.updated = utcnow()
    author = city.urls.member(member.username)
    document = render.render_note(city.urls, note, author)
    activity_id = f"{note.uri}/updates/{new_public_id()}"
    update = render.activity(
        city.urls,
        "Update",
        activity_id,
        author,
        document,
        to=note.to,
        cc=note.cc,
        published=note.updated,
    )
    publish(session, city, update, _note_audience(city, author, note, _mentioned(session, note)))
    return note


def delete_note(session: Session, city: City, member: Member, note_uri: str) -> None:
    note = own_note(session, member, note_uri)
    note.deleted_at = utcnow()
    author = city.urls.member(member.username)
    gone = render.tombstone(city.urls, note.uri)
    delete = render.activity(
        city.urls,
        "Delete",
        f"{note.uri}/delete",
        author,
        gone,
        to=[PUBLIC],
        cc=[city.urls.followers(author)],
    )
    publish(session, city, delete, _note_audience(city, author, note, _mentioned(session, note)))


# ---------------------------------------------------------------------- profile

MAX_DISPLAY_NAME, MAX_NOTE = 100, 500


def update_profile(
    session: Session,
    city: City,
    member: Member,
    *,
    display_name: str | None = None,
    note: str | None = None,
    locked: bool | None = None,
    avatar: str | None = None,
    remove_avatar: bool = False,
    fields: list[tuple[str, str]] | None = None,
    header: str | None = None,
    remove_header: bool = False,
) -> Member:
    """The member changes their name, their profile text (plain text, made HTML), their
    avatar or their profile fields (name/value pairs, `exchange.profile_fields`: all of them
    at once, in order); their followers get an `Update` of the actor, as Mastodon sends one,
    so other servers show it.

    `avatar` is a photo already stored (exchange/photos.py `store`), `remove_avatar` goes back
    to the default picture; `header` and `remove_header` the same for the header picture. The
    file that was the picture before stays in the store: the caller removes it once this
    transaction is committed (read before the call), so a failed transaction never leaves the
    member pointing at a deleted file."""
    if display_name is not None:
        if len(display_name) > MAX_DISPLAY_NAME:
            raise DomainError(
                "invalid_display_name", f"a name is at most {MAX_DISPLAY_NAME} characters"
            )
        member.display_name = display_name.strip()
    if note is not None:
        if len(note) > MAX_NOTE:
            raise DomainError("invalid_note", f"a profile text is at most {MAX_NOTE} characters")
        member.summary = text_to_html(note, tag_url=city.urls.tag) if note.strip() else ""
    if locked is not None:
        # followers from now on wait for the member's answer (`follow_request`)
        member.manually_approves_followers = locked
    if fields is not None:
        member.fields = profile_fields.cleaned(fields)
    if avatar is not None:
        member.avatar = avatar
    elif remove_avatar:
        member.avatar = None
    if header is not None:
        member.header = header
    elif remove_header:
        member.header = None
    announce_actor(session, city, member)
    return member


def announce_actor(session: Session, city: City, member: Member) -> None:
    """The member's followers get an `Update` of the actor as it is now: a new name or
    avatar, or staff recognising the account as an organisation (the actor's `type` becomes
    `Organization`; services/organisations.py)."""
    session.flush()
    author = city.urls.member(member.username)
    update = render.activity(
        city.urls,
        "Update",
        new_activity_id(city),
        author,
        render.render_member(city.urls, member),
        to=[PUBLIC],
        cc=[city.urls.followers(author)],
    )
    publish(session, city, update, Audience(followers_of=[author]))
