"""Email out of the city, through the SMTP server of `[mail]` (aiosmtplib).

Nothing is sent from a request: a use case queues a job and the worker sends, so a slow or
failing SMTP server never holds a resident's page and a failed message is retried with the
queue's backoff. The password comes from the environment only, like the S3 keys.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from .outcomes import PermanentFailure, RetryLater
from .settings import MailSettings

#: the environment variable holding the SMTP password
PASSWORD_VARIABLE = "COMPTOIR_SMTP_PASSWORD"


class MailNotConfigured(Exception):
    """The city has no `[mail] smtp_host`: it sends no email."""


class Mailer:
    """Sends one plain-text message at a time; each send is one SMTP session."""

    def __init__(self, settings: MailSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._password = (environ if environ is not None else os.environ).get(PASSWORD_VARIABLE)

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.from_address
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain=self.settings.from_address.rsplit("@", 1)[-1])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        return message

    async def send(self, message: EmailMessage) -> None:
        """Hand the message to the SMTP server. RetryLater when the server is unreachable or
        answers a temporary error (4xx); PermanentFailure when it refuses the message (5xx)."""
        mail = self.settings
        if not mail.enabled:
            raise MailNotConfigured("this city has no [mail] smtp_host")
        try:
            await aiosmtplib.send(
                message,
                hostname=mail.smtp_host,
                port=mail.smtp_port,
                use_tls=mail.security == "tls",
                start_tls=mail.security == "starttls",
                tls_context=ssl.create_default_context(),
                username=mail.username or None,
                password=self._password if mail.username else None,
                timeout=mail.timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise RetryLater(f"the SMTP server answered {exc.code} {exc.message}") from exc
            raise PermanentFailure(
                f"the SMTP server refused the message: {exc.code} {exc.message}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise RetryLater(f"the SMTP server could not be reached: {exc}") from exc
