"""Test fixtures: throwaway databases on the backend the environment names.

- DATABASE_URL unset or sqlite: each database is a SQLite file under pytest's tmp_path.
- DATABASE_URL=postgresql+psycopg://...: each database is a new database created on that
  server (named dd_test_<random>) and dropped afterwards; the named database is never touched.

Files from ../shared are used where a test needs data written by others: outside CI a missing
../shared skips those tests with the reason; inside CI (CI=true) it fails them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_path(*parts: str) -> Path:
    """A file from ../shared; skips outside CI and fails inside CI when it is missing."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: clone the project with ../shared beside it"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_chromium() -> str:
    """Debian's Chromium (PNG and PDF exports, browser tests); skips outside CI and fails inside CI when missing."""
    from charts.export import chromium_path

    browser = chromium_path()
    if not browser or not os.path.exists(browser):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return browser


def backend_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip()


def is_postgres() -> bool:
    return backend_url().startswith("postgresql")


class DatabaseFactory:
    """Creates empty databases and drops them at the end of the session."""

    def __init__(self, tmp_root: Path):
        self.tmp_root = tmp_root
        self._engines: list[Engine] = []
        self._pg_databases: list[str] = []
        self._prepared_url: str | None = None

    def new_url(self, template: str | None = None) -> str:
        if is_postgres():
            base = make_url(backend_url())
            name = f"dd_test_{uuid.uuid4().hex[:12]}"
            admin = make_engine(base.render_as_string(hide_password=False)).execution_options(
                isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                # names made here, not input
                conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            admin.dispose()
            self._pg_databases.append(name)
            return base.set(database=name).render_as_string(hide_password=False)
        path = self.tmp_root / f"db_{uuid.uuid4().hex[:12]}.sqlite"
        return f"sqlite:///{path}"

    def new_engine(self) -> Engine:
        engine = make_engine(self.new_url())
        self._engines.append(engine)
        return engine

    def new_prepared_engine(self) -> Engine:
        """A copy of one database prepared once per session: the shipped gazetteer holds every
        country's admin units (34,000 places), too many to write again for every test."""
        if self._prepared_url is None:
            from db.setup import prepare_database

            template = make_engine(self.new_url())
            prepare_database(template)
            template.dispose()  # PostgreSQL copies a template only while nobody is connected to it
            self._prepared_url = template.url.render_as_string(hide_password=False)
        if is_postgres():
            template_name = make_url(self._prepared_url).database
            url = self.new_url(template=template_name)
        else:
            url = self.new_url()
            shutil.copyfile(make_url(self._prepared_url).database, make_url(url).database)
        engine = make_engine(url)
        self._engines.append(engine)
        return engine

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()
        if self._pg_databases:
            admin = make_engine(backend_url()).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self._pg_databases:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture
def empty_engine(databases) -> Engine:
    """A database with nothing in it, not even the schema."""
    engine = databases.new_engine()
    yield engine
    engine.dispose()  # close its connections now: a server allows only so many at once


@pytest.fixture
def prepared_engine(databases) -> Engine:
    """A fresh database with the schema and the shipped gazetteer."""
    engine = databases.new_prepared_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_engine(databases) -> Engine:
    """Schema, gazetteer and the demo data; tests must only read from it."""
    from db.demo import create_demo
    from db.setup import prepare_database

    engine = databases.new_engine()
    prepare_database(engine)
    create_demo(engine)
    return engine


@pytest.fixture(scope="session")
def seeded_gazetteer(databases):
    """The shipped gazetteer as a resolver index (read from a prepared database)."""
    from gazetteer import load_gazetteer

    return load_gazetteer(databases.new_prepared_engine())


def only_revision(engine) -> tuple[str, dict]:
    """The one record_revision row in the database: (table name, the values it replaced)."""
    import json

    from sqlalchemy import select

    from db.schema import record_revision

    with engine.connect() as conn:
        kept = conn.execute(select(record_revision)).mappings().one()
    return kept["table_name"], json.loads(kept["previous_values"])


@pytest.fixture(autouse=True)
def served_locally():
    """Pages run in AppTest as `./run.sh` serves them: on 127.0.0.1, so in local mode (ui/access.py).
    A test of another address sets server.address itself (`serve_on`); it is put back after each test."""
    from streamlit import config

    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", "127.0.0.1")


def serve_on(address: str | None) -> None:
    """Pretend the dashboard is served on `address` (None: Streamlit's default, every interface)."""
    from streamlit import config

    config.set_option("server.address", address)


@pytest.fixture
def app_on(monkeypatch):
    """Run a page in AppTest (app.py unless `script` is given) on `engine` with the given URL parameters.

    `script` is relative to the tests folder, as AppTest resolves it from the calling test file.
    """
    from streamlit.testing.v1 import AppTest

    def start(engine, script: str = "../app.py", **query_params):
        import streamlit as st

        monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(script, default_timeout=60)
        for key, value in query_params.items():
            at.query_params[key] = value
        return at.run()

    return start


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests saved their screenshots."""
    import sys

    folders = {f for m in list(sys.modules.values()) for f in (getattr(m, "SCREENSHOT_FOLDERS", None) or [])}
    for folder in sorted(folders):
        shots = sorted(p.name for p in folder.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"page screenshots ({len(shots)}): {folder}")
