"""Real pages in a real browser: Debian's Chromium driven by Playwright against a city served
by uvicorn on loopback (tests/live.py).

Never a downloaded browser: `/usr/bin/chromium` (`.ci/run` installs the Debian package where it
is missing). Every page a test looks at (`Person.seen`) is checked at phone width (390 px) and
desktop width (1280 px): a screenshot in artifacts/screenshots/<test>/, axe-core's
accessibility rules with no serious or critical violation, and at phone width no sideways
scroll. The checks gather what they find, and the test fails at its end naming every page at
fault, so one run shows all of them.

The browser tests run on SQLite alone (each module marks `backend`): they check pages, which
read the same whatever the database, and a PostgreSQL variant would double their time.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from exchange import members
from models import MemberStatus, Role

from ..live import LiveCity

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"
#: axe's impacts a page may not have
BLOCKING = ("serious", "critical")

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@dataclass
class Findings:
    """What the checks of every page found, and where the screenshots went."""

    folder: Path
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


class Person:
    """One resident or staff member with a browser of their own (cookies, tabs)."""

    def __init__(self, name: str, city: LiveCity, page: Page, findings: Findings) -> None:
        self.name = name
        self.city = city
        self.page = page
        self.findings = findings
        self.axe = Axe()

    async def open(self, path: str, label: str | None = None) -> None:
        """Go to `path` of the city and look at the page."""
        answer = await self.page.goto(self.city.url + path)
        assert answer is not None and answer.status < 500, f"{path}: {answer and answer.status}"
        await self.seen(label or path)

    async def log_in(self) -> None:
        await self.open("/login")
        await self.page.get_by_label("Username").fill(self.name)
        await self.page.get_by_label("Password").fill(PASSWORD)
        await self.page.get_by_role("button", name="Log in").click()
        await self.page.wait_for_load_state()
        await self.seen("after login")

    async def seen(self, label: str) -> None:
        """Check the page now shown at both widths: screenshot, axe, width (phone)."""
        self.findings.pages += 1
        where = f"{self.name} on {self.page.url} ({label})"
        shown = await self.page.inner_text("body")
        if "<Macro" in shown or "internal server error" in shown.lower():
            self.findings.problems.append(f"{where}: shows template internals or a raw error")
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.name} {label}".lower()).strip("-")[:60]
        for size in (PHONE, DESKTOP):
            await self.page.set_viewport_size(size)
            shot = self.findings.folder / f"{self.findings.pages:02d}-{slug}-{size['width']}.png"
            await self.page.screenshot(path=str(shot), full_page=True)
            if size is PHONE:
                wide = await self.page.evaluate("document.documentElement.scrollWidth")
                if wide > PHONE["width"]:
                    self.findings.problems.append(f"{where}: {wide} px wide at phone width")
            result = await self.axe.run(self.page)
            for violation in result.response["violations"]:
                if violation["impact"] in BLOCKING:
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    self.findings.problems.append(
                        f"{where} at {size['width']} px: axe {violation['impact']} "
                        f"{violation['id']} ({violation['help']}) on {targets}"
                    )
        await self.page.set_viewport_size(PHONE)

    async def press(self, button: str) -> None:
        """Press the only button of that name on the page and wait for the next one."""
        await self.page.get_by_role("button", name=button, exact=True).click()
        await self.page.wait_for_load_state()

    async def text(self) -> str:
        return await self.page.inner_text("main")


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def findings(request: pytest.FixtureRequest) -> Findings:
    """A folder of its own for the test's screenshots, emptied first."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Findings(folder)


@pytest.fixture
async def people(
    chromium: Browser, findings: Findings
) -> AsyncIterator[Callable[[str, LiveCity], Any]]:
    """A factory of people, each in a fresh browser context at phone width."""
    contexts: list[BrowserContext] = []

    async def person(name: str, city: LiveCity, locale: str = "en-US") -> Person:
        """`locale` is the browser's language (its Accept-Language)."""
        context = await chromium.new_context(viewport=PHONE, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Person(name, city, await context.new_page(), findings)

    yield person
    for context in contexts:
        await context.close()


def add_member(city: LiveCity, name: str, role: Role = Role.member) -> None:
    """An active member straight in the database (staff the journey does not sign up)."""
    credentials = members.prepare_credentials(PASSWORD)
    city.db.write_sync(
        lambda s: members.add_member(s, name, credentials, role=role, status=MemberStatus.active)
    )
