"""The notification centre: who is told, once, in their language; email at once, in the daily
digest or not at all; and each email sent once whatever happens to the worker."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal import notifications as centre
from portal import streams
from portal.events import emit, user_stream
from portal.models import DigestRun, Event, Notification, NotificationPreference
from portal.streams import EventType, NotificationReason, register_event_types, register_reasons
from portal.tasks import send_notification_digests
from projects.models import WorkingDay
from projects.services import approval_transition, deadline_sweep
from tests.projects.conftest import at, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

# A test event type whose recipients the test chooses (the registry is process-wide: the name
# is the test's own).
RECIPIENTS: list[tuple[int, str]] = []


@pytest.fixture(autouse=True, scope="module")
def _test_event_types():
    """The test's own event type and reasons, registered while this module runs only (the
    registry is process-wide: other tests read every registered type)."""
    register_reasons([NotificationReason("test_told", "Told for a test")])
    register_event_types(
        [
            EventType(
                "test.notified",
                "did a test thing",
                sentence=lambda data: "did a test thing",
                notify=lambda row: list(RECIPIENTS),
            )
        ]
    )
    yield
    for name in ["test.notified"]:
        streams._registry.event_types.pop(name, None)
    for code in ["test_told"]:
        streams._registry.reasons.pop(code, None)


@pytest.fixture(autouse=True)
def emails(settings, world):  # noqa: F811
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    for user in (world.enterprise, world.enterprise2, world.helper, world.helper2, world.staff):
        user.email = f"{user.username}@example.cn"
        user.save()
    world.helper.language = "en"
    world.helper.save()
    RECIPIENTS.clear()


def decide(world, capture, action="approve", **arguments):  # noqa: F811
    land = world.approval(world.own, "LAND")
    for step in ("receive", "accept"):
        approval_transition(actor=world.officer, approval_id=land.pk, action=step)
    with capture(execute=True):
        approval_transition(actor=world.officer, approval_id=land.pk, action=action, **arguments)
    return land


def test_a_decision_tells_the_enterprise_and_the_lead_helper_once_each_in_their_language(
    world,  # noqa: F811
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    decide(world, django_capture_on_commit_callbacks, decision_number="规划许〔2026〕15号")
    notes = {n.user_id: n for n in Notification.objects.all()}
    assert set(notes) == {world.enterprise.pk, world.helper.pk}  # not the officer who decided
    assert notes[world.helper.pk].text.startswith(world.officer.get_full_name() + " approved")
    assert "批准" in notes[world.enterprise.pk].text
    assert {n.reason for n in notes.values()} == {"approval_decided"}
    assert all(n.email_state == "sent" and n.emailed_at for n in notes.values())
    # The old decision email, in each person's language, once.
    assert sorted(m.to[0] for m in mail.outbox) == ["enterprise@example.cn", "helper@example.cn"]
    assert all("规划许〔2026〕15号" in m.body for m in mail.outbox)
    # The unread count went to each person's own stream, one event each.
    added = Event.objects.get(stream=user_stream(world.helper.pk), event="notification.added")
    assert added.data["unread"] == 1 and added.data["text"] == notes[world.helper.pk].text
    # Writing the same notifications again is a no-op, and sends nothing again.
    event = Event.objects.get(event="approval.approved")
    with transaction.atomic():
        centre.notify_event(event)
    assert Notification.objects.count() == 2
    assert centre.deliver_notifications.call([n.pk for n in notes.values()]) == 0
    assert len(mail.outbox) == 2


def test_the_actor_inactive_people_and_people_who_cannot_read_the_stream_are_not_told(
    world,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    world.helper2.is_active = False
    world.helper2.save()
    RECIPIENTS.extend(
        [
            (world.staff.pk, "approval_decided"),  # the actor
            (world.helper2.pk, "approval_decided"),  # inactive
            (world.enterprise2.pk, "approval_decided"),  # another company: cannot read
            (world.enterprise.pk, "approval_decided"),
            (world.enterprise.pk, "supplement_requested"),  # a second reason: one notification
            (world.officer.pk, "approval_decided"),  # an officer of a department on the project
            (world.water_officer.pk, "approval_decided"),  # an officer of none of its departments
            (world.helper.pk, "approval_decided"),  # the lead helper
        ]
    )
    with transaction.atomic():
        emit(stream=f"project:{world.own.pk}", event="test.notified", actor=world.staff, data={})
    told = dict(Notification.objects.values_list("user_id", "reason"))
    assert told == {
        world.enterprise.pk: "approval_decided",
        world.officer.pk: "approval_decided",
        world.helper.pk: "approval_decided",
    }


def test_preferences_choose_digest_or_no_email(
    world,  # noqa: F811
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    NotificationPreference.objects.create(
        user=world.helper, reason="approval_decided", email="digest"
    )
    NotificationPreference.objects.create(
        user=world.enterprise, reason="approval_decided", email="off"
    )
    decide(world, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    states = dict(Notification.objects.values_list("user_id", "email_state"))
    assert states == {world.helper.pk: "digest", world.enterprise.pk: "skipped"}
    # Shown in the portal all the same.
    assert centre.unread_count(world.enterprise) == 1


def test_replayed_history_tells_nobody(world, django_capture_on_commit_callbacks):  # noqa: F811
    from portal.events import without_live_signals

    RECIPIENTS.append((world.enterprise.pk, "approval_decided"))
    with without_live_signals(), transaction.atomic():
        emit(stream=f"project:{world.own.pk}", event="test.notified", actor=None, data={})
    assert not Notification.objects.exists()


def _pending(world, count=2):  # noqa: F811
    RECIPIENTS.extend([(world.enterprise.pk, "test_told"), (world.helper.pk, "test_told")][:count])
    with transaction.atomic():
        emit(stream=f"project:{world.own.pk}", event="test.notified", actor=None, data={})
    notes = list(Notification.objects.order_by("pk"))
    assert all(n.email_state == "pending" for n in notes)
    return notes


def test_a_worker_killed_mid_send_leaves_the_rest_for_the_retried_task(world):  # noqa: F811
    notes = _pending(world)
    real_send = mail.EmailMessage.send
    calls = []

    def send_then_die(message, *args, **kwargs):
        calls.append(message.to)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an Exception: the task dies here
        return real_send(message, *args, **kwargs)

    with (
        mock.patch.object(mail.EmailMessage, "send", send_then_die),
        pytest.raises(SystemExit),
    ):
        centre.deliver_notifications.call([n.pk for n in notes])
    assert len(mail.outbox) == 1
    states = dict(Notification.objects.values_list("pk", "email_state"))
    assert states == {notes[0].pk: "sent", notes[1].pk: "pending"}
    # The same task run again (the worker's requeue): only the one not sent.
    assert centre.deliver_notifications.call([n.pk for n in notes]) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["enterprise@example.cn", "helper@example.cn"]


def test_a_failure_between_sending_and_recording_sends_again_rather_than_never(
    world,  # noqa: F811
):
    (note,) = _pending(world, count=1)
    with mock.patch.object(Notification, "save", side_effect=RuntimeError("connection lost")):
        assert centre.deliver_notifications.call([note.pk]) == 0  # logged, left waiting
    note.refresh_from_db()
    assert note.email_state == "pending"
    assert centre.deliver_notifications.call([note.pk]) == 1
    assert len(mail.outbox) == 2  # at least once: the first may have reached the server


def test_the_sweep_sends_lost_emails_once_even_run_twice(world):  # noqa: F811
    notes = _pending(world)
    fresh = timezone.now()
    # Just written: the task on its way will send them, not the sweep.
    assert centre.sweep_pending(now=fresh) == 0
    Notification.objects.update(created_at=fresh - timedelta(minutes=5))
    send_notification_digests.call()
    send_notification_digests.call()
    assert sorted(m.to[0] for m in mail.outbox) == ["enterprise@example.cn", "helper@example.cn"]
    assert all(
        n.email_state == "sent" for n in Notification.objects.filter(pk__in=[n.pk for n in notes])
    )
    # Two days old and still waiting: given up, never sent late.
    old = _pending_again(world)
    Notification.objects.filter(pk=old.pk).update(created_at=fresh - timedelta(days=3))
    assert centre.sweep_pending(now=fresh) == 0
    old.refresh_from_db()
    assert old.email_state == "skipped"


def _pending_again(world):  # noqa: F811
    RECIPIENTS[:] = [(world.helper2.pk, "test_told")]
    with transaction.atomic():
        emit(stream=f"project:{world.other.pk}", event="test.notified", actor=None, data={})
    return Notification.objects.get(user=world.helper2)


def test_two_workers_with_the_same_notifications_send_each_once(world):  # noqa: F811
    notes = _pending(world)
    ids = [n.pk for n in notes]
    # A worker that finds a row locked by another skips it (skip_locked); one that comes
    # after finds it sent. Both orders: each person emailed once.
    assert centre.deliver_notifications.call(ids) + centre.deliver_notifications.call(ids) == 2
    assert len(mail.outbox) == 2


# --- The daily digest --------------------------------------------------------------------------


def beijing(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, minute, tzinfo=UTC)


@pytest.fixture
def national_day(db):
    """1 Oct 2026 (Thursday) a holiday, Saturday 10 Oct a make-up working day."""
    WorkingDay.objects.update_or_create(
        date=date(2026, 10, 1), defaults={"is_working": False, "name": "国庆节"}
    )
    WorkingDay.objects.update_or_create(
        date=date(2026, 10, 10), defaults={"is_working": True, "name": "调休"}
    )
    from projects.clock import forget_calendar_copy

    forget_calendar_copy()


def _digest_waiting(world):  # noqa: F811
    for user in (world.enterprise, world.helper):
        NotificationPreference.objects.create(user=user, reason="test_told", email="digest")
    RECIPIENTS.extend([(world.enterprise.pk, "test_told"), (world.helper.pk, "test_told")])
    for _ in range(2):
        with transaction.atomic():
            emit(stream=f"project:{world.own.pk}", event="test.notified", actor=None, data={})
    assert Notification.objects.filter(email_state="digest").count() == 4


def test_the_digest_goes_out_at_0830_beijing_on_working_days_once_per_person(
    world,  # noqa: F811
    national_day,
):
    _digest_waiting(world)
    assert centre.send_digests(now=beijing(date(2026, 10, 1), 9, 0)) == 0  # National Day
    assert centre.send_digests(now=beijing(date(2026, 10, 3), 9, 0)) == 0  # a Saturday off
    assert centre.send_digests(now=beijing(date(2026, 10, 10), 8, 29)) == 0  # too early
    assert mail.outbox == []
    # The make-up Saturday is a working day: one digest each, with both notifications.
    assert centre.send_digests(now=beijing(date(2026, 10, 10), 8, 30)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["enterprise@example.cn", "helper@example.cn"]
    english = next(m for m in mail.outbox if m.to == ["helper@example.cn"])
    assert english.subject.startswith("Your daily digest of 2026-10-10: 2 notifications")
    assert english.body.count("did a test thing") == 2
    assert f"https://portal.example.gov.cn/en/projects/{world.own.pk}/" in english.body
    # A rerun, a second scheduler the same day: nothing more.
    assert centre.send_digests(now=beijing(date(2026, 10, 10), 8, 45)) == 0
    assert centre.send_digests(now=beijing(date(2026, 10, 10), 17, 0)) == 0
    assert len(mail.outbox) == 2
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"sent"}


def test_a_second_scheduler_finds_the_day_taken_and_the_rest_waits_for_tomorrow(
    world,  # noqa: F811
    national_day,
):
    _digest_waiting(world)
    day = date(2026, 10, 12)
    # The other scheduler sent the enterprise's digest of the day already.
    DigestRun.objects.create(user=world.enterprise, day=day)
    assert centre.send_digest(world.enterprise.pk, day) == 0
    assert centre.send_digests(now=beijing(day, 8, 30)) == 1
    assert [m.to for m in mail.outbox] == [["helper@example.cn"]]
    # The enterprise's notifications wait for the next working day's digest.
    assert centre.send_digests(now=beijing(day + timedelta(days=1), 8, 30)) == 1
    assert [m.to for m in mail.outbox][-1] == ["enterprise@example.cn"]


def test_a_digest_killed_mid_send_goes_out_on_the_next_run(world, national_day):  # noqa: F811
    _digest_waiting(world)
    with mock.patch.object(mail.EmailMessage, "send", side_effect=OSError("smtp down")):
        assert centre.send_digests(now=beijing(date(2026, 10, 12), 8, 30)) == 0
    assert not DigestRun.objects.exists()
    assert Notification.objects.filter(email_state="digest").count() == 4
    assert centre.send_digests(now=beijing(date(2026, 10, 12), 8, 45)) == 2
    assert len(mail.outbox) == 2


def test_the_deadline_alert_reaches_the_lead_helper_as_a_notification(
    world,  # noqa: F811
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept"):
        approval_transition(
            actor=world.officer, approval_id=land.pk, action=action, now=at(2026, 11, 2)
        )
    with django_capture_on_commit_callbacks(execute=True):
        deadline_sweep(today=date(2026, 11, 12), now=at(2026, 11, 12))
    note = Notification.objects.get()
    assert (note.user, note.reason, note.email_state) == (world.helper, "deadline_alert", "sent")
    assert mail.outbox[0].subject.startswith("Due soon:")


def test_telling_many_people_costs_the_same_queries_as_telling_a_few(world):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.projects import factories as f

    people = [f.user(f"many{i}", "enterprise") for i in range(40)]
    world.ent_a.users.add(*people)

    def tell(users):
        RECIPIENTS[:] = [(u.pk, "test_told") for u in users]
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            emit(stream=f"project:{world.own.pk}", event="test.notified", actor=None, data={})
        return len(queries.captured_queries)

    few = tell(people[:3])
    assert tell(people) <= few
    assert Notification.objects.filter(user__in=people).count() == 3 + 40
    # One event on each person's own stream per notification, with their unread count.
    for person, counts in ((people[0], [1, 2]), (people[-1], [1])):
        added = Event.objects.filter(event="notification.added", stream=user_stream(person.pk))
        assert [e.data["unread"] for e in added.order_by("seq")] == counts


def test_the_demo_history_is_backfilled_without_emails_or_signals(world):  # noqa: F811
    from portal.events import without_live_signals

    RECIPIENTS[:] = [(world.enterprise.pk, "test_told"), (world.helper.pk, "test_told")]
    with without_live_signals(), transaction.atomic():
        emit(stream=f"project:{world.own.pk}", event="test.notified", actor=None, data={})
    assert not Notification.objects.exists()
    past = Event.objects.filter(event="test.notified")
    assert centre.notifications_backfill(events=past) == 2
    assert centre.notifications_backfill(events=past) == 0  # a second run writes nothing
    assert set(Notification.objects.values_list("email_state", flat=True)) == {"skipped"}
    assert centre.unread_count(world.helper) == 1
    assert not Event.objects.filter(event="notification.added").exists()
    assert centre.sweep_pending() == 0 and mail.outbox == []
