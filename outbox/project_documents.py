"""GET of our projects as ActivityStreams: the Page with its goal and progress.

A draft has not been published: 404 for other servers, as a listing waiting for review.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange import projects
from instance.city import city_of
from models import Member, ProjectState

from .documents import activity_json, signed_fetch_refusal
from .projects import render_project


async def project_document(request: Request) -> Response:
    refusal = await signed_fetch_refusal(request)
    if refusal is not None:
        return refusal
    city = city_of(request)
    uri = city.urls.project(request.path_params["slug"])

    def read(session: Session) -> dict[str, Any] | None:
        project = projects.by_uri(session, uri)
        if project is None or project.state is ProjectState.draft:
            return None
        owner = session.get(Member, project.owner_id)
        assert owner is not None
        return render_project(
            city,
            project,
            owner,
            projects.pledged_total(session, project),
            projects.pledgers(session, project),
        )

    document = await city.db.read(read)
    if document is None:
        return JSONResponse({"error": "no such project"}, status_code=404)
    return activity_json(document)
