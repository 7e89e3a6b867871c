"""The project list is not a Wagtail page: no Wagtail user bar (nor its queries) there, though
its paginator's page is called `page` too; CMS pages keep theirs for editors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.demo import seed_home_pages
from tests.projects import factories as f

pytestmark = pytest.mark.django_db

USERBAR = b"wagtail-userbar"


def test_staff_see_no_user_bar_on_the_project_list(client, world):
    client.force_login(world.staff)
    response = client.get("/projects/")
    assert response.status_code == 200
    assert b"data-project=" in response.content  # the list itself is there
    assert USERBAR not in response.content


def test_the_list_asks_nothing_for_a_user_bar(client, world):
    # The user bar asked whether the person may open the admin (their user and group
    # permissions): a helper may not, and the list has no business asking.
    client.force_login(world.helper)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/projects/").status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "user_permissions" not in sql
    assert "auth_group_permissions" not in sql


def test_editors_still_get_it_on_a_cms_page(client):
    home = seed_home_pages()
    client.force_login(f.user("editor-in-chief", "staff"))
    response = client.get(home.url)
    assert response.status_code == 200
    assert USERBAR in response.content
