"""A member's domain blocks from apps, as Mastodon 4.3 has them: `GET /api/v1/domain_blocks`
(the blocked domains as strings, newest block first, paged by the block's id with `Link`
headers; 100 by default, 200 at most), `POST` and `DELETE` with `domain` (answering `{}`).

The scopes are Mastodon's: `read:blocks` / `write:blocks`, covered by `follow` (and by
`read` / `write`). What a block ends (follows with the domain's accounts) is
services.blocks'; what it hides is asked by the timelines (exchange/hidden_accounts.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange import member_domain_blocks
from exchange.domains import BadDomain
from instance.city import city_of
from models import Member
from services import blocks

from .common import body, first, mastodon_errors, member_viewer, paged_response, paging


async def _domain(request: Request) -> str:
    """`domain` from the body (form or JSON), else the query string (a DELETE may carry it
    there); normalized, our own domain refused (422)."""
    sent = first(await body(request), "domain")
    if sent is None:
        sent = request.query_params.get("domain")
    if sent is None:
        raise BadDomain("a domain is required")
    return member_domain_blocks.normalize(sent, city_of(request).settings.domain)


@mastodon_errors
async def listed(request: Request) -> Response:
    """The domains the member blocks, the latest first."""
    member, _ = await member_viewer(request, "read:blocks")
    city = city_of(request)
    page = paging(
        request, default=member_domain_blocks.DEFAULT_LIMIT, most=member_domain_blocks.MAX_LIMIT
    )
    rows = await city.db.read(lambda s: member_domain_blocks.page(s, member.id, page))
    return paged_response(request, [domain for _, domain in rows], [i for i, _ in rows])


@mastodon_errors
async def block(request: Request) -> Response:
    """Blocking a domain blocked already is no error (`{}` again)."""
    member, _ = await member_viewer(request, "write:blocks")
    city = city_of(request)
    domain = await _domain(request)

    def write(session: Session) -> None:
        blocks.block_domain(session, city, session.get_one(Member, member.id), domain)

    await city.db.write(write)
    return JSONResponse({})


@mastodon_errors
async def unblock(request: Request) -> Response:
    """Unblocking a domain not blocked is no error (Mastodon answers `{}` too)."""
    member, _ = await member_viewer(request, "write:blocks")
    city = city_of(request)
    domain = await _domain(request)

    def write(session: Session) -> None:
        blocks.unblock_domain(session, session.get_one(Member, member.id), domain)

    await city.db.write(write)
    return JSONResponse({})


def routes() -> list[Route]:
    return [
        Route("/api/v1/domain_blocks", listed, methods=["GET"]),
        Route("/api/v1/domain_blocks", block, methods=["POST"]),
        Route("/api/v1/domain_blocks", unblock, methods=["DELETE"]),
    ]
