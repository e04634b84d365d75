"""Another city's project, read from the `Page` its city serves (docs/FEDERATION.md, "Projects").

`parse_project` returns None for anything that is not a project Page: a `Page` with an id, a
deadline (`endTime`) and a `projectState`. The payer's city of a cross-city pledge reads it
twice: before the pledge (is it open, until when) and after the deadline (its decision); it
trusts only the document fetched from the project's own server (services/remote_pledges.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from federation.inbound_note import web_url
from federation.times import parse_time
from federation.vocab import id_of

STATES = frozenset({"open", "funded", "failed", "cancelled"})


@dataclass(frozen=True)
class InboundProject:
    uri: str
    title: str
    #: open, funded, failed or cancelled
    state: str
    deadline: datetime
    #: the project's owner (its `attributedTo`)
    owner: str
    #: the goal and what is pledged so far, decimal strings in the project's currency, as
    #: its city wrote them ("" when absent); read to show the project, never to move money
    goal: str = ""
    pledged: str = ""
    pledgers: int = 0
    #: the description as typed (`source.content`), for the page that shows it
    description: str = ""
    place: str = ""
    #: its photos: (url, alt text) of each Image attachment
    images: tuple[tuple[str, str], ...] = ()


def parse_project(document: Any) -> InboundProject | None:
    if not isinstance(document, dict) or document.get("type") != "Page":
        return None
    uri = id_of(document.get("id"))
    deadline = parse_time(document.get("endTime"))
    state = document.get("projectState")
    if uri is None or deadline is None or state not in STATES:
        return None
    title = document.get("name")
    source = document.get("source")
    location = document.get("location")
    pledgers = document.get("pledgers")
    return InboundProject(
        uri=uri,
        title=title[:200] if isinstance(title, str) else "",
        state=str(state),
        deadline=deadline,
        owner=id_of(document.get("attributedTo")) or "",
        goal=_text(document.get("goal"), 40),
        pledged=_text(document.get("pledged"), 40),
        pledgers=pledgers if isinstance(pledgers, int) and not isinstance(pledgers, bool) else 0,
        description=_text(source.get("content") if isinstance(source, dict) else None, 20_000),
        place=_text(location.get("name") if isinstance(location, dict) else None, 200),
        images=_images(document.get("attachment")),
    )


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _images(value: Any) -> tuple[tuple[str, str], ...]:
    """The Image attachments with a web address (at most four), as (url, alt text)."""
    found: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or item.get("type") != "Image":
            continue
        url = web_url(id_of(item.get("url")))
        if url:
            found.append((url, _text(item.get("name"), 1500)))
    return tuple(found[:4])
