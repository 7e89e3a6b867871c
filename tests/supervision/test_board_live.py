"""The supervision board in a real browser: staff keep it open, the day's sweep issues a red
card, and the card, its case and the department's counts appear without a reload."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from cms.demo import seed_home_pages
from supervision.sweep import run_sweep
from tests.conftest import free_port

# The browser tests' fixtures (they live with tests/e2e; this test is about the board).
from tests.e2e.conftest import axe, browser, csp_violations  # noqa: F401
from tests.e2e.conftest import new_page as new_page  # noqa: F401
from tests.supervision.sweep_world import build_district, sweep_through

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district():
    seed_home_pages()
    d = build_district()
    d.staff.set_password("pw-live-1")
    d.staff.save()
    return d


@pytest.fixture
def server(district, start_daphne):
    # The sweep runs in this process (as the worker does in its own): the server hears of its
    # events through the log poller, as it hears of the worker's.
    return start_daphne(free_port(), LIVE_POLL_SECONDS="1")


def test_the_board_shows_a_new_red_card_without_a_reload(district, server, new_page):
    sweep_through(date(2026, 9, 21), date(2026, 9, 29))  # yellow on 24 Sep, stalled on 29 Sep
    base = f"http://127.0.0.1:{server.port}"
    page = new_page(locale="en-GB")
    page.goto(f"{base}/en/accounts/login/?next=/en/supervision/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("pw-live-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/en/supervision/$"))
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    expect(page.locator("tr.card-row--yellow")).to_have_count(1)
    expect(page.locator("tr.card-row--red")).to_have_count(0)
    page.evaluate("window.boardMarker = 'still the same page'")

    run_sweep(today=date(2026, 9, 30))  # `late` is overdue: a red card and its case

    red = page.locator("tr.card-row--red")
    expect(red).to_have_count(1)
    expect(red).to_contain_text("LAND")
    expect(red).to_contain_text("DB-2026-")
    expect(page.locator("tr.card-row--yellow")).to_have_count(0)  # replaced by the red one
    planning = page.locator(f'tr[data-department="{district.planning.pk}"]')
    expect(planning.locator('[data-field="red"]')).to_have_text("1")
    expect(page.locator("#live-notice")).to_contain_text("gave a red card")
    assert page.evaluate("window.boardMarker") == "still the same page"
