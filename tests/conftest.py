import os
import socket
from contextlib import closing
from pathlib import Path

import pytest
from django.test import override_settings

from portal.models import User
from tests.servers import start_daphne  # noqa: F401 - a fixture for integration and e2e

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """Skip a test for a missing service, except in CI's service leg, where it fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    return url


@pytest.fixture
def postgres(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("the database is not PostgreSQL (set DATABASE_URL)")
    return connection


# The embedded mode's layer (portal/settings/base.py without REDIS_URL).
IN_MEMORY_LAYER = {
    "default": {"BACKEND": "portal.site.channel_layers.AmortisedInMemoryChannelLayer"}
}


@pytest.fixture(autouse=True)
def in_memory_channel_layer(request, settings):
    """Unit tests use the in-memory layer; integration tests talk to the configured Redis."""
    from cms.visitor_cache import budget_key, cache, forget_visitor_pages
    from portal import realtime
    from portal.site.live import hub
    from projects.clock import forget_calendar_copy
    from projects.forms import forget_filter_choices
    from projects.history import forget_decided_stamp

    if request.node.get_closest_marker("integration") is None:
        settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    # Each test has its own database: forget what the process learnt about the last one; and
    # a decision shows in the forecasts at once (in production within a minute).
    settings.FORECAST_HISTORY_RECHECK_SECONDS = 0
    hub.readable.clear()
    hub.event_ids.clear()
    hub.heads_seen.clear()
    hub._batches.clear()
    hub._deciding.clear()
    forget_calendar_copy()
    forget_filter_choices()
    forget_decided_stamp()
    forget_visitor_pages()  # a visitor's page cached from another test's database
    cache.delete(budget_key())  # and the searches other tests had kept
    realtime._failed_at = 0.0
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, and before it drops the test databases, the sessions left on them
    ended: on PostgreSQL the database threads of async tests (consumers, the live hub) keep
    their connections (CONN_MAX_AGE), and DROP DATABASE failed with "being accessed by other
    users", a warning at every run's end and the databases left behind."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def english_messages():
    """Domain messages asserted in tests are the English ones; pages choose their own."""
    from django.utils import translation

    with translation.override("en"):
        yield


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def immediate_tasks():
    """Run django-tasks inline, for tests whose outcome needs the task done."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None = None, password: str = "pw", **fields) -> User:
        from tests.projects import factories

        return factories.user(username, role, password=password, **fields)

    return make


# --- the demo, seeded once per session ----------------------------------------------------------
#
# `seed_demo` replays months of history through the services: seconds per run. The tests that
# need it request `seeded_demo`; it is seeded once, inside a transaction that stays open while
# they run, and each of them runs in a savepoint of it (pytest-django's usual per-test atomic),
# so whatever a test changes, re-seeding or resetting included, goes with its own rollback.
# Those tests run together at the end of the database tests; after the last of them the
# transaction is rolled back, so every other test finds the database as the migrations left it.

DEMO_PASSWORD = "s3cret-pw"  # noqa: S105 - a test password
DEMO_FIXTURE = "seeded_demo"


def _uses_demo(item) -> bool:
    return item is not None and DEMO_FIXTURE in getattr(item, "fixturenames", ())


class SharedDemo:
    """The demo seeded into the test database in a transaction that is rolled back later."""

    password = DEMO_PASSWORD

    def __init__(self) -> None:
        self._atomic = None
        self._blocker = None
        self._files: dict[Path, bytes] = {}

    @property
    def active(self) -> bool:
        return self._atomic is not None

    def open(self, blocker) -> None:
        from django.core.management import call_command
        from django.db import transaction
        from django.utils import translation

        self._blocker = blocker
        # As a unit test would run it: English active, the in-memory channel layer.
        with (
            blocker.unblock(),
            translation.override("en"),
            override_settings(CHANNEL_LAYERS=IN_MEMORY_LAYER),
        ):
            before = _media_files()
            atomic = transaction.atomic()
            atomic._from_testcase = True  # as TestCase's own: durable blocks may run inside
            atomic.__enter__()
            try:
                call_command("seed_demo", "--password", DEMO_PASSWORD, verbosity=0)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
            self._atomic = atomic
        # The photos of the demo findings: a test that resets the demo deletes them on disk.
        self._files = {path: path.read_bytes() for path in _media_files() - before}

    def restore_files(self) -> None:
        for path, content in self._files.items():
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)

    def close(self) -> None:
        from django.core.cache import caches
        from django.db import transaction

        if self._atomic is None:
            return
        with self._blocker.unblock():
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        self._atomic = None
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files = {}
        for cache in caches.all():
            cache.clear()  # e.g. Wagtail's site root paths, of pages that are gone now


SHARED_DEMO = SharedDemo()


def _media_files() -> set[Path]:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The tests on the shared demo go last; pytest-django's reordering (database tests first,
    then transactional ones, then the rest) keeps that order within its groups, so they end the
    database tests, together. A test marked `long` goes first (of its group): with two workers,
    one of them runs it while the other takes the rest, rather than the whole suite waiting at
    the end for the minute and a half it takes (make test)."""
    items.sort(key=lambda item: (_uses_demo(item), item.get_closest_marker("long") is None))
    # With `pytest -n` (make test): the tests that start their own daphne, worker and Redis
    # processes run one after another in one worker, as they would alone.
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.xdist_group("services"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    if SHARED_DEMO.active and not _uses_demo(nextitem):
        SHARED_DEMO.close()  # the next test expects a database without the demo
    return result


@pytest.fixture(scope="session")
def shared_demo(django_db_setup, django_db_blocker):
    SHARED_DEMO.open(django_db_blocker)
    yield SHARED_DEMO
    SHARED_DEMO.close()


@pytest.fixture
def seeded_demo(shared_demo, db):
    """The whole demo, as `seed_demo --password DEMO_PASSWORD` leaves it; seeded once.

    The test runs in a savepoint: what it changes is rolled back after it.
    """
    from django.core.cache import caches
    from django.core.management import call_command

    if not shared_demo.active:
        # Closed for a test that wanted an empty database (tests run out of the usual order):
        # seed it for this test alone.
        call_command("seed_demo", "--password", DEMO_PASSWORD, verbosity=0)
    yield shared_demo
    shared_demo.restore_files()
    for cache in caches.all():
        cache.clear()
