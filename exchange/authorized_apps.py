"""The apps a member has let in, as their "Authorized apps" page lists and revokes them.

A member gives a Mastodon app access once, but the app may hold several live tokens (one
per device, or refreshed ones): revoking the app ends all of them, as Mastodon's page
does, and the app must ask for consent again. Personal tokens (`comptoir users token`) are
held by the built-in CLI app, not by an app the member chose: each is listed with its label,
and revoked, on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from models import ApiToken, OAuthApplication, utcnow

from . import oauth_apps, push_subscriptions


@dataclass(frozen=True)
class AuthorizedApp:
    """An app holding live tokens of the member's, or one personal token (`token_id` set,
    `application_id` None)."""

    application_id: int | None
    token_id: int | None
    name: str
    website: str | None
    scopes: tuple[str, ...]
    since: datetime
    last_used: datetime | None
    tokens: int


def of_member(session: Session, member_id: int) -> list[AuthorizedApp]:
    """The member's apps and personal tokens with live tokens, the most recently let in
    first."""
    rows = session.execute(
        select(ApiToken, OAuthApplication)
        .outerjoin(OAuthApplication, OAuthApplication.id == ApiToken.application_id)
        .where(ApiToken.member_id == member_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ).all()
    by_app: dict[int, list[ApiToken]] = {}
    apps: dict[int, OAuthApplication] = {}
    found: list[AuthorizedApp] = []
    for token, app in rows:
        if app is None or oauth_apps.is_built_in(app):
            found.append(
                AuthorizedApp(
                    None,
                    token.id,
                    token.label or oauth_apps.CLI_NAME,
                    None,
                    tuple(token.scopes.split()),
                    token.created_at,
                    token.last_used_at,
                    1,
                )
            )
            continue
        by_app.setdefault(app.id, []).append(token)
        apps[app.id] = app
    for app_id, tokens in by_app.items():
        app = apps[app_id]
        used = [t.last_used_at for t in tokens if t.last_used_at is not None]
        scopes = sorted({scope for t in tokens for scope in t.scopes.split()})
        found.append(
            AuthorizedApp(
                app_id,
                None,
                app.name,
                app.website,
                tuple(scopes),
                min(t.created_at for t in tokens),
                max(used) if used else None,
                len(tokens),
            )
        )
    return sorted(found, key=lambda a: a.since, reverse=True)


def revoke_app(session: Session, member_id: int, application_id: int) -> int:
    """Revoke every live token the app holds for the member: how many (0: none here)."""
    return _revoke(
        session,
        ApiToken.member_id == member_id,
        ApiToken.application_id == application_id,
    )


def revoke_personal(session: Session, member_id: int, token_id: int) -> int:
    """Revoke one of the member's live personal tokens: 1, or 0 if there is no such one."""
    cli = oauth_apps.cli_app(session)
    return _revoke(
        session,
        ApiToken.member_id == member_id,
        or_(ApiToken.application_id.is_(None), ApiToken.application_id == cli.id),
        ApiToken.id == token_id,
    )


def _revoke(session: Session, *which: ColumnElement[bool]) -> int:
    ids = list(
        session.scalars(
            update(ApiToken)
            .where(ApiToken.revoked_at.is_(None), *which)
            .values(revoked_at=utcnow())
            .returning(ApiToken.id)
        )
    )
    # the app's Web Push subscriptions go with its tokens, as on every other revocation
    push_subscriptions.remove_of_tokens(session, ids)
    return len(ids)
