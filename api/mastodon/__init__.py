"""The Mastodon client API beyond login: accounts, statuses, timelines, notifications, and
the start-up endpoints answered empty (docs/MASTODON_API.md lists what is covered).

Apps, OAuth and the instance document are `api.mastodon_apps`, `api.oauth`,
`api.mastodon_instance`; the admin API `api.mastodon_admin`.
"""

from __future__ import annotations

from starlette.routing import Route, WebSocketRoute

from . import (
    accounts,
    conversations,
    follow_requests,
    media,
    notifications,
    polls,
    search,
    statuses,
    streaming,
    stubs,
    timelines,
)


def routes() -> list[Route | WebSocketRoute]:
    return [
        *accounts.routes(),
        *statuses.routes(),
        *timelines.routes(),
        *notifications.routes(),
        *polls.routes(),
        *conversations.routes(),
        *search.routes(),
        *follow_requests.routes(),
        *media.routes(),
        *streaming.routes(),
        *stubs.routes(),
    ]
