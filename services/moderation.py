"""What moderators do about a report: hide, take down, suspend an account, block its domain.

The one set of functions behind the web pages, the API and the CLI. Each action runs in the
caller's transaction, is remembered on the report, and is logged by the function that does
it. Taking down one of our notes federates its Delete (through `social`); hiding or taking
down a remote object only changes what this city shows.

Objects are found through `OBJECT_KINDS`: notes, listings and discussion threads and
replies are known here; another kind
of object joins the reports by appending an `ObjectKind` (its author lookup, and its hide
and take-down when it supports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exchange import domains, members, moderation_log, reports
from exchange import moderation as listing_moderation
from exchange.domain_purge import suspend_account, unsuspend_account
from exchange.errors import DomainError, NotFound
from instance.city import City
from models import (
    Listing,
    Member,
    Negotiation,
    NegotiationMessage,
    Note,
    RemoteActor,
    Report,
    Severity,
    Side,
    utcnow,
)
from services import discussions, listings, social

ACTIONS = ("hide", "take_down", "suspend_account", "block_domain")
ObjectAction = Callable[[Session, City, str, Member | None, str], None]


@dataclass(frozen=True)
class ObjectKind:
    name: str
    #: the actor id of the object's author, or None when the URI is not an object of this kind
    author: Callable[[Session, City, str], str | None]
    hide: ObjectAction | None = None
    take_down: ObjectAction | None = None


# ------------------------------------------------------------------ notes


def _note(session: Session, uri: str) -> Note | None:
    return session.scalar(select(Note).where(Note.uri == uri, Note.deleted_at.is_(None)))


def _author_id(
    session: Session, city: City, member_id: int | None, remote_actor_id: int | None
) -> str | None:
    if member_id is not None:
        username = session.scalar(select(Member.username).where(Member.id == member_id))
        return city.urls.member(username) if username else None
    if remote_actor_id is not None:
        return session.scalar(select(RemoteActor.uri).where(RemoteActor.id == remote_actor_id))
    return None


def _note_author(session: Session, city: City, uri: str) -> str | None:
    note = _note(session, uri)
    return None if note is None else _author_id(session, city, note.member_id, note.remote_actor_id)


def _hide_note(session: Session, city: City, uri: str, by: Member | None, reason: str) -> None:
    note = _note(session, uri)
    if note is None:
        raise NotFound(f"note {uri}")
    if note.member_id is not None:
        raise DomainError("local_note", "a note of this city is taken down, not hidden", 409)
    note.hidden_at = utcnow()
    moderation_log.record(session, by, "note.hide", "note", uri, reason)


def _take_down_note(session: Session, city: City, uri: str, by: Member | None, reason: str) -> None:
    note = _note(session, uri)
    if note is None:
        raise NotFound(f"note {uri}")
    if note.member_id is not None:
        author = session.get(Member, note.member_id)
        assert author is not None
        social.delete_note(session, city, author, uri)  # federates the Delete
    else:
        note.deleted_at = utcnow()
        note.content = ""
        note.attachments = []
    moderation_log.record(session, by, "note.take_down", "note", uri, reason)


# ------------------------------------------------------------------ listings


def _listing_author(session: Session, city: City, uri: str) -> str | None:
    listing = session.scalar(select(Listing).where(Listing.uri == uri))
    return (
        None
        if listing is None
        else _author_id(session, city, listing.member_id, listing.remote_actor_id)
    )


def _hide_listing(session: Session, city: City, uri: str, by: Member | None, reason: str) -> None:

    listing = session.scalar(select(Listing).where(Listing.uri == uri))
    if listing is None:
        raise NotFound(f"listing {uri}")
    listing_moderation.hide(session, listing_moderation.check_moderator(by), listing, reason)


def _take_down_listing(
    session: Session, city: City, uri: str, by: Member | None, reason: str
) -> None:

    listing = session.scalar(select(Listing).where(Listing.uri == uri))
    if listing is None:
        raise NotFound(f"listing {uri}")
    listings.take_down(session, city, listing_moderation.check_moderator(by), listing, reason)


# ------------------------------------------------------------------ negotiation messages


def _message_author(session: Session, city: City, uri: str) -> str | None:
    """The author of a message of a negotiation thread (reported by the other party): it
    cannot be hidden from its one reader, so moderators act on the account."""
    message = session.scalar(select(NegotiationMessage).where(NegotiationMessage.uri == uri))
    if message is None:
        return None
    negotiation = session.get(Negotiation, message.negotiation_id)
    if negotiation is None:
        return None
    if message.author is Side.buyer:
        return _author_id(session, city, negotiation.buyer_member_id, negotiation.buyer_actor_id)
    return _author_id(session, city, negotiation.seller_member_id, negotiation.seller_actor_id)


OBJECT_KINDS: list[ObjectKind] = [
    ObjectKind("note", _note_author, _hide_note, _take_down_note),
    ObjectKind("listing", _listing_author, _hide_listing, _take_down_listing),
    # threads and replies of the discussions: hidden (and the hide announced by the Group);
    # a take-down is the hide, so that a report is answered the same way from any door
    ObjectKind(
        "discussion post",
        discussions.author_of_uri,
        discussions.hide_by_uri,
        discussions.hide_by_uri,
    ),
    ObjectKind("negotiation message", _message_author),
]


def _kind_of(session: Session, city: City, uri: str) -> tuple[ObjectKind, str] | None:
    for kind in OBJECT_KINDS:
        author = kind.author(session, city, uri)
        if author is not None:
            return kind, author
    return None


# ------------------------------------------------------------------ filing


def resolve_target(session: Session, city: City, text: str) -> tuple[str, list[str]]:
    """(account id, object ids) named by '@name', '@user@host', an actor or profile URL, or an
    object URL.
    """
    target = text.strip()
    if not target:
        raise DomainError(
            "target_required", "name the account or paste the link of what you report", 400
        )
    local_name = None
    if target.startswith(city.urls.profile_page("")):
        local_name = target[len(city.urls.profile_page("")) :]
    elif not target.startswith(("http://", "https://")) and target.lstrip("@").count("@") == 0:
        local_name = target.lstrip("@")
    else:
        ref = city.fediverse.actors.parse(target)
        if ref is not None and ref.kind == "member":
            local_name = ref.name
    if local_name is not None:
        member = members.get_member(session, local_name)
        return city.urls.member(member.username), []
    if not target.startswith(("http://", "https://")):
        user, _, host = target.lstrip("@").partition("@")
        actor = session.scalar(
            select(RemoteActor).where(
                RemoteActor.preferred_username == user, RemoteActor.domain == host.lower()
            )
        )
        if actor is None:
            raise NotFound(f"account @{user}@{host}")
        return actor.uri, []
    actor_uri = session.scalar(
        select(RemoteActor.uri).where((RemoteActor.uri == target) | (RemoteActor.url == target))
    )
    if actor_uri is not None:
        return actor_uri, []
    found = _kind_of(session, city, target)
    if found is None:
        raise NotFound(f"anything known at {target}")
    return found[1], [target]


def file_report(
    session: Session,
    city: City,
    reporter: Member,
    target: str,
    comment: str,
    object_uris: list[str] | None = None,
    category: str = "other",
) -> Report:
    account, objects = resolve_target(session, city, target)
    for uri in object_uris or []:
        found = _kind_of(session, city, uri)
        if found is None or found[1] != account:
            raise DomainError("unknown_object", f"{uri} is not something {account} published", 400)
        objects.append(uri)
    if account == city.urls.member(reporter.username):
        raise DomainError("self_report", "you cannot report yourself", 400)
    return reports.file_report(session, reporter, account, objects, comment, category)


# ------------------------------------------------------------------ acting


def act(
    session: Session,
    city: City,
    report: Report,
    action: str,
    moderator: Member | None,
    *,
    reason: str = "",
    severity: Severity = Severity.suspend,
) -> str:
    """Do `action` about the report's account or objects; returns what was done, for people."""
    if action not in ACTIONS:
        raise DomainError(
            "invalid_action", f"action must be one of {', '.join(ACTIONS)} (got {action!r})", 400
        )
    why = reason.strip() or f"report {report.public_id}"
    if action in ("hide", "take_down"):
        done = _on_objects(session, city, report, action, moderator, why)
    elif action == "suspend_account":
        done = _suspend(session, city, report.account_uri, moderator, why)
    else:
        done = _block_domain(session, city, report.account_uri, moderator, why, severity)
    reports.record_action(session, report, moderator, action, done)
    return done


def _on_objects(
    session: Session, city: City, report: Report, action: str, moderator: Member | None, reason: str
) -> str:
    if not report.object_uris:
        raise DomainError(
            "no_objects", "this report names no object: act on the account instead", 409
        )
    for uri in report.object_uris:
        found = _kind_of(session, city, uri)
        if found is None:
            continue  # already gone
        handler = found[0].hide if action == "hide" else found[0].take_down
        if handler is None:
            raise DomainError(
                "unsupported",
                f"a {found[0].name} cannot be {action.replace('_', ' ')} from a report "
                f"here: use the {found[0].name}'s own moderation",
                409,
            )
        handler(session, city, uri, moderator, reason)
    return f"{action.replace('_', ' ')}: {len(report.object_uris)} objects"


def _suspend(
    session: Session, city: City, account_uri: str, moderator: Member | None, reason: str
) -> str:
    ref = city.fediverse.actors.parse(account_uri) if city.urls.is_local(account_uri) else None
    if ref is not None:
        if ref.kind != "member":
            raise DomainError(
                "service_actor", "the city's own service actors cannot be suspended", 409
            )
        members.suspend(session, ref.name, moderator, reason)
        return f"suspended member @{ref.name}"
    return suspend_remote(session, account_uri, moderator, reason)


def remote_account(session: Session, handle_or_uri: str) -> RemoteActor:
    """A remote account we know, by `@name@host`, `name@host` or its actor URI; NotFound."""
    text = handle_or_uri.strip()
    if text.startswith(("http://", "https://")):
        actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == text))
    else:
        name, _, host = text.removeprefix("acct:").lstrip("@").partition("@")
        actor = None
        if name and host:
            actor = session.scalar(
                select(RemoteActor)
                .where(
                    func.lower(RemoteActor.preferred_username) == name.lower(),
                    RemoteActor.domain == host.lower(),
                )
                .order_by(RemoteActor.id)
                .limit(1)
            )
    if actor is None:
        raise NotFound(f"remote account {text}")
    return actor


def suspend_remote(
    session: Session, handle_or_uri: str, moderator: Member | None, reason: str = ""
) -> str:
    """Suspend a remote account: refused and hidden, nothing deleted (domain_purge). The
    moderator is None from the command line."""
    if moderator is not None:
        listing_moderation.check_moderator(moderator)
    actor = remote_account(session, handle_or_uri)
    if actor.suspended_at is not None:
        raise DomainError("already_suspended", f"{actor.handle} is already suspended", 409)
    result = suspend_account(session, actor)
    detail = f"{result.deliveries_cancelled} queued deliveries cancelled"
    moderation_log.record(
        session, moderator, "account.suspend", "account", actor.uri, f"{reason}; {detail}"
    )
    return f"suspended {actor.handle} ({detail}; nothing deleted)"


def unsuspend_remote(
    session: Session, handle_or_uri: str, moderator: Member | None, reason: str = ""
) -> RemoteActor:
    """Lift a remote account's suspension: heard and shown again, with all it had."""
    if moderator is not None:
        listing_moderation.check_moderator(moderator)
    actor = remote_account(session, handle_or_uri)
    if actor.suspended_at is None:
        raise DomainError("not_suspended", f"{actor.handle} is not suspended", 409)
    unsuspend_account(session, actor)
    moderation_log.record(session, moderator, "account.unsuspend", "account", actor.uri, reason)
    return actor


def suspended_remote(session: Session) -> list[RemoteActor]:
    """The remote accounts suspended here, the latest first."""
    query = select(RemoteActor).where(RemoteActor.suspended_at.is_not(None))
    return list(session.scalars(query.order_by(RemoteActor.suspended_at.desc())))


def _block_domain(
    session: Session,
    city: City,
    account_uri: str,
    moderator: Member | None,
    reason: str,
    severity: Severity,
) -> str:
    if city.urls.is_local(account_uri):
        raise DomainError("local_account", "this account is ours: there is no domain to block", 409)
    actor = session.scalar(select(RemoteActor).where(RemoteActor.uri == account_uri))
    domain = (
        actor.domain if actor is not None else domains.normalize_domain(account_uri.split("/")[2])
    )
    spec = domains.BlockSpec(domain, severity, private_comment=reason)
    _, _, purged = domains.block(
        session,
        spec,
        moderator,
        city.settings.federation.mode,
        own_domain=city.settings.domain,
        replace=True,
    )
    return f"blocked {domain} ({severity.value})" + (f": {purged.summary()}" if purged else "")
