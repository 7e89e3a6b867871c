"""How long approvals really take (projects.history), the projects at risk and the what-if.

The decided cases go through the services on the real 2026 calendar as the migrations seed it:
Mid-Autumn Fri 25 Sep off, National Day Thu 1 to Wed 7 Oct off, make-up working days Sun 20 Sep
and Sat 10 Oct (调休). A duration counts the working days d with accepted < d <= decided,
the enterprise's supplement pauses included.
"""

import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Event
from projects import history
from projects.clock import WorkingCalendar
from projects.forecast import forecast, prerequisite_graph, readiness, what_if
from projects.models import Approval, Project
from projects.services import approval_transition
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

THROUGH = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def fresh_history():
    history.forget()
    yield
    history.forget()


@pytest.fixture
def calendar():
    return WorkingCalendar.load()


def step(actor, approval, action, day, **arguments):
    approval_transition(
        actor=actor, approval_id=approval.pk, action=action, now=at(*day), **arguments
    )


def decided_case(world, item, accepted, decided, *, pause=None, reject=False, project=None):
    """One approval of `item` received and accepted on `accepted`, optionally paused for a
    supplement (asked, answered), and approved (or rejected) on `decided`."""
    project = project or f.project(world.staff, world.ent_a, [item])
    approval = project.approvals.get(item=item)
    step(world.staff, approval, "receive", accepted)
    step(world.staff, approval, "accept", accepted)
    if pause:
        step(
            world.staff,
            approval,
            "request_supplement",
            pause[0],
            reason="补正",
            missing_materials=["补充说明"],
        )
        step(world.staff, approval, "supplement", pause[1])
    if decided is None:
        return approval
    if reject:
        step(world.staff, approval, "reject", decided, reason="不符合条件")
    else:
        step(world.staff, approval, "approve", decided)
    return approval


@pytest.fixture
def cases(world):
    """Item X (promised 10) with five decided cases, 3, 5, 7, 10 and 18 working days; item Y of
    the same department (promised 5) with one of 5 days; item Z (promised 20) with none; item
    W of another department with four. Also a withdrawn and an open X, which do not count."""
    dept = f.department("审批局", name_en="Approval bureau")
    other = f.department("水务局2", name_en="Water bureau")
    x = f.item(dept, "X", promised=10, statutory=20)
    y = f.item(dept, "Y", promised=5, statutory=10)
    z = f.item(dept, "Z", promised=20, statutory=30)
    w = f.item(other, "W", promised=8, statutory=16)
    # Fri 18 Sep -> Tue 22 Sep: Sun 20 (make-up), Mon 21, Tue 22 = 3.
    decided_case(world, x, (2026, 9, 18), (2026, 9, 22))
    # Thu 24 Sep -> Fri 9 Oct: 28, 29, 30 Sep, 8, 9 Oct = 5 (25 Sep and 1-7 Oct off).
    decided_case(world, x, (2026, 9, 24), (2026, 10, 9))
    # Mon 28 Sep -> Tue 13 Oct, rejected: 29, 30, 8, 9, Sat 10 (make-up), 12, 13 = 7.
    decided_case(world, x, (2026, 9, 28), (2026, 10, 13), reject=True)
    # Mon 21 Sep -> Mon 12 Oct with the enterprise supplementing Tue 22 to Tue 29 Sep: 22, 23,
    # 24, 28, 29, 30, 8, 9, 10, 12 = 10 (the department's own clock says 6).
    paused = decided_case(
        world, x, (2026, 9, 21), (2026, 10, 12), pause=((2026, 9, 22), (2026, 9, 29))
    )
    # Wed 30 Sep -> Fri 30 Oct: 8, 9, 10, 12-16, 19-23, 26-30 Oct = 18.
    decided_case(world, x, (2026, 9, 30), (2026, 10, 30))
    # Thu 8 Oct -> Wed 14 Oct: 9, 10, 12, 13, 14 = 5 (share of Y's promise: 1.0).
    decided_case(world, y, (2026, 10, 8), (2026, 10, 14))
    for start in (date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3), date(2026, 9, 4)):
        decided_case(world, w, start.timetuple()[:3], (2026, 9, 30))
    withdrawn = decided_case(world, x, (2026, 9, 14), None)
    step(world.staff, withdrawn, "withdraw", (2026, 11, 2), reason="不做了")
    decided_case(world, x, (2026, 9, 14), None)  # still open
    world.x, world.y, world.z, world.w, world.dept, world.other_dept = x, y, z, w, dept, other
    world.paused = paused
    return world


def test_the_percentiles_are_interpolated_and_rounded_up_to_working_days():
    assert history.percentile([3, 5, 7, 10, 18], 0.5) == 7
    assert history.percentile([3, 5, 7, 10, 18], 0.8) == pytest.approx(11.6)
    assert history.percentile([4], 0.8) == 4
    assert history.percentile([1, 2], 0.5) == 1.5


def test_item_figures_count_working_days_across_national_day_pauses_included(cases, calendar):
    assert cases.paused.pauses.count() == 1
    found = history.decided_history(calendar, through=THROUGH)
    figures = found.by_item[cases.x.pk]
    # Sorted 3, 5, 7, 10, 18: the median is 7; the 80th percentile 10 + 0.2 x 8 = 11.6 -> 12.
    assert (figures.cases, figures.p50, figures.p80) == (5, 7, 12)
    assert found.cases == 10  # 5 X, 1 Y, 4 W; the withdrawn and the open X are not cases
    open_x = Approval(item_id=cases.x.pk, department_id=cases.dept.pk, promised_limit_days=10)
    assert found.estimate(open_x) == 7 and found.estimate(open_x, cautious=True) == 12


def test_a_department_with_enough_cases_stands_in_for_its_items_as_a_share_of_the_promise(
    cases, calendar
):
    found = history.decided_history(calendar, through=THROUGH)
    # Y has one case of its own: too few. Its department has six: shares of each promise
    # 0.3, 0.5, 0.7, 1.0 (10 of 10), 1.0 (Y: 5 of 5), 1.8 -> median 0.85, p80 1.0.
    assert cases.y.pk not in found.by_item
    dept = found.by_department[cases.dept.pk]
    assert dept.cases == 6
    assert dept.share50 == pytest.approx(0.85) and dept.share80 == pytest.approx(1.0)
    y = Approval(item_id=cases.y.pk, department_id=cases.dept.pk, promised_limit_days=5)
    z = Approval(item_id=cases.z.pk, department_id=cases.dept.pk, promised_limit_days=20)
    assert (found.estimate(y), found.estimate(y, cautious=True)) == (5, 5)  # 4.25 -> 5
    assert (found.estimate(z), found.estimate(z, cautious=True)) == (17, 20)
    x = Approval(item_id=cases.x.pk, department_id=cases.dept.pk, promised_limit_days=10)
    # X's own five and the department's six, each table counted once.
    assert found.cases_behind([x, y, z]) == 11


def test_too_little_history_keeps_the_promised_limit(cases, calendar):
    found = history.decided_history(calendar, through=THROUGH)
    # W has four cases and its department no others: no figure, the forecast keeps W's promise.
    assert cases.w.pk not in found.by_item and cases.other_dept.pk not in found.by_department
    w = Approval(pk=1, item_id=cases.w.pk, department_id=cases.other_dept.pk, promised_limit_days=8)
    assert found.estimate(w) is None and found.cases_behind([w]) == 0
    today = date(2026, 11, 2)  # a Monday
    kept = forecast([w], {1: []}, today=today, calendar=calendar, duration=found.durations.likely)
    assert kept[1].ends_on == calendar.nth_after(today, 8) == date(2026, 11, 12)
    # Earlier in time there was even less: on 29 Sep only three X cases had been decided.
    early = history.decided_history(calendar, through=date(2026, 10, 12))
    # By Mon 12 Oct three X cases were decided (22 Sep, 9 Oct, 12 Oct) and the four W ones.
    assert cases.x.pk not in early.by_item and early.cases == 3 + 4


def test_the_history_is_kept_until_a_decision_changes_it(cases, calendar):
    history.decided_history(calendar, through=THROUGH)
    with CaptureQueriesContext(connection) as kept:
        again = history.decided_history(calendar, through=THROUGH)
    assert len(kept) == 1  # the check only
    decided_case(cases, cases.x, (2026, 11, 2), (2026, 11, 30))  # 20 working days
    with CaptureQueriesContext(connection) as changed:
        fresh = history.decided_history(calendar, through=THROUGH)
    assert len(changed) == 2
    assert again.by_item[cases.x.pk].cases == 5 and fresh.by_item[cases.x.pk].cases == 6


def test_in_production_the_decisions_are_recounted_once_a_minute(cases, calendar, settings):
    """The count of decided approvals grows with the table: a process re-reads it at most every
    FORECAST_HISTORY_RECHECK_SECONDS (60 by default), so a page asks nothing for it meanwhile."""
    settings.FORECAST_HISTORY_RECHECK_SECONDS = 60
    assert history.decided_history(calendar, through=THROUGH).by_item[cases.x.pk].cases == 5
    decided_case(cases, cases.x, (2026, 11, 2), (2026, 11, 30))
    with CaptureQueriesContext(connection) as within:
        kept = history.decided_history(calendar, through=THROUGH)
    assert len(within) == 0 and kept.by_item[cases.x.pk].cases == 5
    history.forget_decided_stamp()  # as when the minute has passed
    with CaptureQueriesContext(connection) as after:
        fresh = history.decided_history(calendar, through=THROUGH)
    assert len(after) == 2 and fresh.by_item[cases.x.pk].cases == 6


def test_a_running_approval_uses_up_every_working_day_since_acceptance_with_history(
    cases, calendar
):
    """Figures that include the pauses count the pause days as used: else they count twice."""
    found = history.decided_history(calendar, through=THROUGH)
    # X accepted Mon 2 Nov, supplement Tue 3 to Mon 9 Nov; today Thu 12 Nov: 8 working days
    # since acceptance (3-6, 9-12), of which the department's clock ran 4 (2 Nov's next day 3,
    # then 10, 11, 12). With the median of 7 it is due: it ends today (counting only the
    # clock's 4 days it would end 3 working days later, Tue 17 Nov).
    running = Approval(
        pk=1,
        item_id=cases.x.pk,
        department_id=cases.dept.pk,
        status="accepted",
        promised_limit_days=10,
        accepted_on=date(2026, 11, 2),
        due_date=date(2026, 11, 20),
        paused_working_days=calendar.count(date(2026, 11, 3), date(2026, 11, 9)),
    )
    today = date(2026, 11, 12)
    likely = forecast(
        [running], {1: []}, today=today, calendar=calendar, duration=found.durations.likely
    )
    cautious = forecast(
        [running], {1: []}, today=today, calendar=calendar, duration=found.durations.cautious
    )
    assert likely[1].ends_on == today  # 7 - 8 days left: today
    assert cautious[1].ends_on == date(2026, 11, 18)  # 12 - 8 = 4: 13, 16, 17, 18 Nov


class Planned:
    def __init__(self, planned_start, stage="approvals"):
        self.planned_start, self.stage = planned_start, stage


def test_at_risk_when_the_cautious_date_is_after_the_planned_start(cases, calendar):
    found = history.decided_history(calendar, through=THROUGH)
    x = Approval(
        pk=1, item_id=cases.x.pk, department_id=cases.dept.pk, status="received",
        promised_limit_days=10,
    )  # fmt: skip
    today = date(2026, 9, 28)  # before National Day
    # Likely 7 working days: 29, 30 Sep, 8, 9, 10, 12, 13 Oct; cautious 12: ... 14-16, 19, 20.
    args = {"today": today, "calendar": calendar, "durations": found.durations}
    safe = readiness(Planned(date(2026, 10, 21)), [x], {1: []}, **args)
    assert (safe.likely, safe.cautious) == (date(2026, 10, 13), date(2026, 10, 20))
    assert safe.estimated and not safe.at_risk and safe.cases == 5
    # Planned for Fri 16 Oct: the likely date is before it, the cautious one two days after.
    risky = readiness(Planned(date(2026, 10, 16)), [x], {1: []}, **args)
    assert risky.at_risk and risky.late_days == 2
    assert not readiness(Planned(None), [x], {1: []}, **args).at_risk
    assert not readiness(Planned(date(2026, 10, 16), "construction"), [x], {1: []}, **args).at_risk


def test_what_if_moves_the_last_decision_along_the_chain(world, calendar):
    """LAND -> PLAN -> BUILD keep their promises (no history): 10, 5 and 5 working days."""
    approvals = list(
        world.own.approvals.select_related("item").prefetch_related("item__prerequisites")
    )
    graph = prerequisite_graph(approvals)
    ids = {a.item.code: a.pk for a in approvals}
    today = date(2026, 9, 28)
    # LAND 29, 30 Sep, 8-10, 12-16 Oct; PLAN 19-23 Oct; BUILD 26-30 Oct.
    base = forecast(approvals, graph, today=today, calendar=calendar)
    assert max(f.ends_on for f in base.values()) == date(2026, 10, 30)
    args = {"today": today, "calendar": calendar, "duration": lambda a: None}
    moved = what_if(approvals, graph, approval_id=ids["LAND"], days=3, **args)
    assert (moved.before, moved.after, moved.moved) == (date(2026, 10, 30), date(2026, 11, 4), 3)
    # The last one slips alone: Fri 30 Oct -> Mon 2 Nov.
    assert what_if(approvals, graph, approval_id=ids["BUILD"], days=1, **args).after == date(
        2026, 11, 2
    )


# --- the pages ---------------------------------------------------------------------------------


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return BeautifulSoup(response.content, "html.parser")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


@pytest.fixture
def at_risk(cases):
    """Project `own` (LAND -> PLAN -> BUILD, nothing started) planned to start today: at risk.
    `other` (LAND) planned in two years: not at risk. `calm` (the helper's too, no planned
    start) has an overdue approval: without the risk it would be listed first."""
    today = timezone.localdate()
    Project.objects.filter(pk=cases.own.pk).update(planned_start=today)
    Project.objects.filter(pk=cases.other.pk).update(planned_start=today + timedelta(days=730))
    calm = f.project(cases.staff, cases.ent_a, [cases.land], lead=cases.helper, code="CALM")
    land = calm.approvals.get()
    step(cases.staff, land, "receive", (2026, 9, 1))
    step(cases.staff, land, "accept", (2026, 9, 1))
    cases.calm = calm
    return cases


def test_the_project_page_says_when_it_should_be_ready_and_that_it_is_at_risk(client, at_risk):
    soup = page(client, at_risk.helper, f"/en/projects/{at_risk.own.pk}/")
    ready = words(soup.select_one("#timeline-ready"))
    # LAND, PLAN, BUILD have no history: the promised limits stand, and the page says so.
    assert re.fullmatch(
        r"Estimated ready to build: \d{4}-\d\d-\d\d, from the promised limits "
        r"\(too few decided cases yet to learn from\)\.",
        ready,
    )
    risk = words(soup.select_one("#timeline-risk"))
    assert re.fullmatch(
        r"At risk: the cautious date is \d+ working days after the planned start of "
        r"construction \(\d{4}-\d\d-\d\d\)\.",
        risk,
    )
    # Not at risk: no warning.
    calm = page(client, at_risk.helper2, f"/en/projects/{at_risk.other.pk}/")
    assert calm.select_one("#timeline-risk") is None
    assert calm.select_one("#timeline-ready") is not None


def test_the_page_gives_likely_and_cautious_dates_from_the_decided_cases(client, cases):
    project = f.project(cases.staff, cases.ent_a, [cases.x], lead=cases.helper, code="HIST")
    soup = page(client, cases.helper, f"/en/projects/{project.pk}/")
    today = timezone.localdate()
    calendar = WorkingCalendar.load()
    likely, cautious = calendar.nth_after(today, 7), calendar.nth_after(today, 12)
    assert words(soup.select_one("#timeline-ready")) == (
        f"Estimated ready to build: {likely:%Y-%m-%d} (likely), {cautious:%Y-%m-%d} "
        "(cautious), from 5 decided cases."
    )


def test_helpers_have_projects_at_risk_listed_first_with_a_badge(client, at_risk):
    for user in (at_risk.helper,):
        soup = page(client, user, "/en/projects/")
        rows = soup.select("tr[data-project]")
        assert rows[0]["data-project"] == str(at_risk.own.pk)
        assert "has-overdue" in rows[1]["class"]  # then the overdue ones
        assert "at-risk" in rows[0]["class"]
        assert words(rows[0].select_one(".badge--at-risk")) == "at risk"
        assert "at risk first" in words(soup.select_one("p.muted"))
        for row in rows[1:]:
            assert row.select_one(".badge--at-risk") is None
    # Staff (every project of the district: no forecast per request), the enterprise and
    # officers see no risk badges.
    assert not page(client, at_risk.staff, "/en/projects/").select(".badge--at-risk")
    for user in (at_risk.enterprise, at_risk.officer):
        soup = page(client, user, "/en/projects/")
        assert not soup.select(".badge--at-risk")
        assert soup.select("tr[data-project]")[0]["data-project"] == str(at_risk.calm.pk)
        assert "at risk first" not in words(soup.select_one("p.muted"))


def test_a_project_at_risk_on_a_later_page_still_comes_first(client, at_risk):
    # Thirty projects registered later (listed before `own` on the date of registration).
    for _ in range(30):
        f.project(
            at_risk.staff, at_risk.ent_b, [at_risk.land], lead=at_risk.helper, now=at(2026, 10, 1)
        )
    soup = page(client, at_risk.helper, "/en/projects/")
    assert soup.select("tr[data-project]")[0]["data-project"] == str(at_risk.own.pk)
    assert soup.select_one("nav.pagination, .pagination") is not None


def test_the_list_asks_a_fixed_number_of_queries_with_projects_at_risk(client, at_risk):
    def grow(n):
        for _ in range(n):
            project = f.project(
                at_risk.staff,
                at_risk.ent_a,
                [at_risk.build, at_risk.x],
                lead=at_risk.helper,
                planned_start=timezone.localdate(),
            )
            land = project.approvals.get(item__code="LAND")
            approval_transition(actor=at_risk.staff, approval_id=land.pk, action="receive")
            approval_transition(actor=at_risk.staff, approval_id=land.pk, action="accept")

    def count(user):
        client.force_login(user)
        client.get("/en/projects/")  # the history is read once per process
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/en/projects/").status_code == 200
        return len(captured)

    grow(2)
    small = [count(at_risk.staff), count(at_risk.helper)]
    grow(12)
    assert [count(at_risk.staff), count(at_risk.helper)] == small
    soup = page(client, at_risk.helper, "/en/projects/")
    assert len(soup.select(".badge--at-risk")) == 15  # own and the 14 new ones


# --- what-if -------------------------------------------------------------------------------------


def what_if_page(client, user, project, **params):
    query = "&".join(f"whatif-{k}={v}" for k, v in params.items())
    return page(client, user, f"/en/projects/{project.pk}/?{query}")


def test_what_if_an_approval_slips_says_where_the_start_moves(client, at_risk):
    own = at_risk.own
    land = at_risk.approval(own, "LAND")
    before = (
        list(Approval.objects.order_by("pk").values()),
        Event.objects.count(),
    )
    soup = what_if_page(client, at_risk.helper, own, approval=land.pk, days=10)
    answer = words(soup.select_one("#what-if-answer"))
    # LAND is first on the chain: the start moves by all ten days.
    match = re.fullmatch(
        r"If LAND is decided 10 working days later, the start moves to (\S+) "
        r"\(\+10 working days, instead of (\S+)\)\. "
        r"That is after the planned start of construction \(\S+\)\.",
        answer,
    )
    assert match, answer
    calendar = WorkingCalendar.load()
    after, now = (date.fromisoformat(d) for d in match.groups())
    assert calendar.count(now, after) == 10
    # The form keeps what was asked; nothing was changed.
    assert soup.select_one("#id_whatif-days")["value"] == "10"
    assert soup.select_one(f"#id_whatif-approval option[value='{land.pk}']").has_attr("selected")
    assert (list(Approval.objects.order_by("pk").values()), Event.objects.count()) == before


def test_what_if_off_the_critical_path_the_start_does_not_move(client, cases):
    dept = cases.dept
    short = f.item(dept, "SHORT", promised=2)
    long = f.item(dept, "LONG", promised=30, statutory=30)
    project = f.project(cases.staff, cases.ent_a, [short, long], lead=cases.helper, code="TWO")
    approval = project.approvals.get(item=short)
    soup = what_if_page(client, cases.helper, project, approval=approval.pk, days=5)
    assert re.fullmatch(
        r"If SHORT is decided 5 working days later, the start does not move: every approval "
        r"is still decided by \S+ \(others take longer\)\.",
        words(soup.select_one("#what-if-answer")),
    )


@pytest.mark.parametrize("days", ["0", "121", "abc", "", "-3", "1e3", "99999999999999999999"])
def test_what_if_refuses_a_number_of_days_out_of_range(client, at_risk, days):
    land = at_risk.approval(at_risk.own, "LAND")
    soup = what_if_page(client, at_risk.helper, at_risk.own, approval=land.pk, days=days)
    assert soup.select_one("#what-if-answer") is None
    errors = [words(e) for e in soup.select("#what-if .field-error")]
    assert errors == ["Give a whole number of working days from 1 to 120."]


def test_what_if_refuses_an_approval_of_another_project_or_a_decided_one(client, at_risk):
    foreign = at_risk.approval(at_risk.other, "LAND")  # helper cannot see `other`
    decided = at_risk.paused  # another project's, decided
    for guess in (foreign.pk, decided.pk, 10**20, "x"):
        soup = what_if_page(client, at_risk.helper, at_risk.own, approval=guess, days=5)
        assert soup.select_one("#what-if-answer") is None
        errors = [words(e) for e in soup.select("#what-if .field-error")]
        assert errors == ["Choose one of this project's open approvals."]
        assert str(foreign.pk) not in [
            o["value"] for o in soup.select("#id_whatif-approval option")
        ]


def test_what_if_is_only_for_those_who_may_see_the_project(client, at_risk):
    land = at_risk.approval(at_risk.own, "LAND")
    url = f"/en/projects/{at_risk.own.pk}/?whatif-approval={land.pk}&whatif-days=5"
    for user in (at_risk.helper2, at_risk.enterprise2, at_risk.water_officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # The project's enterprise may ask.
    soup = what_if_page(client, at_risk.enterprise, at_risk.own, approval=land.pk, days=5)
    assert soup.select_one("#what-if-answer") is not None


def test_no_what_if_when_every_approval_is_decided(client, cases):
    project = f.project(cases.staff, cases.ent_a, [cases.y], lead=cases.helper, code="DONE")
    decided_case(cases, cases.y, (2026, 11, 2), (2026, 11, 4), project=project)
    soup = page(client, cases.helper, f"/en/projects/{project.pk}/")
    assert soup.select_one("#what-if") is None and soup.select_one("#timeline-ready") is None


def test_the_list_follows_changes_to_the_planned_start_and_the_approvals(client, at_risk):
    """What the process keeps is recomputed for a project whose facts or approvals changed."""
    assert page(client, at_risk.helper, "/en/projects/").select(".badge--at-risk")
    later = timezone.localdate() + timedelta(days=730)
    Project.objects.filter(pk=at_risk.own.pk).update(planned_start=later)
    assert not page(client, at_risk.helper, "/en/projects/").select(".badge--at-risk")
    Project.objects.filter(pk=at_risk.own.pk).update(planned_start=timezone.localdate())
    assert page(client, at_risk.helper, "/en/projects/").select(".badge--at-risk")
    # Every approval decided: nothing left to wait for, no longer at risk.
    for code in ("LAND", "PLAN", "BUILD"):
        approval = at_risk.approval(at_risk.own, code)
        for action in ("receive", "accept", "approve"):
            approval_transition(actor=at_risk.staff, approval_id=approval.pk, action=action)
    assert not page(client, at_risk.helper, "/en/projects/").select(".badge--at-risk")
