"""Flag: another server reports one of our accounts (and some of its objects) to our moderators.

Mastodon's shape: `actor` is the reporting server's instance actor, `object` lists the
reported account and objects, `content` is the reason. A Flag lands in the report queue when
it names something of ours; the reported account is the first of our actors it names, else
the author of the first of our objects. Flags from a domain blocked with `reject_reports`
are dropped, as are repeated deliveries of the same Flag.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from exchange import reports
from federation.authority import authority_of
from federation.vocab import as_list, id_of
from services.moderation import OBJECT_KINDS

from .process import Delivery

MAX_CONTENT = 5000


async def on_flag(delivery: Delivery) -> None:
    city = delivery.city
    verdict = (await city.fediverse.policy.current()).verdict(delivery.actor_uri)
    named = [
        uri for uri in (id_of(item) for item in as_list(delivery.object)) if isinstance(uri, str)
    ]
    ours = [uri for uri in named if city.urls.is_local(uri)]
    content = delivery.activity.get("content")
    comment = content[:MAX_CONTENT] if isinstance(content, str) else ""

    def change(session: Session) -> None:
        if verdict.reject_reports or not ours:
            return
        accounts = [uri for uri in ours if city.fediverse.actors.exists(session, uri)]
        objects = [uri for uri in ours if uri not in accounts]
        account = accounts[0] if accounts else None
        if account is None:
            for uri in objects:
                account = next(
                    (a for a in (k.author(session, city, uri) for k in OBJECT_KINDS) if a), None
                )
                if account is not None:
                    break
        if account is None:
            return
        reports.receive_flag(
            session,
            origin=authority_of(delivery.actor_uri),
            flag_actor=delivery.actor_uri,
            flag_uri=delivery.row.uri,
            account_uri=account,
            object_uris=objects,
            comment=comment,
        )

    await delivery.apply(change)
