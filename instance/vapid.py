"""The city's VAPID key pair (RFC 8292): the P-256 key that signs every Web Push message,
whose public half apps get from `POST /api/v1/apps` (`vapid_key`) and the instance document.

Kept as the instance actor's keys are (a row, PEM, made by whichever process first needs it,
`ON CONFLICT DO NOTHING` so two processes starting together agree on one): at start-up
(`server.app.start`) or on first use (in-process tests, the CLI). It never changes: every
subscription an app made is bound to it by the push service.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from federation import webpush
from models import VapidKey

NAME = "city"


@dataclass(frozen=True)
class Vapid:
    private_key: ec.EllipticCurvePrivateKey
    #: urlsafe base64 of the uncompressed point, as apps are given it
    public_key: str


@lru_cache(maxsize=8)
def _loaded(pem: str, public_key: str) -> Vapid:
    return Vapid(webpush.load_pem(pem), public_key)


def ensure(session: Session) -> None:
    """Make the key pair if the city has none yet (safe when processes race)."""
    if session.scalar(select(VapidKey.id).where(VapidKey.name == NAME)) is not None:
        return
    pem = webpush.generate_pem()
    public = webpush.b64url(webpush.public_point(webpush.load_pem(pem)))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(VapidKey)
        .values(name=NAME, private_key_pem=pem, public_key=public)
        .on_conflict_do_nothing(index_elements=["name"])
    )


def key(session: Session) -> Vapid:
    """The city's key pair, made now if it does not exist yet."""
    found = session.execute(
        select(VapidKey.private_key_pem, VapidKey.public_key).where(VapidKey.name == NAME)
    ).first()
    if found is None:
        ensure(session)
        found = session.execute(
            select(VapidKey.private_key_pem, VapidKey.public_key).where(VapidKey.name == NAME)
        ).one()
    return _loaded(found[0], found[1])


def public_key(session: Session) -> str:
    return key(session).public_key


def stored_public_key(session: Session) -> str | None:
    """The public key if it was made already (a read that writes nothing)."""
    return session.scalar(select(VapidKey.public_key).where(VapidKey.name == NAME))
