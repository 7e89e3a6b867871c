"""Live updates in the browser: a change by one person shows on another's open page, and a
cut connection catches up after it comes back."""

import re

import pytest
from playwright.sync_api import expect

from cms.demo import seed_home_pages
from projects.services import approval_transition
from tests.conftest import free_port
from tests.projects import factories as f
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    seed_home_pages()
    w = type("World", (), {})()
    w.staff = f.user("staff", "staff")
    w.helper = f.user("helper", "helper", name="王海")
    dept = f.department("规划局", name_en="Planning bureau")
    w.officer = f.officer(dept, "officer")
    w.officer.name = "刘洋"
    w.officer.save()
    w.item = f.item(dept, "PLAN-01")
    w.item2 = f.item(dept, "PLAN-02")
    enterprise = f.enterprise([f.user("ent", "enterprise")])
    w.project = f.project(
        w.staff,
        enterprise,
        [w.item, w.item2],
        lead=w.helper,
        name="汽车玻璃项目",
        name_en="Automotive glass plant",
    )
    w.approval = w.project.approvals.get(item=w.item)
    w.approval2 = w.project.approvals.get(item=w.item2)
    for action in ("receive", "accept"):
        approval_transition(actor=w.officer, approval_id=w.approval.pk, action=action)
    approval_transition(actor=w.officer, approval_id=w.approval2.pk, action="receive")
    for user in (w.helper, w.officer):
        user.set_password("pw-live-1")
        user.save()
    return w


@pytest.fixture
def server(world, start_daphne):
    # The poller is slowed down: what arrives within a second came through the signal.
    daphne = start_daphne(free_port(), LIVE_POLL_SECONDS="30")
    proxy = TcpProxy(free_port(), daphne.port)
    proxy.start()
    yield proxy
    proxy.close()


def log_in(page, base, path, username):
    page.goto(f"{base}/en/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-live-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def status_cell(page, approval):
    return page.locator(f'table.approvals tr[data-approval="{approval.pk}"] [data-field="status"]')


def test_an_approval_shows_on_the_helpers_open_page_and_a_cut_socket_catches_up(
    world, server, new_page, artifacts
):
    base = f"http://127.0.0.1:{server.listen_port}"
    path = f"/en/projects/{world.project.pk}/"
    helper = new_page(locale="en-GB")
    log_in(helper, base, path, "helper")
    live = helper.locator("#live-status")
    expect(live).to_have_attribute("data-state", "live")
    expect(status_cell(helper, world.approval)).to_have_text("accepted")

    officer = new_page(locale="en-GB")
    log_in(officer, base, path, "officer")
    card = officer.locator(f"#approval-{world.approval.pk}")
    card.evaluate("card => { card.open = true; }")  # approvals start collapsed
    approve = card.get_by_role("group", name="Approve")
    approve.get_by_role("button", name="Approve").click()
    expect(status_cell(officer, world.approval)).to_have_text("approved")

    # On the helper's page, without a reload: the table and a notice of who did what.
    expect(status_cell(helper, world.approval)).to_have_text("approved", timeout=3000)
    expect(helper.locator("#live-notice")).to_contain_text("刘洋 approved")
    helper.screenshot(path=artifacts / "live-update-en.png", full_page=False)

    # Cut the connection (the proxy drops every socket and stops listening) ...
    server.stop()
    expect(live).to_have_attribute("data-state", "reconnecting", timeout=10000)
    # ... while another change is made ...
    approval_transition(actor=world.officer, approval_id=world.approval2.pk, action="accept")
    server.start()
    # ... and after the reconnection it appears, still without a reload.
    expect(live).to_have_attribute("data-state", "live", timeout=20000)
    expect(status_cell(helper, world.approval2)).to_have_text("accepted", timeout=10000)
    assert helper.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_the_unread_badge_counts_what_came_while_the_socket_was_cut(world, server, new_page):
    # No notification reached this tab before the cut, so it knows no position in the
    # person's own stream to resume from: the count comes with the resume.
    base = f"http://127.0.0.1:{server.listen_port}"
    helper = new_page(locale="en-GB")
    log_in(helper, base, f"/en/projects/{world.project.pk}/", "helper")
    live = helper.locator("#live-status")
    expect(live).to_have_attribute("data-state", "live")
    badge = helper.locator("#notification-badge")
    before = int(badge.get_attribute("data-unread"))  # the receipt and acceptance notified
    server.stop()
    expect(live).to_have_attribute("data-state", "reconnecting", timeout=10000)
    # A decision notifies the lead helper while their tab is away.
    approval_transition(actor=world.officer, approval_id=world.approval.pk, action="approve")
    server.start()
    expect(live).to_have_attribute("data-state", "live", timeout=20000)
    expect(badge.locator("[data-count]")).to_have_text(str(before + 1), timeout=10000)
    expect(badge).to_be_visible()
    assert helper.evaluate("performance.getEntriesByType('navigation').length") == 1
