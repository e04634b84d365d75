"""Shared fixtures: databases on both backends, settings, and real cities on loopback.

Every test that takes `db_url` (or anything built on it) runs on SQLite, and on
PostgreSQL too when COMPTOIR_TEST_DATABASE_URL is set; each PostgreSQL test gets a
schema of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from exchange import passwords
from instance import migrate
from instance.database import Database
from instance.settings import Settings, load_settings

from .databases import MigratedSchemas, Schemas, vacuum_catalog
from .live import LiveCity, free_port_socket
from .s3 import s3, s3_server  # noqa: F401  (fixtures: an S3 bucket on loopback, tests/s3.py)

PG_URL = os.environ.get("COMPTOIR_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> None:
    """Argon2id at 1 pass over 1 MiB instead of 3 over 64 MiB: the suite hashes hundreds of
    passwords. tests/instance/test_cli.py checks what a real server stores."""
    passwords.set_cost(time_cost=1, memory_kib=1024)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def postgresql_only(test: Callable[..., Any]) -> Callable[..., Any]:
    """For a test of what only PostgreSQL does (concurrent writers): its PostgreSQL variant alone.

    No SQLite variant is generated, so none is reported as skipped. Without
    COMPTOIR_TEST_DATABASE_URL the test is deselected at collection
    (`pytest_collection_modifyitems`).
    """
    return pytest.mark.postgresql_only(pytest.mark.parametrize("backend", ["postgresql"])(test))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "backend" in callspec.params:
            item.user_properties.append(("backend", callspec.params["backend"]))
    if PG_URL:
        return
    unrunnable = [item for item in items if item.get_closest_marker("postgresql_only")]
    if unrunnable:
        config.hook.pytest_deselected(items=unrunnable)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


def _runs_the_session(config: pytest.Config) -> bool:
    """The process that runs the session: pytest alone, or xdist's controller (not a worker)."""
    return PG_URL != "" and not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _runs_the_session(session.config):
        vacuum_catalog()  # what earlier runs left, before this one creates its schemas


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _runs_the_session(session.config):
        vacuum_catalog()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line saying what ran on which database, so a run shows whether PostgreSQL took part:
    `database backends: sqlite 612 passed; postgresql 580 passed` (and failures, skips)."""
    counts: dict[str, dict[str, int]] = {backend: {} for backend in ("sqlite", "postgresql")}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            backend = dict(getattr(report, "user_properties", ())).get("backend")
            if backend in counts and (report.when == "call" or outcome != "passed"):
                counts[backend][outcome] = counts[backend].get(outcome, 0) + 1
    parts = []
    for backend, seen in counts.items():
        said = ", ".join(f"{n} {outcome}" for outcome, n in seen.items() if n) or "none ran"
        parts.append(f"{backend} {said}")
    terminalreporter.write_line("database backends: " + "; ".join(parts))


@pytest.fixture
def new_db_url(backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """A factory of empty databases of the current backend (several per test for e2e cities)."""
    schemas = Schemas() if backend == "postgresql" else None
    counter = iter(range(1000))

    def make() -> str:
        if schemas is not None:
            return schemas.new_url()
        return f"sqlite:///{tmp_path}/db{next(counter)}.sqlite3"

    yield make
    if schemas is not None:
        schemas.drop_all()


@pytest.fixture
def db_url(new_db_url: Callable[[], str]) -> str:
    """An empty database of the current backend, not migrated."""
    return new_db_url()


@pytest.fixture(scope="session")
def migrated_schemas() -> Iterator[MigratedSchemas | None]:
    """This test process's pool of migrated PostgreSQL schemas (tests/databases.py)."""
    if not PG_URL:
        yield None
        return
    pool = MigratedSchemas()
    yield pool
    pool.close()


@pytest.fixture
def new_migrated_db_url(
    backend: str,
    tmp_path: Path,
    migrated_sqlite_template: Path,
    migrated_schemas: MigratedSchemas | None,
) -> Iterator[Callable[[], str]]:
    """A factory of databases at the latest revision, holding only what the migrations wrote.

    SQLite: a copy of a file migrated once per process. PostgreSQL: a schema from the pool,
    reset and lent again when the test ends.
    """
    borrowed: list[str] = []
    counter = iter(range(1000))

    def make() -> str:
        if backend == "postgresql":
            assert migrated_schemas is not None
            borrowed.append(migrated_schemas.borrow())
            return borrowed[-1]
        path = tmp_path / f"migrated{next(counter)}.sqlite3"
        shutil.copyfile(migrated_sqlite_template, path)
        return f"sqlite:///{path}"

    yield make
    for url in borrowed:
        assert migrated_schemas is not None
        migrated_schemas.give_back(url)


@pytest.fixture
def migrated_db_url(new_migrated_db_url: Callable[[], str]) -> str:
    """A database at the latest revision (for tests that hand its URL to the CLI)."""
    return new_migrated_db_url()


@pytest.fixture
def db(new_migrated_db_url: Callable[[], str]) -> Iterator[Database]:
    """A migrated database of the current backend."""
    url = new_migrated_db_url()
    database = Database(url, threads=4)
    yield database
    database.dispose()


def write_config(
    directory: Path,
    *,
    domain: str,
    database_url: str,
    name: str = "Test City",
    loopback: bool = True,
    **sections: dict[str, Any],
) -> Path:
    """An instance.toml made by `comptoir init`, with `sections` overriding keys.

    The test city speaks English (`init` writes "fr") unless a test names its language: the
    suite reads English pages; tests/web/test_i18n.py asks for French.
    """
    from instance.init import init_instance

    sections = {**sections, "instance": {"language": "en", **sections.get("instance", {})}}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "instance.toml"
    init_instance(
        path,
        domain=domain,
        name=name,
        data="data",
        database=database_url,
        allow_loopback_http=loopback,
    )
    if sections:
        text_ = path.read_text()
        for section, values in sections.items():
            for key, value in values.items():
                text_ = _set_key(text_, section, key, value)
        path.write_text(text_)
    return path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _set_key(document: str, section: str, key: str, value: Any) -> str:
    lines = document.splitlines()
    start = lines.index(f"[{section}]")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("["):
            lines.insert(i, f"{key} = {_toml_value(value)}")
            break
        if lines[i].split("=")[0].strip() == key:
            lines[i] = f"{key} = {_toml_value(value)}"
            break
    else:
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database brought to the latest revision once per test session.

    Cities on SQLite start from a copy of it: the same schema the migrations make (they are
    exercised here, and from empty in tests/instance/test_migrations.py) for a file copy
    instead of a migration run per city.
    """
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def make_settings(
    tmp_path: Path, new_migrated_db_url: Callable[[], str]
) -> Callable[..., Settings]:
    """Settings of a city on a fresh, migrated database; keyword sections override the config."""
    counter = iter(range(1000))

    def make(domain: str = "127.0.0.1:8999", **sections: dict[str, Any]) -> Settings:
        path = write_config(
            tmp_path / f"city{next(counter)}",
            domain=domain,
            database_url=new_migrated_db_url(),
            **sections,
        )
        return load_settings(path)

    return make


@pytest.fixture
async def in_process_city(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[Callable[..., tuple[Any, Settings, httpx.AsyncClient]]]:
    """A fresh city's app, workers off, and an httpx client calling it in this process.

    Keyword sections override the city's config. Clients are closed and databases released
    after the test."""
    from server.app import create_app

    made: list[tuple[Any, httpx.AsyncClient]] = []

    def make(**sections: dict[str, Any]) -> tuple[Any, Settings, httpx.AsyncClient]:
        settings = make_settings(**sections)
        app = create_app(settings, run_worker=False)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=settings.base_url)
        made.append((app, http))
        return app, settings, http

    yield make
    for app, http in made:
        await http.aclose()
        app.state.city.db.dispose()


@pytest.fixture
async def start_city(make_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    """Start real cities: uvicorn on a loopback port of their own, their own database, real HTTP."""
    cities: list[LiveCity] = []

    async def start(*, run_worker: bool = True, **sections: dict[str, Any]) -> LiveCity:
        sock = free_port_socket()
        settings = make_settings(domain=f"127.0.0.1:{sock.getsockname()[1]}", **sections)
        city = LiveCity(settings, sock, run_worker=run_worker)
        await city.start()
        cities.append(city)
        return city

    yield start
    # at once: each waits on uvicorn's shutdown tick and its worker's last turn
    await asyncio.gather(*(city.stop() for city in cities))
