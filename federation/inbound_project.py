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


def parse_project(document: Any) -> InboundProject | None:
    if not isinstance(document, dict) or document.get("type") != "Page":
        return None
    uri = id_of(document.get("id"))
    deadline = parse_time(document.get("endTime"))
    state = document.get("projectState")
    if uri is None or deadline is None or state not in STATES:
        return None
    title = document.get("name")
    return InboundProject(
        uri=uri,
        title=title[:200] if isinstance(title, str) else "",
        state=str(state),
        deadline=deadline,
        owner=id_of(document.get("attributedTo")) or "",
    )
