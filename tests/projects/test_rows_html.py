"""The project list's rows and the project page's approval rows and closed cards are written by
Python (projects/list_rows.py, projects/page_rows.py), not the template language: they escape
what people typed, say the same things in both languages, and keep the markup the page's
script and the phone layout rely on (data-field, data-label, data-src)."""

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from projects.models import Approval
from projects.services import approval_transition
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

MARKUP = '<img src=x onerror="alert(1)"> & "quoted"'


def soup(client, user, url) -> BeautifulSoup:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert b"<img src=x" not in response.content  # typed markup never reaches the page as markup
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def marked(world):
    """Names full of markup, and LAND of `other` paused for a supplement, BUILD of `own`
    accepted with a material missing."""
    world.own.name = world.own.name_en = f"项目 {MARKUP}"
    world.own.save()
    world.ent_a.name = world.ent_a.name_en = f"企业 {MARKUP}"
    world.ent_a.save()
    world.build.name = world.build.name_en = f"施工许可 {MARKUP}"
    world.build.save()
    world.build.prerequisites.clear()
    world.housing.name_en = f"Housing {MARKUP}"
    world.housing.save()
    build = world.approval(world.own, "BUILD")
    Approval.objects.filter(pk=build.pk).update(status="received")
    approval_transition(
        actor=world.housing_officer,
        approval_id=build.pk,
        action="accept",
        missing_materials=["补充说明"],
        materials_due=date(2026, 3, 16),
        now=at(2026, 3, 2),
    )
    land = world.approval(world.other, "LAND")
    for action in ("receive", "accept"):
        approval_transition(actor=world.officer, approval_id=land.pk, action=action)
    approval_transition(
        actor=world.officer,
        approval_id=land.pk,
        action="request_supplement",
        reason="盖章不清晰",
        missing_materials=["申请表"],
        materials_due=date(2049, 1, 5),
    )
    world.build_approval, world.land_approval = build, land
    return world


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_list_rows_escape_names_and_count_states(client, marked, prefix):
    page = soup(client, marked.staff, f"{prefix}/projects/")
    row = page.select_one(f'tr[data-project="{marked.own.pk}"]')
    cells = row.find_all("td")
    assert MARKUP in cells[0].a.get_text()
    assert cells[0].a["href"] == f"{prefix}/projects/{marked.own.pk}/"
    assert f"GLASS · 企业 {MARKUP}" in cells[0].get_text()
    language = "en" if prefix else "zh-hans"
    with translation.override(language):
        accepted = str(Approval.Status.ACCEPTED.label)
        pending = str(Approval.Status.PENDING.label)  # LAND and PLAN, BUILD's prerequisites
        labels = [str(translation.gettext(t)) for t in ("Project", "Stage", "Approvals")]
    assert [c["data-label"] for c in cells[:3]] == labels
    assert [li.get_text(" ", strip=True) for li in cells[2].select("li.status")] == [
        f"{pending} 2",
        f"{accepted} 1",
    ]
    # BUILD, accepted in March 2026 with five working days, is late.
    assert cells[3].select_one(".badge--overdue").get_text() == "1"
    assert "has-overdue" in row["class"]
    assert cells[5].get_text() == marked.helper.get_full_name()


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_project_page_rows_and_cards(client, marked, prefix):
    language = "en" if prefix else "zh-hans"
    page = soup(client, marked.helper, f"{prefix}/projects/{marked.own.pk}/")
    build = marked.build_approval
    build.refresh_from_db()
    row = page.select_one(f'table.approvals tr[data-approval="{build.pk}"]')
    assert MARKUP in row.select_one("td").get_text()
    with translation.override(language):
        split = translation.gettext("dept. %(d)s · ent. %(e)s days")
        missing_label = translation.gettext("Missing materials")
        note = build.materials.get(key=False).label
    days = re.escape(split % {"d": "DAYS", "e": 0}).replace("DAYS", r"\d+")
    assert re.fullmatch(days, row.select_one('[data-field="ball"] .muted').get_text())
    assert (
        row.select_one('[data-field="due"]')
        .get_text()
        .startswith(build.due_date.strftime("%Y-%m-%d"))
    )
    missing = row.select_one('[data-field="missing"]')
    assert missing["data-label"] == missing_label and note in missing.get_text()
    assert "phone-optional" not in missing.get("class", [])

    card = page.select_one(f"details#approval-{build.pk}")
    assert (
        card["data-src"] == f"{prefix}/projects/{marked.own.pk}/sections/cards/?approval={build.pk}"
    )
    assert MARKUP in card.select_one(".approval-card__title").get_text()
    assert card.select_one(".tag--warn") is not None  # a material missing

    # The paused clock reads so, in the viewer's language.
    other = soup(client, marked.helper2, f"{prefix}/projects/{marked.other.pk}/")
    land = other.select_one(f'tr[data-approval="{marked.land_approval.pk}"]')
    with translation.override(language):
        assert land.select_one('[data-field="due"]').get_text() == translation.gettext(
            "clock paused"
        )
        assert land.select_one('[data-field="colour"]').get_text() == str(
            translation.gettext("waiting for the enterprise")
        )
