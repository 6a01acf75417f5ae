"""Fixtures shared by every tier: settings, a fresh database per test, users, clients.

Set INCIDENT_DESK_TEST_DATABASE_URL to a PostgreSQL URL to run the database
tests against PostgreSQL; by default they run on a SQLite file per test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import create_app
from service.config import Settings
from service.db import Database
from service.models import Base
from service.services import deployments, users

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
TEST_DATABASE_URL = os.environ.get("INCIDENT_DESK_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
if ON_POSTGRES and os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist each worker empties and fills a database of its own.
    _url = make_url(TEST_DATABASE_URL)
    TEST_DATABASE_URL = _url.set(
        database=f"{_url.database}_{os.environ['PYTEST_XDIST_WORKER']}"
    ).render_as_string(hide_password=False)


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Set by .ci/run for its PostgreSQL pass: run only the tests that use a database,
# since the others already ran in the SQLite pass.
ONLY_DATABASE_TESTS = os.environ.get("INCIDENT_DESK_TEST_ONLY_DATABASE", "") not in ("", "0")


class FakeClock:
    """The test's clock: time stands still until the test moves it.

    It moves the whole process's clock (time-machine), so SpiffWorkflow's timers,
    which read datetime.now, see the same time as the services.
    """

    def __init__(self, traveller):
        self._traveller = traveller

    def __call__(self) -> datetime:
        return datetime.now(UTC)

    @property
    def now(self) -> datetime:
        return self()

    def advance(self, **delta) -> datetime:
        self._traveller.shift(timedelta(**delta))
        return self()

    def set(self, instant: datetime) -> datetime:
        self._traveller.move_to(instant)
        return self()


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory) -> str:
    """A migrated database, made once per run; each test gets a copy or a clean one."""
    if ON_POSTGRES:
        url = make_url(TEST_DATABASE_URL)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
        database = Database(TEST_DATABASE_URL)
        database.upgrade()
        database.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return str(path)


@pytest.fixture
def database_url(_database_template, tmp_path) -> Iterator[str]:
    if ON_POSTGRES:
        engine = create_engine(_database_template)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield _database_template
        return
    path = tmp_path / "incident-desk.sqlite3"
    shutil.copyfile(_database_template, path)
    yield f"sqlite:///{path}"


def settings_for(database_url: str, **overrides) -> Settings:
    """The tests' settings; a module overrides the `settings` fixture with its own values."""
    return Settings(
        database_url=database_url, processes_dir=PROCESSES, forms_dir=FORMS, **overrides
    )


@pytest.fixture
def settings(database_url) -> Settings:
    return settings_for(database_url)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield FakeClock(traveller)


@pytest.fixture
def app(settings, clock):
    application = create_app(settings, clock=clock)
    services = application.extensions["incident_desk"]
    deployments.deploy_paths(services, [settings.processes_dir, settings.forms_dir], actor="tests")
    yield application
    services.close()


@pytest.fixture
def svc(app):
    return app.extensions["incident_desk"]


# name -> (groups, display name, contact)
PEOPLE = {
    "rita": ((), "Rita Reporter", "rita@example.org"),
    "ron": ((), "Ron Reporter", "+30 210 555 0100"),
    "alice": (("L1",), "Alice L1", "alice@desk.example.org"),
    "lena": (("L1",), "Lena L1", "lena@desk.example.org"),
    "bob": (("L2",), "Bob L2", "bob@desk.example.org"),
    "carol": (("L3",), "Carol L3", "carol@desk.example.org"),
    "ivan": (("integrator",), None, None),
    "olga": (("process-owner",), "Olga Owner", None),
    "adam": (("admin",), "Adam Admin", None),
    "lara": (("L1",), "Lara L1 lead", "lara@desk.example.org"),
    "bert": (("L2",), "Bert L2 lead", "bert@desk.example.org"),
}
LEADS = {"lara": ["L1"], "bert": ["L2"]}


class Client:
    """The Flask test client, speaking as one user."""

    def __init__(self, flask_client, token: str | None):
        self._client = flask_client
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method, path, headers=None, **kwargs):
        return self._client.open(
            path, method=method, headers={**self._headers, **(headers or {})}, **kwargs
        )

    def get(self, path, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self._call("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("DELETE", path, **kwargs)

    def put(self, path, **kwargs):
        return self._call("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self._call("PATCH", path, **kwargs)


class Clients:
    def __init__(self, app, tokens: dict[str, str]):
        self._app = app
        self.tokens = tokens

    def __getattr__(self, name: str) -> Client:
        if name not in self.tokens:
            raise AttributeError(name)
        return Client(self._app.test_client(), self.tokens[name])

    @property
    def anonymous(self) -> Client:
        return Client(self._app.test_client(), None)

    def with_token(self, token: str) -> Client:
        """A client for someone a test added itself."""
        return Client(self._app.test_client(), token)


@pytest.fixture
def people(svc) -> dict[str, str]:
    """Every user of PEOPLE, with an API token each."""
    tokens = {}
    for name, (groups, display_name, contact) in PEOPLE.items():
        users.add_user(
            svc,
            name,
            groups=list(groups),
            display_name=display_name,
            contact=contact,
            lead_of=LEADS.get(name, ()),
        )
        tokens[name] = users.create_token(svc, name)[1]
    return tokens


@pytest.fixture
def api(app, people) -> Clients:
    return Clients(app, people)


def with_more_people(app, people: dict[str, str], more: dict) -> Clients:
    """Everyone of `people`, plus `more` (name -> (groups, lead of)), each named after
    themselves, at desk.example.org, with a token."""
    svc = app.extensions["incident_desk"]
    tokens = dict(people)
    for name, (groups, lead_of) in more.items():
        users.add_user(
            svc,
            name,
            groups=list(groups),
            display_name=name.title(),
            contact=f"{name}@desk.example.org",
            lead_of=lead_of,
        )
        tokens[name] = users.create_token(svc, name)[1]
    return Clients(app, tokens)


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (aiosmtpd); point the settings at `smtp.port`."""
    from tests.notify_servers import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def dovecot(tmp_path):
    """A private Dovecot on loopback (tests/mail_servers.py); skipped where it is not installed."""
    from tests.mail_servers import Dovecot

    with Dovecot(tmp_path) as server:
        yield server


def pytest_collection_modifyitems(config, items):
    if ONLY_DATABASE_TESTS:
        kept = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs INCIDENT_DESK_TEST_DATABASE_URL=postgresql+psycopg://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def empty_database_url(database_url, tmp_path) -> Iterator[str]:
    """A database with no tables beside the test's own (a new SQLite file, or a new
    PostgreSQL database next to the test database), for restores and upgrades."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty' / 'desk.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_empty"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
