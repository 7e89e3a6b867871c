"""The Atom feeds and the sitemap: well-formed, complete, in both languages."""

import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest

from tests.projects import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def content(policies, news_index):
    policy = b.policy(
        policies, "容缺受理实施办法", summary="先受理后补交。", published_on=date(2025, 9, 10)
    )
    b.translate(policy, title="Accept now, supplement later", summary="Accept first.")
    b.policy(policies, "营商环境措施", published_on=date(2024, 1, 5))
    b.news(news_index, "企业开办一日办结", date=date(2025, 10, 1), source="区行政审批局")
    return policy


def atom(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == f"{ATOM}feed"
    return root


def test_the_atom_feed_of_policies_and_news_is_valid(client, content):
    feed = atom(client, "/feeds/all/")
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/all/"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "企业开办一日办结",
        "容缺受理实施办法",
        "营商环境措施",
    ]
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith("http://testserver/")
        assert client.get(link.removeprefix("http://testserver")).status_code == 200
        rfc3339(entry.find(f"{ATOM}updated").text)
        rfc3339(entry.find(f"{ATOM}published").text)
        assert entry.find(f"{ATOM}summary").text
    first = entries[1]
    assert first.find(f"{ATOM}author/{ATOM}name").text == "区人民政府"
    assert rfc3339(first.find(f"{ATOM}published").text).date() == date(2025, 9, 10)


def test_feeds_per_kind_and_language(client, content):
    policies = atom(client, "/feeds/policies/").findall(f"{ATOM}entry")
    assert len(policies) == 2
    news = atom(client, "/feeds/news/").findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in news] == ["企业开办一日办结"]
    english = atom(client, "/en/feeds/all/")
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert [e.find(f"{ATOM}title").text for e in english.findall(f"{ATOM}entry")] == [
        "Accept now, supplement later"
    ]
    assert client.get("/feeds/unknown/").status_code == 404


def test_pages_announce_their_feed(client, content):
    html = client.get("/policies/").content.decode()
    assert 'type="application/atom+xml"' in html and 'href="/feeds/policies/"' in html


def test_the_sitemap_lists_pages_in_both_languages_and_the_guides(client, content, settings):
    """On the configured public address, not the host the request came through."""
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    f.item(f.department("区规划和自然资源局"), "PNR-02")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == f"{SITEMAP}urlset"
    locations = [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]
    assert len(locations) == len(set(locations))
    assert (
        "https://portal.example.gov.cn/" in locations
        and "https://portal.example.gov.cn/en/" in locations
    )
    assert f"https://portal.example.gov.cn/policies/{content.slug}/" in locations
    assert f"https://portal.example.gov.cn/en/policies/{content.slug}/" in locations
    assert "https://portal.example.gov.cn/guide/PNR-02/" in locations
    assert "https://portal.example.gov.cn/en/guide/PNR-02/" in locations
    assert "https://portal.example.gov.cn/guide/" in locations
    guide = next(
        u
        for u in root.findall(f"{SITEMAP}url")
        if u.find(f"{SITEMAP}loc").text == "https://portal.example.gov.cn/guide/PNR-02/"
    )
    alternates = {a.get("hreflang"): a.get("href") for a in guide.findall(f"{XHTML}link")}
    assert alternates == {
        "zh-hans": "https://portal.example.gov.cn/guide/PNR-02/",
        "en": "https://portal.example.gov.cn/en/guide/PNR-02/",
    }
    for url in root.findall(f"{SITEMAP}url"):
        lastmod = url.find(f"{SITEMAP}lastmod")
        if lastmod is not None:
            rfc3339(lastmod.text)


def test_unpublished_pages_and_inactive_items_stay_out_of_the_sitemap(client, content, settings):
    settings.PORTAL_BASE_URL = "http://localhost"
    item = f.item(f.department("区水务局"), "WAT-09")
    item.is_active = False
    item.save()
    content.unpublish()
    body = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://localhost/policies/{content.slug}/</loc>" not in body
    assert f"<loc>http://localhost/en/policies/{content.slug}/</loc>" in body  # still live
    assert "WAT-09" not in body
