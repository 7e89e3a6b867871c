"""Demo cases, cards, ladder and ratings, made through the services."""

from . import demo_cards, demo_ratings


def seed_supervision() -> int:
    added = 0
    added += demo_cards.seed_cards()
    added += demo_ratings.seed_ratings()
    return added


def delete_supervision() -> None:
    return None
