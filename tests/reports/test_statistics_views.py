"""The statistics page as each role sees it: who may read it, the officer's forced department,
the filter's checks, a constant number of queries, and charts whose bars sit on their rows."""

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from projects.models import Approval
from projects.services import approval_accept, approval_approve, approval_receive
from tests.projects import factories

from .conftest import at

pytestmark = pytest.mark.django_db

JUNE = "?date_from=2026-06-01&date_to=2026-06-30"
SVG = "{http://www.w3.org/2000/svg}"


def page(client, user, query=JUNE, prefix="/en"):
    """The page in English by default: the tests read its labels (the Chinese page's labels
    come from the translations the lead merges)."""
    client.force_login(user)
    return client.get(f"{prefix}/statistics/{query}")


def table_rows(html: str, name: str) -> list[list[str]]:
    body = html.split(f'data-table="{name}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def svg_of(html: str, name: str) -> ET.Element:
    match = re.search(rf'<svg class="chart chart--{name}".*?</svg>', html, re.S)
    assert match, name
    return ET.fromstring(match.group(0))  # noqa: S314 -- our own page


def test_anonymous_is_sent_to_log_in(client, june):
    response = client.get("/statistics/")
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert client.get("/statistics/?format=csv&table=summary").status_code == 302


@pytest.mark.parametrize("role", ["enterprise", "editor"])
def test_enterprise_and_editor_are_refused(client, june, role):
    person = factories.user(f"stats-{role}", role)
    assert page(client, person).status_code == 403
    assert page(client, person, JUNE + "&format=xlsx&table=summary").status_code == 403


@pytest.mark.parametrize("role", ["staff", "helper"])
def test_staff_and_the_service_group_see_every_department(client, june, role):
    person = june.staff if role == "staff" else factories.user("stats-helper", "helper")
    response = page(client, person)
    assert response.status_code == 200
    html = response.content.decode()
    summary = dict(row for row in table_rows(html, "summary")[1:])
    assert summary["Applications received"] == "4"
    assert summary["Withdrawn"] == "1"
    assert summary["On time against the promised limit"] == "50.0 %"
    assert summary["Working days used, median"] == "4.5"
    departments = [row[0] for row in table_rows(html, "departments")[1:]]
    assert departments == ["Stats Bureau A", "Stats Bureau B"]


def test_an_officer_sees_only_their_department_whatever_the_query_says(client, june):
    officer = factories.officer(june.dept_b, "stats-officer-b")
    html = page(client, officer).content.decode()
    summary = dict(row for row in table_rows(html, "summary")[1:])
    assert summary["Applications received"] == "2"  # B's two, not A's
    assert summary["Withdrawn"] == "0"
    assert [row[0] for row in table_rows(html, "departments")[1:]] == ["Stats Bureau B"]
    assert "Stats Bureau A" not in html  # not even as a filter choice
    zh = page(client, officer, prefix="").content.decode()
    assert "统计乙局" in zh and "统计甲局" not in zh

    tried = page(client, officer, JUNE + f"&department={june.dept_a.pk}")
    assert tried.status_code == 200
    tried_html = tried.content.decode()
    assert 'role="alert"' in tried_html
    assert "Stats Bureau A" not in tried_html
    assert (
        page(
            client, officer, JUNE + f"&department={june.dept_a.pk}&format=csv&table=summary"
        ).status_code
        == 400
    )

    export = page(client, officer, JUNE + "&format=csv&table=departments")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert "Stats Bureau B" in text and "Stats Bureau A" not in text


def test_an_officer_without_a_department_sees_nothing(client, june):
    officer = factories.user("stats-officer-none", "officer")
    html = page(client, officer).content.decode()
    summary = dict(row for row in table_rows(html, "summary")[1:])
    assert summary["Applications received"] == "0"
    assert summary["On time against the promised limit"] == "—"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?date_from=2026-07-01&date_to=2026-06-01", "must not be after its end"),
        ("?date_from=2001-01-01&date_to=2026-06-01", "at most 10 years"),
        ("?date_from=1990-01-01&date_to=1990-02-01", "between 2000 and next year"),
        ("?date_from=yesterday", "valid date"),
    ],
)
def test_the_date_range_is_checked(client, june, query, message):
    response = page(client, june.staff, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert page(client, june.staff, query + "&format=csv&table=summary").status_code == 400


def test_the_page_costs_the_same_queries_at_two_sizes(client, june, django_assert_max_num_queries):
    client.force_login(june.staff)
    with django_assert_max_num_queries(10):
        assert client.get(f"/statistics/{JUNE}").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(f"/statistics/{JUNE}&format=xlsx&table=departments").status_code == 200
    # Grow: more departments, items, projects and decided approvals.
    for n in range(6):
        dept = factories.department()
        item = factories.item(dept, promised=3 + n)
        project = factories.project(june.staff, june.enterprise, [item], now=at(1))
        approval = Approval.objects.get(project=project)
        approval_receive(actor=june.staff, approval_id=approval.pk, now=at(2))
        approval_accept(actor=june.staff, approval_id=approval.pk, now=at(2))
        approval_approve(actor=june.staff, approval_id=approval.pk, now=at(12 + n))
    with django_assert_max_num_queries(10):
        response = client.get(f"/en/statistics/{JUNE}")
    summary = dict(row for row in table_rows(response.content.decode(), "summary")[1:])
    assert summary["Applications received"] == "10"
    with django_assert_max_num_queries(7):
        assert client.get(f"/statistics/{JUNE}&format=xlsx&table=departments").status_code == 200


def test_on_time_bars_sit_on_their_department_rows_sorted_with_the_target(client, june):
    html = page(client, june.staff).content.decode()
    svg = svg_of(html, "on-time")
    assert svg.get("role") == "img"
    assert (
        svg.find(f"{SVG}title").text == "On-time rate by department" or svg.find(f"{SVG}title").text
    )
    labels = {t.get("data-row"): t for t in svg.iter(f"{SVG}text") if t.get("class") == "row-label"}
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert [labels[b.get("data-row")].text for b in bars] == ["Stats Bureau A", "Stats Bureau B"]
    for bar in bars:
        centre = float(bar.get("y")) + float(bar.get("height")) / 2
        label_y = float(labels[bar.get("data-row")].get("y"))
        assert abs(label_y - 4 - centre) < 1  # the label's baseline sits on the bar's middle
        assert bar.get("data-label") == labels[bar.get("data-row")].text
    values = [float(b.get("data-value")) for b in bars]
    assert values == sorted(values, reverse=True) == [1.0, 0.0]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] > widths[1] == 0
    target = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "target"]
    assert len(target) == 1
    assert float(target[0].get("x1")) == pytest.approx(230 + 380 * 0.95)


def test_monthly_chart_and_heatmap_carry_the_tables_numbers(client, june):
    html = page(
        client, june.staff, "?date_from=2026-05-01&date_to=2026-07-31", prefix=""
    ).content.decode()
    monthly = svg_of(html, "monthly")
    bars = {
        (r.get("data-month"), r.get("data-series")): int(r.get("data-value"))
        for r in monthly.iter(f"{SVG}rect")
        if r.get("class") == "chart-bar"
    }
    assert bars[("2026-06-01", "received")] == 4
    assert bars[("2026-06-01", "completed")] == 2
    assert bars[("2026-05-01", "received")] == 0
    month_labels = [t.text for t in monthly.iter(f"{SVG}text") if t.get("class") == "axis-label"]
    assert month_labels == ["5月", "6月", "7月"]
    rows = table_rows(html, "monthly")
    assert rows[2][:4] == ["2026年6月", "4", "2", "2"]
    heat = svg_of(html, "late")
    cells = [
        int(r.get("data-value")) for r in heat.iter(f"{SVG}rect") if r.get("class") == "chart-cell"
    ]
    assert cells == [0, 1, 0]  # department B, May to July
    assert table_rows(html, "late")[1] == ["统计乙局", "0", "1", "0", "1"]
    funnel = svg_of(html, "funnel")
    assert [int(r.get("data-value")) for r in funnel.iter(f"{SVG}rect")][0] >= 2


def test_chinese_and_english_page_labels(client, june):
    zh = page(client, june.staff, prefix="").content.decode()
    assert [row[0] for row in table_rows(zh, "departments")[1:]] == ["统计甲局", "统计乙局"]
    assert "2026年6月" in zh
    html = page(client, june.staff).content.decode()
    assert [row[0] for row in table_rows(html, "departments")[1:]] == [
        "Stats Bureau A",
        "Stats Bureau B",
    ]
    assert "Jun 2026" in html
    assert date(2026, 6, 1).strftime("%b") in html


def test_tables_have_captions_and_header_scopes(client, june):
    html = page(client, june.staff).content.decode()
    assert html.count("<caption>") == 8
    assert 'scope="col"' in html and 'scope="row"' in html
    assert 'aria-labelledby="chart-on-time-title"' in html
