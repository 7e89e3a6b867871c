"""The stream registry: each app registers its kinds and event types in one place, and the
consumer, the events API, the notices and the timelines read only the registry."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from portal import streams
from portal.events import emit, events_after

pytestmark = pytest.mark.django_db


def test_the_apps_register_their_kinds_and_the_base_its_user_stream():
    kinds = streams.stream_kinds()
    assert {"project", "meeting", "user"} <= set(kinds)
    assert kinds["project"].suffixes == frozenset({"", "internal"})
    assert not kinds["user"].staff_read_all


@pytest.mark.parametrize(
    "name",
    ["project:0", "project:x", "project:1:secret", "nothing:1", "user", "", "project:" + "9" * 30],
)
def test_names_no_kind_accepts_are_refused(name):
    assert streams.parse(name) is None
    assert streams.groups_for_stream(name) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_event_type_has_a_label_in_both_languages(language):
    with translation.override(language):
        for name, event_type in streams.event_types().items():
            label = str(event_type.label)
            assert label and label != name, name


def test_an_odd_stored_row_never_breaks_a_subject():
    for name in streams.event_types():
        assert isinstance(streams.event_subject(name, {"item": "not a dict", "approvals": 3}), str)
        assert streams.event_subject(name, None) == ""


def test_a_new_kind_is_registered_in_one_place_and_everything_reads_it(django_user_model):
    from django.db import transaction

    reader = django_user_model.objects.create_user("reader", password="x")
    other = django_user_model.objects.create_user("other", password="x")
    kind = streams.StreamKind(
        kind="probe",
        may_read=lambda user, object_id, suffix: user.pk == object_id,
        groups=lambda object_id, suffix: [f"probe.{object_id}"],
    )
    streams.register_stream_kind(kind)
    streams.register_event_types([streams.EventType("probe.poked", "poked")])
    try:
        with transaction.atomic():
            emit(stream=f"probe:{reader.pk}", event="probe.poked", actor=None, data={})
        assert streams.groups_for_stream(f"probe:{reader.pk}") == [f"probe.{reader.pk}"]
        assert [e["event"] for e in events_after(reader, f"probe:{reader.pk}")] == ["probe.poked"]
        assert not streams.stream_readable(other, f"probe:{reader.pk}")
    finally:
        streams._registry.kinds.pop("probe")
        streams._registry.event_types.pop("probe.poked")


def test_an_unregistered_stream_or_event_type_is_not_written():
    from django.db import transaction

    with pytest.raises(ValueError), transaction.atomic():
        emit(stream="nowhere:1", event="project.updated", actor=None, data={})
    with pytest.raises(ValueError), transaction.atomic():
        emit(stream="project:1", event="project.invented", actor=None, data={})


@pytest.mark.django_db(transaction=True)
def test_a_database_with_events_migrates_to_the_shared_base_without_change():
    """Build the schema as the old migrations had it (the log in `projects`), write events,
    migrate forward, read them back through the moved models."""
    before = [("portal", "0001_initial"), ("projects", "0005_project_next_due")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldEvent, OldHead = old.get_model("projects", "Event"), old.get_model("projects", "StreamHead")
    assert OldEvent._meta.db_table == "projects_event"
    OldHead.objects.create(stream="project:7", last_seq=2)
    for seq in (1, 2):
        OldEvent.objects.create(
            stream="project:7",
            seq=seq,
            event="project.updated",
            at=f"2026-01-0{seq}T08:00Z",
            data={"n": seq},
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from portal.models import Event, StreamHead

    assert [(e.seq, e.data["n"]) for e in Event.objects.filter(stream="project:7")] == [
        (1, 1),
        (2, 2),
    ]
    assert StreamHead.objects.get(stream="project:7").last_seq == 2
