"""Forgotten passwords: a link by email (a real SMTP server on loopback), used once within its
hour; and a member changing their own password from the account page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from exchange import members, password_resets
from exchange.errors import DomainError
from models import Job, PasswordReset, ResetState, utcnow
from server.cli import main

from ..conftest import write_config
from ..live import free_port_socket
from .conftest import Browser, add_member

LINK_RE = re.compile(r"(https?://\S+/password/reset/\S+)")
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


class Mailbox:
    """What an SMTP server on loopback received; `refuse` makes it answer 451 (try later)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse:
            return "451 4.3.0 try again later"
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    sock = free_port_socket()
    port = int(sock.getsockname()[1])
    sock.close()
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def mail_section(port: int) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
        "from_address": "ne-pas-repondre@ville.example",
    }


async def until(check: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def city_with_alice(start_city: Any, port: int) -> tuple[Any, Browser]:
    city = await start_city(mail=mail_section(port))
    credentials = members.prepare_credentials(PASSWORD)
    city.db.write_sync(
        lambda s: members.add_member(s, "alice", credentials, email="alice@ville.example")
    )
    return city, Browser(httpx.AsyncClient(base_url=city.settings.base_url, timeout=10))


async def link_from(mailbox: Mailbox, count: int = 1) -> str:
    await until(lambda: len(mailbox.messages) >= count, "the email")
    body = mailbox.messages[count - 1].get_payload(decode=True)
    assert isinstance(body, bytes)
    found = LINK_RE.search(body.decode())
    assert found, body
    return found.group(1)


async def log_in(browser: Browser, password: str) -> httpx.Response:
    return await browser.submit("/login", "/login", username="alice", password=password)


async def test_a_forgotten_password_is_replaced_through_the_emailed_link(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    city, browser = await city_with_alice(start_city, port)
    asked = await browser.submit("/password/forgot", "/password/forgot", login="alice")
    assert asked.status_code == 202
    link = await link_from(mailbox)
    message = mailbox.messages[0]
    assert message["To"] == "alice@ville.example"
    assert message["From"] == "ne-pas-repondre@ville.example"
    path = "/" + link.split("/", 3)[3]
    answer = await browser.submit(path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert answer.status_code == 303
    assert (await browser.client.get("/account")).status_code == 200  # logged in
    fresh = Browser(httpx.AsyncClient(base_url=city.settings.base_url))
    assert (await log_in(fresh, PASSWORD)).status_code == 401
    assert (await log_in(fresh, NEW_PASSWORD)).status_code == 303
    await fresh.client.aclose()
    await browser.client.aclose()


async def test_a_link_works_once(start_city: Any, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    _, browser = await city_with_alice(start_city, port)
    await browser.submit("/password/forgot", "/password/forgot", login="alice@ville.example")
    path = "/" + (await link_from(mailbox)).split("/", 3)[3]
    await browser.submit(path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    again = await browser.client.get(path)
    assert again.status_code == 404
    assert "Ask for a new link" in again.text
    await browser.client.aclose()


async def test_an_unknown_account_gets_the_same_answer_and_no_email(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    city, browser = await city_with_alice(start_city, port)
    known = await browser.submit("/password/forgot", "/password/forgot", login="alice")
    unknown = await browser.submit("/password/forgot", "/password/forgot", login="nobody")
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert _sentence(known.text) == _sentence(unknown.text)
    await link_from(mailbox)
    await asyncio.sleep(0.5)
    assert len(mailbox.messages) == 1
    await browser.client.aclose()


def _sentence(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">([^<]+)</p>', page)
    assert found, page
    return found.group(1)


async def test_a_mistyped_confirmation_keeps_the_link_usable(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    _, browser = await city_with_alice(start_city, port)
    await browser.submit("/password/forgot", "/password/forgot", login="alice")
    path = "/" + (await link_from(mailbox)).split("/", 3)[3]
    refused = await browser.submit(path, path, password=NEW_PASSWORD, confirm="something else")
    assert refused.status_code == 422
    assert "not the same" in refused.text
    weak = await browser.submit(path, path, password="short", confirm="short")
    assert weak.status_code == 422
    assert "at least 10 characters" in weak.text
    done = await browser.submit(path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 303
    await browser.client.aclose()


async def test_a_forged_token_opens_nothing(start_city: Any, smtp: tuple[Mailbox, int]) -> None:
    _, port = smtp
    _, browser = await city_with_alice(start_city, port)
    answer = await browser.client.get("/password/reset/not-a-token-anybody-was-sent")
    assert answer.status_code == 404
    assert 'name="password"' not in answer.text
    await browser.client.aclose()


async def test_a_smtp_server_answering_try_later_gets_the_email_again(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    mailbox.refuse = True
    city, browser = await city_with_alice(start_city, port)
    await browser.submit("/password/forgot", "/password/forgot", login="alice")
    await asyncio.sleep(0.5)
    assert mailbox.messages == []
    mailbox.refuse = False
    city.db.write_sync(_run_due_jobs_now)
    city.app.state.city.worker.wake()
    link = await link_from(mailbox)
    path = "/" + link.split("/", 3)[3]
    assert (await browser.client.get(path)).status_code == 200
    await browser.client.aclose()


def _run_due_jobs_now(session: Any) -> None:
    """Skip the retry backoff: make every queued job due (what waiting would do)."""
    for job in session.query(Job).all():
        job.run_at = utcnow() - timedelta(seconds=1)


async def test_the_ask_is_refused_beyond_three_waiting_links(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    city, browser = await city_with_alice(start_city, port)
    for _ in range(5):
        await browser.submit("/password/forgot", "/password/forgot", login="alice")
    await until(lambda: len(mailbox.messages) >= 3, "three emails")
    await asyncio.sleep(0.5)
    assert len(mailbox.messages) == password_resets.MAX_OPEN
    await browser.client.aclose()


def test_an_expired_reset_is_refused(db: Any) -> None:
    credentials = members.prepare_credentials(PASSWORD)
    db.write_sync(lambda s: members.add_member(s, "alice", credentials, email="a@ville.example"))
    asked_at = utcnow() - password_resets.LIFETIME - timedelta(minutes=1)
    reset = db.write_sync(lambda s: password_resets.ask(s, "alice", now=asked_at))
    link = db.write_sync(lambda s: password_resets.make_token(s, reset.id, now=asked_at))
    with pytest.raises(DomainError, match="not valid any more"):
        db.write_sync(lambda s: password_resets.complete(s, link.token, "new-hash"))


def test_changing_the_password_voids_waiting_links(db: Any) -> None:
    credentials = members.prepare_credentials(PASSWORD)
    db.write_sync(lambda s: members.add_member(s, "alice", credentials, email="a@ville.example"))
    reset = db.write_sync(lambda s: password_resets.ask(s, "alice"))
    db.write_sync(lambda s: members.set_password(s, "alice", credentials.password_hash))
    state = db.read_sync(lambda s: s.get(PasswordReset, reset.id).state)
    assert state is ResetState.void


async def test_a_member_changes_their_password_and_other_sessions_end(
    web_city: Any,
) -> None:
    app, _ = await web_city()
    add_member(app, "alice")
    base_url = app.state.city.settings.base_url

    def browser() -> Browser:
        return Browser(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url))

    here, elsewhere = browser(), browser()
    for b in (here, elsewhere):
        assert (await log_in(b, PASSWORD)).status_code == 303
    wrong = await here.submit(
        "/account/password",
        "/account/password",
        current="not it at all",
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert wrong.status_code == 403
    assert "not your current password" in wrong.text
    done = await here.submit(
        "/account/password",
        "/account/password",
        current=PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert done.status_code == 303
    assert (await here.client.get("/account")).status_code == 200
    assert (await elsewhere.client.get("/account")).status_code == 401
    for b in (here, elsewhere):
        await b.client.aclose()


async def test_a_city_without_mail_says_so(web_city: Any) -> None:
    app, browser = await web_city()
    page = await browser.client.get("/password/forgot")
    assert "does not send email" in page.text
    assert 'name="login"' not in page.text


def test_mail_test_sends_one_message(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    config = write_config(
        tmp_path,
        domain="127.0.0.1:8003",
        database_url="sqlite:///db.sqlite3",
        mail=mail_section(port),
    )
    assert main(["mail", "test", "admin@ville.example", "--config", str(config)]) == 0
    assert [m["To"] for m in mailbox.messages] == ["admin@ville.example"]


def test_mail_test_without_a_server_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, domain="127.0.0.1:8003", database_url="sqlite:///db.sqlite3")
    assert main(["mail", "test", "admin@ville.example", "--config", str(config)]) == 2
    assert "sends no email" in capsys.readouterr().err


def test_mail_test_with_a_server_that_does_not_answer_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sock = free_port_socket()  # bound, never listening: connections are refused
    config = write_config(
        tmp_path,
        domain="127.0.0.1:8003",
        database_url="sqlite:///db.sqlite3",
        mail=mail_section(int(sock.getsockname()[1])),
    )
    assert main(["mail", "test", "admin@ville.example", "--config", str(config)]) == 1
    assert "could not be reached" in capsys.readouterr().err
    sock.close()


async def test_the_email_is_in_the_language_of_the_page_that_asked(
    start_city: Any, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    _, browser = await city_with_alice(start_city, port)
    browser.client.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
    await browser.submit("/password/forgot", "/password/forgot", login="alice")
    await link_from(mailbox)
    assert mailbox.messages[0]["Subject"].startswith("Choisir un nouveau mot de passe")
    await browser.client.aclose()
