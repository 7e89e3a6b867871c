"""Pickers in the browser, on the demo data: a helper registers a project (the industry ticks its
standard set, the filter finds an item by its code, a person is ticked by name) and schedules a
meeting, finding a participant by typing the name. Screenshots of both forms at 1366 and 390 px
in Chinese and English go to test-artifacts/pickers/."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.models import User
from projects.models import ApprovalItem, Industry, Project
from projects.services.projects import _with_prerequisites

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "picker-pw-1"  # noqa: S105 - a test password
WIDTHS = (1366, 390)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))


def photograph(page: Page, folder, name: str) -> None:
    """Full-page screenshots at both widths; the page never scrolls sideways on the phone."""
    folder.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def box(page: Page, name: str, pk: int):
    return page.locator(f"input[name={name}][value='{pk}']")


def test_register_a_project_and_invite_people_by_name(live_server, new_page, artifacts):
    call_command("seed_demo", "--password", PASSWORD, verbosity=0)
    base = live_server.url
    folder = artifacts / "pickers"
    agriculture = Industry.objects.get(code="modern-agriculture")
    standard = {item.code: item.pk for item in agriculture.standard_items.all()}
    fire = ApprovalItem.objects.get(code="FIRE-01")
    helper2 = User.objects.get(username="helper2")
    year = timezone.localdate().year

    page = new_page(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
    log_in(page, base, "helper")
    page.goto(base + "/projects/new/")
    # A helper sees the generated code and cannot change it.
    code = page.locator("#id_code")
    expect(code).to_have_value(f"ZDXM-{year}-001")
    expect(code).to_be_disabled()
    # With the script, the page ticks the set itself: the server-side box is out of sight.
    expect(page.locator("#id_use_industry_set")).to_be_hidden()

    page.locator("#id_name").fill("现代农业示范园")
    page.locator("#id_enterprise").select_option(index=1)
    page.locator("#id_industry").select_option(str(agriculture.pk))
    for pk in standard.values():
        expect(box(page, "items", pk)).to_be_checked()
    note = page.locator("[data-picker-preset-note]")
    expect(note).to_contain_text(agriculture.name)
    expect(note).to_contain_text(str(len(standard)))
    status = page.locator('[data-picker-name="items"] [data-picker-status]')
    expect(status).to_contain_text(re.compile(rf"[(（]{len(standard)}[)）]"))
    expect(status).to_contain_text("AGR-02、")

    # The filter finds an item by its code; Enter ticks the one entry left (and sends nothing).
    search = page.locator("#id_items_filter")
    search.fill("fire-01")
    options = page.locator('[data-picker-name="items"] [data-picker-option]')
    expect(options.filter(has=page.locator("input:visible"))).to_have_count(1)
    expect(box(page, "items", standard["DRC-01"])).to_be_hidden()
    search.press("Enter")
    expect(box(page, "items", fire.pk)).to_be_checked()
    expect(page).to_have_url(base + "/projects/new/")
    search.fill("")
    expect(box(page, "items", standard["DRC-01"])).to_be_visible()
    # Unticking a standard item keeps it out (nothing adds it back on the server).
    box(page, "items", standard["AGR-02"]).uncheck()
    # A second helper by name.
    page.locator('[data-picker-name="helpers"]').get_by_label("赵敏").check()
    photograph(page, folder / "zh-hans", "register")

    page.get_by_role("button", name="登记").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/$"))
    project = Project.objects.get(name="现代农业示范园")
    assert project.code == f"ZDXM-{year}-001"
    chosen = ApprovalItem.objects.filter(
        pk__in=[pk for code, pk in standard.items() if code != "AGR-02"] + [fire.pk]
    )
    expected = {item.code for item in _with_prerequisites(chosen)}
    assert set(project.approvals.values_list("item__code", flat=True)) == expected
    assert "AGR-02" not in expected
    assert set(project.helpers.all()) == {helper2}

    # The meeting form: participants found by typing a name, ticked with a click.
    page.goto(base + "/meetings/new/")
    filter_people = page.locator("#id_participants_filter")
    filter_people.fill("刘洋")
    people = page.locator('[data-picker-name="participants"] [data-picker-option]')
    expect(people.filter(has=page.locator("input:visible"))).to_have_count(1)
    visible = people.filter(has=page.locator("input:visible")).first
    expect(visible).to_contain_text("区规资局")
    visible.locator("label").click()
    officer = User.objects.get(username="officer")
    expect(box(page, "participants", officer.pk)).to_be_checked()
    expect(page.locator('[data-picker-name="participants"] [data-picker-status]')).to_contain_text(
        "刘洋"
    )
    filter_people.fill("没有这个人")
    expect(page.locator('[data-picker-name="participants"] [data-picker-nothing]')).to_be_visible()
    filter_people.fill("")
    photograph(page, folder / "zh-hans", "meeting")

    # English: the same forms, photographed.
    page.goto(base + "/en/projects/new/")
    page.locator("#id_industry").select_option(str(agriculture.pk))
    expect(page.locator("[data-picker-preset-note]")).to_contain_text(agriculture.name_en)
    photograph(page, folder / "en", "register")
    page.goto(base + "/en/meetings/new/")
    page.locator("#id_participants_filter").fill("Planning")
    photograph(page, folder / "en", "meeting")


def test_staff_change_the_proposed_code(live_server, new_page, artifacts):
    call_command("seed_demo", "--password", PASSWORD, verbosity=0)
    base = live_server.url
    page = new_page(viewport={"width": WIDTHS[0], "height": 900}, locale="en-GB")
    log_in(page, base, "staff")
    page.goto(base + "/en/projects/new/")
    code = page.locator("#id_code")
    expect(code).to_be_editable()
    # A code in use: refused, with everything else still there.
    code.fill("ZDXM-001")
    page.locator("#id_name").fill("Staff project")
    page.locator("#id_enterprise").select_option(index=1)
    lead = page.locator('[data-picker-name="lead_helper"]').get_by_label("王海")
    lead.check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".field-error")).to_contain_text("A project with this code exists already.")
    expect(page.locator("#id_name")).to_have_value("Staff project")
    expect(lead).to_be_checked()
    code.fill("ZDXM-SPECIAL-1")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/en/projects/\d+/$"))
    assert Project.objects.filter(code="ZDXM-SPECIAL-1", name="Staff project").exists()
