"""Demo ratings."""


def seed_ratings() -> int:
    return 0
