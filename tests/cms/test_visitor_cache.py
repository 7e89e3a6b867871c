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
