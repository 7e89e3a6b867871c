"""The base template and the routes every page relies on."""

import pytest
from bs4 import BeautifulSoup

from cms.demo import seed_home_pages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home():
    return seed_home_pages()


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def nav_labels(page):
    return [a.get_text(strip=True) for a in page.select("nav.main-nav a")]


def test_home_in_chinese_at_the_bare_path_and_english_under_en(client):
    zh = soup(client.get("/"))
    assert zh.html["lang"] == "zh-Hans"
    assert zh.h1.get_text() == "重大项目服务平台"
    assert zh.select_one("a.skip-link")["href"] == "#main"
    assert zh.select_one("main#main") is not None
    en = soup(client.get("/en/"))
    assert en.html["lang"] == "en"
    assert en.h1.get_text() == "Major-Project Service Portal"
    assert en.select_one("a.skip-link").get_text() == "Skip to main content"


def test_the_language_switcher_goes_to_the_same_page_in_the_other_language(client):
    zh = soup(client.get("/"))
    assert [a["href"] for a in zh.select(".language-switcher a")] == ["/en/"]
    en = soup(client.get("/en/"))
    assert [a["href"] for a in en.select(".language-switcher a")] == ["/"]
    login_en = soup(client.get("/en/accounts/login/?next=/en/"))
    assert [a["href"] for a in login_en.select(".language-switcher a")] == [
        "/accounts/login/?next=/en/"
    ]


def test_login_and_logout_under_both_languages(client, make_user):
    make_user("helper", "helper", password="pw-123456")
    page = soup(client.get("/accounts/login/"))
    assert page.h1.get_text() == "登录"
    assert soup(client.get("/en/accounts/login/")).h1.get_text() == "Log in"
    refused = client.post("/en/accounts/login/", {"username": "helper", "password": "wrong"})
    assert refused.status_code == 200
    assert "correct username and password" in refused.content.decode()
    response = client.post(
        "/en/accounts/login/", {"username": "helper", "password": "pw-123456", "next": "/en/"}
    )
    # Signing in from the home page lands on the person's work: a helper's projects.
    assert response.status_code == 302 and response["Location"] == "/en/projects/"
    assert "helper" in soup(client.get("/en/")).select_one(".whoami").get_text()
    assert client.post("/en/accounts/logout/").status_code == 302
    assert soup(client.get("/en/")).select_one(".whoami") is None


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("staff", "/projects/"),
        ("helper", "/projects/"),
        ("officer", "/queue/"),
        ("enterprise", "/projects/"),
        ("editor", "/admin/"),
    ],
)
def test_signing_in_lands_on_the_persons_work(client, make_user, role, landing):
    make_user(f"u-{role}", role, password="pw-123456")
    response = client.post("/accounts/login/", {"username": f"u-{role}", "password": "pw-123456"})
    assert response["Location"] == landing
    # A page asked for before signing in is kept.
    client.logout()
    asked = client.post(
        "/accounts/login/?next=/meetings/", {"username": f"u-{role}", "password": "pw-123456"}
    )
    assert asked["Location"] == "/meetings/"


@pytest.mark.parametrize(
    ("role", "sees_back_office"),
    [
        ("staff", True),
        ("editor", True),
        ("helper", False),
        ("officer", False),
        ("enterprise", False),
    ],
)
def test_navigation_fits_each_kind_of_user(client, make_user, role, sees_back_office):
    client.force_login(make_user(f"u-{role}", role))
    labels = nav_labels(soup(client.get("/en/")))
    assert "Home" in labels
    assert ("Back office" in labels) is sees_back_office


def test_anonymous_visitors_get_a_login_link_and_no_back_office(client):
    page = soup(client.get("/en/"))
    assert "Back office" not in nav_labels(page)
    assert page.select_one('.site-tools a[href^="/en/accounts/login/"]') is not None


def test_machine_routes_have_no_language_prefix(client, make_user):
    client.force_login(make_user("boss", "staff"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/en/admin/", follow=True).status_code == 404


def test_the_page_is_readable_without_javascript_and_fits_a_phone(client):
    page = soup(client.get("/"))
    assert page.select_one('meta[name="viewport"]')["content"].startswith("width=device-width")
    # Navigation and language switch are plain links: nothing needs a script.
    assert page.select("nav.main-nav a") and page.select(".language-switcher a")
    assert not page.select("script[src]")
