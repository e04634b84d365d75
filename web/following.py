"""Following another city's market or a remote resident from the web, and unfollowing.

`/following` holds the form (a handle, an actor's address, or a city alone, which means its
market: services.account_lookup) and the list of what the member follows with its state
(asked, following, not delivered) and an Unfollow button. The lookup (WebFinger and the
actor's document) runs before the transaction; the follow and its Follow activity are written
in one (services.social.follow). Once the other side accepts, the followed city's listings
show on the market page, priced in our currency where an exchange rule is in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote_plus

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exchange.errors import DomainError, NotFound
from instance.city import city_of
from instance.i18n import gettext as _
from models import Direction, Follow, FollowState, RemoteActor
from services import account_lookup, social

from .csrf import checked_form
from .labels import N_
from .market import signed_in
from .messages import describe
from .pages import render
from .refusal import NONE, Refusal

#: the refusals of the follow form, in the member's words (the API keeps its English)
SENTENCES: dict[str, str] = {
    "invalid_account": N_(
        "Type a handle like @name@city.example, an address, or a city like city.example."
    ),
    "own_city": N_("This is our own city: its listings are already on the market."),
    "domain_refused": N_("This city does not federate with that server."),
    "federation_refused": N_("This city does not federate with that server."),
    "address_not_allowed": N_("That address is not allowed."),
    "account_not_found": N_("That server knows no such account or market."),
    "server_unreachable": N_("That server could not be reached; try again later."),
    "account_unusable": N_("That server did not answer with an account we can follow."),
    "actor_gone": N_("That account no longer exists."),
}

#: what each state of a follow reads as on the page
STATES = {
    FollowState.pending: N_("asked, waiting for an answer"),
    FollowState.accepted: N_("following"),
    FollowState.failed: N_("not delivered"),
}


@dataclass(frozen=True)
class Followed:
    id: int
    handle: str
    is_market: bool
    domain: str
    url: str
    state: str


def _followed(session: Session, me: str) -> list[Followed]:
    rows = session.execute(
        select(Follow, RemoteActor)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(Follow.local_actor == me, Follow.direction == Direction.outbound)
        .order_by(Follow.id.desc())
    ).all()
    return [
        Followed(
            follow.id,
            f"@{actor.handle}",
            actor.type == "Group" and actor.preferred_username == account_lookup.MARKET,
            actor.domain,
            actor.url or actor.uri,
            _(STATES.get(follow.state, follow.state.value)),
        )
        for follow, actor in rows
    ]


def _refused(typed: str, exc: DomainError) -> Refusal:
    sentence = SENTENCES.get(exc.code)
    message = _(sentence) if sentence else describe(exc)
    return Refusal("follow", {"account": typed}, message, exc.status, "account")


async def following_page(request: Request, refused: Refusal = NONE) -> Response:
    member = await signed_in(request)
    city = city_of(request)
    me = city.urls.member(member.username)
    shown = await city.db.read(lambda s: _followed(s, me))
    return await render(request, "following.html", refused.status, refused=refused, followed=shown)


async def follow(request: Request) -> Response:
    member = await signed_in(request)
    form = await checked_form(request)
    city = city_of(request)
    typed = str(form.get("account", ""))[:500]
    me = city.urls.member(member.username)
    try:
        actor = await account_lookup.find(city, typed)
        await city.db.write(lambda s: social.follow(s, city, me, s.merge(actor)))
    except DomainError as exc:
        return await following_page(request, _refused(typed, exc))
    done = _("You asked to follow %(handle)s.") % {"handle": f"@{actor.handle}"}
    return RedirectResponse(f"/following?message={quote_plus(done)}", status_code=303)


async def unfollow(request: Request) -> Response:
    member = await signed_in(request)
    await checked_form(request)
    city = city_of(request)
    me = city.urls.member(member.username)
    follow_id = request.path_params["id"]

    def work(session: Session) -> str:
        record = session.get(Follow, follow_id)
        if record is None or record.local_actor != me or record.direction is not Direction.outbound:
            raise NotFound("follow")
        actor = session.get_one(RemoteActor, record.remote_actor_id)
        social.unfollow(session, city, me, actor)
        return f"@{actor.handle}"

    handle = await city.db.write(work)
    done = _("You no longer follow %(handle)s.") % {"handle": handle}
    return RedirectResponse(f"/following?message={quote_plus(done)}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        Route("/following", following_page, methods=["GET"]),
        Route("/following", follow, methods=["POST"]),
        Route("/following/{id:int}/unfollow", unfollow, methods=["POST"]),
    ]
