"""Calendar years: the back office says which years are confirmed against the official notice,
warns staff (dashboard, calendar, one email) before a year starts unconfirmed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import translation
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from portal.errors import PermissionRefused
from projects import calendar_years
from projects.models import Approval, CalendarYear, WorkingDay
from projects.services.calendar_years import (
    calendar_year_confirm,
    calendar_year_unconfirm,
    calendar_year_warn_staff,
)
from projects.tasks import calendar_year_warning
from tests.projects import factories

pytestmark = pytest.mark.django_db

YEARS = "/admin/catalogue/calendar-years/"
# 2027 starts on a Friday; eight weeks before it is Friday 6 November 2026.
LAST_QUIET_DAY = date(2026, 11, 5)
FIRST_WARNING_DAY = date(2026, 11, 6)


def in_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def staff(client, make_user):
    user = in_english(
        make_user("boss", "staff", name="李静", email="boss@example.org", language="en")
    )
    client.force_login(user)
    return user


@pytest.fixture
def clock(monkeypatch):
    """Set the bureau's date for the pages."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(calendar_years, "today", lambda: day)

    return set_today


@pytest.fixture
def calendar_2027():
    """2027 as the library adds it before the notice: holidays, no make-up working days."""
    WorkingDay.objects.filter(date__year=2027).delete()
    for day, name in [
        (date(2027, 1, 1), "元旦"),
        (date(2027, 2, 5), "春节"),
        (date(2027, 2, 6), "春节"),  # a Saturday: not a weekday off
        (date(2027, 2, 8), "春节"),
        (date(2027, 10, 1), "国庆节"),
    ]:
        WorkingDay.objects.create(date=day, is_working=False, name=name, source="holidays")


def confirm(year: int, user) -> CalendarYear:
    return calendar_year_confirm(actor=user, year=year, notice=f"国办发明电〔{year - 1}〕7号")


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def warnings_on(response) -> list[str]:
    return [w["data-calendar-warning"] for w in page(response).select("[data-calendar-warning]")]


# --- what a year is --------------------------------------------------------------------------


def test_a_year_without_a_record_is_provisional(staff, calendar_2027):
    statuses = {s.year: s for s in calendar_years.year_statuses(today=date(2026, 12, 7))}

    assert statuses[2027].confirmed is False
    assert (statuses[2027].holidays, statuses[2027].makeup_days) == (4, 0)
    assert statuses[2027].entries == 5
    # Every year with entries is listed (2019 on, from the migration), newest first.
    assert list(statuses)[:2] == [2027, 2026]
    assert 2019 in statuses
    assert statuses[2026].makeup_days > 0


def test_running_due_dates_count_in_their_year(staff):
    planning = factories.department()
    items = [factories.item(planning), factories.item(planning), factories.item(planning)]
    project = factories.project(staff, factories.enterprise(), items)
    dates = [
        (date(2026, 12, 30), date(2027, 1, 20)),
        (date(2027, 1, 8), date(2027, 2, 3)),
        (None, None),  # not accepted yet: no clock
    ]
    for approval, (due, statutory) in zip(project.approvals.order_by("id"), dates, strict=True):
        Approval.objects.filter(pk=approval.pk).update(
            status=Approval.Status.ACCEPTED if due else Approval.Status.PENDING,
            accepted_on=date(2026, 12, 1) if due else None,
            due_date=due,
            statutory_due_date=statutory,
        )
    statuses = {s.year: s for s in calendar_years.year_statuses(today=date(2026, 12, 7))}
    assert (statuses[2026].running_due, statuses[2027].running_due) == (1, 2)


# --- the warning window ----------------------------------------------------------------------


def test_the_next_year_is_warned_about_from_eight_weeks_before_it_starts(staff):
    confirm(2026, staff)

    assert [s.year for s in calendar_years.year_warnings(today=LAST_QUIET_DAY)] == []
    assert [s.year for s in calendar_years.year_warnings(today=FIRST_WARNING_DAY)] == [2027]
    assert [s.year for s in calendar_years.year_warnings(today=date(2026, 12, 31))] == [2027]
    # Once it started unconfirmed, it is the current year: still warned about.
    assert [s.year for s in calendar_years.year_warnings(today=date(2027, 3, 1))] == [2027]


def test_the_current_year_unconfirmed_is_always_warned_about(staff, calendar_2027):
    assert [s.year for s in calendar_years.year_warnings(today=date(2026, 3, 1))] == [2026]
    assert [s.year for s in calendar_years.year_warnings(today=FIRST_WARNING_DAY)] == [2026, 2027]
    confirm(2026, staff)
    confirm(2027, staff)
    assert calendar_years.year_warnings(today=FIRST_WARNING_DAY) == []


def test_the_dashboard_warns_staff_exactly_in_the_window(client, staff, clock, calendar_2027):
    confirm(2026, staff)

    clock(LAST_QUIET_DAY)
    assert warnings_on(client.get("/admin/")) == []

    clock(FIRST_WARNING_DAY)
    response = client.get("/admin/")
    assert warnings_on(response) == ["2027"]
    text = page(response).select_one("#calendar-year-warning-section").get_text(" ", strip=True)
    assert "2027 starts in 56 days (2027-01-01)" in text
    assert "not confirmed" in text
    assert "It has no make-up working days (调休) yet." in text
    assert page(response).select_one(f"#calendar-year-warning-section a[href='{YEARS}2027/']")

    confirm(2027, staff)
    assert warnings_on(client.get("/admin/")) == []


def test_the_dashboard_warns_about_the_current_year_all_year(client, staff, clock):
    clock(date(2026, 6, 15))
    response = client.get("/admin/")
    assert warnings_on(response) == ["2026"]
    assert "due dates this year rest on provisional data" in response.content.decode()


def test_only_staff_see_the_warning_on_the_dashboard(client, make_user, clock):
    clock(FIRST_WARNING_DAY)
    client.force_login(in_english(make_user("writer", "editor")))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert warnings_on(response) == []


def test_the_working_day_calendar_shows_the_warning(client, staff, clock, calendar_2027):
    confirm(2026, staff)
    clock(FIRST_WARNING_DAY)

    response = client.get("/admin/snippets/projects/workingday/")

    assert warnings_on(response) == ["2027"]
    assert page(response).select_one(f"a[href='{YEARS}']")  # the header button


# --- the years page and confirming -----------------------------------------------------------


def test_the_years_page_says_which_years_are_confirmed(client, staff, clock, calendar_2027):
    confirm(2026, staff)
    clock(date(2026, 12, 7))

    response = client.get(YEARS)

    assert response.status_code == 200
    rows = {
        tr["data-year"]: [c.get_text(" ", strip=True) for c in tr.select("th, td")]
        for tr in page(response).select("table.calendar-years tbody tr")
    }
    assert rows["2027"][1] == "provisional"
    assert rows["2027"][2:4] == ["4", "0 (none yet)"]
    assert rows["2026"][1] == "confirmed"
    assert "国办发明电〔2025〕7号" in rows["2026"][5]
    assert "by 李静" in rows["2026"][5]
    assert warnings_on(response) == ["2027"]


def test_staff_confirm_a_year_against_the_notice_and_take_it_back(client, staff, calendar_2027):
    url = f"{YEARS}2027/"
    response = client.get(url)
    assert [c.get_text(strip=True) for c in page(response).select("table.calendar-entries td")][
        :3
    ] == ["2027-01-01", "Friday", "day off"]

    refused = client.post(url, {"action": "confirm", "notice": "  "})
    assert refused.status_code == 400
    assert "Name the official notice" in refused.content.decode()
    assert not CalendarYear.objects.filter(year=2027, confirmed=True).exists()

    done = client.post(url, {"action": "confirm", "notice": "国办发明电〔2026〕7号"}, follow=True)
    record = CalendarYear.objects.get(year=2027)
    assert (record.confirmed, record.confirmed_by, record.notice) == (
        True,
        staff,
        "国办发明电〔2026〕7号",
    )
    assert record.confirmed_at is not None
    assert "2027 is confirmed against “国办发明电〔2026〕7号”." in done.content.decode()
    entry = ModelLogEntry.objects.get(action="projects.calendar_year.confirm")
    assert (entry.user, entry.object_id, entry.data["notice"]) == (
        staff,
        "2027",
        "国办发明电〔2026〕7号",
    )

    back = client.post(url, {"action": "unconfirm"}, follow=True)
    record.refresh_from_db()
    assert (record.confirmed, record.confirmed_by, record.confirmed_at) == (False, None, None)
    assert "2027 is provisional again" in back.content.decode()
    assert ModelLogEntry.objects.filter(action="projects.calendar_year.unconfirm").count() == 1


def test_a_year_without_holidays_cannot_be_confirmed(client, staff):
    response = client.post(f"{YEARS}2031/", {"action": "confirm", "notice": "某通知"})
    assert response.status_code == 400
    assert "The calendar has no holidays in 2031 yet." in response.content.decode()
    assert not CalendarYear.objects.filter(year=2031, confirmed=True).exists()


def test_others_may_read_but_not_confirm(client, make_user, calendar_2027):
    editor = in_english(make_user("writer", "editor"))
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_workingday"])
    )
    client.force_login(editor)
    assert client.get(YEARS).status_code == 200
    response = client.get(f"{YEARS}2027/")
    assert response.status_code == 200
    assert not page(response).select("form")
    refused = client.post(f"{YEARS}2027/", {"action": "confirm", "notice": "x"})
    assert refused.status_code in (302, 403)
    assert not CalendarYear.objects.filter(year=2027, confirmed=True).exists()
    with translation.override("en"), pytest.raises(PermissionRefused, match="Only bureau staff"):
        calendar_year_unconfirm(actor=editor, year=2027)

    client.force_login(make_user("someone", "helper"))
    assert client.get(YEARS).status_code == 302
    assert client.post(f"{YEARS}2027/", {"action": "unconfirm"}).status_code == 302


def test_the_menu_lists_the_calendar_years(client, staff):
    assert YEARS in client.get("/admin/").content.decode()


def test_the_years_page_reads_in_constant_queries(
    client, staff, clock, django_assert_max_num_queries
):
    clock(date(2026, 12, 7))
    with django_assert_max_num_queries(30) as few:
        client.get(YEARS)
    for year in range(2030, 2040):
        WorkingDay.objects.create(date=date(year, 5, 1), is_working=False, name="劳动节")
        CalendarYear.objects.create(year=year, confirmed=True, confirmed_by=staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(YEARS)
    assert len(page(response).select("table.calendar-years tbody tr")) >= 19


# --- the email, once per year ----------------------------------------------------------------


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 0, 5, tzinfo=UTC)


def test_staff_are_emailed_once_eight_weeks_before_an_unconfirmed_year(
    staff, make_user, calendar_2027, immediate_tasks, django_capture_on_commit_callbacks
):
    confirm(2026, staff)
    colleague = make_user("colleague", "staff", email="colleague@example.org", language="en")
    make_user("writer", "editor", email="writer@example.org")

    def sweep(day: date) -> list[int]:
        with django_capture_on_commit_callbacks(execute=True):
            return calendar_year_warn_staff(today=day, now=at(day))

    assert sweep(LAST_QUIET_DAY) == []
    assert mail.outbox == []

    assert sweep(FIRST_WARNING_DAY) == [2027]
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.org", "colleague@example.org"]
    english = next(m for m in mail.outbox if m.to == [colleague.email])
    assert english.subject == "The 2027 working-day calendar starts in 56 days unconfirmed"
    assert "0 make-up working days for 2027" in english.body
    assert f"{settings.PORTAL_BASE_URL.rstrip('/')}{YEARS}2027/" in english.body
    assert CalendarYear.objects.get(year=2027).staff_warned_at == at(FIRST_WARNING_DAY)

    # The next days, and a second scheduler, send nothing more.
    assert sweep(FIRST_WARNING_DAY) == []
    assert sweep(date(2026, 12, 20)) == []
    assert len(mail.outbox) == 2


def test_a_confirmed_year_sends_no_email(
    staff, calendar_2027, immediate_tasks, django_capture_on_commit_callbacks
):
    confirm(2026, staff)
    confirm(2027, staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert calendar_year_warn_staff(today=FIRST_WARNING_DAY) == []
    assert mail.outbox == []


def test_the_current_year_unconfirmed_is_emailed_once(
    staff, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert calendar_year_warn_staff(today=date(2026, 3, 1), now=at(date(2026, 3, 1))) == [2026]
        assert calendar_year_warn_staff(today=date(2026, 3, 2), now=at(date(2026, 3, 2))) == []
    assert len(mail.outbox) == 1
    assert "Nobody has confirmed the working-day calendar of 2026" in mail.outbox[0].body


def test_the_scheduler_runs_the_warning_daily():
    path, interval, *offset = settings.PERIODIC_TASKS["projects.calendar_year_warning"]
    assert path == "projects.tasks.calendar_year_warning"
    assert interval == 86400
    assert calendar_year_warning.module_path == path


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_confirms_this_year_and_leaves_next_year_provisional(seeded_demo):
    from django.utils import timezone

    this_year = timezone.localdate().year
    assert CalendarYear.objects.get(year=this_year).confirmed
    assert CalendarYear.objects.get(year=this_year).confirmed_by.username == "staff"
    assert not CalendarYear.objects.get(year=this_year + 1).confirmed
