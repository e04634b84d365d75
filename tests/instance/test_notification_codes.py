"""Notifications are stored as codes and parameters and said in the reader's language;
migration 0021 gives the English lines written before it their code back when it can."""

from __future__ import annotations

import json

import sqlalchemy as sa

from instance import migrate, notification_texts
from instance.database import Database


def test_a_code_is_said_in_french_with_amounts_and_terms_the_french_way() -> None:
    price = notification_texts.amount(250, 2, "GRN")
    said = notification_texts.say(
        "accepted",
        {"who": "@bob", "terms": notification_texts.terms(1, "Lampe", price, "")},
        "stored",
        "fr",
    )
    assert said == "@bob a accepté votre offre : 1 × « Lampe » pour 2,50 GRN."
    english = notification_texts.english(
        "accepted", {"who": "@bob", "terms": notification_texts.terms(1, "Lamp", price, "")}
    )
    assert english == "@bob accepted your offer: 1 × “Lamp” for 2.50 GRN."


def test_a_partner_citys_news_is_said_in_the_admins_language() -> None:
    params = {"city": "b.example", "version": 2, "reason": "audit"}
    said = notification_texts.say("partner_suspended", params, "stored", "fr")
    assert said == "b.example : a suspendu la version 2 de la règle d’échange : audit"
    english = notification_texts.english("partner_suspended", params)
    assert english == "b.example: suspended exchange rule version 2: audit"


def test_a_row_without_a_code_is_shown_as_written() -> None:
    assert notification_texts.say("", None, "Old words", "fr") == "Old words"


def test_migration_0021_gives_old_english_lines_their_code(db_url: str) -> None:
    migrate.upgrade(db_url, "0020")
    database = Database(db_url, threads=1)
    try:
        with database.engine.begin() as connection:
            member = connection.execute(
                sa.text(
                    "INSERT INTO members (username, display_name, summary, password_hash, role,"
                    " status, manually_approves_followers, private_key_pem, public_key_pem,"
                    " created_at, application_note)"
                    " VALUES ('alice', 'alice', '', 'x', 'member', 'active', false, 'k', 'k',"
                    " CURRENT_TIMESTAMP, '') RETURNING id"
                )
            ).scalar_one()
            for text in (
                "Your listing “Lamp” was taken down: spam",
                "@bob@b.example follows you",
                "@bob offers 1 × “Lamp” for 2.50 GRN.",
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO notifications (member_id, kind, text, created_at)"
                        " VALUES (:m, 'follow', :t, CURRENT_TIMESTAMP)"
                    ),
                    {"m": member, "t": text},
                )
    finally:
        database.dispose()
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1)
    try:
        with database.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT code, params FROM notifications ORDER BY id")
            ).all()
    finally:
        database.dispose()
    found = [
        (code, params if isinstance(params, dict) else json.loads(params)) for code, params in rows
    ]
    assert found == [
        ("listing_taken_down", {"title": "Lamp", "reason": "spam"}),
        ("follow", {"who": "@bob@b.example"}),
        ("", {}),  # an offer's terms carry an amount: shown as written
    ]


def test_a_pledge_to_another_citys_project_is_said_paid_or_released_in_french() -> None:
    params = {
        "amount": notification_texts.amount(600, 2, "BRQ"),
        "project": "https://a.example/projects/garden",
    }
    said = notification_texts.say("pledge_committed", params, "stored", "fr")
    assert said == (
        "Votre promesse de 6,00 BRQ à https://a.example/projects/garden est payée : le projet a"
        " atteint son objectif."
    )
    english = notification_texts.english("pledge_voided_cancelled", params)
    assert english == (
        "Your pledge of 6.00 BRQ to https://a.example/projects/garden is released: the project"
        " was cancelled."
    )
