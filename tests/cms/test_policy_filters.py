"""The policy library's filters: issuing authority, topic, classification, year, status."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from . import builders as b

pytestmark = pytest.mark.django_db


def titles(client, query: str = "", prefix: str = "") -> list[str]:
    response = client.get(f"{prefix}/policies/{query}")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in page.select(".policy-list .policy-item h3 a")]


@pytest.fixture
def library(policies):
    today = timezone.localdate()
    gov = b.authority()
    bureau = b.authority("区行政审批局", "District Administrative Approval Bureau")
    b.policy(
        policies,
        "营商环境措施",
        issuing_authority=gov,
        published_on=date(2025, 3, 14),
        topics=["营商环境", "投资促进"],
        classification="economy",
    )
    b.policy(
        policies,
        "容缺受理办法",
        issuing_authority=bureau,
        published_on=date(2024, 9, 10),
        topics=["容缺受理"],
        document_number="区审批发〔2024〕7号",
    )
    b.policy(
        policies,
        "2014年审批目录",
        issuing_authority=gov,
        published_on=date(2014, 9, 1),
        repealed_on=date(2025, 2, 1),
        topics=["事项目录"],
    )
    b.policy(
        policies,
        "纾困通知",
        issuing_authority=bureau,
        published_on=date(2023, 3, 6),
        expires_on=date(2024, 12, 31),
        classification="finance",
    )
    b.policy(
        policies,
        "一网通办意见",
        issuing_authority=bureau,
        published_on=today - timedelta(days=3),
        effective_from=today + timedelta(days=30),
    )
    return {"gov": gov, "bureau": bureau, "today": today}


def test_newest_first_without_filters(client, library):
    assert titles(client) == [
        "一网通办意见",
        "营商环境措施",
        "容缺受理办法",
        "纾困通知",
        "2014年审批目录",
    ]


def test_filter_by_issuing_authority(client, library):
    assert titles(client, f"?authority={library['gov'].pk}") == ["营商环境措施", "2014年审批目录"]


def test_filter_by_topic_and_classification(client, library):
    assert titles(client, "?topic=营商环境") == ["营商环境措施"]
    assert titles(client, "?classification=finance") == ["纾困通知"]


def test_filter_by_year(client, library):
    assert titles(client, "?year=2025") == ["营商环境措施"]
    assert titles(client, "?year=2014") == ["2014年审批目录"]


def test_filter_by_status(client, library):
    assert titles(client, "?status=in_force") == ["营商环境措施", "容缺受理办法"]
    assert titles(client, "?status=repealed") == ["2014年审批目录"]
    assert titles(client, "?status=expired") == ["纾困通知"]
    assert titles(client, "?status=not_yet") == ["一网通办意见"]


def test_filter_by_title_or_document_number(client, library):
    assert titles(client, "?q=审批发〔2024〕7") == ["容缺受理办法"]
    assert titles(client, "?q=目录") == ["2014年审批目录"]


def test_filters_combine_and_unknown_values_are_ignored(client, library):
    gov = library["gov"].pk
    assert titles(client, f"?authority={gov}&status=in_force") == ["营商环境措施"]
    assert len(titles(client, "?authority=999999&year=abc&status=nonsense")) == 5


def test_the_filter_offers_only_values_that_have_policies(client, library):
    page = BeautifulSoup(client.get("/policies/").content, "html.parser")
    years = [o["value"] for o in page.select("select[name=year] option") if o["value"]]
    assert years == sorted(
        {str(library["today"].year), "2025", "2024", "2023", "2014"}, reverse=True
    )
    topics = [o["value"] for o in page.select("select[name=topic] option") if o["value"]]
    assert sorted(topics) == sorted(["营商环境", "投资促进", "容缺受理", "事项目录"])


def test_pagination_keeps_the_filters(client, policies):
    gov = b.authority()
    for n in range(23):
        b.policy(
            policies,
            f"政策{n:02d}",
            issuing_authority=gov,
            published_on=date(2025, 1, 1) + timedelta(days=n),
        )
    b.policy(policies, "其他机关的政策", issuing_authority=b.authority("区财政局", "Finance"))
    first = titles(client, f"?authority={gov.pk}")
    assert len(first) == 10 and first[0] == "政策22"
    page = BeautifulSoup(client.get(f"/policies/?authority={gov.pk}").content, "html.parser")
    next_link = page.select_one('.pagination a[rel="next"]')["href"]
    assert next_link == f"?authority={gov.pk}&page=2"
    third = titles(client, f"?authority={gov.pk}&page=3")
    assert third == ["政策02", "政策01", "政策00"]
    assert titles(client, f"?authority={gov.pk}&page=99") == third  # past the end: the last page


def test_the_library_makes_the_same_number_of_queries_for_more_policies(
    client, policies, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    gov = b.authority()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/policies/?status=in_force").status_code == 200
        return len(queries)

    for n in range(3):
        b.policy(policies, f"少{n}", issuing_authority=gov, topics=[f"主题{n}"])
    few = count()
    for n in range(15):
        b.policy(
            policies,
            f"多{n}",
            issuing_authority=b.authority(f"机关{n}", f"Body {n}"),
            topics=[f"话题{n}"],
            published_on=date(2020 + n % 5, 1, 1),
        )
    with django_assert_max_num_queries(few):
        client.get("/policies/?status=in_force")
