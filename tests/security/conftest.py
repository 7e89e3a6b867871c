"""The security matrix's world, built once per module inside a transaction that is rolled back
after it (as tests/conftest.py does for the seeded demo); each test runs in a savepoint of it, so
an allowed write is undone before the next probe."""

import hashlib

import pytest
from django.test import Client, override_settings

from tests.conftest import IN_MEMORY_LAYER

from .world import World

SNAPSHOT_MODELS = (
    "projects.Project",
    "projects.Approval",
    "projects.ApprovalMaterial",
    "projects.MaterialVersion",
    "projects.Comment",
    "projects.StoredFile",
    "projects.Enterprise",
    "projects.EnterpriseMembershipRequest",
    "projects.ProjectUserObjectPermission",
    "meetings.Meeting",
    "meetings.Participant",
    "meetings.AgendaItem",
    "meetings.ActionItem",
    "meetings.Finding",
    "meetings.CalendarFeed",
    "supervision.Case",
    "supervision.CaseReply",
    "supervision.CaseAttachment",
    "supervision.Rating",
    "portal.Notification",
    "portal.NotificationPreference",
    "portal.Event",
    "portal.StreamHead",
    "wagtailcore.APIToken",
    "portal.User",
)
# Many-to-many tables: (model, field).
SNAPSHOT_M2M = (
    ("projects.Enterprise", "users"),
    ("projects.Enterprise", "administrators"),
    ("projects.Department", "officers"),
    ("projects.Project", "helpers"),
    ("meetings.Meeting", "projects"),
    ("meetings.Meeting", "departments"),
)
USER_IGNORED = {"last_login"}  # a sign-in stamps it; nothing a refused write may change


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of the tables a write could change."""
    from django.apps import apps

    tables = {}
    models = [apps.get_model(label) for label in SNAPSHOT_MODELS]
    models += [getattr(apps.get_model(m), f).through for m, f in SNAPSHOT_M2M]
    for model in models:
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if not (model._meta.label == "portal.User" and f.attname in USER_IGNORED)
        ]
        rows = list(model.objects.order_by("pk").values_list(*fields))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        tables[model._meta.db_table] = (len(rows), digest)
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before if before[t] != after[t])


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.core.cache import caches
    from django.db import transaction
    from django.utils import translation

    with (
        django_db_blocker.unblock(),
        translation.override("en"),
        override_settings(CHANNEL_LAYERS=IN_MEMORY_LAYER),
    ):
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as TestCase's own: durable blocks may run inside
        atomic.__enter__()
        try:
            w = World()
            w.clients = {}
            for role, person in w.people.items():
                client = Client()
                if person is not None:
                    client.force_login(person)
                w.clients[role] = client
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield w
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
    for cache in caches.all():
        cache.clear()
