"""A member's filters applied to the Status entities the API answers with
(exchange/status_filters.py holds the rules and the matching).

Each Status shown to a member carries `filtered`: Mastodon's FilterResults of the member's
filters in force that match it (the nested Filter without its keywords and statuses, as
Mastodon serializes it there). A reblog is matched on its original, and both carry the
results. Where the statuses are shown in one of Mastodon's contexts (`home` for the home and
list timelines, `public` for the public and tag timelines, `thread` for a status's context,
`account` for an account's statuses, `notifications`), only the filters of that context
apply, and a status matching a `hide` filter is left out. Mastodon marks statuses with
every filter whatever the context and lets apps compare contexts; marking only the
context's filters gives apps that compare the same answer, and apps that do not the right
one. Elsewhere (a status alone, bookmarks, favourites, search) every filter in force
marks, and nothing is left out, as on Mastodon.

Statuses are left out after the page is read, as Mastodon does: the page's paging (its
`Link` header) is that of the statuses read, so paging neither skips nor repeats one, and a
page may be shorter than asked, or empty with a next page.

Cost: a member without filters (`members.status_filters`, read with the member) reads
nothing; a member with some reads their filters once per transaction (`instance.database.
memo`: three indexed statements), compiled once, and matches each status's text in memory.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exchange import status_filters
from exchange.status_filters import ActiveFilter, Match
from instance.database import memo
from instance.html import html_to_text
from models import FilterAction, Member, StatusFilter
from outbox.render import iso_ms

__all__ = ["apply", "filter_entity"]


def filter_entity(found: StatusFilter, rules: dict[str, Any] | None = None) -> dict[str, Any]:
    """Mastodon's Filter; `rules` adds its `keywords` and `statuses` (the filters API)."""
    entity: dict[str, Any] = {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.context),
        "expires_at": iso_ms(found.expires_at) if found.expires_at else None,
        "filter_action": found.action.value,
    }
    if rules is not None:
        entity.update(rules)
    return entity


def _result(match: Match) -> dict[str, Any]:
    return {
        "filter": filter_entity(match.filter),
        "keyword_matches": match.keyword_matches,
        "status_matches": (
            [str(i) for i in match.status_matches] if match.status_matches is not None else None
        ),
    }


def active(session: Session, member: Member | None) -> list[ActiveFilter]:
    """The member's filters in force, read once per transaction; none read without any."""
    if member is None or not member.status_filters:
        return []
    return memo(
        session, ("status_filters", member.id), lambda: status_filters.active(session, member.id)
    )


def searchable_text(entity: dict[str, Any]) -> str:
    """Mastodon's `Status#searchable_text`: the spoiler text, the text without HTML, the
    poll's options and the pictures' descriptions."""
    parts = [entity.get("spoiler_text") or "", html_to_text(entity.get("content") or "")]
    poll = entity.get("poll")
    if poll:
        parts.append("\n\n".join(str(o.get("title", "")) for o in poll.get("options", [])))
    media = entity.get("media_attachments") or []
    parts.extend(str(m["description"]) for m in media if m.get("description"))
    return "\n\n".join(p for p in parts if p)


def _status_ids(entity: dict[str, Any]) -> list[int]:
    ids = [entity["id"]]
    if entity.get("reblog"):
        ids.append(entity["reblog"]["id"])
    return [int(i) for i in ids if str(i).isdigit()]


def apply(
    session: Session,
    member: Member | None,
    shown: list[dict[str, Any]],
    context: str | None = None,
) -> list[dict[str, Any]]:
    """`shown` with `filtered` set on each (and on a reblog's original), less those a `hide`
    filter of `context` leaves out (none without a context)."""
    filters = active(session, member)
    if not filters or not shown:
        return shown
    if context is not None:
        filters = [f for f in filters if context in f.filter.context]
        if not filters:  # none of this context: unmarked (marks of another are undone)
            for entity in shown:
                entity["filtered"] = []
                if entity.get("reblog"):
                    entity["reblog"]["filtered"] = []
            return shown
    kept = []
    for entity in shown:
        proper = entity.get("reblog") or entity
        found = status_filters.matches(filters, searchable_text(proper), _status_ids(entity))
        results = [_result(m) for m in found]
        entity["filtered"] = results
        if entity.get("reblog"):
            entity["reblog"]["filtered"] = results
        if context is not None and any(m.filter.action is FilterAction.hide for m in found):
            continue
        kept.append(entity)
    return kept
