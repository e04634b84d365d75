"""The `comptoir ledger` commands and `comptoir users token`, as an admin runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from instance.database import Database

from ..cli import comptoir
from ..conftest import write_config
from .conftest import Book


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    """A city whose database is the `db` fixture's (so `book` sees what the commands do)."""
    return write_config(
        tmp_path / "city",
        domain="127.0.0.1:8002",
        database_url=db.url,
        currency={"credit_limit": "100.00"},
    )


@pytest.fixture
def city(book: Book) -> Book:
    book.member("alice")
    book.member("bob")
    book.pay("alice", "bob", "12.50", memo="bread")
    return book


def test_check_passes_on_a_sound_ledger(config: Path, city: Book) -> None:
    done = comptoir(config, "ledger", "check")
    assert done.returncode == 0, done.stderr
    assert "ledger ok: 2 accounts, 1 transfers, 1 legs; balances sum to 0.00 GRN" in done.stdout


def test_check_fails_with_exit_1_naming_the_first_violation(config: Path, city: Book) -> None:
    from sqlalchemy import text

    city.db.write_sync(
        lambda s: s.execute(
            text("UPDATE accounts SET debits_posted = 0 WHERE key = 'member:alice'")
        )
    )
    done = comptoir(config, "ledger", "check")
    assert done.returncode == 1
    assert "ledger check failed: the balances add up to 1250 minor units, not zero" in done.stderr


def test_accounts_lists_balances_and_their_zero_sum(config: Path, city: Book) -> None:
    done = comptoir(config, "ledger", "accounts")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("member:alice") and "-12.50" in line and "100.00" in line for line in lines
    )
    assert lines[-1].split() == ["sum", "of", "balances", "0.00"]


def test_adjust_credits_an_account_with_a_reason(config: Path, city: Book) -> None:
    done = comptoir(
        config, "ledger", "adjust", "bob", "2.50", "--reason", "refund of a lost voucher"
    )
    assert done.returncode == 0, done.stderr
    assert "credited member:bob 2.50 GRN" in done.stdout
    assert city.balance("bob") == "15.00"
    assert city.balance("system:adjustments") == "-2.50"


def test_adjust_debit_respects_the_credit_limit(config: Path, city: Book) -> None:
    done = comptoir(config, "ledger", "adjust", "alice", "90.00", "--reason", "fine", "--debit")
    assert done.returncode == 1
    assert "cannot pay 90.00" in done.stderr


def test_set_limit_changes_the_credit_limit(config: Path, city: Book) -> None:
    done = comptoir(
        config, "ledger", "set-limit", "alice", "--credit-limit", "300.00", "--reason", "bakery"
    )
    assert done.returncode == 0, done.stderr
    assert "member:alice: credit limit 300.00, maximum balance none" in done.stdout
    city.pay("alice", "bob", "250.00")


def test_set_limit_refuses_a_limit_below_the_balance(config: Path, city: Book) -> None:
    done = comptoir(
        config, "ledger", "set-limit", "alice", "--credit-limit", "10.00", "--reason", "too much"
    )
    assert done.returncode == 1
    assert "cannot be less than 12.50" in done.stderr


def test_export_prints_the_statement_as_csv(config: Path, city: Book) -> None:
    done = comptoir(config, "ledger", "export", "alice")
    assert done.returncode == 0, done.stderr
    header, line = done.stdout.splitlines()
    assert (
        header
        == "date,transfer,kind,status,purpose,counterparty,debit,credit,memo,counterpart_name,item"
    )
    assert line.endswith(",payment,posted,amount,member:bob,12.50,,bread,,")


def test_users_token_prints_a_token_once_and_stores_only_its_hash(config: Path, city: Book) -> None:
    from sqlalchemy import select

    from models import ApiToken

    done = comptoir(config, "users", "token", "alice", "--label", "budget script")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("cpt_") and len(token) > 40
    [stored] = city.db.read_sync(lambda s: list(s.scalars(select(ApiToken))))
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert stored.label == "budget script"


def test_users_token_for_an_unknown_member_fails(config: Path, city: Book) -> None:
    done = comptoir(config, "users", "token", "nobody")
    assert done.returncode == 1
    assert "member 'nobody' not found" in done.stderr


def test_users_tokens_lists_ids_and_labels_never_the_tokens(config: Path, city: Book) -> None:
    token = comptoir(config, "users", "token", "alice", "--label", "budget script").stdout.strip()
    listed = comptoir(config, "users", "tokens", "alice")
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    assert line.split("\t")[2:] == ["live", "budget script"] and token not in listed.stdout


def test_a_revoked_token_no_longer_opens_the_api(config: Path, city: Book) -> None:
    from sqlalchemy import select

    from api.auth import member_for_token
    from exchange.errors import DomainError
    from models import ApiToken

    token = comptoir(config, "users", "token", "alice").stdout.strip()
    assert city.db.read_sync(lambda s: member_for_token(s, token)).username == "alice"
    token_id = city.db.read_sync(lambda s: s.scalar(select(ApiToken.id)))
    done = comptoir(config, "users", "revoke-token", "alice", "--id", str(token_id))
    assert (done.returncode, done.stdout) == (0, "revoked 1 token of @alice\n")
    with pytest.raises(DomainError) as refused:
        city.db.read_sync(lambda s: member_for_token(s, token))
    assert refused.value.code == "invalid_token"
    assert "\trevoked " in comptoir(config, "users", "tokens", "alice").stdout


def test_revoke_token_all_revokes_every_live_token(config: Path, city: Book) -> None:
    for _ in range(2):
        comptoir(config, "users", "token", "alice")
    assert (
        comptoir(config, "users", "revoke-token", "alice", "--all").stdout
        == "revoked 2 tokens of @alice\n"
    )
    assert (
        comptoir(config, "users", "revoke-token", "alice", "--all").stdout
        == "revoked 0 tokens of @alice\n"
    )


@pytest.mark.parametrize("args", [(), ("--id", "1", "--all")])
def test_revoke_token_needs_exactly_one_of_id_or_all(
    config: Path, city: Book, args: tuple[str, ...]
) -> None:
    done = comptoir(config, "users", "revoke-token", "alice", *args)
    assert done.returncode == 2 and "--id N, or every token with --all" in done.stderr


def test_revoking_an_unknown_token_fails_with_exit_1(config: Path, city: Book) -> None:
    done = comptoir(config, "users", "revoke-token", "alice", "--id", "999")
    assert done.returncode == 1 and "has no live token 999" in done.stderr
