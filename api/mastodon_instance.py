"""`/api/v1/instance` and its public parts: rules, moderation policy, and (if the admin says
so) domains.

`GET /api/v1/instance` is Mastodon's v1 Instance entity (what clients read first), with the
city's rules, its registration policy, and a `comptoir` object for what Mastodon has no field
for: the federation mode, the listing review policy and, per the admin's choice
(`comptoir domains show none|users|all`), the domain lists. `GET /api/v1/instance/rules`,
`/api/v1/instance/domain_blocks` (Mastodon's DomainBlock entity: domain, digest, severity,
comment) and `/api/v1/instance/domain_allows` (GoToSocial's) follow the same choice: 404
for "none", a member's token needed for "users", public for "all". Obfuscated entries show
as `exa****.*om` with the digest of the real name.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import domains, photos, status_pins
from exchange import instance_settings as admin_settings
from exchange.errors import DomainError
from instance import vapid
from instance.city import City, city_of
from instance.settings import Settings
from instance.version import VERSION
from models import RemoteActor, RuleKind
from outbox.wellknown import usage

from .auth import authenticated
from .mastodon_admin import mastodon_errors

MASTODON_VERSION = f"4.3.0 (compatible; Comptoir {VERSION})"
#: the Mastodon API version of /api/v2/instance's `api_versions` (4.3 says 2)
MASTODON_API_VERSION = 2
MAX_CHARACTERS = 5000
#: what a photo upload accepts (exchange/photos.py decodes these with Pillow)
IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]
#: where the source is published: none public yet (Mastodon allows an empty string)
SOURCE_URL = ""


def configuration(settings: Settings, base: str, vapid_key: str) -> dict[str, Any]:
    """Mastodon's `configuration` block: the limits apps check before they post, and the
    city's VAPID key for Web Push (api/mastodon/push.py)."""
    return {
        "urls": {"streaming": base.replace("http", "ws", 1), "status": None},
        "vapid": {"public_key": vapid_key},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": status_pins.MAX_PINS},
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": photos.MAX_PHOTOS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": IMAGE_TYPES,
            "description_limit": photos.MAX_ALT,
            "image_size_limit": settings.listings.max_photo_bytes,
            "image_matrix_limit": photos.MAX_PIXELS,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
        "translation": {"enabled": False},
        "limited_federation": settings.federation.mode == "allowlist",
    }


async def may_see_domains(request: Request, visibility: str) -> bool:
    if visibility == "all":
        return True
    if visibility == "users" and request.headers.get("authorization"):
        await authenticated(request)
        return True
    return False


def _facts(session: Session) -> dict[str, Any]:
    return {
        "usage": usage(session),
        "domains": session.scalar(select(func.count(distinct(RemoteActor.domain)))) or 0,
        "rules": admin_settings.rules(session),
        "visibility": admin_settings.domains_visibility(session),
        "stored_mode": domains.stored_mode(session),
        "blocks": domains.public_entries(session, RuleKind.block),
        "allows": domains.public_entries(session, RuleKind.allow),
        "vapid_key": vapid.stored_public_key(session),
    }


async def _read_facts(city: City) -> dict[str, Any]:
    """The facts, with the VAPID key made first if this is its first use."""
    facts = await city.db.read(_facts)
    if facts["vapid_key"] is None:
        facts["vapid_key"] = await city.db.write(vapid.public_key)
    return facts


@mastodon_errors
async def instance(request: Request) -> Response:
    city = city_of(request)
    settings = city.settings
    facts = await _read_facts(city)
    registration = settings.moderation.registration
    extension: dict[str, Any] = {
        "federation_mode": facts["stored_mode"] or settings.federation.mode,
        "registration": registration,
        "listing_review": settings.moderation.listing_review,
        "moderation_policy": admin_settings.policy_text(
            settings.moderation.listing_review, registration
        ),
        "domains_visibility": facts["visibility"],
    }
    if await may_see_domains(request, facts["visibility"]):
        extension["domain_blocks"] = [asdict(e) for e in facts["blocks"]]
        extension["domain_allows"] = [asdict(e) for e in facts["allows"]]
    return JSONResponse(
        {
            "uri": settings.domain,
            "title": settings.name,
            "short_description": settings.description,
            "description": settings.description,
            "email": "",
            "version": MASTODON_VERSION,
            "urls": {"streaming_api": city.urls.base.replace("http", "ws", 1)},
            "stats": {
                "user_count": facts["usage"]["users"]["total"],
                "status_count": facts["usage"]["localPosts"],
                "domain_count": facts["domains"],
            },
            "thumbnail": None,
            "languages": [settings.language],
            "registrations": registration != "invite",
            "approval_required": registration == "approval",
            "invites_enabled": registration == "invite",
            "configuration": configuration(settings, city.urls.base, facts["vapid_key"]),
            "contact_account": None,
            "rules": [asdict(r) for r in facts["rules"]],
            "comptoir": extension,
        }
    )


@mastodon_errors
async def instance_v2(request: Request) -> Response:
    """Mastodon 4.3's Instance entity (what apps read first, before v1)."""
    city = city_of(request)
    settings = city.settings
    facts = await _read_facts(city)
    registration = settings.moderation.registration
    base = city.urls.base
    return JSONResponse(
        {
            "domain": settings.domain,
            "title": settings.name,
            "version": MASTODON_VERSION,
            "source_url": SOURCE_URL,
            "description": settings.description,
            "usage": {"users": {"active_month": facts["usage"]["users"]["activeMonth"]}},
            "thumbnail": {"url": f"{base}/static/avatar.svg"},
            "icon": [],
            "languages": [settings.language],
            "configuration": configuration(settings, base, facts["vapid_key"]),
            "registrations": {
                "enabled": registration != "invite",
                "approval_required": registration == "approval",
                "reason_required": registration == "approval",
                "message": admin_settings.policy_text(
                    settings.moderation.listing_review, registration
                ),
                "min_age": None,
                "url": None,
            },
            "api_versions": {"mastodon": MASTODON_API_VERSION},
            "contact": {"email": "", "account": None},
            "rules": [asdict(r) for r in facts["rules"]],
        }
    )


@mastodon_errors
async def peers(request: Request) -> Response:
    """The domains this city knows, if the admin shows its domain lists (as domain_blocks)."""
    city = city_of(request)
    visibility, known = await city.db.read(
        lambda s: (
            admin_settings.domains_visibility(s),
            list(s.scalars(select(RemoteActor.domain).distinct().order_by(RemoteActor.domain))),
        )
    )
    if not await may_see_domains(request, visibility):
        raise DomainError("not_found", "this city does not show its peers", 404)
    return JSONResponse(known)


@mastodon_errors
async def rules(request: Request) -> Response:
    found = await city_of(request).db.read(admin_settings.rules)
    return JSONResponse([asdict(r) for r in found])


def _domain_list(kind: RuleKind) -> Any:
    @mastodon_errors
    async def endpoint(request: Request) -> Response:
        city = city_of(request)
        visibility, entries = await city.db.read(
            lambda s: (admin_settings.domains_visibility(s), domains.public_entries(s, kind))
        )
        if not await may_see_domains(request, visibility):
            raise DomainError("not_found", "this city does not show its domain list", 404)
        if kind is RuleKind.allow:
            return JSONResponse(
                [{"domain": e.domain, "digest": e.digest, "comment": e.comment} for e in entries]
            )
        return JSONResponse(
            [
                {
                    "domain": e.domain,
                    "digest": e.digest,
                    "severity": e.severity,
                    "comment": e.comment,
                }
                for e in entries
            ]
        )

    return endpoint


def routes() -> list[Route]:
    return [
        Route("/api/v1/instance", instance, methods=["GET"]),
        Route("/api/v2/instance", instance_v2, methods=["GET"]),
        Route("/api/v1/instance/peers", peers, methods=["GET"]),
        Route("/api/v1/instance/rules", rules, methods=["GET"]),
        Route("/api/v1/instance/domain_blocks", _domain_list(RuleKind.block), methods=["GET"]),
        Route("/api/v1/instance/domain_allows", _domain_list(RuleKind.allow), methods=["GET"]),
    ]
