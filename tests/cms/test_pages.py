"""Every public page type renders, in Chinese and English, with what a visitor looks for."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from projects.models import ApprovalItem
from tests.projects import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def meta_description(page) -> str:
    return page.select_one('meta[name="description"]')["content"]


def metadata(page) -> dict:
    return {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(
            page.select(".policy-meta dt"), page.select(".policy-meta dd"), strict=True
        )
    }


@pytest.fixture
def catalogue(db):
    planning = f.department("区规划和自然资源局", name_en="Planning Bureau")
    return f.item(planning, "PNR-02", promised=10, statutory=20)


@pytest.fixture
def policy(policies, catalogue):
    page = b.policy(
        policies,
        "关于进一步优化营商环境的若干措施",
        body="推行并联审批和限时办结。",
        summary="十二条措施推动重大项目早开工。",
        document_number="区政发〔2025〕6号",
        index_number="11120111MB/2025-00006",
        classification="economy",
        date_written=date(2025, 3, 10),
        published_on=date(2025, 3, 14),
        topics=["营商环境"],
    )
    page.approval_item_links.create(item=catalogue)
    page.save_revision().publish()
    return page


def test_a_policy_shows_the_metadata_block_of_government_documents(client, policy):
    page = soup(client.get(f"/policies/{policy.slug}/"))
    assert page.h1.get_text() == "关于进一步优化营商环境的若干措施"
    meta = metadata(page)
    # The labels are the page's language (English msgids until the Chinese catalogue is built).
    values = list(meta.values())
    assert "11120111MB/2025-00006" in values
    assert "区人民政府" in values
    assert "区政发〔2025〕6号" in values
    assert "2025-03-10" in values and "2025-03-14" in values
    assert page.select_one(".policy-meta .policy-status--in_force") is not None
    assert meta_description(page) == "十二条措施推动重大项目早开工。"
    assert page.select_one(".body").get_text(strip=True) == "推行并联审批和限时办结。"
    guide_link = page.select_one('a[href="/guide/PNR-02/"]')
    assert guide_link is not None
    assert [a.get_text() for a in page.select(".topics a")] == ["营商环境"]
    assert (
        page.select_one(".topics a")["href"]
        == "/policies/?topic=%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83"
    )


def test_a_policys_status_follows_its_dates(client, policies):
    today = timezone.localdate()
    repealed = b.policy(
        policies, "旧目录", repealed_on=date(2025, 2, 1), date_written=date(2014, 8, 1)
    )
    expired = b.policy(
        policies, "纾困通知", published_on=date(2023, 3, 6), expires_on=date(2024, 12, 31)
    )
    later = b.policy(policies, "一网通办", effective_from=today.replace(year=today.year + 1))
    statuses = {
        p.slug: soup(client.get(f"/policies/{p.slug}/")).select_one(".policy-meta .policy-status")[
            "class"
        ][-1]
        for p in (repealed, expired, later)
    }
    assert statuses == {
        repealed.slug: "policy-status--repealed",
        expired.slug: "policy-status--expired",
        later.slug: "policy-status--not_yet",
    }
    page = soup(client.get(f"/policies/{repealed.slug}/"))
    assert page.select_one(".notice--important") is not None


def test_interpretations_are_shown_on_their_policy_and_link_back(client, policy):
    interpretation = b.interpretation(policy, "一图读懂十二条措施", kind="qa", body="谁来服务")
    page = soup(client.get(f"/policies/{policy.slug}/"))
    links = page.select(".interpretations a")
    assert [a.get_text() for a in links] == ["一图读懂十二条措施"]
    assert links[0]["href"] == f"/policies/{policy.slug}/{interpretation.slug}/"
    page = soup(client.get(links[0]["href"]))
    assert page.h1.get_text() == "一图读懂十二条措施"
    assert page.select_one(".interpreted-policy a")["href"] == f"/policies/{policy.slug}/"
    crumbs = [a.get_text() for a in page.select(".breadcrumbs a")]
    assert crumbs == ["重大项目服务平台", "政策文件", "关于进一步优化营商环境的若干措施"]


def test_related_policies_show_both_ways_in_the_pages_language(client, policies):
    first = b.policy(policies, "甲政策")
    second = b.policy(policies, "乙政策")
    first.related_policy_links.create(policy=second)
    first.save_revision().publish()
    assert [
        a.get_text()
        for a in soup(client.get(f"/policies/{first.slug}/")).select("#related-policies ~ ul a")
    ] == ["乙政策"]
    assert [
        a.get_text()
        for a in soup(client.get(f"/policies/{second.slug}/")).select("#related-policies ~ ul a")
    ] == ["甲政策"]
    b.translate(first, title="Policy A")
    b.translate(second, title="Policy B")
    english = soup(client.get(f"/en/policies/{first.slug}/"))
    assert [a.get_text() for a in english.select("#related-policies ~ ul a")] == ["Policy B"]
    assert english.select_one("#related-policies ~ ul a")["href"].startswith("/en/policies/")


def test_attachments_are_wagtail_documents(client, policy):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document(title="附件：申请表")
    document.file.save("form.txt", ContentFile(b"form"), save=False)
    document.save()
    policy.attachments.create(document=document)
    policy.save_revision().publish()
    page = soup(client.get(f"/policies/{policy.slug}/"))
    link = page.select_one("#attachments ~ ul a")
    assert link.get_text() == "附件：申请表"
    assert link["href"] == document.url
    assert client.get(document.url).status_code == 200


def test_the_english_translation_renders_under_en(client, policy):
    english = b.translate(
        policy,
        title="Measures to improve the business environment",
        summary="Twelve measures.",
        body="Parallel approvals.",
    )
    page = soup(client.get(f"/en/policies/{english.slug}/"))
    assert page.html["lang"] == "en"
    assert page.h1.get_text() == "Measures to improve the business environment"
    assert "Issuing authority" in metadata(page)
    assert metadata(page)["Issuing authority"] == "District People's Government"
    switch = page.select_one(".language-switcher a")
    assert switch["href"] == f"/policies/{policy.slug}/"
    alternates = {
        link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"][hreflang]')
    }
    assert alternates == {
        "zh-Hans": f"http://localhost/policies/{policy.slug}/",
        "en": f"http://localhost/en/policies/{policy.slug}/",
    }
    assert (
        page.select_one('link[rel="canonical"]')["href"]
        == f"http://localhost/en/policies/{policy.slug}/"
    )


def test_news_index_and_article(client, news_index):
    article = b.news(
        news_index,
        "区行政审批局一年受理办件24051件",
        summary="办结率100%",
        date=date(2026, 1, 8),
        source="区行政审批局",
        body="企业设立4520户。",
    )
    index = soup(client.get("/news/"))
    assert [a.get_text() for a in index.select(".news-articles h2 a")] == [
        "区行政审批局一年受理办件24051件"
    ]
    page = soup(client.get(article.url))
    assert page.h1.get_text() == "区行政审批局一年受理办件24051件"
    assert "2026-01-08" in page.select_one("article .muted").get_text()
    assert meta_description(page) == "办结率100%"
    assert page.title.get_text().startswith("区行政审批局一年受理办件24051件")


def test_the_home_page_lists_the_latest_policies_and_news_and_the_figures(
    client, home, policies, news_index
):
    for n in range(7):
        b.policy(policies, f"政策{n}", published_on=date(2025, 1, n + 1))
    b.news(news_index, "新闻甲")
    page = soup(client.get("/"))
    titles = [a.get_text() for a in page.select(".policy-list h3 a")]
    assert titles == ["政策6", "政策5", "政策4", "政策3", "政策2"]
    assert [a.get_text() for a in page.select(".news-list a")] == ["新闻甲"]
    assert "24,051" in page.select_one(".home-figures").get_text()
    assert page.select_one('form.search-box[action="/search/"]') is not None
    assert page.select_one('a[href="/guide/"]') is not None
    assert meta_description(page).startswith("区行政审批局重大项目服务平台")
    english = soup(client.get("/en/"))
    assert "applications received" in english.select_one(".home-figures").get_text()
    assert english.select_one('form.search-box[action="/en/search/"]') is not None


def test_the_policy_library_is_in_the_navigation(client, policies):
    page = soup(client.get("/policies/"))
    nav = {a.get_text(strip=True): a["href"] for a in page.select("nav.main-nav a")}
    assert "/policies/" in nav.values() and "/guide/" in nav.values()
    assert page.select_one('nav.main-nav a[aria-current="page"]')["href"] == "/policies/"
    assert soup(client.get("/en/policies/")).h1.get_text() == "Policies"


def test_unknown_pages_are_404(client, policies):
    assert client.get("/policies/no-such-policy/").status_code == 404
    assert client.get("/guide/NO-SUCH-ITEM/").status_code == 404


def test_guides_render_from_the_catalogue(client, catalogue, policy):
    page = soup(client.get("/guide/PNR-02/"))
    assert page.h1.get_text() == catalogue.name
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in page.select("table.materials tbody tr")
    ]
    assert [row[1] for row in rows] == ["申请表", "补充说明"]
    assert page.select("table.materials tr.material--key")[0].select("td")[1].get_text() == "申请表"
    assert [a.get_text() for a in page.select("#related-policies ~ ul a")] == [policy.title]
    english = soup(client.get("/en/guide/PNR-02/"))
    assert english.h1.get_text() == catalogue.name_en
    assert "10 working days" in english.select_one(".guide-facts").get_text()
    assert [
        row.select("td")[1].get_text() for row in english.select("table.materials tbody tr")
    ] == [
        "Application form",
        "Supplementary note",
    ]
    assert english.title.get_text().startswith(catalogue.name_en)
    assert "10 working days" in meta_description(english)


def test_the_guide_index_lists_items_by_department_with_a_filter(client, catalogue):
    water = f.department("区水务局", name_en="Water Bureau")
    online = f.item(water, "WAT-01")
    ApprovalItem.objects.filter(pk=online.pk).update(fully_online=True)
    page = soup(client.get("/en/guide/"))
    departments = [h.contents[0].strip() for h in page.select(".guide-department h2")]
    assert sorted(departments) == ["Planning Bureau", "Water Bureau"]
    assert "2 approval items" in page.select_one(".intro").get_text()
    assert "1 of them (50 %)" in page.select_one(".intro").get_text()
    only_water = soup(client.get(f"/en/guide/?department={water.pk}"))
    assert [tr["data-item"] for tr in only_water.select("tr[data-item]")] == ["WAT-01"]
    online_only = soup(client.get("/en/guide/?online=on"))
    assert [tr["data-item"] for tr in online_only.select("tr[data-item]")] == ["WAT-01"]
    by_name = soup(client.get("/guide/?q=PNR"))
    assert [tr["data-item"] for tr in by_name.select("tr[data-item]")] == ["PNR-02"]
    ignored = soup(client.get("/guide/?department=nonsense"))
    assert len(ignored.select("tr[data-item]")) == 2
