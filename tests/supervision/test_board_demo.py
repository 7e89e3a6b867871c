"""The demo: the default ladder and a sweep on the demo data, so the board shows cards."""

import pytest
from bs4 import BeautifulSoup

from portal.models import User
from supervision.demo_cards import seed_cards
from supervision.models import Card, EscalationRule

pytestmark = pytest.mark.django_db


def test_the_demo_board_shows_cards_and_seeding_again_adds_nothing(client, seeded_demo):
    assert EscalationRule.objects.filter(department__isnull=True, item__isnull=True).count() == 6
    leader = EscalationRule.objects.get(trigger="red", after_days=3).people.get()
    assert leader.username == "staff"
    open_cards = Card.objects.filter(cleared_on__isnull=True)
    assert open_cards.filter(colour="red").exists()
    assert (
        open_cards.filter(colour="red", case__isnull=False).count()
        == open_cards.filter(colour="red").count()
    )
    before = (Card.objects.count(), EscalationRule.objects.count())
    assert seed_cards() == 0
    assert (Card.objects.count(), EscalationRule.objects.count()) == before

    client.force_login(User.objects.get(username="staff"))
    soup = BeautifulSoup(client.get("/en/supervision/").content, "html.parser")
    assert len(soup.select("tr[data-card]")) == min(open_cards.count(), 100)
    assert soup.select("[data-board=summary] tr[data-department]")
