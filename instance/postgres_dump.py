"""A PostgreSQL city's database in and out of a backup, through PostgreSQL's own tools.

`pg_dump` (custom format) copies one schema, the city's (the first of its `search_path`,
`public` unless the URL says otherwise), in one snapshot while the city keeps writing. A
restore turns the dump into SQL with `pg_restore -f -` and runs it with `psql` in ONE
transaction, together with the statements that move it into the target schema: the target
ends up with the whole database or with nothing. The tools must be on PATH, of the server's
major version or newer (Debian: the `postgresql-client` package).

The password never goes on a command line (other users see those): it is handed over in
PGPASSWORD.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from .backup_errors import BackupError


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install PostgreSQL's client tools of the server's "
            "major version or newer (Debian: apt-get install postgresql-client)",
            2,
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries the password."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed._replace(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    return uri, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-3:]) or 'no message'}")


def current_schema(url: str) -> str:
    """The schema the city's tables live in: the first schema of the URL's search_path."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            schema = connection.scalar(text("SELECT current_schema()"))
            if schema is None:  # the search_path names a schema that does not exist (yet)
                path = str(connection.scalar(text("SHOW search_path")))
                schema = path.split(",")[0].strip().strip('"')
    finally:
        engine.dispose()
    return str(schema)


def dump(url: str, schema: str, destination: Path) -> None:
    """pg_dump the schema into `destination` (custom format: compressed, one snapshot)."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(url)
    _run(
        [
            pg_dump,
            "--format=custom",
            f"--schema={schema}",
            "--no-owner",
            "--no-privileges",
            f"--file={destination}",
            f"--dbname={uri}",
        ],
        env,
        "pg_dump",
    )


def _tables_in(connection: Connection, schema: str) -> int:
    return int(
        connection.scalar(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        )
    )


def _schema_exists(connection: Connection, schema: str) -> bool:
    return bool(
        connection.scalar(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        )
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def restore(url: str, dump_file: Path, source_schema: str, workdir: Path) -> str:
    """Load the dump into the URL's schema, which must be empty; returns that schema's name.

    Refuses (BackupError) a target schema with tables, or, when the dump's schema has another
    name, a target database where a schema of the dump's name already holds tables."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    target = current_schema(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if _tables_in(connection, target):
                raise BackupError(
                    f"the target database is not empty: schema {target!r} has tables; restore "
                    "into a fresh, empty database or schema"
                )
            source_exists = _schema_exists(connection, source_schema)
            if source_schema != target and source_exists and _tables_in(connection, source_schema):
                raise BackupError(
                    f"the target database already has a schema {source_schema!r} with tables "
                    "(the backup's schema): restore into a fresh database"
                )
            target_exists = _schema_exists(connection, target)
    finally:
        engine.dispose()

    uri, env = _libpq(url)
    script = workdir / "restore.sql"
    prelude, postlude = [], []
    # The dump creates its schema itself: empty schemas of the same names make way for it.
    if target_exists:
        prelude.append(f"DROP SCHEMA {_ident(target)};")
    if source_schema != target and source_exists:
        prelude.append(f"DROP SCHEMA {_ident(source_schema)};")
    if source_schema != target:
        postlude.append(f"ALTER SCHEMA {_ident(source_schema)} RENAME TO {_ident(target)};")
        if source_schema == "public":
            postlude.append("CREATE SCHEMA public;")
    with script.open("w", encoding="utf-8") as out:
        out.write("\n".join(prelude) + "\n")
        out.flush()
        done = subprocess.run(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"the database dump cannot be read: {done.stderr.strip()}")
        out.write("\n" + "\n".join(postlude) + "\n")
    _run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(script), uri],
        env,
        "loading the database with psql",
    )
    return target
