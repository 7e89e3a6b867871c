"""The JSON API answers in the language the caller asks for (Accept-Language), else Chinese."""

import json

import pytest
from django.utils import translation

from tests.projects.test_api import as_user

pytestmark = pytest.mark.django_db


def names(response) -> dict[str, str]:
    return {row["code"]: row["name"] for row in response.json()["items"]}


@pytest.fixture
def named(world):
    world.own.name_en = "Auto glass project"
    world.own.save(update_fields=["name_en"])
    return world


@pytest.mark.parametrize(
    ("accept", "language", "name"),
    [
        ("en", "en", "Auto glass project"),
        ("en-GB,en;q=0.9", "en", "Auto glass project"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "汽车玻璃项目"),
        ("fr", "zh-hans", "汽车玻璃项目"),  # a language the portal does not speak
        (None, "zh-hans", "汽车玻璃项目"),
    ],
)
def test_names_follow_accept_language(client, named, accept, language, name):
    c = as_user(client, named.staff)
    extra = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = c.get("/api/v1/projects", **extra)
    assert names(response)["GLASS"] == name
    assert names(response)["LOGI"] == "物流基地"  # no English name: the Chinese one
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    detail = c.get(f"/api/v1/projects/{named.own.pk}", **extra).json()
    assert detail["name"] == name
    departments = {a["department"]["name"] for a in detail["approvals"]}
    english = {"Housing commission", "Planning bureau"}
    assert departments == (english if language == "en" else {"住建委", "规划局"})


def test_a_refusal_is_explained_in_the_callers_language(client, world):
    c = as_user(client, world.officer)
    land = world.approval(world.own, "LAND")
    url = f"/api/v1/approvals/{land.pk}/transitions"
    said = {}
    for accept in ("en", "zh-hans"):
        refused = c.post(
            url,
            json.dumps({"action": "approve"}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=accept,
        )
        assert refused.status_code == 409 and refused.json()["code"] == "invalid_state"
        said[accept] = refused.json()["detail"]
    assert said["en"] != said["zh-hans"]
    assert said["en"].isascii() and not said["zh-hans"].isascii()


def test_a_program_with_a_token_asks_the_same_way(client, world):
    created = client.post(
        "/api/v1/tokens",
        json.dumps({"username": "staff", "password": "pw"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert created.status_code == 201 and created["Content-Language"] == "en"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {created.json()['token']}"}
    english = client.get("/api/v1/projects", HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert english.status_code == 200 and english["Content-Language"] == "en"
    assert client.get("/api/v1/projects", **auth)["Content-Language"] == "zh-hans"


def test_the_sites_pages_keep_their_prefix_language(client, world):
    """Only /api/ negotiates: a bare page stays Chinese whatever the browser prefers."""
    c = as_user(client, world.staff)
    page = c.get("/projects/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Projects") in page.content.decode()
