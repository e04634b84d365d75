"""The URL map of a city: every route of every package, in one table.

This module and `server.app` are the composition root: the only places that import the
packages above `instance` (inbox, outbox, api, web) to put them together.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from api import mastodon, mastodon_admin, mastodon_apps, mastodon_instance
from api import oauth as api_oauth
from instance.content_negotiation import negotiated
from outbox import documents, featured, featured_tags, settlement_documents, wellknown
from web import (
    account,
    account_apps,
    account_sessions,
    admin_announcements,
    admin_categories,
    admin_domains,
    admin_federation,
    admin_partners,
    admin_settlements,
    conversations,
    discussions,
    following,
    language,
    market_routes,
    organisations,
    pages,
    partner_projects,
    passwords,
    polls,
    profile_settings,
    profiles,
    project_payouts,
    projects,
    remote_accounts,
    reports,
    town_timeline,
)
from web import oauth as web_oauth


def _actor_routes(prefix: str) -> list[BaseRoute]:
    # POSTs to inboxes never reach the router: inbox.receive.InboxShortcut takes them first.
    return [
        Route(f"{prefix}/outbox", documents.outbox_collection),
        Route(f"{prefix}/followers", documents.followers_collection),
        Route(f"{prefix}/following", documents.following_collection),
    ]


def federation_routes() -> list[BaseRoute]:
    return [
        *wellknown.routes(),
        Route("/actor", negotiated(documents.instance_actor, profiles.about)),
        Route("/about", profiles.about),
        Route("/market", documents.market_actor),
        Route("/users/{username}", negotiated(documents.member_actor, profiles.profile)),
        Route("/@{username}", profiles.profile),
        *_actor_routes("/actor"),
        *_actor_routes("/market"),
        *_actor_routes("/users/{username}"),
        Route("/users/{username}/collections/featured", featured.featured_collection),
        Route("/users/{username}/collections/tags", featured_tags.featured_tags_collection),
        Route("/notes/{public_id}", negotiated(documents.note_document, profiles.note_page)),
        Route("/notes/{public_id}/activity", documents.activity_document),
        Route("/notes/{public_id}/updates/{update_id}", documents.activity_document),
        Route("/notes/{public_id}/delete", documents.activity_document),
        Route("/activities/{public_id}", documents.activity_document),
        Route("/ns/comptoir", documents.context_document),
        Route("/settlements/{public_id}", settlement_documents.settlement_document),
        Route("/statements/settlements", settlement_documents.statement_document),
    ]


def all_routes() -> list[BaseRoute]:
    return [
        *federation_routes(),
        *pages.routes(),
        *passwords.routes(),
        *following.routes(),
        *profile_settings.routes(),
        *admin_categories.routes(),
        *admin_announcements.routes(),
        *town_timeline.routes(),
        *account.routes(),
        *account_sessions.routes(),
        *account_apps.routes(),
        *admin_domains.routes(),
        *admin_federation.routes(),
        *admin_partners.routes(),
        *admin_settlements.routes(),
        *reports.routes(),
        *organisations.routes(),
        *mastodon_admin.routes(),
        *mastodon_instance.routes(),
        *mastodon_apps.routes(),
        *mastodon.routes(),
        *api_oauth.routes(),
        *web_oauth.routes(),
        *market_routes.routes(),
        *discussions.routes(),
        *polls.routes(),
        *projects.routes(),
        *partner_projects.routes(),
        *project_payouts.routes(),
        *conversations.routes(),
        *remote_accounts.routes(),
        *language.routes(),
    ]
