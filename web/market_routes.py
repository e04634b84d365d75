"""The market's URL map: listing pages and documents, media, negotiations, notifications,
moderation.

Listed in instance/routing.py. `/listings/new` comes before `/listings/{public_id}`; a listing's
id answers ActivityStreams JSON to servers and HTML to browsers.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from instance.content_negotiation import negotiated
from outbox import documents
from outbox.listing_documents import listing_document

from . import market, market_moderation, negotiation_pages, receipt_page, tag_page

POST = ["POST"]


def routes() -> list[BaseRoute]:
    thread_actions = [
        Route(
            f"/negotiations/{{public_id}}/{kind}",
            negotiation_pages.thread_action(kind),
            methods=POST,
        )
        for kind in negotiation_pages.THREAD_ACTIONS
    ]
    return [
        Route("/listings", market.browse),
        Route("/listings/new", market.new_listing_page, methods=["GET"]),
        Route("/listings/new", market.create_listing, methods=POST),
        Route("/listings/{public_id}", negotiated(listing_document, market.listing_page)),
        Route("/listings/{public_id}/edit", market.edit_listing_page, methods=["GET"]),
        Route("/listings/{public_id}/edit", market.edit_listing, methods=POST),
        Route("/listings/{public_id}/withdraw", market.withdraw_listing, methods=POST),
        Route("/listings/{public_id}/submit", market.submit_listing, methods=POST),
        Route("/listings/{public_id}/offer", negotiation_pages.open_negotiation, methods=POST),
        Route("/listings/{public_id}/question", negotiation_pages.ask_question, methods=POST),
        Route("/negotiations/{public_id}/receipt", receipt_page.receipt_page),
        Route("/listings/{public_id}/activity", documents.activity_document),
        Route("/listings/{public_id}/announce", documents.activity_document),
        Route("/listings/{public_id}/updates/{update_id}", documents.activity_document),
        Route("/listings/{public_id}/delete", documents.activity_document),
        Route("/tags/{slug}", tag_page.tag_page),
        Route("/categories/{slug}", market.tag),
        Route("/media/{name}", market.media),
        Route("/negotiations", negotiation_pages.threads_page),
        Route("/negotiations/{public_id}", negotiation_pages.thread_page),
        *thread_actions,
        Route("/notifications", negotiation_pages.notifications_page),
        Route("/notifications/read", negotiation_pages.mark_notifications_read, methods=POST),
        Route("/admin/listings", market_moderation.queue_page),
        Route("/admin/listings/{public_id}/{action}", market_moderation.decide, methods=POST),
    ]
