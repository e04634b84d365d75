"""`comptoir mail test ADDRESS`: send one message through `[mail]`, to check the settings.

Exit codes: 0 sent, 1 the server could not be reached or refused it (its answer is printed),
2 no `[mail] smtp_host` or a bad address.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from instance.mailer import Mailer
from instance.outcomes import PermanentFailure, RetryLater
from instance.settings import load_settings
from server.cli_common import fail

ADDRESS_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")


def cmd_mail_test(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if not settings.mail.enabled:
        return fail("config error: mail.smtp_host: this city sends no email (set [mail])", 2)
    if not ADDRESS_RE.match(args.address):
        return fail(f"not an email address: {args.address!r}", 2)
    mailer = Mailer(settings.mail)
    message = mailer.message(
        args.address,
        f"Test message from {settings.name}",
        f"This message was sent by `comptoir mail test` on {settings.domain}: the city's email "
        "settings work.\n",
    )
    try:
        asyncio.run(mailer.send(message))
    except (RetryLater, PermanentFailure) as exc:
        return fail(str(exc), 1)
    print(f"sent to {args.address} through {settings.mail.smtp_host}:{settings.mail.smtp_port}")
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    mail = sub.add_parser("mail", help="the city's email").add_subparsers(
        dest="mail_command", required=True, metavar="ACTION"
    )
    p = mail.add_parser("test", parents=[common], help="send one message to check [mail]")
    p.add_argument("address", help="where to send it")
    p.set_defaults(func=cmd_mail_test)
