"""Who is logged in: the member id in the signed session cookie, checked against the database.

The cookie also carries a fingerprint of the password hash, so changing a password ends
every other session. Suspended or no longer active members are logged out on their next
request.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request

from instance.city import city_of
from models import Member, MemberStatus

from .csrf import FIELD as CSRF_FIELD


def _fingerprint(member: Member) -> str:
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def log_in(request: Request, member: Member) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session["member"] = member.id
    request.session["fp"] = _fingerprint(member)


def log_out(request: Request) -> None:
    request.session.clear()


async def current_member(request: Request) -> Member | None:
    member_id = request.session.get("member")
    if not isinstance(member_id, int):
        return None
    member = await city_of(request).db.read(lambda s: s.get(Member, member_id))
    if member is None or member.status is not MemberStatus.active or request.session.get("fp") != _fingerprint(member):
        token = request.session.get(CSRF_FIELD)
        request.session.clear()
        if token:
            request.session[CSRF_FIELD] = token
        return None
    return member
