"""A visitor without an account gets the public pages from the cache (cms/visitor_cache.py),
and never a page older than the last publish, catalogue change or authority edit; nobody
signed in, and no filtered or paged request, is ever served a cached page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.projects import factories as f

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]


def visit(client, url: str) -> tuple[str, int]:
    """The page's HTML and how many queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(captured)


@pytest.fixture
def site(policies, news_index):
    dept = f.department("规划局", name_en="Planning bureau")
    item = f.item(dept, "PLAN-01")
    policy = b.policy(policies, "容缺受理办法", body="先予受理。")
    return {"policy": policy, "item": item}


def test_a_visitors_second_visit_reads_the_whole_page_from_the_cache(client, site):
    policy = site["policy"]
    for url in ("/", "/en/", "/policies/", policy.url, "/guide/", "/guide/PLAN-01/"):
        first, queries = visit(client, url)
        assert queries > 0
        again, queries = visit(client, url)
        assert (again, queries) == (first, 0), url
    # Each language its own page.
    assert visit(client, "/")[0] != visit(client, "/en/")[0]


def test_publishing_editing_the_catalogue_or_an_authority_shows_at_once(client, site):
    policy, item = site["policy"], site["item"]
    visit(client, policy.url)
    visit(client, "/")
    revision = policy.get_latest_revision_as_object()
    revision.title = "容缺受理办法（修订）"
    revision.save_revision().publish()
    assert "容缺受理办法（修订）" in visit(client, policy.url)[0]
    assert "容缺受理办法（修订）" in visit(client, "/")[0]  # the home page's latest policies

    policy.issuing_authority.name = "区行政审批局（新）"
    policy.issuing_authority.save()
    assert "区行政审批局（新）" in visit(client, policy.url)[0]

    visit(client, "/guide/PLAN-01/")
    item.name = "规划许可（新名称）"
    item.save()
    assert "规划许可（新名称）" in visit(client, "/guide/PLAN-01/")[0]

    policy.refresh_from_db()
    policy.unpublish()
    assert client.get(policy.url).status_code == 404


def test_signed_in_people_and_filtered_requests_are_never_served_from_it(client, site):
    visit(client, "/")
    visit(client, "/")  # cached for visitors now
    staff = f.user("staff", "staff")
    client.force_login(staff)
    page, queries = visit(client, "/")
    assert queries > 0 and staff.get_full_name() in page  # their own page, with their name
    client.logout()
    # A filter, a page number or a made-up query string is answered, never cached.
    for url in ("/policies/?status=in_force", "/policies/?page=1", "/?utm=x"):
        visit(client, url)
        assert visit(client, url)[1] > 0, url


def test_a_visitors_search_is_answered_from_the_cache_until_a_publish(client, site, policies):
    url = "/search/?q=容缺"
    first, queries = visit(client, url)
    assert queries > 0 and site["policy"].url in first
    assert visit(client, url) == (first, 0)
    # Another tab, year or page of the same question is its own page.
    assert visit(client, url + "&type=guide")[1] > 0
    # A new policy that matches shows at once, and a catalogue change too.
    added = b.policy(policies, "后补材料清单", body="容缺。")
    assert added.url in visit(client, url)[0]
    site["item"].name = "规划许可容缺"
    site["item"].save()
    assert "/guide/PLAN-01/" in visit(client, url + "&type=guide")[0]


@pytest.mark.parametrize(
    "query",
    [
        "q=容缺&utm=x",  # a parameter the search does not read
        "q=容缺&q=审批",  # twice
        "q=" + "容" * 41,  # longer than a question asked twice
        "q=",  # nothing asked
        "q=容缺&type=other",
        "q=容缺&year=20x6",
        "q=容缺&page=0",
        "q=容缺&page=1000",
    ],
)
def test_a_search_with_anything_unusual_is_answered_afresh(client, site, query):
    visit(client, "/search/?" + query)
    assert visit(client, "/search/?" + query)[1] > 0


def test_a_signed_in_persons_search_is_never_from_the_cache(client, site):
    visit(client, "/search/?q=容缺")
    client.force_login(f.user("staff", "staff"))
    assert visit(client, "/search/?q=容缺")[1] > 0


def test_a_page_made_private_leaves_the_cache_at_once(client, site):
    from wagtail.models import PageViewRestriction

    policy = site["policy"]
    assert "先予受理" in visit(client, policy.url)[0]
    PageViewRestriction.objects.create(
        page=policy, restriction_type=PageViewRestriction.PASSWORD, password="s3cret-pass"
    )
    response = client.get(policy.url)
    assert "先予受理" not in response.content.decode()


def test_the_search_years_are_kept_until_a_publish(client, site, policies):
    from datetime import date

    def years_queries() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/search/?q=容缺").content.decode()
        return page, sum('"datefield"' in q["sql"] for q in captured.captured_queries)

    client.force_login(f.user("staff", "staff"))  # a signed-in person: the page itself afresh
    assert years_queries()[1] == 3  # one per page type
    again, queries = years_queries()
    assert queries == 0 and 'value="2019"' not in again
    b.policy(policies, "旧政策", published_on=date(2019, 5, 1))
    assert 'value="2019"' in visit(client, "/search/?q=容缺")[0]


def test_the_worker_indexing_a_page_purges_the_visitors_searches(client, site):
    """A publish purges at once, but the worker indexes the page afterwards: a search made in
    between (without the page) must not be kept once the index has it."""
    from modelsearch import index

    url = "/search/?q=容缺"
    visit(client, url)
    assert visit(client, url)[1] == 0
    index.insert_or_update_object(site["policy"])
    assert visit(client, url)[1] > 0


def test_only_so_many_searches_are_kept_in_ten_minutes(client, site, monkeypatch):
    """New questions asked without end cannot grow the cache: past the stretch's budget a
    search is answered (the same page) but not kept; the plain pages still are."""
    from cms import visitor_cache

    monkeypatch.setattr(visitor_cache, "QUERY_ENTRIES_PER_STRETCH", 2)
    for q in ("容缺", "受理"):
        visit(client, f"/search/?q={q}")
        assert visit(client, f"/search/?q={q}")[1] == 0, q
    page, queries = visit(client, "/search/?q=办法")
    assert queries > 0 and visit(client, "/search/?q=办法") == (page, queries)
    visit(client, "/guide/")
    assert visit(client, "/guide/")[1] == 0
