"""/.well-known: WebFinger, host-meta (XRD and JSON) and NodeInfo 2.0 / 2.1.

WebFinger answers for members (`acct:alice@city`), the market (`acct:market@city`), the
instance actor (`acct:actor@city`) and discussion spaces' Groups (`acct:slug@city`), by
acct: URI or by actor URL; its `self` link is exactly the actor id, which is what Mastodon
checks on the way back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from federation.webfinger import parse_handle
from instance.city import City, city_of
from instance.version import VERSION
from models import DiscussionSpace, Member, MemberStatus, Note, utcnow

CORS = {"Access-Control-Allow-Origin": "*"}
AS2_TYPE = "application/activity+json"


def malformed(resource: str) -> str | None:
    """Why `resource` is not a URI WebFinger can answer for (RFC 7033 asks for 400), or None.

    Accepted shapes: `acct:user@host` (also without `acct:`, as Mastodon sends it) and an
    http(s) URL with a host. Anything else, or a resource with whitespace or control
    characters, is malformed; a well-formed resource that names no account of ours is a 404.
    """
    text = unquote(resource.strip())
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        return "the resource is empty or contains whitespace"
    if text.lower().startswith(("http://", "https://")):
        return None if urlsplit(text).hostname else "the resource URL has no host"
    try:
        parse_handle(text)
    except ValueError:
        return "the resource must be acct:user@host or an http(s) URL"
    return None


def _actor_for(city: City, session: Session, resource: str) -> tuple[str, str] | None:
    """(username, actor id) named by an acct: URI or an actor URL, if it is one of ours."""
    urls = city.urls
    resource = unquote(resource.strip())
    if resource.startswith(("http://", "https://")):
        if resource == urls.instance_actor:
            return "actor", resource
        if resource == urls.market:
            return "market", resource
        ref = city.fediverse.actors.parse(resource)
        if ref is not None and ref.kind == "group":
            return _group(session, city, ref.name)
        name = ref.name if ref is not None and ref.kind == "member" else None
        if name is None and resource.startswith(urls.profile_page("")):
            name = resource[len(urls.profile_page("")) :]
        if not name:
            return None
    else:
        acct = resource[5:] if resource.startswith("acct:") else resource
        name, _, domain = acct.lstrip("@").rpartition("@")
        if domain.lower() not in (city.settings.domain, city.settings.host) or not name:
            return None
        name = name.lower()
        if name in ("actor", "market"):
            return name, urls.instance_actor if name == "actor" else urls.market
    status = session.scalar(select(Member.status).where(Member.username == name.lower()))
    if status is None:  # a discussion space's Group: slugs never take a member's name
        return _group(session, city, name.lower())
    if status is not MemberStatus.active:
        return None
    return name.lower(), urls.member(name.lower())


def _group(session: Session, city: City, slug: str) -> tuple[str, str] | None:
    """A discussion space's Group (FEP-1b12), as Lemmy and Mastodon look groups up."""
    found = session.scalar(select(DiscussionSpace.slug).where(DiscussionSpace.slug == slug))
    return (found, city.urls.discussion_space(found)) if found is not None else None


async def webfinger(request: Request) -> Response:
    resource = request.query_params.get("resource")
    if not resource:
        return JSONResponse(
            {"error": "the resource parameter is required"}, status_code=400, headers=CORS
        )
    why = malformed(resource)
    if why is not None:
        return JSONResponse({"error": why}, status_code=400, headers=CORS)
    city = city_of(request)
    found = await city.db.read(lambda s: _actor_for(city, s, resource))
    if found is None:
        return JSONResponse(
            {"error": f"no such account: {resource}"}, status_code=404, headers=CORS
        )
    username, actor_id = found
    profile = (
        city.urls.profile_page(username) if actor_id.startswith(city.urls.member("")) else actor_id
    )
    document = {
        "subject": f"acct:{username}@{city.settings.domain}",
        "aliases": [actor_id, profile] if profile != actor_id else [actor_id],
        "links": [
            {"rel": "self", "type": AS2_TYPE, "href": actor_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
        ],
    }
    return JSONResponse(
        document,
        media_type="application/jrd+json",
        headers={**CORS, "Cache-Control": "max-age=3600"},
    )


async def host_meta(request: Request) -> Response:
    base = city_of(request).urls.base
    template = f"{base}/.well-known/webfinger?resource={{uri}}"
    if "json" in request.headers.get("accept", "") or request.url.path.endswith(".json"):
        return JSONResponse({"links": [{"rel": "lrdd", "template": template}]}, headers=CORS)
    xrd = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{template}"/>\n'
        "</XRD>\n"
    )
    return Response(xrd, media_type="application/xrd+xml", headers=CORS)


async def nodeinfo_links(request: Request) -> Response:
    base = city_of(request).urls.base
    return JSONResponse(
        {
            "links": [
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                    "href": f"{base}/nodeinfo/2.0",
                },
                {
                    "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                    "href": f"{base}/nodeinfo/2.1",
                },
            ]
        },
        headers=CORS,
    )


_ACTIVE = Member.status == MemberStatus.active
#: the counts NodeInfo and the Mastodon instance endpoints show: one statement built once
#: (were four, built per call, on every app's first request)
_USAGE = select(
    select(func.count()).select_from(Member).where(_ACTIVE).scalar_subquery(),
    select(func.count())
    .select_from(Member)
    .where(_ACTIVE, Member.last_seen_at >= bindparam("month"))
    .scalar_subquery(),
    select(func.count())
    .select_from(Member)
    .where(_ACTIVE, Member.last_seen_at >= bindparam("halfyear"))
    .scalar_subquery(),
    select(func.count())
    .select_from(Note)
    .where(Note.member_id.is_not(None), Note.deleted_at.is_(None))
    .scalar_subquery(),
)


def usage(session: Session) -> dict[str, Any]:
    now = utcnow()
    total, month, halfyear, posts = session.execute(
        _USAGE, {"month": now - timedelta(days=30), "halfyear": now - timedelta(days=180)}
    ).one()
    return {
        "users": {"total": total, "activeMonth": month, "activeHalfyear": halfyear},
        "localPosts": posts,
    }


async def nodeinfo(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in ("2.0", "2.1"):
        return JSONResponse({"error": "unknown NodeInfo version"}, status_code=404)
    city = city_of(request)
    settings = city.settings
    software: dict[str, Any] = {"name": "comptoir", "version": VERSION}
    currency = settings.currency
    document = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": settings.moderation.registration == "open",
        "usage": await city.db.read(usage),
        "metadata": {
            "nodeName": settings.name,
            "nodeDescription": settings.description,
            "registration": settings.moderation.registration,
            "listingReview": settings.moderation.listing_review,
            "federationMode": (
                await city.fediverse.policy.current()
            ).mode,  # an admin may change it at run time
            "currency": {
                "code": currency.code,
                "name": currency.name,
                "symbol": currency.symbol,
                "scale": currency.scale,
                "unitHours": f"{currency.unit_hours.numerator}/{currency.unit_hours.denominator}",
            },
        },
    }
    profile = f"http://nodeinfo.diaspora.software/ns/schema/{version}#"
    return JSONResponse(document, media_type=f'application/json; profile="{profile}"', headers=CORS)


def routes() -> list[BaseRoute]:
    return [
        Route("/.well-known/webfinger", webfinger),
        Route("/.well-known/host-meta", host_meta),
        Route("/.well-known/host-meta.json", host_meta),
        Route("/.well-known/nodeinfo", nodeinfo_links),
        Route("/nodeinfo/{version}", nodeinfo),
    ]
