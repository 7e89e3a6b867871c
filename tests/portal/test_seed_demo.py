import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from cms.models import HomePage
from portal.models import User
from portal.roles import roles_of

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "staff": {"staff"},
    "editor": {"editor"},
    "helper": {"helper"},
    "helper2": {"helper"},
    "officer": {"officer"},
    "enterprise": {"enterprise"},
    "enterprise2": {"enterprise"},
}


def snapshot():
    return {
        "users": sorted(User.objects.values_list("username", "name", "email", "language")),
        "pages": sorted(Page.objects.values_list("title", "locale__language_code", "live")),
        "revisions": Revision.objects.count(),
        "sites": list(Site.objects.values_list("root_page__title", "is_default_site")),
    }


def test_seed_creates_every_demo_account_with_the_given_password(seeded_demo):
    # The shared demo is `seed_demo --password <seeded_demo.password>` (tests/conftest.py).
    assert seeded_demo.password == "s3cret-pw"
    for username, roles in ACCOUNTS.items():
        user = authenticate(username=username, password="s3cret-pw")
        assert user is not None, username
        assert roles_of(user) == roles, username
    assert User.objects.get(username="staff").is_superuser
    assert not User.objects.get(username="editor").is_superuser
    assert User.objects.get(username="editor").has_perm("wagtailadmin.access_admin")
    assert not User.objects.get(username="enterprise").has_perm("wagtailadmin.access_admin")


def test_seed_twice_leaves_the_same_data(seeded_demo):
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first


def test_seed_makes_a_chinese_home_page_with_an_english_translation(seeded_demo, client):
    home = Site.objects.get(is_default_site=True).root_page.specific
    assert isinstance(home, HomePage)
    assert home.locale.language_code == "zh-hans"
    assert client.get("/").context["page"].title == "重大项目服务平台"
    assert client.get("/en/").context["page"].title == "Major-Project Service Portal"


def test_reset_rebuilds_the_demo_data(seeded_demo):
    User.objects.filter(username="helper").update(name="changed")
    HomePage.objects.update(hotline="000")
    call_command("seed_demo", "--reset", verbosity=0)
    assert User.objects.get(username="helper").name == "王海"
    assert set(HomePage.objects.values_list("hotline", flat=True)) == {"022-12345"}
    assert HomePage.objects.count() == 2
