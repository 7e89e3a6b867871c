"""Pages that list things make no more queries for more rows."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.visitor_cache import forget_visitor_pages
from tests.projects import factories as f

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

URLS = [
    "/",
    "/en/",
    "/policies/",
    "/news/",
    "/guide/",
    "/search/?q=审批",
    "/search/?q=审批&type=guide",
    "/feeds/all/",
    "/sitemap.xml",
]


def queries(client, url: str) -> int:
    """The queries of rendering the page (a visitor's second request would read the whole
    page from cms/visitor_cache.py: forgotten here, so that the rendering is what is counted)."""
    client.get(url)  # warm the caches (content types, site root paths)
    forget_visitor_pages()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(policies, news_index, n: int, start: int) -> None:
    dept = f.department(f"审批部门{start}", name_en=f"Department {start}")
    for i in range(start, start + n):
        authority = b.authority(f"发文机关{i}", f"Authority {i}")
        policy = b.policy(
            policies,
            f"审批改革政策{i}",
            issuing_authority=authority,
            topics=[f"主题{i}"],
            published_on=date(2020, 1, 1) + timedelta(days=30 * i),
            body="深化审批制度改革。",
        )
        b.interpretation(policy, f"审批政策解读{i}")
        b.news(news_index, f"审批新闻{i}", body="审批服务。")
        f.item(dept, f"ITEM-{i}", materials=((f"审批申请表{i}", f"Form {i}", True),))


@pytest.mark.parametrize("url", URLS)
def test_no_more_queries_for_more_rows(client, policies, news_index, url):
    grow(policies, news_index, 2, 0)
    few = queries(client, url)
    grow(policies, news_index, 12, 2)
    # At most as many: the search's page may hold fewer page types (one query each).
    assert queries(client, url) <= few
