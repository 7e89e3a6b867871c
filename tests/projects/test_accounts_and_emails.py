"""Invitations, password reset, deactivation with hand-over, and the emails the worker sends."""

import re
from datetime import UTC, date, datetime

import pytest
from django.core import mail

from portal.errors import InvalidInput, PermissionRefused
from portal.models import Event, User
from projects.models import Project
from projects.services import (
    approval_transition,
    deadline_sweep,
    enterprise_user_invite,
    user_deactivate,
)
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def emails(settings, world):
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    for user in (world.enterprise, world.helper, world.helper2):
        user.email = f"{user.username}@example.cn"
        user.save()
    world.helper.language = "en"
    world.helper.save()


def run(django_capture_on_commit_callbacks, function, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return function(**kwargs)


# --- emails about approvals ---------------------------------------------------------------------


def test_a_supplement_request_emails_the_enterprise_and_the_lead_helper_once_each(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept"):
        run(
            django_capture_on_commit_callbacks,
            approval_transition,
            actor=world.officer,
            approval_id=land.pk,
            action=action,
        )
    assert mail.outbox == []
    run(
        django_capture_on_commit_callbacks,
        approval_transition,
        actor=world.officer,
        approval_id=land.pk,
        action="request_supplement",
        reason="盖章不清晰",
        missing_materials=["申请表"],
        materials_due=date(2049, 1, 5),
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["enterprise@example.cn", "helper@example.cn"]
    by_recipient = {m.to[0]: m for m in mail.outbox}
    chinese = by_recipient["enterprise@example.cn"]
    assert "补正" in chinese.subject or "补充" in chinese.subject
    assert "盖章不清晰" in chinese.body and "2049-01-05" in chinese.body
    assert f"https://portal.example.gov.cn/projects/{world.own.pk}/" in chinese.body
    english = by_recipient["helper@example.cn"]
    assert english.subject.startswith("Supplement needed:")
    assert f"https://portal.example.gov.cn/en/projects/{world.own.pk}/" in english.body
    assert chinese.from_email.startswith("no-reply@")


def test_decisions_are_emailed_once(world, immediate_tasks, django_capture_on_commit_callbacks):
    land = world.approval(world.own, "LAND")
    for action, arguments in (
        ("receive", {}),
        ("accept", {}),
        ("approve", {"decision_number": "规划许〔2026〕15号"}),
    ):
        run(
            django_capture_on_commit_callbacks,
            approval_transition,
            actor=world.officer,
            approval_id=land.pk,
            action=action,
            **arguments,
        )
    assert len(mail.outbox) == 2
    assert all("规划许〔2026〕15号" in m.body for m in mail.outbox)
    assert all(
        "Approved" in m.subject or "已批准" in m.subject or "批准" in m.subject for m in mail.outbox
    )
    plan = world.approval(world.own, "PLAN")
    mail.outbox.clear()
    run(
        django_capture_on_commit_callbacks,
        approval_transition,
        actor=world.officer,
        approval_id=plan.pk,
        action="receive",
    )
    run(
        django_capture_on_commit_callbacks,
        approval_transition,
        actor=world.officer,
        approval_id=plan.pk,
        action="reject",
        reason="不符合控规",
    )
    assert len(mail.outbox) == 2
    assert all("不符合控规" in m.body for m in mail.outbox)


def test_inactive_people_and_people_without_email_get_nothing(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    world.enterprise.is_active = False
    world.enterprise.save()
    world.helper.email = ""
    world.helper.save()
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept", "approve"):
        run(
            django_capture_on_commit_callbacks,
            approval_transition,
            actor=world.officer,
            approval_id=land.pk,
            action=action,
        )
    assert mail.outbox == []


def test_the_nightly_sweep_alerts_the_lead_helper_once_per_change_of_colour(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept"):
        approval_transition(
            actor=world.officer, approval_id=land.pk, action=action, now=at(2026, 11, 2)
        )
    # Due Mon 16 Nov. On Wed 11 Nov three working days are left; on Thu 12 Nov two: due soon.
    assert (
        run(
            django_capture_on_commit_callbacks,
            deadline_sweep,
            today=date(2026, 11, 11),
            now=at(2026, 11, 11),
        )
        == 0
    )
    assert (
        run(
            django_capture_on_commit_callbacks,
            deadline_sweep,
            today=date(2026, 11, 12),
            now=at(2026, 11, 12),
        )
        == 1
    )
    assert (
        run(
            django_capture_on_commit_callbacks,
            deadline_sweep,
            today=date(2026, 11, 14),
            now=at(2026, 11, 14),
        )
        == 0
    )  # told already
    assert [m.to for m in mail.outbox] == [["helper@example.cn"]]
    assert mail.outbox[0].subject.startswith("Due soon:")
    assert (
        run(
            django_capture_on_commit_callbacks,
            deadline_sweep,
            today=date(2026, 11, 17),
            now=at(2026, 11, 17),
        )
        == 1
    )
    assert mail.outbox[1].subject.startswith("Overdue:")
    events = Event.objects.filter(
        stream=f"project:{world.own.pk}", event__in=["approval.due_soon", "approval.overdue"]
    )
    assert [e.event for e in events.order_by("seq")] == ["approval.due_soon", "approval.overdue"]


def test_the_sweep_runs_from_the_scheduler(settings, world):
    from django_tasks_db.models import DBTaskResult

    from portal.scheduler import enqueue_due

    settings.PERIODIC_TASKS = {
        "projects.deadline_sweep": ("projects.tasks.deadline_sweep", 86400, 17 * 3600)
    }
    # 01:00 and 09:00 in Beijing on the same day are one nightly slot.
    enqueue_due(now=datetime(2026, 11, 12, 17, 0, tzinfo=UTC))
    enqueue_due(now=datetime(2026, 11, 13, 1, 0, tzinfo=UTC))
    assert DBTaskResult.objects.filter(task_path="projects.tasks.deadline_sweep").count() == 1


# --- invitations and passwords -------------------------------------------------------------------


def assert_refused_link(response):
    """No password form; a way to ask for a new link instead."""
    page = response.content.decode()
    assert response.status_code == 200
    assert "new_password1" not in page
    assert 'href="/accounts/password/reset/"' in page


def test_inviting_an_enterprise_user_sends_a_link_that_sets_a_password(
    client, world, immediate_tasks, django_capture_on_commit_callbacks
):
    user = run(
        django_capture_on_commit_callbacks,
        enterprise_user_invite,
        actor=world.helper,
        enterprise_id=world.ent_a.pk,
        email="Li.Ming@Glass.CN",
        name="李明",
        language="zh-hans",
    )
    assert user.email == "li.ming@glass.cn" and not user.has_usable_password()
    # A helper's invitation to an enterprise that has users waits for its administrator.
    assert not world.ent_a.users.filter(pk=user.pk).exists()
    assert len(mail.outbox) == 1
    assert "玻璃公司" in mail.outbox[0].body and "确认" in mail.outbox[0].body
    link = re.search(r"https://portal\.example\.gov\.cn(/accounts/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Yangliuqing-2026", "new_password2": "Yangliuqing-2026"},
    )
    assert response.status_code == 302
    assert client.login(username=user.username, password="Yangliuqing-2026")
    client.logout()
    # The link works once.
    assert_refused_link(client.get(link.group(1), follow=True))


def test_an_invitation_link_expires(
    client, world, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    run(
        django_capture_on_commit_callbacks,
        enterprise_user_invite,
        actor=world.staff,
        enterprise_id=world.ent_a.pk,
        email="late@glass.cn",
        name="迟到",
    )
    # Staff invite: the person is a user at once, and the email says nothing of waiting.
    assert world.ent_a.users.filter(username="late@glass.cn").exists()
    assert "玻璃公司" in mail.outbox[0].body and "确认" not in mail.outbox[0].body
    link = re.search(
        r"https://portal\.example\.gov\.cn(/accounts/reset/\S+/)", mail.outbox[0].body
    ).group(1)
    settings.PASSWORD_RESET_TIMEOUT = -1
    assert_refused_link(client.get(link, follow=True))


def test_who_may_invite_and_bad_input(world):
    with pytest.raises(PermissionRefused):
        enterprise_user_invite(
            actor=world.officer, enterprise_id=world.ent_a.pk, email="a@b.cn", name="x"
        )
    with pytest.raises(PermissionRefused):
        enterprise_user_invite(
            actor=world.helper2, enterprise_id=world.ent_a.pk, email="a@b.cn", name="x"
        )
    with pytest.raises(InvalidInput) as bad_email:
        enterprise_user_invite(
            actor=world.helper, enterprise_id=world.ent_a.pk, email="not-an-email", name="x"
        )
    assert bad_email.value.field == "email"
    enterprise_user_invite(
        actor=world.helper, enterprise_id=world.ent_a.pk, email="a@b.cn", name="x"
    )
    with pytest.raises(InvalidInput):
        enterprise_user_invite(
            actor=world.helper, enterprise_id=world.ent_a.pk, email="A@B.cn", name="y"
        )


def test_password_reset_by_email(client, world, immediate_tasks):
    response = client.post("/en/accounts/password/reset/", {"email": "enterprise@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/en/accounts/reset/" in mail.outbox[0].body
    # An unknown address gets the same answer and no email.
    client.post("/en/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert len(mail.outbox) == 1


def test_account_page_changes_language(client, world):
    client.force_login(world.enterprise)
    response = client.post(
        "/accounts/", {"name": "孙强", "email": "sun@glass.cn", "language": "en"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/en/")
    world.enterprise.refresh_from_db()
    assert world.enterprise.language == "en"


# --- deactivation --------------------------------------------------------------------------------


def test_deactivating_a_lead_helper_requires_a_successor_and_hands_over(client, world):
    with pytest.raises(InvalidInput) as needs_successor:
        user_deactivate(actor=world.staff, user_id=world.helper.pk)
    assert needs_successor.value.field == "successor"
    with pytest.raises(PermissionRefused):
        user_deactivate(actor=world.helper2, user_id=world.helper.pk, successor=world.helper2)
    with pytest.raises(InvalidInput):
        user_deactivate(actor=world.staff, user_id=world.helper.pk, successor=world.enterprise)
    user_deactivate(actor=world.staff, user_id=world.helper.pk, successor=world.helper2)
    world.own.refresh_from_db()
    assert world.own.lead_helper == world.helper2
    assert Event.objects.filter(
        stream=f"project:{world.own.pk}:internal", event="project.helpers_changed"
    ).exists()
    helper = User.objects.get(pk=world.helper.pk)
    assert not helper.is_active
    assert not client.login(username="helper", password="pw")
    assert Project.objects.filter(lead_helper=helper).count() == 0


def test_deactivation_through_the_staff_page(client, world):
    client.force_login(world.staff)
    url = f"/en/accounts/users/{world.helper.pk}/deactivate/"
    page = client.get(url).content.decode()
    assert world.own.code in page
    refused = client.post(url, {})
    assert "choose who takes it over" in refused.content.decode()
    done = client.post(url, {"successor": world.helper2.pk})
    assert done.status_code == 302
    client.force_login(world.helper2)
    assert client.get(url).status_code == 404


def test_plain_text_emails_show_names_and_reasons_as_typed(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    """Text emails are not HTML: quotes and angle brackets arrive as typed, not as &quot;."""
    world.own.name = '汽车玻璃 "二期" <A&B>'
    world.own.save()
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept"):
        run(
            django_capture_on_commit_callbacks,
            approval_transition,
            actor=world.officer,
            approval_id=land.pk,
            action=action,
        )
    run(
        django_capture_on_commit_callbacks,
        approval_transition,
        actor=world.officer,
        approval_id=land.pk,
        action="request_supplement",
        reason='盖章 "不清晰" <见附件> & 重报',
        missing_materials=["申请表"],
    )
    for message in mail.outbox:
        assert '盖章 "不清晰" <见附件> & 重报' in message.body
        assert "&quot;" not in message.body + message.subject
        assert "&lt;" not in message.body + message.subject
        assert "&amp;" not in message.body + message.subject


def test_the_account_page_lists_my_tokens_and_revokes_them(client, world):
    from wagtail.models import APIToken

    from portal.services import api_token_create

    mine, _ = api_token_create(actor=world.helper, name="报表脚本")
    theirs, _ = api_token_create(actor=world.helper2, name="other")
    client.force_login(world.helper)
    page = client.get("/en/accounts/").content.decode()
    assert "报表脚本" in page and mine.prefix in page and "other" not in page
    assert client.post(f"/en/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    response = client.post(f"/en/accounts/tokens/{mine.pk}/revoke/", follow=True)
    assert "no longer opens the API" in response.content.decode()
    assert APIToken.objects.get(pk=mine.pk).revoked_at is not None
    assert APIToken.objects.get(pk=theirs.pk).revoked_at is None
