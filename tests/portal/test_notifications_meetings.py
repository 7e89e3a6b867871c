"""Meeting invitations as a notification reason: the calendar email follows each person's
choice; the portal and the digest show the invitation whatever the choice."""

import pytest
from django.core import mail

from meetings.services import meeting_cancel, meeting_update
from portal.models import Notification, NotificationPreference
from tests.meetings.conftest import mw  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_invitations_are_notifications_and_the_calendar_email_follows_the_choice(
    mw,  # noqa: F811
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    NotificationPreference.objects.create(
        user=mw.officer, reason="meeting_invitation", email="digest"
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting, _ = mw.schedule()
    # The enterprise user (default: at once) gets the calendar invitation; the officer, who
    # chose the digest, none now, and their notification waits for the digest.
    assert [m.to for m in mail.outbox] == [["ent@x.cn"]]
    states = dict(
        Notification.objects.filter(reason="meeting_invitation").values_list(
            "user__username", "email_state"
        )
    )
    assert states == {"ent": "skipped", "officer": "digest"}  # never emailed twice
    link = Notification.objects.get(user=mw.ent)
    assert "项目推动联席会议" in link.text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(actor=mw.helper, meeting_id=meeting.pk, place="现场")
    assert [m.to for m in mail.outbox] == [["ent@x.cn"]]
    mail.outbox.clear()
    NotificationPreference.objects.create(user=mw.ent, reason="meeting_invitation", email="off")
    with django_capture_on_commit_callbacks(execute=True):
        meeting_cancel(actor=mw.helper, meeting_id=meeting.pk)
    assert mail.outbox == []
    # Those told of the meeting are told it is off.
    cancelled = Notification.objects.filter(event__event="meeting.cancelled")
    assert sorted(cancelled.values_list("user__username", flat=True)) == ["ent", "officer"]


def test_a_draft_tells_nobody(mw, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        mw.schedule(status="draft")
    assert not Notification.objects.exists()
