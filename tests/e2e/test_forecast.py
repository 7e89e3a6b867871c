"""The ready-to-build forecast in a real browser: a helper sees that a project is at risk, asks
"what if this approval is decided ten working days later?" with the form under the timeline,
reads the answer, and gets a clear message for a number out of range (axe-core checks each
page the browser loads, answer and error included)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Project
from tests.e2e.test_project_flow import log_in
from tests.e2e.test_timeline import gantt  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_helper_sees_the_risk_and_asks_what_if(live_server, new_page, gantt):  # noqa: F811
    # Planned for today: the approvals cannot all be decided by then.
    Project.objects.filter(pk=gantt.pk).update(planned_start=timezone.localdate())
    pnr03 = str(gantt.approvals.get(item__code="PNR-03").pk)
    page = new_page(locale="en-GB", viewport={"width": 390, "height": 900})
    log_in(page, f"{live_server.url}/en/projects/", "helper")
    row = page.locator(f'tr[data-project="{gantt.pk}"]')
    expect(row.locator(".badge--at-risk")).to_have_text("at risk")
    row.get_by_role("link").click()

    expect(page.locator("#timeline-ready")).to_contain_text("Estimated ready to build:")
    expect(page.locator("#timeline-risk")).to_contain_text("At risk:")
    # The chart and the what-if form come on demand, under the timeline's sentences.
    page.locator("section.timeline details.timeline__more > summary").click()
    form = page.locator("#what-if form")
    form.get_by_label("If the approval").select_option(pnr03)
    form.get_by_label("is decided later by (working days)").fill("10")
    form.get_by_role("button", name="Show").click()
    expect(page.locator("#what-if-answer")).to_have_text(
        re.compile(
            r"^If PNR-03 is decided 10 working days later, the start moves to "
            r"\d{4}-\d\d-\d\d \(\+10 working days, instead of \d{4}-\d\d-\d\d\)\."
        )
    )
    assert "whatif-days=10" in page.url and page.url.endswith("#what-if")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The browser's own checks (a listed approval, at most 120) stop the form: send a guessed
    # approval and too many days as a link would.
    page.goto(page.url.split("?")[0] + "?whatif-approval=0&whatif-days=200#what-if")
    expect(page.locator("#what-if .field-error")).to_have_count(2)
    expect(page.locator("#what-if-answer")).to_have_count(0)
