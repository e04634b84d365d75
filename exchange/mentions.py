"""What a member hears when a public or unlisted note names them: Mastodon's `mention`.

A note is a mention of the members its `tag` names (a Mention whose `href` is a member of
this city: a local post's `@name`, a remote Create's tag). Direct notes are told apart
already (a `direct_message`, exchange/direct_messages.py) and followers-only ones are not
told: a member who does not follow their author could not read them here. Each member is
told once per note (a repeated Create is not stored again; an edit tells nobody), never
about their own note, nor by a suspended account or one they block, nor by an account of a
silenced domain they do not follow (the caller says which: the policy is not the domain's
to read).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from instance.html import html_to_text
from models import Member, Note, Notification, NotificationKind, RemoteActor

from .hidden_accounts import blocks_member
from .notifications import notify

#: the visibilities whose mentions notify (direct ones are direct messages)
TOLD = ("public", "unlisted")


def tell_mentioned(
    session: Session,
    note: Note,
    named: list[Member],
    *,
    author: Member | RemoteActor,
    silenced: bool = False,
    followed_by: set[int] | None = None,
) -> int:
    """Notify the members `named` by `note` (by `author`); returns how many were told.
    `silenced`: the author's domain is silenced, and only the members in `followed_by`
    (those who follow the author) hear of it."""
    if note.visibility not in TOLD:
        return 0
    remote = isinstance(author, RemoteActor)
    if remote and author.suspended_at is not None:
        return 0
    session.flush()
    who = f"@{author.handle}" if isinstance(author, RemoteActor) else f"@{author.username}"
    excerpt = html_to_text(note.content)[:140]
    told = 0
    for member in dict.fromkeys(named):
        if not remote and member.id == author.id:
            continue
        if not remote and blocks_member(session, member.id, author.id):
            continue  # a remote author the member blocks is refused by `notify`
        if silenced and member.id not in (followed_by or set()):
            continue
        if _told(session, member, note):
            continue
        notify(
            session,
            member.id,
            NotificationKind.mention,
            code="mention",
            params={"who": who, "excerpt": excerpt},
            remote_actor_id=author.id if isinstance(author, RemoteActor) else None,
            note_id=note.id,
        )
        told += 1
    return told


def _told(session: Session, member: Member, note: Note) -> bool:
    found = select(Notification.id).where(
        Notification.member_id == member.id,
        Notification.note_id == note.id,
        Notification.kind == NotificationKind.mention,
    )
    return session.scalar(found.limit(1)) is not None
