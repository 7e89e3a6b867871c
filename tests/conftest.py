import os
import socket
from contextlib import closing

import pytest
from django.contrib.auth.models import Group
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


IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def in_memory_channel_layer(request, settings):
    """Unit tests use the in-memory layer; integration tests talk to the configured Redis."""
    from portal import realtime
    from portal.site.live import hub

    if request.node.get_closest_marker("integration") is None:
        settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    # Each test has its own database: forget what the process learnt about the last one.
    hub.readable.clear()
    hub.event_ids.clear()
    realtime._failed_at = 0.0
    yield


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


ROLE_GROUP = {
    "staff": "Bureau staff",
    "editor": "Editors",
    "helper": "Helpers",
    "officer": "Department officers",
    "enterprise": "Enterprise users",
}


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None = None, password: str = "pw", **fields) -> User:
        user = User.objects.create_user(username=username, password=password, **fields)
        if role:
            user.groups.add(Group.objects.get_or_create(name=ROLE_GROUP[role])[0])
        if role == "staff":
            user.is_staff = user.is_superuser = True
            user.save()
        return user

    return make
