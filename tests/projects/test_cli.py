"""`comptoir projects list|show|approve|cancel` and `comptoir users organisation`, as staff run
them."""

from __future__ import annotations

from pathlib import Path

import pytest

from exchange import members, projects
from instance.database import Database
from instance.urls import Urls
from models import Member
from outbox.render import render_member
from services.project_jobs import settle

from ..cli import comptoir
from ..conftest import write_config
from .conftest import AFTER, OPENED, Town


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    return write_config(
        tmp_path / "city",
        domain="127.0.0.1:8003",
        database_url=db.url,
        currency={"credit_limit": "100.00"},
    )


def test_staff_approve_show_and_cancel_a_project(config: Path, town: Town) -> None:
    town.project("garden", "40.00", open_=False)
    assert "garden" in comptoir(config, "projects", "list").stdout
    approved = comptoir(config, "projects", "approve", "garden")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.strip() == "garden: open"
    town.member("ana")
    town.pledge("garden", "ana", "7.00", now=OPENED)
    shown = comptoir(config, "projects", "show", "garden").stdout
    assert "7.00 / 40.00" in shown and "@ana 7.00 pending" in shown
    assert comptoir(config, "projects", "cancel", "garden").stdout.strip() == "garden: cancelled"
    again = comptoir(config, "projects", "approve", "garden")
    assert again.returncode == 1 and "cancelled project cannot become open" in again.stderr
    assert town.check() == []


def test_an_organisation_is_an_organization_actor(config: Path, town: Town) -> None:
    town.member("atelier")
    done = comptoir(config, "users", "organisation", "atelier")
    assert done.returncode == 0, done.stderr
    urls = Urls("https://city.example")
    atelier = town.db.read_sync(lambda s: members.get_member(s, "atelier"))
    assert render_member(urls, atelier)["type"] == "Organization"
    comptoir(config, "users", "organisation", "atelier", "--undo")
    atelier = town.db.read_sync(lambda s: members.get_member(s, "atelier"))
    assert render_member(urls, atelier)["type"] == "Person"


def test_an_organisation_proposes_a_project(town: Town) -> None:
    town.member("atelier")
    town.db.write_sync(lambda s: members.set_organisation(s, "atelier", None))
    town.project("repairs", "10.00", owner="atelier")
    owner = town.db.read_sync(
        lambda s: s.get(Member, projects.by_slug(s, "repairs").owner_id).is_organisation
    )
    assert owner is True


def test_staff_pay_a_funded_projects_money_out_from_the_command_line(
    config: Path, town: Town
) -> None:
    town.member("ana")
    town.project("garden", "10.00")
    town.pledge("garden", "ana", "10.00")
    assert settle(town.db, "garden", now=AFTER).value == "funded"
    paid = comptoir(config, "projects", "payout", "garden", "owner", "6.00", "--memo", "seeds")
    assert paid.returncode == 0, paid.stderr
    assert "paid 6.00 to @owner; 4.00 left" in paid.stdout
    assert (
        "@owner 6.00 project garden: seeds" in comptoir(config, "projects", "show", "garden").stdout
    )
    assert town.balance("owner") == "6.00"
    assert comptoir(config, "ledger", "check").returncode == 0


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("garden", "ana", "4.01"), 1, "holds 4.00 GRN: it cannot pay 4.01"),
        (("garden", "nobody", "1.00"), 1, "there is no member @nobody here"),
        (("garden", "ana", "0"), 2, "the amount must be more than zero"),
        (("garden", "ana", "-2"), 2, "the amount must be more than zero"),
        (("lamp", "ana", "1.00"), 1, "only a funded project pays out"),
    ],
)
def test_refused_payouts_exit_with_a_message_and_write_nothing(
    config: Path, town: Town, args: tuple[str, ...], code: int, message: str
) -> None:
    town.member("ana")
    town.project("garden", "10.00")
    town.project("lamp", "10.00")
    town.pledge("garden", "ana", "10.00")
    assert settle(town.db, "garden", now=AFTER).value == "funded"
    comptoir(config, "projects", "payout", "garden", "owner", "6.00")
    before = town.rows()
    refused = comptoir(config, "projects", "payout", *args)
    assert refused.returncode == code and message in refused.stderr, refused.stderr
    assert town.rows() == before
    assert town.check() == []
