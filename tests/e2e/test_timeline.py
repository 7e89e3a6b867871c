"""The project page's Gantt chart in a real browser: every bar on its label's row, at any width.

A project with approvals in several states (approved, paused, accepted, pending behind
prerequisites, one accepted before its prerequisite was decided) is opened at 1366 px and at
390 px and printed, in English and in Chinese; screenshots are kept in test-artifacts/. The
critical path (PNR-01 -> 03 -> 04 -> 05: 04 waits for 03, due in 8 days, and 05 for 04) is
marked on exactly its bars and arrows, and the forecast bars of 04 and 05 sit on their rows.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cms.demo import seed_home_pages
from projects.models import Approval, ApprovalPause
from tests.e2e.test_project_flow import log_in
from tests.projects import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gantt(transactional_db):
    seed_home_pages()
    today = timezone.localdate()
    dept = f.department("发展和改革局", name_en="Development and Reform Bureau")
    f.officer(dept, "officer")
    p1 = f.item(dept, "PNR-01")
    p2 = f.item(dept, "PNR-02")
    p3 = f.item(dept, "PNR-03", prerequisites=[p1])
    p4 = f.item(dept, "PNR-04", prerequisites=[p2, p3])
    p5 = f.item(dept, "PNR-05", prerequisites=[p4])
    p6 = f.item(dept, "PNR-06", prerequisites=[p2])
    ent = f.enterprise([f.user("enterprise", "enterprise")], name="玻璃公司")
    helper = f.user("helper", "helper", name="刘强")
    staff = f.user("staff", "staff")
    project = f.project(
        staff,
        ent,
        [p5, p4, p6, p3, p2, p1],
        lead=helper,
        code="GLASS",
        name="汽车玻璃项目",
        now=timezone.now(),
        planned_start=today + timedelta(days=90),
    )
    approvals = {a.item.code: a for a in project.approvals.select_related("item")}

    def set_(code, **fields):
        Approval.objects.filter(pk=approvals[code].pk).update(**fields)

    day = lambda n: today + timedelta(days=n)  # noqa: E731
    set_("PNR-01", status="approved", accepted_on=day(-60), decided_on=day(-40), due_date=day(-45))
    set_(
        "PNR-02",
        status="supplement_requested",
        accepted_on=day(-20),
        due_date=day(10),
        statutory_due_date=day(30),
        paused_since=day(-5),
    )
    ApprovalPause.objects.create(approval=approvals["PNR-02"], requested_on=day(-5))
    set_("PNR-03", status="accepted", accepted_on=day(-10), due_date=day(8))
    # Accepted before its prerequisite PNR-02 is decided: its arrow goes around.
    set_("PNR-06", status="accepted", accepted_on=day(-3), due_date=day(12))
    return project


def open_chart(page: Page) -> None:
    """The chart comes on demand: open it as a reader does (the page remembers it open)."""
    page.locator("section.timeline details.timeline__more > summary").click()
    expect(page.locator("section.timeline svg.timeline__chart")).to_be_visible()


def rows_line_up(page: Page) -> int:
    """Every bar's centre lies within its label's row; the number of bars checked."""
    bars = page.locator("section.timeline rect.bar[data-row]")
    count = bars.count()
    assert count == 6
    for i in range(count):
        bar = bars.nth(i)
        row = bar.get_attribute("data-row")
        label = page.locator(f'section.timeline text.row-label[data-row="{row}"]')
        expect(label).to_have_count(1)
        bar_box, label_box = bar.bounding_box(), label.bounding_box()
        centre = bar_box["y"] + bar_box["height"] / 2
        assert label_box["y"] <= centre <= label_box["y"] + label_box["height"], (
            label.text_content(),
            bar_box,
            label_box,
        )
        # ... and no other label's row holds it.
        others = page.locator(f'section.timeline text.row-label:not([data-row="{row}"])')
        for j in range(others.count()):
            box = others.nth(j).bounding_box()
            assert not box["y"] <= centre <= box["y"] + box["height"]
    return count


CRITICAL = ["PNR-01", "PNR-03", "PNR-04", "PNR-05"]


def row_ids(page: Page) -> dict[str, str]:
    """Item code -> the row id (the approval's id) its label and bar carry."""
    labels = page.locator("section.timeline text.row-label")
    return {
        labels.nth(i).text_content(): labels.nth(i).get_attribute("data-row")
        for i in range(labels.count())
    }


def critical_path_is_marked(page: Page) -> None:
    """The critical class on exactly the path's bars, labels and arrows; the forecast bars of
    PNR-04 and PNR-05 centred in their labels' rows; the forecast end at the path's end."""
    rows = row_ids(page)
    marked = page.locator("section.timeline rect.bar.bar--critical")
    assert sorted(marked.evaluate_all("els => els.map(e => e.dataset.row)")) == sorted(
        rows[code] for code in CRITICAL
    )
    bold = page.locator("section.timeline text.row-label--critical").all_text_contents()
    assert sorted(bold) == CRITICAL
    arrows = page.locator("section.timeline path.arrow--critical").evaluate_all(
        "els => els.map(e => [e.dataset.from, e.dataset.to])"
    )
    steps = [[rows[a], rows[b]] for a, b in zip(CRITICAL, CRITICAL[1:], strict=False)]
    assert sorted(arrows) == sorted(steps)
    forecast = page.locator("section.timeline rect.bar.bar--forecast")
    ids = forecast.evaluate_all("els => els.map(e => e.dataset.row)")
    assert sorted(ids) == sorted([rows["PNR-04"], rows["PNR-05"]])
    for row in ids:
        bar = page.locator(f'section.timeline rect.bar[data-row="{row}"]').bounding_box()
        label = page.locator(f'section.timeline text.row-label[data-row="{row}"]').bounding_box()
        centre = bar["y"] + bar["height"] / 2
        assert label["y"] <= centre <= label["y"] + label["height"]
    last = page.locator(f'section.timeline rect.bar[data-row="{rows["PNR-05"]}"]').bounding_box()
    end = page.locator("section.timeline line.forecast-end").bounding_box()
    assert abs(end["x"] + end["width"] / 2 - (last["x"] + last["width"])) < 2
    sentence = page.locator("#timeline-finish")
    expect(sentence).to_contain_text(" → ".join(CRITICAL))


def test_bars_sit_on_their_labels_rows_at_desktop_phone_and_print_widths(
    live_server, new_page, artifacts, gantt
):
    url = f"{live_server.url}/en/projects/{gantt.pk}/"
    page = new_page(locale="en-GB", viewport={"width": 1366, "height": 900})
    log_in(page, url, "helper")
    open_chart(page)
    chart = page.locator("section.timeline svg.timeline__chart")
    expect(chart).to_be_visible()
    rows_line_up(page)
    critical_path_is_marked(page)
    expect(page.locator("#timeline-finish")).to_have_text(
        re.compile(
            r"^Critical path: PNR-01 → PNR-03 → PNR-04 → PNR-05; "
            r"all approvals decided by \d{4}-\d\d-\d\d \(estimate\)\.$"
        )
    )
    # Arrows: PNR-01 -> 03, 02 -> 04, 03 -> 04, 04 -> 05, 02 -> 06 (that one around).
    expect(page.locator("section.timeline path.arrow")).to_have_count(5)
    expect(page.locator("section.timeline path.arrow--around")).to_have_count(1)
    expect(page.locator("section.timeline rect.pause")).to_have_count(1)
    expect(page.locator("section.timeline line.today")).to_have_count(1)
    expect(page.locator("section.timeline line.planned-start")).to_have_count(1)
    # The rows follow the prerequisites: PNR-01 before 03 before 04 before 05.
    codes = page.locator("section.timeline text.row-label").all_text_contents()
    assert codes.index("PNR-01") < codes.index("PNR-03") < codes.index("PNR-04")
    assert codes.index("PNR-04") < codes.index("PNR-05")
    assert codes.index("PNR-02") < codes.index("PNR-06")
    # The chart is drawn at its own pixel size: the SVG is not stretched.
    box = chart.bounding_box()
    assert abs(box["width"] - float(chart.get_attribute("width"))) < 1
    # The marker labels (today, forecast end, planned start) and the month labels lie inside
    # the chart, and no two marker labels overlap.
    for text in page.locator(
        "section.timeline text.marker-label, section.timeline text.tick-label"
    ).all():
        label_box = text.bounding_box()
        assert box["x"] - 1 <= label_box["x"]
        assert label_box["x"] + label_box["width"] <= box["x"] + box["width"] + 1
    markers = [t.bounding_box() for t in page.locator("section.timeline text.marker-label").all()]
    assert len(markers) == 3
    for i, a in enumerate(markers):
        for b in markers[i + 1 :]:
            apart = a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            assert apart or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    page.locator("section.timeline").screenshot(path=str(artifacts / "timeline-1366.png"))

    # A phone: the chart scrolls inside its own box; the page never scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=str(artifacts / "timeline-390-page.png"), full_page=True)
    expect(chart).to_be_visible()
    rows_line_up(page)
    critical_path_is_marked(page)
    # Nothing of the timeline reaches past the screen except inside its scrolling box ...
    section = page.locator("section.timeline").bounding_box()
    assert section["x"] >= 0 and section["x"] + section["width"] <= 390
    # ... and the whole page does not scroll sideways (tables become stacked rows on a phone).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    wrap = page.locator("section.timeline .timeline__wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert wrap.bounding_box()["width"] <= 390
    page.screenshot(path=str(artifacts / "timeline-390.png"), full_page=True)
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    rows_line_up(page)
    critical_path_is_marked(page)
    page.locator("section.timeline").screenshot(path=str(artifacts / "timeline-390-scrolled.png"))

    # Print: no scrolling box; the chart is scaled to the page, labels still on their rows.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    rows_line_up(page)
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "visible"
    assert chart.bounding_box()["width"] <= 794
    critical_path_is_marked(page)
    page.screenshot(path=str(artifacts / "timeline-print.png"), full_page=True)


def test_the_chinese_page_draws_the_same_chart(live_server, new_page, artifacts, gantt):
    page = new_page(locale="zh-CN", viewport={"width": 1366, "height": 900})
    log_in(page, f"{live_server.url}/projects/{gantt.pk}/", "helper")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    open_chart(page)
    rows_line_up(page)
    critical_path_is_marked(page)
    page.locator("section.timeline").screenshot(path=str(artifacts / "timeline-1366-zh.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    rows_line_up(page)
    critical_path_is_marked(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("section.timeline").screenshot(path=str(artifacts / "timeline-390-zh.png"))
