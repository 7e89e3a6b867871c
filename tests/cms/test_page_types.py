"""Which page goes where: editors can only build the tree the portal expects."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from cms.models import (
    HomePage,
    InterpretationPage,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
)

from . import builders as b

pytestmark = pytest.mark.django_db


def allowed_children(model) -> set:
    return set(model.allowed_subpage_models())


def test_each_page_type_has_its_place_in_the_tree():
    assert allowed_children(HomePage) == {PolicyIndexPage, NewsIndexPage}
    assert allowed_children(PolicyIndexPage) == {PolicyPage}
    assert allowed_children(PolicyPage) == {InterpretationPage}
    assert allowed_children(NewsIndexPage) == {NewsPage}
    assert allowed_children(InterpretationPage) == set()
    assert allowed_children(NewsPage) == set()
    assert set(PolicyPage.allowed_parent_page_models()) == {PolicyIndexPage}
    assert set(InterpretationPage.allowed_parent_page_models()) == {PolicyPage}
    assert set(NewsPage.allowed_parent_page_models()) == {NewsIndexPage}
    assert set(HomePage.allowed_parent_page_models()) == {Page}


def test_a_home_page_has_one_policy_library_and_one_news_index(home, policies, news_index):
    assert not PolicyIndexPage.can_create_at(home)
    assert not NewsIndexPage.can_create_at(home)
    assert not PolicyPage.can_create_at(home)
    assert PolicyPage.can_create_at(policies)
    assert not NewsPage.can_create_at(policies)


def test_interpretations_sit_under_their_policy(policies):
    policy = b.policy(policies, "关于优化营商环境的若干措施")
    interpretation = b.interpretation(policy, "解读")
    assert interpretation.policy == policy
    assert InterpretationPage.can_create_at(policy)
    assert not InterpretationPage.can_create_at(policies)


def test_the_policy_library_always_lives_at_policies(home):
    index = b.publish(home, PolicyIndexPage(title="政策文件", slug="zheng-ce"))
    assert index.slug == "policies"
    assert index.url == "/policies/"


def test_a_policy_cannot_expire_before_it_takes_effect(policies):
    from datetime import date

    policy = b.policy(policies, published_on=date(2025, 3, 1))
    policy.expires_on = date(2025, 1, 1)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "expires_on" in error.value.message_dict
    policy.expires_on = None
    policy.date_written = date(2025, 4, 1)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "published_on" in error.value.message_dict
