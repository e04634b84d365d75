"""The Mastodon client API beyond login: accounts, statuses, timelines, notifications, and
the start-up endpoints answered empty (docs/MASTODON_API.md lists what is covered).

Apps, OAuth and the instance document are `api.mastodon_apps`, `api.oauth`,
`api.mastodon_instance`; the admin API `api.mastodon_admin`.
"""

from __future__ import annotations

from starlette.routing import Route, WebSocketRoute

from . import (
    accounts,
    announcements,
    blocks,
    bookmarks,
    conversations,
    domain_blocks,
    favourites,
    featured_tags,
    filters,
    follow_requests,
    lists,
    markers,
    media,
    notifications,
    pins,
    polls,
    profile,
    push,
    search,
    statuses,
    streaming,
    stubs,
    suggestions,
    tags,
    timelines,
    trends,
)


def routes() -> list[Route | WebSocketRoute]:
    return [
        # fixed paths (`/accounts/familiar_followers`, `/notifications/requests`) before the
        # `{id}` routes that would take them for an id
        *stubs.routes(),
        *filters.routes(),
        *trends.routes(),
        *suggestions.routes(),
        *featured_tags.routes(),
        *markers.routes(),
        *announcements.routes(),
        *search.routes(),
        *accounts.routes(),
        *blocks.routes(),
        *domain_blocks.routes(),
        *profile.routes(),
        *statuses.routes(),
        *favourites.routes(),
        *bookmarks.routes(),
        *pins.routes(),
        *timelines.routes(),
        *notifications.routes(),
        *polls.routes(),
        *conversations.routes(),
        *follow_requests.routes(),
        *lists.routes(),
        *media.routes(),
        *streaming.routes(),
        *tags.routes(),
        *push.routes(),
    ]
