"""Our projects on the wire: an AS2 `Page` with the goal and progress, and the market's
Announce of it when staff open it.

Mastodon shows `name`, `content` and the link; the goal and what is pledged so far are a plain
line of `content` for it, and `comptoir:goal` / `comptoir:pledged` (amounts as decimal
strings, with `comptoir:currency` the city's currency page, like a listing's price) for servers
that read our context. `endTime` is the deadline for pledges. The project is attributed to its
owner and announced by the city market, as listings are (outbox/listings.py).
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.projects import pledged_total as projects_pledged
from exchange.projects import pledgers as projects_pledgers
from federation.vocab import PUBLIC
from instance.amounts import format_amount
from instance.city import City
from instance.html import plain_name, text_to_html
from models import (
    Member,
    Note,
    OutboundActivity,
    Project,
    ProjectState,
    RemoteActor,
    new_public_id,
    utcnow,
)

from . import render
from .publish import Audience, publish


def progress_text(project: Project, pledged: int, scale: int) -> str:
    """The progress line, for people: `Goal: 500.00 GRN, pledged: 120.00 GRN (24%)`."""
    percent = pledged * 100 // project.goal
    return (
        f"Goal: {format_amount(project.goal, scale)} {project.currency}, "
        f"pledged: {format_amount(pledged, scale)} {project.currency} ({percent}%)"
    )


def content_html(city: City, project: Project, pledged: int) -> str:
    e = html.escape
    scale = city.settings.currency.scale
    parts = [f"<p><strong>{e(project.title)}</strong></p>"]
    if project.description:
        parts.append(text_to_html(project.description))
    facts = [
        e(progress_text(project, pledged, scale)),
        f"Pledges until: {project.deadline:%Y-%m-%d %H:%M} UTC",
    ]
    if project.place:
        facts.append(f"Place: {e(project.place)}")
    if project.starts_on:
        facts.append(
            f"Dates: {project.starts_on:%Y-%m-%d}"
            + (f" to {project.ends_on:%Y-%m-%d}" if project.ends_on else "")
        )
    parts.append("<p>" + "<br>".join(facts) + "</p>")
    parts.append(f'<p><a href="{e(project.uri)}">{e(project.uri)}</a></p>')
    return "".join(parts)


def render_project(
    city: City, project: Project, owner: Member, pledged: int, pledgers: int
) -> dict[str, Any]:
    """The project as an ActivityStreams Page with Comptoir's goal and progress terms."""
    urls = city.urls
    scale = city.settings.currency.scale
    owner_id = urls.member(owner.username)
    content = content_html(city, project, pledged)
    document: dict[str, Any] = {
        "@context": render.context(urls, comptoir=True),
        "id": project.uri,
        "type": "Page",
        "attributedTo": owner_id,
        "audience": urls.market,
        "to": [PUBLIC],
        "cc": [urls.followers(owner_id), urls.market],
        "published": render.iso(project.opened_at or project.created_at),
        "url": project.uri,
        "name": plain_name(project.title),
        "content": content,
        "contentMap": {city.settings.language: content},
        "source": {"content": project.description, "mediaType": "text/plain"},
        "endTime": render.iso(project.deadline),
        "currency": urls.currency,
        "goal": format_amount(project.goal, scale),
        "pledged": format_amount(pledged, scale),
        "pledgers": pledgers,
        "projectState": project.state.value,
    }
    if project.photos:
        # Image attachments with their alt text as `name`, as a listing's: Mastodon shows them
        document["attachment"] = render.image_attachments(urls, project.photos)
    if project.place:
        document["location"] = {"type": "Place", "name": project.place}
    if project.starts_on:
        document["startTime"] = f"{project.starts_on:%Y-%m-%d}"
    return document


def federate_opening(session: Session, city: City, project: Project, owner: Member) -> None:
    """Staff opened the project: the city market Announces it to its followers."""
    urls = city.urls
    if project.state is not ProjectState.open:
        return
    announce = render.activity(
        urls,
        "Announce",
        f"{project.uri}/activities/announce",
        urls.market,
        project.uri,
        to=[PUBLIC],
        cc=[urls.followers(urls.market), urls.member(owner.username)],
        published=project.opened_at,
    )
    publish(session, city, announce, Audience(followers_of=[urls.market]))


def federate_decision(session: Session, city: City, project: Project, owner: Member) -> None:
    """The project was decided (funded, failed or cancelled): its owner sends an Update of the
    Page, with the final state and total, to the owner's and the market's followers."""
    _update_page(session, city, project, owner, project.decided_total or 0, project.decided_at)


def federate_progress(session: Session, city: City, project: Project) -> None:
    """A pledge came in or was withdrawn, or the photos changed: the owner's Update of the Page
    carries the new total (and photos), so that followers in other cities see the progress,
    not only the decision."""
    if project.state is not ProjectState.open:
        return
    owner = session.get(Member, project.owner_id)
    assert owner is not None
    _update_page(session, city, project, owner, projects_pledged(session, project), utcnow())


def _update_page(
    session: Session,
    city: City,
    project: Project,
    owner: Member,
    pledged: int,
    published: datetime | None,
) -> None:
    urls = city.urls
    owner_id = urls.member(owner.username)
    page = render_project(city, project, owner, pledged, projects_pledgers(session, project))
    page["updated"] = render.iso(published or utcnow())
    update = render.activity(
        urls,
        "Update",
        f"{project.uri}/updates/{new_public_id()}",
        owner_id,
        page,
        to=[PUBLIC],
        cc=[urls.followers(owner_id), urls.market],
        published=published,
        extra_context=True,
    )
    publish(session, city, update, Audience(followers_of=[owner_id, urls.market]))


def reply_announce_prefix(project: Project, note: Note) -> str:
    return f"{project.uri}/replies/{note.id}/announce"


def announce_reply(
    session: Session, city: City, project: Project, note: Note, author: RemoteActor
) -> None:
    """A reply to the project, kept here: the city market (the Page's `audience`) boosts it to
    its followers, as a discussion Group announces a remote reply, and tells its author.
    The first Announce has a derived id; a reply shown again after a hide gets a new one."""
    urls = city.urls
    prefix = reply_announce_prefix(project, note)
    first = session.scalar(select(OutboundActivity.id).where(OutboundActivity.uri == prefix))
    announce = render.activity(
        urls,
        "Announce",
        prefix if first is None else f"{prefix}/{new_public_id()}",
        urls.market,
        note.uri,
        to=[PUBLIC],
        cc=[urls.followers(urls.market), author.uri],
        published=utcnow(),
    )
    publish(session, city, announce, Audience(followers_of=[urls.market], actors=[author]))


def withdraw_reply(
    session: Session, city: City, project: Project, note: Note, author: RemoteActor
) -> None:
    """A moderator hid the reply: the market undoes its latest Announce of it."""
    urls = city.urls
    prefix = reply_announce_prefix(project, note)
    last = session.scalar(
        select(OutboundActivity)
        .where(
            OutboundActivity.type == "Announce",
            (OutboundActivity.uri == prefix) | OutboundActivity.uri.startswith(f"{prefix}/"),
        )
        .order_by(OutboundActivity.id.desc())
        .limit(1)
    )
    if last is None:
        return
    announced = json.loads(last.body)
    undo = render.activity(
        urls,
        "Undo",
        f"{prefix}/undo/{new_public_id()}",
        urls.market,
        announced,
        to=[PUBLIC],
        cc=[urls.followers(urls.market), author.uri],
        published=utcnow(),
    )
    publish(session, city, undo, Audience(followers_of=[urls.market], actors=[author]))
