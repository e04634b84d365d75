"""Migrations build the whole schema from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from exchange import announcements, members
from instance import migrate
from instance.database import Database
from models import Base

from ..ledger.conftest import credentials


def downgrade_to(url: str, revision: str) -> None:
    """Undo the migrations after `revision`, in one transaction (what each migration's
    downgrade test does before looking at the schema left)."""
    database = Database(url, threads=1, for_migrations=True)
    try:
        with database.engine.begin() as connection:
            config = migrate.alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        database.dispose()


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1)
    try:
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        database.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_a_fresh_database_is_behind_and_an_upgraded_one_is_not(db_url: str) -> None:
    database = Database(db_url, threads=1)
    try:
        assert migrate.pending_revisions(database)
        migrate.upgrade(db_url)
        assert not migrate.pending_revisions(database)
    finally:
        database.dispose()


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1)
    try:
        assert not migrate.pending_revisions(database)
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/wal.sqlite3"
    migrate.upgrade(url)
    database = Database(url, threads=1)
    try:
        mode = database.read_sync(
            lambda s: s.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
        )
    finally:
        database.dispose()
    assert mode == "wal"


def test_member_domain_blocks_downgrade_to_0038_and_upgrade_again(db_url: str) -> None:
    """0039 undone leaves the schema of 0038 (its table and `members.blocked_domains` gone,
    members kept), and applies again."""
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0038")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            member_columns = {c["name"] for c in inspect(conn).get_columns("members")}
        assert "member_domain_blocks" not in tables and "members" in tables
        assert "blocked_domains" not in member_columns
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            assert "member_domain_blocks" in set(inspect(conn).get_table_names())
    finally:
        database.dispose()


def test_announcements_downgrade_to_0040_and_upgrade_again(db_url: str) -> None:
    """0041 undone leaves the schema of 0040 (its three tables gone), and applies again."""
    ours = {"announcements", "announcement_reads", "announcement_reactions"}
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0040")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert not ours & tables and "member_domain_blocks" in tables
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            assert ours <= set(inspect(conn).get_table_names())
    finally:
        database.dispose()


def test_status_filters_downgrade_to_0041_and_upgrade_again(db_url: str) -> None:
    """0042 undone leaves the schema of 0041 (its three tables and `members.status_filters`
    gone, members kept), and applies again with the count at 0 for every member."""
    ours = {"status_filters", "status_filter_keywords", "status_filter_statuses"}
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0041")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            member_columns = {c["name"] for c in inspect(conn).get_columns("members")}
        assert not ours & tables and "announcements" in tables
        assert "status_filters" not in member_columns
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            assert ours <= set(inspect(conn).get_table_names())
            column = {c["name"]: c for c in inspect(conn).get_columns("members")}
        assert "status_filters" in column and not column["status_filters"]["nullable"]
    finally:
        database.dispose()


def test_markers_downgrade_to_0043_and_upgrade_again(db_url: str) -> None:
    """0044 undone leaves the schema of 0043 (`markers` gone, announcements kept); applied
    again, the table is back with its columns."""
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0043")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "markers" not in tables and "announcements" in tables
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("markers")}
        assert columns == {"id", "member_id", "timeline", "last_read_id", "version", "updated_at"}
    finally:
        database.dispose()


def test_featured_tags_downgrade_to_0042_and_upgrade_again(db_url: str) -> None:
    """0043 undone leaves the schema of 0042 (its two tables gone), and applies again with
    its keys: a hashtag featured once per member, one kind of account per dismissal."""
    ours = {"featured_tags", "suggestion_dismissals"}
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0042")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert not ours & tables and "status_filters" in tables
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            inspector = inspect(conn)
            assert ours <= set(inspector.get_table_names())
            keys = {
                tuple(u["column_names"]) for u in inspector.get_unique_constraints("featured_tags")
            }
            assert ("member_id", "hashtag_id") in keys
            checks = [c["name"] for c in inspector.get_check_constraints("suggestion_dismissals")]
            assert "ck_suggestion_dismissals_one_account" in checks
    finally:
        database.dispose()


def test_announcement_schedule_downgrade_to_0044_keeps_announcements(db_url: str) -> None:
    """0045 undone drops `scheduled_at` and the reactions' journal, and keeps the
    announcements and their reactions (no table copy cascading on SQLite); applied again,
    both are back."""
    migrate.upgrade(db_url)
    city_db = Database(db_url, threads=1)

    def react(session: Session) -> None:
        member = members.add_member(session, "alice", credentials())
        row = announcements.add(session, "Closed", None)
        announcements.publish(session, row, None)
        announcements.react(session, member, row, "\N{THUMBS UP SIGN}")

    try:
        city_db.write_sync(react)
    finally:
        city_db.dispose()
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0044")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("announcements")}
            reactions = conn.exec_driver_sql("SELECT count(*) FROM announcement_reactions")
            assert reactions.scalar() == 1
        assert "announcement_reaction_events" not in tables and "scheduled_at" not in columns
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            assert "announcement_reaction_events" in set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("announcements")}
        assert "scheduled_at" in columns
    finally:
        database.dispose()


def test_remote_pins_downgrade_to_0045_and_upgrade_again(db_url: str) -> None:
    """0046 undone leaves the schema of 0045 (`remote_pins` gone), and applies again."""
    migrate.upgrade(db_url)
    database = Database(db_url, threads=1, for_migrations=True)
    try:
        downgrade_to(db_url, "0045")
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert "remote_pins" not in tables and "announcement_reaction_events" in tables
        migrate.upgrade(db_url)
        with database.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("remote_pins")}
        assert columns == {"id", "remote_actor_id", "note_id", "position", "created_at"}
    finally:
        database.dispose()
