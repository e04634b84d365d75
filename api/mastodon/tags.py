"""`GET /api/v1/tags/{name}`: the Tag an app shows above a hashtag timeline (Tusky and Elk
ask for it to draw the follow button). Hashtags here are the market's categories and the
tags of notes; following a hashtag is not offered, so `following` is false. A name that
is not a hashtag (Mastodon's `\\w` letters, digits and underscores) is 404."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange.errors import DomainError
from instance.city import city_of

from .common import mastodon_errors, optional_viewer

HASHTAG = re.compile(r"^[\w-]{1,100}$")


@mastodon_errors
async def show(request: Request) -> Response:
    await optional_viewer(request, "read:statuses")
    name = request.path_params["name"].lstrip("#").lower()
    if not HASHTAG.match(name):
        raise DomainError("not_found", "Record not found", 404)
    city = city_of(request)
    return JSONResponse(
        {"name": name, "url": city.urls.tag(name), "history": [], "following": False}
    )


def routes() -> list[Route]:
    return [Route("/api/v1/tags/{name}", show, methods=["GET"])]
