"""The meeting page offers a control exactly when the service behind it would accept it: both
ask the same functions of meetings/permissions.py."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from meetings import permissions as perms
from meetings.models import Meeting
from meetings.services import (
    action_item_create,
    agenda_set,
    meeting_cancel,
    meeting_record,
    meeting_update,
)
from portal.errors import TransitionRefused
from tests.meetings.conftest import bj

pytestmark = pytest.mark.django_db

CHANGE = "Change the time, place or people"
AGENDA = "Prepare the agenda"
CANCEL = "Cancel the meeting"
RECORD = "Record attendance and minutes"
PUBLISH = 'name="publish"'
NOT_YET = "The minutes can be published once the meeting has taken place."


def page(client, user, meeting) -> str:
    client.force_login(user)
    response = client.get(f"/en/meetings/{meeting.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def accepted(call) -> bool:
    try:
        call()
    except TransitionRefused:
        return False
    return True


@pytest.mark.parametrize("status", ["draft", "scheduled", "held", "cancelled"])
def test_change_agenda_and_cancel_are_offered_exactly_when_the_services_accept(client, mw, status):
    meeting, _ = mw.schedule(status="draft" if status == "draft" else "scheduled")
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    shown = page(client, mw.helper, meeting)
    changeable = perms.meeting_changeable(meeting)
    assert changeable is (status in ("draft", "scheduled"))
    assert (CHANGE in shown) is (AGENDA in shown) is (CANCEL in shown) is changeable
    assert (
        accepted(lambda: meeting_update(actor=mw.helper, meeting_id=meeting.pk, place="新地点"))
        is changeable
    )
    assert (
        accepted(
            lambda: agenda_set(
                actor=mw.helper,
                meeting_id=meeting.pk,
                items=[{"project": mw.project, "title": "议题"}],
            )
        )
        is changeable
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    assert accepted(lambda: meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)) is changeable


@pytest.mark.parametrize("status", ["scheduled", "held", "cancelled"])
def test_the_record_and_decisions_are_offered_exactly_when_the_services_accept(client, mw, status):
    meeting, _ = mw.schedule(start=bj(2026, 1, 5, 9), end=bj(2026, 1, 5, 11))
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    shown = page(client, mw.helper, meeting)
    open_ = status != "cancelled"
    assert (RECORD in shown) is open_
    assert accepted(lambda: meeting_record(actor=mw.helper, meeting_id=meeting.pk)) is open_
    assert (
        accepted(
            lambda: action_item_create(
                actor=mw.helper,
                meeting_id=meeting.pk,
                decision="d",
                title="t",
                owner_user=mw.ent,
                due_date=date(2026, 2, 1),
            )
        )
        is open_
    )


def test_publishing_the_minutes_is_offered_only_once_the_meeting_has_begun(client, mw):
    soon = timezone.now() + timedelta(days=10)
    coming, _ = mw.schedule(start=soon, end=soon + timedelta(hours=2))
    before = page(client, mw.helper, coming)
    assert PUBLISH not in before and NOT_YET in before
    with pytest.raises(TransitionRefused):
        meeting_record(actor=mw.helper, meeting_id=coming.pk, publish=True)
    begun = timezone.now() - timedelta(hours=1)
    meeting, _ = mw.schedule(title="已开始", start=begun, end=begun + timedelta(hours=2))
    during = page(client, mw.helper, meeting)
    assert PUBLISH in during and NOT_YET not in during
    meeting_record(actor=mw.helper, meeting_id=meeting.pk, publish=True)
    meeting.refresh_from_db()
    assert meeting.status == "held"


@pytest.mark.parametrize("status", ["scheduled", "held", "cancelled"])
def test_answers_are_offered_exactly_while_the_service_takes_them(client, mw, status):
    from meetings.services import meeting_respond

    meeting, _ = mw.schedule()
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    shown = page(client, mw.ent, meeting)
    assert ("I will attend" in shown) is perms.answers_open(meeting) is (status == "scheduled")
    assert accepted(
        lambda: meeting_respond(actor=mw.ent, meeting_id=meeting.pk, answer="attend")
    ) is perms.answers_open(meeting)
