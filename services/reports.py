"""Forwarding a report to the reported account's server, as the `Flag` Mastodon accepts.

Shape (Mastodon's ActivityPub::FlagSerializer, PROTOCOL.md): `actor` is our instance actor,
so the reporter stays anonymous; `object` is [account, objects of that account...];
`content` is the reason. Only objects on the account's own server are named (a server acts
only on what it hosts). Delivered to the account's shared inbox (or its inbox), through the
transactional outbox, never to a domain the policy refuses.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange import moderation_log, reports
from exchange.errors import DomainError
from federation.authority import authority_of
from instance.city import City
from models import Member, RemoteActor, Report, new_public_id, utcnow
from outbox import render
from outbox.publish import Audience, publish


def render_flag(
    city: City, flag_id: str, account_uri: str, object_uris: list[str], content: str
) -> dict[str, Any]:
    return render.activity(
        city.urls,
        "Flag",
        flag_id,
        city.urls.instance_actor,
        [account_uri, *object_uris],
        to=[account_uri],
        content=content,
    )


def forward(
    session: Session, city: City, report: Report, moderator: Member | None, note: str = ""
) -> str:
    """Send the report to the account's server; returns the Flag's id. Refused for our own
    accounts.
    """
    if city.urls.is_local(report.account_uri):
        raise DomainError(
            "local_account", "this account is ours: there is no other server to tell", 409
        )
    if report.origin is not None and report.origin == authority_of(report.account_uri):
        raise DomainError("from_that_server", "this report came from the account's own server", 409)
    account = session.scalar(select(RemoteActor).where(RemoteActor.uri == report.account_uri))
    if account is None:
        raise DomainError("unknown_account", f"{report.account_uri} is not a known account", 409)
    verdict = city.fediverse.policy.current_sync(session).verdict(account.uri)
    if not verdict.allowed:
        raise DomainError("domain_refused", f"not forwarding: {verdict.reason}", 409)
    authority = authority_of(account.uri)
    objects = [uri for uri in report.object_uris if authority_of(uri) == authority]
    content = "\n\n".join(part for part in (report.comment, note.strip()) if part)
    flag_id = city.urls.activity(new_public_id())
    publish(
        session,
        city,
        render_flag(city, flag_id, account.uri, objects, content),
        Audience(actors=[account]),
    )
    reports.record_action(session, report, moderator, "forward", flag_id)
    report.forwarded_uri = flag_id
    report.forwarded_at = utcnow()
    moderation_log.record(
        session, moderator, "report.forward", "report", report.public_id, f"to {authority}"
    )
    return flag_id
