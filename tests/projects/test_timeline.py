"""The project's Gantt chart, as numbers: rows, bars, labels, arrows and the chart's extent."""

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from projects.clock import WorkingCalendar
from projects.models import ApprovalPause
from projects.timeline import BAR_HEIGHT, MARKER_LABEL, ROW_HEIGHT, arrow_path, build_timeline
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

TODAY = date(2026, 9, 15)
CALENDAR = WorkingCalendar.from_exceptions([])


def chart(project, today=TODAY):
    approvals = list(project.approvals.select_related("item"))
    summaries = {a.pk: {"colour": "on_track"} for a in approvals}
    return build_timeline(project, approvals, summaries, today, CALENDAR)


def points(d: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The first and the last point of an orthogonal path of M, H and V commands."""
    tokens = re.findall(r"[MHV]|-?\d+(?:\.\d+)?", d)
    assert tokens[0] == "M"
    x, y = float(tokens[1]), float(tokens[2])
    first = (x, y)
    i = 3
    while i < len(tokens):
        command, value = tokens[i], float(tokens[i + 1])
        assert command in "HV", d
        if command == "H":
            x = value
        else:
            y = value
        i += 2
    return first, (x, y)


@pytest.fixture
def staged(world):
    """LAND approved in August (with a pause), PLAN accepted before LAND ended, BUILD pending."""
    own = world.own
    own.planned_start = date(2026, 12, 1)
    own.save()
    land, plan = world.approval(own, "LAND"), world.approval(own, "PLAN")
    land.__class__.objects.filter(pk=land.pk).update(
        status="approved", accepted_on=date(2026, 8, 3), decided_on=date(2026, 8, 20)
    )
    ApprovalPause.objects.create(
        approval=land, requested_on=date(2026, 8, 10), resumed_on=date(2026, 8, 12)
    )
    plan.__class__.objects.filter(pk=plan.pk).update(
        status="accepted", accepted_on=date(2026, 8, 14), due_date=date(2026, 8, 21)
    )
    return world


def test_one_row_per_approval_and_each_label_on_its_bars_row(staged):
    timeline = chart(staged.own)
    assert len(timeline.bars) == staged.own.approvals.count() == 3
    assert [bar.row for bar in timeline.bars] == [0, 1, 2]
    for bar in timeline.bars:
        # The label is drawn at bar.y; the rect runs from bar.top for BAR_HEIGHT.
        assert bar.top + BAR_HEIGHT / 2 == bar.y
        assert timeline.rows_bottom > bar.y > 0
    ys = [bar.y for bar in timeline.bars]
    assert all(b - a == ROW_HEIGHT for a, b in zip(ys, ys[1:], strict=False))
    assert timeline.height >= timeline.rows_bottom


def test_rows_put_prerequisites_before_their_dependents(world):
    dept = f.department()
    # Codes sort the other way round from the chain: Z-1 -> M-2 -> A-3.
    first = f.item(dept, "Z-1")
    second = f.item(dept, "M-2", prerequisites=[first])
    third = f.item(dept, "A-3", prerequisites=[second])
    loose = f.item(dept, "B-0")
    project = f.project(world.staff, world.ent_a, [third, loose, second, first], code="TOPO")
    codes = [bar.code for bar in chart(project).bars]
    assert codes.index("Z-1") < codes.index("M-2") < codes.index("A-3")
    assert codes[0] == "B-0"  # ready from the start, and first by code


def test_arrows_run_from_the_prerequisites_end_to_the_dependents_start(staged):
    timeline = chart(staged.own)
    bars = {bar.approval_id: bar for bar in timeline.bars}
    assert len(timeline.arrows) == 2  # LAND -> PLAN -> BUILD
    for arrow in timeline.arrows:
        source, target = bars[arrow.source], bars[arrow.target]
        (x1, y1), (x2, y2) = points(arrow.d)
        assert (x1, y1) == (source.end_x, source.y)
        assert (x2, y2) == (target.x, target.y)
        # Orthogonal, and it ends going right into the bar (the arrowhead points at it).
        assert re.search(r"H [\d.]+$", arrow.d)
    land = staged.approval(staged.own, "LAND").pk
    plan = staged.approval(staged.own, "PLAN").pk
    # PLAN was accepted before LAND was decided: that arrow goes around, not backwards through.
    around = next(a for a in timeline.arrows if a.source == land)
    assert around.target == plan and around.around
    # The pending BUILD starts when PLAN should be done: a plain right-down-right arrow.
    plain = next(a for a in timeline.arrows if a.source == plan)
    assert not plain.around
    assert bars[plain.target].x >= bars[plan].end_x


def test_arrow_paths_are_orthogonal_both_ways():
    d, around = arrow_path(100, 47, 150, 73)
    assert (d, around) == ("M 100 47 H 108 V 73 H 150", False)
    d, around = arrow_path(100, 47, 60, 73)
    assert around and d == "M 100 47 H 108 V 60.0 H 52 V 73 H 60"
    d, around = arrow_path(100, 73, 60, 47)  # a dependent drawn above: the gap under its row
    assert d == "M 100 73 H 108 V 60.0 H 52 V 47 H 60"
    # Starting right when the prerequisite ends: no room to turn, so out and back in too.
    d, around = arrow_path(100, 47, 100, 73)
    assert not around and d == "M 100 47 H 108 V 60.0 H 92 V 73 H 100"


def test_the_chart_leaves_room_after_the_last_date_and_the_planned_start(staged):
    timeline = chart(staged.own)
    assert timeline.planned_start is not None
    assert timeline.end > staged.own.planned_start
    assert timeline.planned_start.x < timeline.plot_right < timeline.width
    assert timeline.width - timeline.plot_right >= 60  # the last month's label fits
    assert max(bar.end_x for bar in timeline.bars) < timeline.plot_right
    assert timeline.today.x < timeline.width
    land = next(bar for bar in timeline.bars if bar.code == "LAND")
    assert len(land.pauses) == 1
    px, pw = land.pauses[0]
    assert land.x <= px and px + pw <= land.end_x
    # However late the planned start, its label stays inside the chart (leftwards if need be).
    for later in (date(2026, 12, 1), date(2027, 3, 1), date(2027, 3, 31)):
        staged.own.planned_start = later
        late = chart(staged.own)
        assert late.end > later
        marker = late.planned_start
        if marker.anchor == "start":
            assert marker.x + MARKER_LABEL <= late.width
        else:
            assert marker.x - MARKER_LABEL >= late.label_width
        assert late.rows_bottom < marker.label_y < late.height


def test_bad_stored_dates_do_not_break_the_chart(staged):
    land = staged.approval(staged.own, "LAND")
    land.__class__.objects.filter(pk=land.pk).update(
        accepted_on=date(1, 1, 1), decided_on=date(9999, 12, 31)
    )
    timeline = chart(staged.own)
    assert timeline.width < 5000
    assert all(0 <= bar.x <= timeline.width for bar in timeline.bars)


def test_the_page_draws_labels_inside_the_fixed_size_svg(client, staged):
    client.force_login(staged.helper)
    # The chart comes on demand: the timeline's section on its own page has it.
    url = f"/en/projects/{staged.own.pk}/sections/timeline/"
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    svg = soup.select_one("section.timeline svg.timeline__chart")
    assert svg["viewbox"] == f"0 0 {svg['width']} {svg['height']}"
    assert "preserveaspectratio" not in svg.attrs
    assert soup.select_one("ol.timeline__labels") is None
    for rect in svg.select("rect.bar"):
        label = svg.select_one(f'text.row-label[data-row="{rect["data-row"]}"]')
        assert float(rect["y"]) + float(rect["height"]) / 2 == float(label["y"])
        assert rect.title.get_text().startswith(label.get_text())
    assert svg.select_one("marker#timeline-arrowhead") is not None
    # Arrows come before the bars: drawn under them.
    html = str(svg)
    assert html.index('class="arrow') < html.index('class="bar ')
    assert not svg.select("[style]")


def test_bars_are_the_forecast_and_the_critical_path_is_marked(staged):
    timeline = chart(staged.own)
    bars = {bar.code: bar for bar in timeline.bars}
    # PLAN is overdue (due 21 Aug): it ends today; BUILD waits for it: 5 working days after.
    assert bars["PLAN"].ends_on == TODAY and not bars["PLAN"].forecast
    assert bars["BUILD"].forecast
    assert (bars["BUILD"].starts_on, bars["BUILD"].ends_on) == (TODAY, date(2026, 9, 22))
    assert bars["LAND"].ends_on == date(2026, 8, 20)  # closed: its real decision date
    assert [bar.code for bar in timeline.critical] == ["LAND", "PLAN", "BUILD"]
    assert all(bar.critical for bar in bars.values())
    assert timeline.critical_codes == "LAND → PLAN → BUILD"
    assert all(arrow.critical for arrow in timeline.arrows)
    assert timeline.finishes_on == date(2026, 9, 22) and timeline.finish_estimated
    assert timeline.finish.x == bars["BUILD"].end_x
    assert timeline.late_for_planned_start == 0  # the planned start is 1 Dec
    # Planned for Thu 17 Sep: the approvals end three working days late (18, 21, 22 Sep).
    staged.own.planned_start = date(2026, 9, 17)
    assert chart(staged.own).late_for_planned_start == 3


def test_only_the_chain_that_decides_the_finish_is_critical(world):
    dept = f.department()
    short = f.item(dept, "SHORT", promised=2)
    long = f.item(dept, "LONG", promised=9)
    start = f.item(dept, "START", promised=3)
    side = f.item(dept, "SIDE", promised=3, prerequisites=[start])
    end = f.item(dept, "END", promised=2, prerequisites=[short, long])
    project = f.project(world.staff, world.ent_a, [short, long, start, side, end], code="DIA")
    timeline = chart(project)
    assert [bar.code for bar in timeline.critical] == ["LONG", "END"]
    flagged = {bar.code for bar in timeline.bars if bar.critical}
    assert flagged == {"LONG", "END"}
    ids = {bar.code: bar.approval_id for bar in timeline.bars}
    critical = [(a.source, a.target) for a in timeline.arrows if a.critical]
    assert critical == [(ids["LONG"], ids["END"])]
    assert timeline.arrows[-1].critical  # drawn over the others
    # Every bar is a forecast (nothing started yet), all on the same rows as before.
    assert all(bar.forecast for bar in timeline.bars)


def test_marker_labels_never_overlap(staged):
    # The planned start right at the forecast end, and today there too: three labels, three lines.
    staged.own.planned_start = date(2026, 9, 22)
    timeline = chart(staged.own)
    markers = [timeline.today, timeline.finish, timeline.planned_start]
    assert len({m.label_y for m in markers}) == 3
    assert all(m.label_y < timeline.height for m in markers)
    assert timeline.height == timeline.rows_bottom + 24 + 14


def test_a_project_decided_throughout_shows_when_it_ended_and_no_path(client, staged):
    plan, build = staged.approval(staged.own, "PLAN"), staged.approval(staged.own, "BUILD")
    plan.__class__.objects.filter(pk=plan.pk).update(
        status="approved", decided_on=date(2026, 8, 28)
    )
    build.__class__.objects.filter(pk=build.pk).update(
        status="approved", accepted_on=date(2026, 8, 31), decided_on=date(2026, 9, 4)
    )
    timeline = chart(staged.own)
    assert timeline.critical == [] and timeline.finish is None
    assert timeline.finishes_on == date(2026, 9, 4) and not timeline.finish_estimated
    client.force_login(staged.helper)
    soup = BeautifulSoup(client.get(f"/en/projects/{staged.own.pk}/").content, "html.parser")
    assert "All approvals were decided by 2026-09-04." in soup.select_one("#timeline-finish").text
    assert not soup.select("section.timeline .bar--critical, section.timeline line.forecast-end")


def test_the_page_names_the_critical_path_in_words_and_on_its_bars(client, staged):
    # Planned to start today: the approvals, still running, will end after it.
    staged.own.__class__.objects.filter(pk=staged.own.pk).update(planned_start=timezone.localdate())
    client.force_login(staged.helper)
    html = client.get(f"/en/projects/{staged.own.pk}/sections/timeline/").content
    soup = BeautifulSoup(html, "html.parser")
    section = soup.select_one("section.timeline")
    svg = section.select_one("svg.timeline__chart")
    assert svg["aria-describedby"] == "timeline-finish"
    sentence = section.select_one("#timeline-finish").get_text()
    # The page's today is the real one: only the shape of the sentence is fixed here.
    assert re.fullmatch(
        r"Critical path: LAND → PLAN → BUILD; all approvals decided by "
        r"\d{4}-\d\d-\d\d \(estimate\)\. That is \d+ working days? after the planned start\.",
        sentence,
    )
    assert section.select_one("#timeline-finish strong.timeline__late") is not None
    critical = svg.select("rect.bar.bar--critical")
    assert len(critical) == 3
    assert all(r.title.get_text().endswith("; on the critical path)") for r in critical)
    assert len(svg.select("path.arrow--critical")) == 2
    assert svg.select_one("line.forecast-end") is not None
    assert svg.select_one("rect.bar--forecast").title.get_text().startswith("BUILD")
    assert "critical path" in section.select_one("p.legend").get_text()
