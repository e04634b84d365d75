"""A resident who forgot their password: the ask (a reset and its email job, in one transaction)
and the job that makes the link's token and sends it.

The email goes out from the worker, never from the request: the page answers at once and the
same whether the account exists or not (no timing tells), and a failing SMTP server is retried
with the queue's backoff. The token is made in the job's own transaction and only its hash is
kept, so a job queue read by an attacker holds nothing that opens an account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from exchange import password_resets
from instance import queue
from models import Job

if TYPE_CHECKING:
    from instance.city import City
    from instance.jobs import JobHandler

SEND = "mail.password_reset"
#: an SMTP server down for longer than the link's hour makes the link useless anyway
ATTEMPTS = 6


def ask(session: Session, typed: str, *, language: str = "") -> None:
    """Queue a reset email for the member with this username or email, if there is one."""
    reset = password_resets.ask(session, typed, language=language)
    if reset is not None:
        queue.enqueue(session, SEND, {"reset": reset.id}, max_attempts=ATTEMPTS)


#: the email's words by language: (subject, body); {name} is the city, {url} the link
TEXTS = {
    "en": (
        "Choose a new password · {name}",
        "Hello {username},\n\n"
        "Someone (probably you) asked to choose a new password for your account at {name}.\n"
        "Open this link within an hour to choose one:\n\n{url}\n\n"
        "If you did not ask, ignore this email: your password stays as it is.\n",
    ),
    "fr": (
        "Choisir un nouveau mot de passe · {name}",
        "Bonjour {username},\n\n"
        "Quelqu'un (sans doute vous) a demandé à choisir un nouveau mot de passe pour votre "
        "compte sur {name}.\n"
        "Ouvrez ce lien dans l'heure pour en choisir un :\n\n{url}\n\n"
        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n",
    ),
}


def words(language: str) -> tuple[str, str]:
    """The subject and body templates for a language tag ("fr-BE" is French), else English."""
    return TEXTS.get(language.split("-")[0].lower(), TEXTS["en"])


async def send(city: City, job: Job) -> None:
    reset_id = int(job.payload["reset"])
    link = await city.db.write(lambda s: password_resets.make_token(s, reset_id))
    if link is None:  # used, replaced or expired meanwhile: nothing to send
        return
    subject, body = words(link.language or city.settings.language)
    values = {
        "name": city.settings.name,
        "username": link.username,
        "url": f"{city.urls.base}/password/reset/{link.token}",
    }
    message = city.mailer.message(link.email, subject.format(**values), body.format(**values))
    await city.mailer.send(message)


HANDLERS: dict[str, JobHandler] = {SEND: send}
