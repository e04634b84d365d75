"""Lists in and out: Mastodon CSV, GoToSocial JSON and plain text; all or nothing; dry runs;
round trips."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from exchange import domain_lists, domains
from exchange.domain_lists import BrokenList, Entry, parse
from instance import migrate
from instance.database import Database
from models import RuleKind, Severity

MASTODON_CSV = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,false,false,Spam,false
loud.example,silence,true,false,"Harassment, repeated",true
pics.example,noop,true,true,,false
"""

GOTOSOCIAL_JSON = json.dumps(
    [
        {
            "domain": "spam.example",
            "suspended_at": "2024-01-01T00:00:00.000Z",
            "public_comment": "Spam",
        },
        {"domain": "loud.example", "comment": "noisy", "obfuscate": True},
    ]
)


def table(db: Database, kind: RuleKind) -> list[tuple[object, ...]]:
    return db.read_sync(
        lambda s: [
            (
                r.domain,
                r.severity.value,
                r.reject_media,
                r.reject_reports,
                r.public_comment,
                r.obfuscate,
            )
            for r in domains.list_rules(s, kind)
        ]
    )


def test_a_mastodon_csv_export_is_read() -> None:
    assert parse(MASTODON_CSV, "csv") == [
        Entry("spam.example", Severity.suspend, False, False, "Spam", False),
        Entry("loud.example", Severity.silence, True, False, "Harassment, repeated", True),
        Entry("pics.example", Severity.noop, True, True, "", False),
    ]


def test_a_csv_with_only_a_domain_column_is_read_as_suspensions() -> None:
    assert parse("domain\nspam.example\n", "csv") == [Entry("spam.example")]


def test_a_gotosocial_json_list_is_read() -> None:
    assert parse(GOTOSOCIAL_JSON, "json") == [
        Entry("spam.example", Severity.suspend, public_comment="Spam"),
        Entry("loud.example", Severity.suspend, public_comment="noisy", obfuscate=True),
    ]


def test_a_plain_text_list_skips_blank_lines_and_comments() -> None:
    assert [e.domain for e in parse("# neighbours\nb.example\n\n  c.example \n", "text")] == [
        "b.example",
        "c.example",
    ]


def test_a_csv_with_broken_rows_names_every_broken_line() -> None:
    broken = (
        "#domain,#severity,#reject_media\n"
        "good.example,suspend,false\n"
        "*.wild.example,suspend,false\n"
        "other.example,ban,false\n"
        "more.example,silence,maybe\n"
        "good.example,silence,false\n"
    )
    with pytest.raises(BrokenList) as refused:
        parse(broken, "csv")
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
    ]
    assert "wildcards are not used here" in refused.value.problems[0]
    assert "severity must be suspend, silence or noop" in refused.value.problems[1]
    assert "reject_media must be true or false" in refused.value.problems[2]
    assert "already on line 2" in refused.value.problems[3]
    assert refused.value.status == 400


def test_a_csv_without_a_domain_column_is_refused() -> None:
    with pytest.raises(BrokenList) as refused:
        parse("#host,#severity\nspam.example,suspend\n", "csv")
    assert "line 1" in refused.value.message


def test_a_csv_row_wider_than_its_header_is_refused() -> None:
    with pytest.raises(BrokenList) as refused:
        parse("#domain\nspam.example,suspend\n", "csv")
    assert refused.value.problems == ["line 2: 2 cells, more than the header's columns"]


@pytest.mark.parametrize("text", ["{not json", '{"domain": "x.example"}', '"spam.example"'])
def test_json_that_is_not_a_list_is_refused(text: str) -> None:
    with pytest.raises(BrokenList):
        parse(text, "json")


def test_json_entries_are_named_by_number() -> None:
    with pytest.raises(BrokenList) as refused:
        parse('[{"domain": "ok.example"}, "bad", {"domain": "no_good"}]', "json")
    assert [p.split(":")[0] for p in refused.value.problems] == ["entry 2", "entry 3"]


def test_an_import_with_a_broken_row_writes_nothing(db: Database) -> None:
    with pytest.raises(BrokenList):
        entries = parse(MASTODON_CSV + "bad domain,suspend\n", "csv")
        db.write_sync(
            lambda s: domain_lists.import_entries(
                s, entries, RuleKind.block, None, "open", own_domain="comptoir.test"
            )
        )
    assert table(db, RuleKind.block) == []


def test_an_import_refused_half_way_by_a_conflict_writes_nothing(db: Database) -> None:
    entries = parse("#domain,#severity\nspam.example,suspend\nx.spam.example,silence\n", "csv")
    with pytest.raises(BrokenList) as refused:
        db.write_sync(
            lambda s: domain_lists.import_entries(
                s, entries, RuleKind.block, None, "open", own_domain="comptoir.test"
            )
        )
    assert "entry 2 (x.spam.example)" in refused.value.message
    assert table(db, RuleKind.block) == []


def test_a_dry_run_reports_the_changes_and_writes_nothing(db: Database) -> None:
    db.write_sync(
        lambda s: domains.block(
            s,
            domains.BlockSpec("spam.example", public_comment="Spam"),
            None,
            "open",
            own_domain="comptoir.test",
        )
    )
    entries = parse(MASTODON_CSV, "csv")
    plan = db.write_sync(
        lambda s: domain_lists.import_entries(
            s, entries, RuleKind.block, None, "open", dry_run=True, own_domain="comptoir.test"
        )
    )
    assert (plan.added, plan.updated, plan.unchanged) == (
        ["loud.example", "pics.example"],
        [],
        ["spam.example"],
    )
    assert [row[0] for row in table(db, RuleKind.block)] == ["spam.example"]


def test_an_import_adds_and_updates_and_keeps_entries_missing_from_the_file(db: Database) -> None:
    db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("old.example"), None, "open", own_domain="comptoir.test"
        )
    )
    db.write_sync(
        lambda s: domains.block(
            s, domains.BlockSpec("loud.example"), None, "open", own_domain="comptoir.test"
        )
    )
    plan = db.write_sync(
        lambda s: domain_lists.import_entries(
            s, parse(MASTODON_CSV, "csv"), RuleKind.block, None, "open", own_domain="comptoir.test"
        )
    )
    assert (plan.added, plan.updated) == (["spam.example", "pics.example"], ["loud.example"])
    assert [row[0] for row in table(db, RuleKind.block)] == [
        "loud.example",
        "old.example",
        "pics.example",
        "spam.example",
    ]


@pytest.mark.parametrize("fmt", domain_lists.FORMATS)
@pytest.mark.parametrize("kind", [RuleKind.block, RuleKind.allow])
def test_an_export_imported_into_a_fresh_city_gives_the_same_list(
    db: Database, new_db_url: Callable[[], str], fmt: str, kind: RuleKind
) -> None:
    allows = "#domain,#public_comment,#obfuscate\nb.example,Our neighbour,false\nc.example,,true\n"
    source = MASTODON_CSV if kind is RuleKind.block else allows
    db.write_sync(
        lambda s: domain_lists.import_entries(
            s, parse(source, "csv"), kind, None, "open", own_domain="comptoir.test"
        )
    )
    exported = domain_lists.export(db.read_sync(lambda s: domains.list_rules(s, kind)), fmt, kind)

    fresh_url = new_db_url()
    migrate.upgrade(fresh_url)
    fresh = Database(fresh_url, threads=1)
    try:
        fresh.write_sync(
            lambda s: domain_lists.import_entries(
                s, parse(exported, fmt), kind, None, "open", own_domain="comptoir.test"
            )
        )
        if fmt == "text":  # plain text carries the names only
            assert [row[0] for row in table(fresh, kind)] == [row[0] for row in table(db, kind)]
        else:
            assert table(fresh, kind) == table(db, kind)
    finally:
        fresh.dispose()


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("blocks.csv", "", "csv"),
        ("list.json", "", "json"),
        ("list.txt", "", "text"),
        ("-", "[{}]", "json"),
        ("-", "#domain,#severity\n", "csv"),
        ("-", "b.example\n", "text"),
    ],
)
def test_the_format_is_guessed_from_the_name_or_the_content(name: str, text: str, fmt: str) -> None:
    assert domain_lists.guess_format(name, text) == fmt
