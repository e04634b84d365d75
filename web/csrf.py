"""CSRF protection for HTML forms: a per-session token, sent back in a hidden field.

The session cookie is SameSite=Lax already; the token also stops same-site attackers and
old browsers. Every state-changing form handler reads its form through `checked_form`.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    token = request.session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[FIELD] = token
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The request's form, if it carries this session's CSRF token; 403 otherwise."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get(FIELD)
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, str(expected)):
        raise HTTPException(
            403,
            "The form has expired or did not come from this site. Reload the page and try again.",
        )
    return form
