"""What the about page shows: the rules, the moderation policy, and (if the admin says so) the
domains.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from exchange import domains
from exchange import instance_settings as admin_settings
from instance.city import city_of
from models import RuleKind

from .session import current_member


async def about_context(request: Request) -> dict[str, Any]:
    city = city_of(request)
    settings = city.settings
    member = await current_member(request)

    def read(session: Session) -> dict[str, Any]:
        visibility = admin_settings.domains_visibility(session)
        shown = visibility == "all" or (visibility == "users" and member is not None)
        return {
            "server_rules": admin_settings.rules(session),
            "federation_mode": domains.mode(session, settings.federation.mode),
            "blocked": domains.public_entries(session, RuleKind.block) if shown else None,
            "allowed": domains.public_entries(session, RuleKind.allow) if shown else None,
        }

    context = await city.db.read(read)
    context["moderation_policy"] = admin_settings.policy_text(
        settings.moderation.listing_review, settings.moderation.registration
    )
    context["member"] = member
    return context
