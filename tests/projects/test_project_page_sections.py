"""The project page shows its summary at once and its heavy parts on demand: each card's
checklist and forms, the timeline's chart, the earlier events (projects/<id>/sections/<part>/),
as a fragment for the page's script and as a page of its own without script; the panels other
apps register are sections of the page."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import format_html

from projects import panels
from projects.services import approval_transition, comment_add
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


def get(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_the_page_shows_each_card_closed_with_a_link_and_loads_its_checklist_on_demand(
    client, world
):
    land = world.approval(world.own, "LAND")
    page = soup_of(get(client, world.officer, f"/en/projects/{world.own.pk}/"))
    card = page.select_one(f"details.approval-card#approval-{land.pk}")
    assert card is not None and not card.has_attr("open")
    assert "LAND" in card.summary.get_text()
    # No checklist or form on the page itself; the placeholder links to the card's own page.
    assert not card.select("table.checklist, form.action-form")
    sections = f"/en/projects/{world.own.pk}/sections/cards/"
    assert card["data-src"] == f"{sections}?approval={land.pk}"
    assert card.select_one(".lazy-body a")["href"] == f"{sections}?approval={land.pk}"

    fragment = get(client, world.officer, f"{sections}?approval={land.pk}&fragment=1")
    html = fragment.content.decode()
    assert "<html" not in html  # only the part, for the page's script
    body = soup_of(fragment).select_one(f'[data-part="approval-{land.pk}"]')
    assert body.select_one("table.checklist") is not None
    assert {i["value"] for i in body.select("input[name$='-action']")} == {"receive"}
    assert not soup_of(fragment).select(f"#approval-{land.pk}")  # the page's card keeps its id

    # Without script: the same card on a page of its own, in the site's frame, with a way back.
    own_page = soup_of(get(client, world.officer, f"{sections}?approval={land.pk}"))
    assert own_page.select_one("header.site-header") is not None
    assert own_page.select_one(f"#approval-{land.pk} table.checklist") is not None
    assert own_page.select_one(f'a[href="/en/projects/{world.own.pk}/"]') is not None


def test_every_card_on_the_section_page_and_only_the_viewers_forms(client, world):
    approvals = list(world.own.approvals.order_by("pk"))
    page = soup_of(
        get(client, world.housing_officer, f"/en/projects/{world.own.pk}/sections/cards/")
    )
    assert {d["id"] for d in page.select("[data-part^=approval-]")} == {
        f"approval-{a.pk}" for a in approvals
    }
    # The housing officer may act on BUILD only (its department's), not on the planning ones.
    build = world.approval(world.own, "BUILD")
    forms = page.select("form.action-form")
    assert forms and {form["action"] for form in forms} == {
        f"/en/projects/{world.own.pk}/approvals/{build.pk}/transition/"
    }


@pytest.mark.parametrize("role", ["helper2", "enterprise2", "water_officer"])
def test_sections_of_a_project_others_may_not_see_are_404(client, world, role):
    user = getattr(world, role)
    for part in ("cards", "timeline", "events"):
        for query in ("", "?fragment=1"):
            get(client, user, f"/en/projects/{world.own.pk}/sections/{part}/{query}", status=404)


def test_guessed_or_foreign_approvals_and_unknown_parts_are_404(client, world):
    other = world.approval(world.other, "LAND")
    sections = f"/en/projects/{world.own.pk}/sections/"
    for query in (f"?approval={other.pk}", "?approval=999999", "?approval=abc", "?approval=-1"):
        get(client, world.staff, f"{sections}cards/{query}", status=404)
    get(client, world.staff, f"{sections}secrets/", status=404)
    client.logout()
    response = client.get(f"{sections}cards/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_refused_action_comes_back_with_its_card_open_and_filled_in(client, world):
    land = world.approval(world.own, "LAND")
    approval_transition(actor=world.officer, approval_id=land.pk, action="receive")
    key = land.materials.get(key=True)
    client.force_login(world.officer)
    url = f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/"
    # Accepting with a key material ticked as missing is refused by the service.
    response = client.post(
        url, {f"a{land.pk}-action": "accept", f"a{land.pk}-missing_materials": [key.pk]}
    )
    assert response.status_code == 409
    page = soup_of(response)
    card = page.select_one(f"details#approval-{land.pk}")
    assert card.has_attr("open") and card.has_attr("data-loaded")
    assert "Key materials are missing" in page.get_text()  # the reason
    # The card's checklist and its accept form are on the page, to try again at once.
    assert card.select_one("table.checklist") is not None
    assert card.select_one(f'input[name="a{land.pk}-action"][value="accept"]') is not None
    # The other cards stay closed placeholders.
    assert len(page.select("details.approval-card table.checklist")) == 1


def test_the_timeline_says_its_dates_at_once_and_draws_its_chart_on_demand(client, world):
    page = soup_of(get(client, world.helper, f"/en/projects/{world.own.pk}/"))
    section = page.select_one("section.timeline")
    assert section.select_one("#timeline-finish") is not None
    assert section.select_one("svg") is None
    chart = section.select_one("details.timeline__more")
    assert chart["data-src"] == f"/en/projects/{world.own.pk}/sections/timeline/"
    fragment = soup_of(get(client, world.helper, chart["data-src"] + "?fragment=1"))
    assert len(fragment.select('[data-part="timeline-chart"] svg rect.bar')) == 3
    assert fragment.select_one("#what-if form") is not None
    # A what-if question is answered on the page, with the chart drawn there.
    land = world.approval(world.own, "LAND")
    asked = soup_of(
        get(
            client,
            world.helper,
            f"/en/projects/{world.own.pk}/?whatif-approval={land.pk}&whatif-days=5",
        )
    )
    assert asked.select_one("section.timeline svg.timeline__chart") is not None
    assert asked.select_one("#what-if-answer") is not None


def test_the_latest_events_at_once_and_the_earlier_ones_on_demand(client, world):
    land = world.approval(world.own, "LAND")
    approval_transition(actor=world.officer, approval_id=land.pk, action="receive")
    for n in range(14):
        comment_add(actor=world.helper, project_id=world.own.pk, body=f"第{n}次", internal=False)
    page = soup_of(get(client, world.enterprise, f"/en/projects/{world.own.pk}/"))
    shown = page.select(".event-region > ol.event-list > li.event")
    assert len(shown) == 12
    earlier = page.select_one("details.earlier-events")
    assert "earlier event" in earlier.summary.get_text()
    fragment = soup_of(get(client, world.enterprise, earlier["data-src"] + "?fragment=1"))
    rest = fragment.select('[data-part="earlier-events"] li.event')
    seqs = {li["data-seq"] for li in shown} | {li["data-seq"] for li in rest}
    assert len(seqs) == len(shown) + len(rest) >= 15  # 14 comments and the receipt, once each
    # Their own page lists them all; the enterprise still sees nothing internal.
    whole = soup_of(get(client, world.enterprise, earlier["data-src"]))
    assert len(whole.select("li.event")) == len(seqs)
    assert not whole.select(".event--internal")


@pytest.fixture
def test_panels(monkeypatch):
    registered = dict(panels._panels)
    monkeypatch.setattr(panels, "_panels", registered)

    def helpers_only(request, project):
        if request.user.username.startswith("helper"):
            return format_html("<p>helped {}</p>", project.code)
        return None

    panels.register_project_panel(
        panels.ProjectPanel(key="testpanel", title="Test panel", render=helpers_only, order=1)
    )


def test_registered_panels_are_sections_for_the_viewers_they_render_for(client, world, test_panels):
    page = soup_of(get(client, world.helper, f"/en/projects/{world.own.pk}/"))
    section = page.select_one("section#panel-testpanel")
    assert section.h2.get_text() == "Test panel"
    assert section.select_one("p").get_text() == "helped GLASS"  # the panel's HTML as given
    assert page.select_one('nav.section-nav a[href="#panel-testpanel"]') is not None
    other = soup_of(get(client, world.enterprise, f"/en/projects/{world.own.pk}/"))
    assert other.select_one("#panel-testpanel") is None
    assert other.select_one('a[href="#panel-testpanel"]') is None


def grow(world, n):
    for _ in range(n):
        project = f.project(world.staff, world.ent_a, [world.build], lead=world.helper)
        land = project.approvals.get(item__code="LAND")
        approval_transition(actor=world.staff, approval_id=land.pk, action="receive")
        comment_add(actor=world.helper, project_id=project.pk, body="进展", internal=True)
    # ... and the shown project's own history grows too.
    land = world.approval(world.own, "LAND")
    if land.status == "pending":
        approval_transition(
            actor=world.officer, approval_id=land.pk, action="receive", now=at(2026, 11, 2)
        )
    for _ in range(n):
        comment_add(actor=world.helper, project_id=world.own.pk, body="催办", internal=False)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["staff", "officer", "enterprise"])
def test_the_page_and_its_sections_take_as_many_queries_at_any_size(client, world, role):
    client.force_login(getattr(world, role))
    base = f"/en/projects/{world.own.pk}/"
    land = world.approval(world.own, "LAND")
    urls = [
        base,
        f"{base}sections/cards/?fragment=1",
        f"{base}sections/cards/?approval={land.pk}&fragment=1",
        f"{base}sections/timeline/?fragment=1",
        f"{base}sections/events/?fragment=1",
    ]
    grow(world, 2)
    for url in urls:  # warm the per-process caches
        client.get(url)
    small = [queries(client, url) for url in urls]
    grow(world, 15)
    assert [queries(client, url) for url in urls] == small


def test_the_page_is_much_smaller_than_its_parts(client, world):
    """What a reader downloads before doing anything: not the cards' forms and checklists."""
    page = get(client, world.staff, f"/en/projects/{world.own.pk}/").content
    cards = get(client, world.staff, f"/en/projects/{world.own.pk}/sections/cards/?fragment=1")
    assert b'table class="checklist' not in page
    assert cards.content.count(b'class="checklist') == 3
